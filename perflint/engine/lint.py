"""Lint one source text: CPython's verdict, the prefilter, libcst on what the rules need, one
batched traversal, findings.

Every finding is returned, suppressed or not: ``perflint.engine.linting`` applies the ``# noqa``
comments (and reports the ones that suppress nothing).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import libcst as cst

from perflint.engine import libcst_parse, syntax, traverse
from perflint.engine.positions import Unfaithful, node_ranges
from perflint.engine.prefilter import MAX_DEPTH, Plan, Statement, identifiers, plan, with_needles
from perflint.engine.syntax import Rejection
from perflint.rules.api import Before, EditTarget, FileContext, Report, Rule
from perflint.rules.patterns.dispatch import PatternDispatcher
from perflint.rules.patterns.rule import PatternRule
from perflint.rules.registry import all_rules, load_check
from perflint.rules.scope import ScopeTracker
from perflint.text.lines import split_lines
from perflint.types import Edit, Finding, Fix, Location, RuleSpec, Settings

ERROR_CODE = "PFL000"
#: PFL000's name: a file that could not be read, decoded or parsed (or its fixes written).
ERROR_NAME = "file-error"
#: PFL000's name for code CPython accepts but perflint's parser cannot read.
PARSER_LIMIT = "parser-limit"


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


def error_finding(
    path: str, message: str, row: int = 1, column: int = 1, name: str = ERROR_NAME
) -> Finding:
    location = Location(max(row, 1), max(column, 1))
    return Finding(
        code=ERROR_CODE,
        name=name,
        message=message,
        path=path,
        start=location,
        end=location,
    )


TOO_DEEP = "file is nested too deeply to analyse (CPython's parser gives up on it too)"
TOO_DEEP_FOR_AST = (
    "file is nested too deeply for perflint to analyse (CPython compiles it, but its ast is"
    " deeper than Python allows)"
)
TOO_DEEP_FOR_LIBCST = f"file is nested too deeply (over {MAX_DEPTH} levels) for perflint's parser"
_RUNNING = f"CPython {platform.python_version()}"


def parser_limit(path: str, message: str, row: int = 1, column: int = 1) -> Finding:
    """PFL000 for code CPython accepts but perflint's parser cannot read: a limit of
    perflint, not an error in the file."""
    return error_finding(
        path,
        f"perflint's parser (libcst) cannot read this code, which {_RUNNING} accepts: {message}",
        row,
        column,
        name=PARSER_LIMIT,
    )


@dataclass(frozen=True)
class Linted:
    """What linting one text found."""

    findings: list[Finding]
    #: The PFL000 of a text that cannot be analysed.
    error: Finding | None = None
    #: Warnings about how the text was read (see ``newer_syntax_note``).
    notes: tuple[str, ...] = ()
    #: CPython accepted the text (its fixes can be checked by compiling).
    compiled: bool = True


def _is_newer_target(target: str) -> bool:
    """The target CPython is newer than the running one: its syntax may be unknown here."""
    return int(target[3:]) > sys.version_info[1]


def newer_syntax_note(path: str, rejection: Rejection, target: str) -> str:
    return (
        f"{path}:{rejection.row}:{rejection.column}: {_RUNNING} cannot parse this file"
        f" ({rejection.message}), which may be newer syntax: linted as {target} code with"
        " perflint's own parser, without the prefilter, and fixes checked by that parser only"
    )


def lint_text(source: str, path: str, settings: Settings) -> tuple[list[Finding], Finding | None]:
    """Findings for ``source`` (no fixing), and the PFL000 error if it cannot be analysed."""
    linted = lint(source, path, settings)
    return linted.findings, linted.error


def lint(source: str, path: str, settings: Settings) -> Linted:
    """Lint ``source``: CPython's verdict first (it is authoritative, see the README), then
    the prefilter, libcst on what the rules need, one traversal, findings."""
    checks = enabled_checks(settings)
    wanted = list(checks) if not settings.prefilter else with_needles(source, checks)
    view = syntax.read(source, path, want_ast=bool(wanted))
    if view.rejection is not None:
        return _rejected(source, path, settings, wanted, view.rejection)
    if not wanted:
        return Linted([])
    if view.ast_too_deep:
        return Linted([], error_finding(path, TOO_DEEP_FOR_AST, name=PARSER_LIMIT))
    work = plan(source, view, wanted, settings.prefilter)
    if not work.checks:
        return Linted([])
    if work.too_deep:
        return Linted([], error_finding(path, TOO_DEEP_FOR_LIBCST, name=PARSER_LIMIT))
    identifiers = lambda: _identifiers(view)  # noqa: E731 - parsed again only if a rule asks
    return _run(source, path, settings, work, work.statements, identifiers)


def _identifiers(view: syntax.CPythonView) -> frozenset[str]:
    return identifiers(tree for _, tree in view.trees())


def _rejected(
    source: str,
    path: str,
    settings: Settings,
    checks: list[tuple[RuleSpec, type[Rule]]],
    rejection: Rejection,
) -> Linted:
    """CPython refuses the text. Its verdict stands, unless the target is a newer CPython:
    then the text may hold newer syntax, which libcst (it reads every version's) decides,
    and the rules whose needles occur in it (``checks``) run on libcst's whole tree."""
    message = TOO_DEEP if rejection.too_deep else rejection.message
    error = error_finding(path, message, rejection.row, rejection.column)
    if not _is_newer_target(settings.target_version) or rejection.too_deep:
        return Linted([], error)
    linted = _run(source, path, settings, Plan(checks), None, None)
    if linted.error is not None and linted.error.name == PARSER_LIMIT:
        return Linted([], error)  # libcst refuses it too: CPython's message is the better one
    note = newer_syntax_note(path, rejection, settings.target_version)
    return Linted(linted.findings, linted.error, (note,), compiled=False)


def _run(
    source: str,
    path: str,
    settings: Settings,
    work: Plan,
    statements: Sequence[Statement] | None,
    identifiers: Callable[[], frozenset[str]] | None,
) -> Linted:
    try:
        parsed = libcst_parse.parse(source, statements)
        reports = _traverse(parsed, source, identifiers, path, settings, work)
        return Linted(_to_findings(parsed, source, path, reports))
    except libcst_parse.ParserLimit as limit:
        return Linted([], parser_limit(path, limit.message, limit.row, limit.column))
    except Unfaithful as unfaithful:
        message = "it does not give this line back as the file has it"
        return Linted([], parser_limit(path, message, unfaithful.row, unfaithful.column))
    except RecursionError:
        return Linted([], error_finding(path, TOO_DEEP_FOR_LIBCST, name=PARSER_LIMIT))


def _traverse(
    parsed: libcst_parse.Parsed,
    source: str,
    identifiers: Callable[[], frozenset[str]] | None,
    path: str,
    settings: Settings,
    work: Plan,
) -> list[Report]:
    module = parsed.module
    tracker = ScopeTracker(work.hidden, parsed.classes)
    context = FileContext(
        path=path,
        source=source,
        module=module,
        target_version=settings.target_version,
        tracker=tracker,
        identifiers=identifiers,
        separators=parsed.separators,
    )
    rules = [cls(spec, context) for spec, cls in work.checks]
    visitors: list[cst.BatchableCSTVisitor] = [tracker, *rules]
    patterned = [rule for rule in rules if isinstance(rule, PatternRule)]
    if patterned:
        visitors.append(PatternDispatcher(patterned, context))
    traverse.visit_batched(module, visitors)
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
    parsed: libcst_parse.Parsed, source: str, path: str, reports: Iterable[Report]
) -> list[Finding]:
    reports = list(reports)
    if not reports:
        return []
    module = parsed.module
    wanted: list[cst.CSTNode] = []
    spans: list[tuple[cst.CSTNode, cst.CSTNode]] = []
    for report in reports:
        wanted.append(report.node)
        if report.end_node is not None:
            wanted.append(report.end_node)
        for target, _ in report.edits:
            first_node, last_node = _span(target)
            wanted += (first_node, last_node)
            if first_node is not last_node:
                spans.append((first_node, last_node))
    ranges = node_ranges(module, wanted, parsed.rows, parsed.lines, spans)
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
                edits.append(_edit(lines, first.start, last.end, content, ranges.code(first, last)))
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
