"""The libcst side of linting one text: one batched traversal of libcst's tree by the scope
model and every check, then the findings, with their positions and fixes.

``perflint.engine.lint`` imports this module only for a text that holds a candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import libcst as cst

from perflint.engine import batched, libcst_parse
from perflint.engine.positions import node_ranges
from perflint.engine.prefilter import Plan
from perflint.rules.api import Before, EditTarget, FileContext, Report
from perflint.rules.patterns.dispatch import PatternDispatcher
from perflint.rules.patterns.rule import PatternRule
from perflint.rules.registry import load_check
from perflint.rules.scope import ScopeTracker
from perflint.text.lines import split_lines
from perflint.types import Edit, Finding, Fix, Location, Settings


def findings(
    parsed: libcst_parse.Parsed,
    source: str,
    identifiers: Callable[[], frozenset[str]] | None,
    path: str,
    settings: Settings,
    work: Plan,
) -> list[Finding]:
    """The findings of ``work``'s checks on libcst's tree of ``source``."""
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
    rules = [load_check(spec)(spec, context) for spec, _ in work.checks]
    visitors: list[cst.BatchableCSTVisitor] = [tracker, *rules]
    patterned = [rule for rule in rules if isinstance(rule, PatternRule)]
    if patterned:
        visitors.append(PatternDispatcher(patterned, context))
    batched.visit_batched(module, visitors)
    reports: list[Report] = []
    for rule in rules:
        rule.finish()
        for report in rule.reports:
            scope = report.scope or tracker.module_scope
            assert scope is not None
            if all(scope.is_builtin(name) for name in report.builtins):
                reports.append(report)
    return _to_findings(parsed, source, path, reports)


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
