"""Lint one source text: prefilter, one libcst parse, one batched traversal, findings.

Every finding is returned, suppressed or not: ``perflint.linting`` applies the ``# noqa``
comments (and reports the ones that suppress nothing).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable, Sequence
from functools import cache

import libcst as cst

from perflint.lines import split_lines
from perflint.patterns.dispatch import PatternDispatcher
from perflint.patterns.rule import PatternRule
from perflint.positions import node_ranges
from perflint.prefilter import MAX_DEPTH, Plan, identifiers, plan
from perflint.rule import Before, EditTarget, FileContext, Report, Rule
from perflint.ruleset import all_rules, load_check
from perflint.scope import ScopeTracker
from perflint.types import Edit, Finding, Fix, Location, RuleSpec, Settings

ERROR_CODE = "PFL000"
#: PFL000's name: a file that could not be read, decoded or parsed (or its fixes written).
ERROR_NAME = "file-error"



@cache
def _spec_index(rule_paths: tuple[str, ...]) -> dict[str, RuleSpec]:
    return {spec.code: spec for spec in all_rules(rule_paths)}


def enabled_checks(settings: Settings) -> list[tuple[RuleSpec, type[Rule]]]:
    """The selected rules that apply to the target version, with their check classes."""
    index = _spec_index(settings.rule_paths)
    checks = []
    for code in sorted(set(settings.select)):
        spec = index[code]
        if spec.applies_to(settings.target_version):
            checks.append((spec, load_check(spec)))
    return checks


def error_finding(path: str, message: str, row: int = 1, column: int = 1) -> Finding:
    location = Location(max(row, 1), max(column, 1))
    return Finding(
        code=ERROR_CODE,
        name=ERROR_NAME,
        message=message,
        path=path,
        start=location,
        end=location,
    )


class _TooDeep(Exception):
    pass


def _c_parse(source: str, path: str) -> tuple[ast.AST | None, SyntaxError | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        try:
            return ast.parse(source, filename=path), None
        except SyntaxError as error:
            return None, error
        except (RecursionError, MemoryError):
            # Nested deeper than CPython's own parser allows: libcst's would recurse (and
            # its native parser can overflow the C stack and kill the process), so stop here.
            raise _TooDeep from None
        except ValueError as error:  # e.g. NUL bytes
            return None, SyntaxError(str(error))


TOO_DEEP_FOR_LIBCST = f"file is nested too deeply (over {MAX_DEPTH} levels) to analyse"
TOO_DEEP = "file is nested too deeply to analyse (CPython's parser gives up on it too)"


def lint_text(source: str, path: str, settings: Settings) -> tuple[list[Finding], Finding | None]:
    """Findings for ``source`` (no fixing), and the PFL000 error if it cannot be parsed."""
    checks = enabled_checks(settings)
    # CPython's own parser is ~6x faster than libcst's; it also gives the best syntax errors.
    try:
        tree, syntax_error = _c_parse(source, path)
    except _TooDeep:
        return [], error_finding(path, TOO_DEEP)
    work = plan(source, tree, checks, settings.prefilter)
    if not work.checks and syntax_error is None:
        return [], None
    if work.too_deep:
        return [], error_finding(path, TOO_DEEP_FOR_LIBCST)
    try:
        module = cst.parse_module(work.source)
    except cst.ParserSyntaxError as error:
        if syntax_error is not None:
            return [], error_finding(
                path,
                f"SyntaxError: {syntax_error.msg}",
                syntax_error.lineno or 1,
                syntax_error.offset or 1,
            )
        return [], error_finding(
            path, f"SyntaxError: {error.message}", error.raw_line, error.raw_column + 1
        )
    except RecursionError:
        return [], error_finding(path, TOO_DEEP_FOR_LIBCST)
    if not work.checks:
        return [], None
    try:
        reports = _traverse(module, source, tree, path, settings, work)
        return _to_findings(module, source, work.source, path, reports), None
    except RecursionError:
        return [], error_finding(path, TOO_DEEP_FOR_LIBCST)


def _traverse(
    module: cst.Module,
    source: str,
    tree: ast.AST | None,
    path: str,
    settings: Settings,
    work: Plan,
) -> list[Report]:
    tracker = ScopeTracker(work.hidden_bindings, work.hidden_declared)
    context = FileContext(
        path=path,
        source=source,
        module=module,
        target_version=settings.target_version,
        tracker=tracker,
        identifiers=(lambda: identifiers(tree)) if tree is not None else None,
    )
    rules = [cls(spec, context) for spec, cls in work.checks]
    visitors: list[cst.BatchableCSTVisitor] = [tracker, *rules]
    patterned = [rule for rule in rules if isinstance(rule, PatternRule)]
    if patterned:
        visitors.append(PatternDispatcher(patterned, context))
    cst.visit_batched(module, visitors)
    reports: list[Report] = []
    for rule in rules:
        rule.finish()
        for report in rule.reports:
            scope = report.scope or tracker.module_scope
            assert scope is not None
            if all(scope.is_builtin(name) for name in report.builtins):
                reports.append(report)
    return reports


def _skip_blank(lines: Sequence[str], start: Location) -> Location:
    """The first code at or after ``start``: a node libcst gives no syntactic range (a
    comprehension's ``for`` clause) owns the whitespace and comments before it."""
    row, column = start.row, start.column
    while row <= len(lines):
        line = lines[row - 1]
        rest = line[column - 1 :]
        stripped = rest.lstrip(" \t\f")
        if stripped and not stripped.startswith(("#", "\\")):
            return Location(row, column + len(rest) - len(stripped))
        row, column = row + 1, 1
    return start


def _span(target: EditTarget) -> tuple[cst.CSTNode, cst.CSTNode]:
    """The first and last node of an edit's range: one node, or a (first, last) pair."""
    if isinstance(target, Before):
        return (target.node, target.node)
    return target if isinstance(target, tuple) else (target, target)



def _is_word_character(character: str) -> bool:
    """True for a character that may continue a name or keyword (``_``, ``9``, ``é``)."""
    return ("a" + character).isidentifier()


def _edit(
    lines: Sequence[str], start: Location, end: Location, content: str, original: str = ""
) -> Edit:
    """The edit of ``original`` (the text from ``start`` to ``end``), with a space added where its
    text would fuse with the code around it into one token: ``k in d.keys()and x`` becomes
    ``k in d and x``, not ``k in dand x``."""
    line = lines[start.row - 1] if start.row <= len(lines) else ""
    before = line[: start.column - 1][-1:]
    line = lines[end.row - 1] if end.row <= len(lines) else ""
    after = line[end.column - 1 :][:1]
    def fuse(left: str, right: str) -> bool:
        return bool(left and right) and _is_word_character(left) and _is_word_character(right)

    if not content:  # a deletion joins its neighbours; an empty insertion changes nothing
        return Edit(start, end, " " if start != end and fuse(before, after) else "", original)
    if fuse(before, content[0]):
        content = " " + content
    if fuse(content[-1], after):
        content += " "
    return Edit(start, end, content, original)


def _to_findings(
    module: cst.Module, source: str, parsed: str, path: str, reports: Iterable[Report]
) -> list[Finding]:
    reports = list(reports)
    if not reports:
        return []
    wanted: list[cst.CSTNode] = []
    for report in reports:
        wanted.append(report.node)
        if report.end_node is not None:
            wanted.append(report.end_node)
        wanted.extend(node for target, _ in report.edits for node in _span(target))
    ranges = node_ranges(module, wanted)
    lines = split_lines(source)
    findings = []
    for report in reports:
        start, end, _ = ranges[id(report.node)]
        start = _skip_blank(lines, start)
        if report.end_node is not None:
            end = ranges[id(report.end_node)].end
        fix = None
        if report.edits:
            edits = []
            for target, replacement in report.edits:
                first, last = ranges[id(_span(target)[0])], ranges[id(_span(target)[1])]
                content = (
                    replacement if isinstance(replacement, str) else module.code_for_node(replacement)
                )
                if isinstance(target, Before):  # an insertion: it replaces nothing
                    edits.append(_edit(lines, first.start, first.start, content, ""))
                    continue
                # The text libcst parsed there: the fixer checks that it is still what it edits.
                original = parsed[first.offsets[0] : last.offsets[1]]
                edits.append(_edit(lines, first.start, last.end, content, original))
            fix = Fix(report.applicability, report.fix_title, tuple(sorted(edits, key=lambda e: e.start)))
        flagged = report.flagged or report.node
        findings.append(
            Finding(
                code=report.spec.code,
                name=report.spec.name,
                message=report.message,
                path=path,
                start=start,
                end=end,
                fix=fix,
                fix_title=report.fix_title,
                flagged_code=module.code_for_node(flagged),
                rewritten_code=(
                    module.code_for_node(report.rewritten) if report.rewritten is not None else None
                ),
                builtins=report.builtins,
                context=report.scope.qualname if report.scope is not None else "",
            )
        )
    findings.sort(key=lambda finding: finding.sort_key)
    return findings
