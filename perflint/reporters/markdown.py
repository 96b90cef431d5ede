"""``markdown``: a pull-request comment: a table of findings per rule, then each finding with its
code, the suggested rewrite and (with ``--explain``) the bytecode diff in a collapsed block.

Text from the linted files is hostile: code goes in fences longer than any backtick run it
contains, and everything outside fences has ``&``, ``<`` and ``>`` escaped so it cannot open HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from perflint.lines import lines_of
from perflint.reporters import ReportContext, all_findings, register
from perflint.types import Explanation, FileResult, Finding

_BACKTICKS = re.compile(r"`+")
#: Characters that would start markdown structure inside a table cell or a heading.
_CELL = str.maketrans({"|": "\\|", "\n": " ", "\r": " "})


def escape(text: str) -> str:
    """Text safe to place outside a fence: no HTML, no line breaks that start new blocks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", " ").replace("\n", " ")


def cell(text: str) -> str:
    return escape(text).translate(_CELL)


def fence(code: str, language: str = "") -> list[str]:
    """``code`` in a backtick fence one longer than its longest backtick run (at least three)."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    marker = "`" * max(3, longest + 1)
    return [f"{marker}{language}", *code.rstrip("\n").splitlines(), marker]


def _source_lines(finding: Finding, source: str | None) -> str | None:
    if finding.flagged_code:
        return finding.flagged_code
    if source is None:
        return None
    lines = lines_of(source)
    rows = lines[finding.start.row - 1 : max(finding.end.row, finding.start.row)]
    return "\n".join(rows) or None


def _finding_block(finding: Finding, source: str | None, context: ReportContext) -> list[str]:
    location = f"{finding.path}:{finding.start.row}:{finding.start.column}"
    out = [f"#### {escape(finding.code)} {escape(finding.name)}: {escape(location)}", ""]
    out += [escape(finding.message), ""]
    code = _source_lines(finding, source)
    if code is not None:
        out += [*fence(code, "python"), ""]
    if finding.fix_title:
        mark = " (fixable with `--fix`)" if context.applicable(finding) else ""
        applicability = f", {finding.fix.applicability}" if finding.fix is not None else ""
        out += [f"**Suggested{applicability}:** {escape(finding.fix_title)}{mark}", ""]
    if finding.rewritten_code is not None:
        out += [*fence(finding.rewritten_code, "python"), ""]
    if finding.explanation is not None and finding.explanation.diff:
        out += [*bytecode_details(finding.explanation), ""]
    return out


def bytecode_details(explanation: Explanation) -> list[str]:
    """The bytecode diff in a collapsed block, its summary naming the interpreter and the
    instructions each loop iteration runs before and after."""
    label = f"Bytecode diff ({escape(explanation.interpreter)}"
    slow, fast = explanation.slow_per_iteration, explanation.fast_per_iteration
    if slow is not None and fast is not None:
        label += f": {slow} → {fast} instructions per loop iteration"
    label += ")"
    diff = fence("\n".join(explanation.diff), "diff")
    return [f"<details><summary>{label}</summary>", "", *diff, "", "</details>"]


@register("markdown")
def render_markdown(results: Sequence[FileResult], context: ReportContext) -> str:
    pairs = list(all_findings(results))
    if not pairs:
        return "### perflint\n\nNo findings.\n"
    counts = Counter((finding.code, finding.name) for _, finding in pairs)
    fixable = Counter(finding.code for _, finding in pairs if context.applicable(finding))
    out = ["### perflint", "", f"{len(pairs)} finding(s) in {len({r.path for r, _ in pairs})} file(s).", ""]
    out += ["| Rule | Name | Findings | Fixable |", "| --- | --- | ---: | ---: |"]
    for (code, name), count in sorted(counts.items()):
        out.append(f"| {cell(code)} | {cell(name)} | {count} | {fixable.get(code, 0)} |")
    out.append("")
    sources: dict[str, str | None] = {}
    for result, finding in pairs:
        if result.path not in sources:
            sources[result.path] = context.source(result)
        out += _finding_block(finding, sources[result.path], context)
    return "\n".join(out).rstrip("\n") + "\n"
