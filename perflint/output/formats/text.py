"""The human-readable formats: ``text`` (each finding with the source around it, carets under the
flagged range and the fix as help, like ruff's full output) and ``concise`` (one line each)."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence

from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.printable import UNSAFE, escape_char, printable
from perflint.output.style import Style
from perflint.text.lines import edited, lines_of, offsets_of, split_lines
from perflint.types import FileResult, Finding, is_performance_rule

#: Source lines shown before and after the flagged ones.
CONTEXT_LINES = 2
TAB_WIDTH = 4


def header(finding: Finding, context: ReportContext, style: Style) -> str:
    """``path:row:col: CODE [*] message``; ``[*]`` when ``--fix`` would fix it with these flags."""
    mark = f" {style.fixable('[*]')}" if context.applicable(finding) else ""
    path = style.path(printable(finding.path))
    location = f"{path}:{finding.start.row}:{finding.start.column}:"
    return f"{location} {style.code(finding.code)}{mark} {printable(finding.message)}"


def _shown(char: str) -> str:
    """How one character of a code line is displayed: tabs expanded, unsafe ones escaped."""
    if char == "\t":
        return " " * TAB_WIDTH
    return escape_char(char) if UNSAFE.match(char) else char


def _char_width(char: str) -> int:
    if char == "\t" or UNSAFE.match(char):
        return len(_shown(char))
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _display(line: str) -> tuple[str, list[int]]:
    """The line as shown (tabs expanded, unsafe characters escaped) and the display column
    before each character."""
    offsets = [0]
    for char in line:
        offsets.append(offsets[-1] + _char_width(char))
    return "".join(_shown(char) for char in line), offsets


class _AllButLast(Sequence[str]):
    """All but the last item of a sequence, without copying it."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items) - 1

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return self.items[: len(self)][index]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.items[index if index >= 0 else index - 1]


def _flagged_rows(finding: Finding, lines: Sequence[str]) -> tuple[int, int, int, int]:
    """(first row, first column, last row, end column), 1-based, end exclusive, clamped to the text."""
    row, column = finding.start.row, finding.start.column
    end_row, end_column = finding.end.row, finding.end.column
    if end_row > row and end_column == 1:  # a range ending at the start of a line ends before it
        end_row -= 1
        end_column = len(lines[end_row - 1]) + 1 if end_row <= len(lines) else 1
    row = min(max(row, 1), len(lines))
    end_row = min(max(end_row, row), len(lines))
    return row, column, end_row, end_column


def snippet(finding: Finding, source: str, style: Style) -> tuple[list[str], int]:
    """The source lines around ``finding`` with a line-number gutter and carets under its range,
    and the gutter's width."""
    lines: Sequence[str] = lines_of(source)  # shared by the file's findings: not copied
    if len(lines) > 1 and lines[-1] == "":
        lines = _AllButLast(lines)  # the empty "line" after the final newline
    row, column, end_row, end_column = _flagged_rows(finding, lines)
    first = max(1, row - CONTEXT_LINES)
    last = min(len(lines), end_row + CONTEXT_LINES)
    while first < row and not lines[first - 1].strip():
        first += 1
    while last > end_row and not lines[last - 1].strip():
        last -= 1
    width = len(str(last))
    pad = " " * width
    out = [style.gutter(f"{pad} |")]
    for number in range(first, last + 1):
        line = lines[number - 1]
        shown, offsets = _display(line)
        shown = shown.rstrip()
        out.append(style.gutter(f"{number:>{width}} |") + (f" {shown}" if shown else ""))
        if not row <= number <= end_row:
            continue
        if number == row:
            start = min(column - 1, len(line))
        else:
            start = len(line) - len(line.lstrip())
        end = min(end_column - 1, len(line)) if number == end_row else len(line)
        begin = offsets[start]
        length = max(offsets[end] - begin, 1) if end > start else 1
        carets = " " * begin + "^" * length
        label = f" {finding.code}" if number == end_row else ""
        out.append(style.gutter(f"{pad} |") + " " + style.marker(carets + label))
    out.append(style.gutter(f"{pad} |"))
    return out, width


def fix_lines(finding: Finding, source: str, style: Style, width: int) -> list[str]:
    """``--show-fixes``: the lines the finding's fix changes, before (``-``) and after (``+``),
    under a label saying whether it is safe (as ruff's "Safe fix" / "Unsafe fix")."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return []
    lines = lines_of(source)  # per file, not per finding
    first = min(edit.start.row for edit in fix.edits)
    last = max(edit.end.row for edit in fix.edits)
    if last > len(lines):
        return []
    offsets = offsets_of(source)
    start, end = offsets[first - 1], offsets[last - 1] + len(lines[last - 1])
    after = split_lines(edited(source, offsets, fix.edits, start, end))
    label = "Safe fix" if fix.applicability == "safe" else "Unsafe fix (applied with --unsafe-fixes)"
    pad = " " * width
    out = [f"{pad} {style.help('=')} {label}:"]
    for number, line in enumerate(lines[first - 1 : last], start=first):
        out.append(style.gutter(f"{number:>{width}} |") + style.marker(f" -{_display(line)[0].rstrip()}"))
    for number, line in enumerate(after, start=first):
        out.append(style.gutter(f"{number:>{width}} |") + style.fixable(f" +{_display(line)[0].rstrip()}"))
    return out


def _explanation_lines(finding: Finding, indent: str) -> list[str]:
    if finding.explanation is None:
        return [f"{indent}(no bytecode explanation available)"]
    from perflint.output.explanation import render_explanation

    return [f"{indent}{printable(line)}".rstrip() for line in render_explanation(finding.explanation)]


def _counts_note(findings: Sequence[Finding]) -> str:
    """What the instruction counts mean, said once after the findings that show them."""
    if not any(finding.explanation is not None for finding in findings):
        return ""
    from perflint.output.explanation import COUNTS_NOTE

    return "\n".join(textwrap.wrap(COUNTS_NOTE, 96)) + "\n\n"


def _explained(finding: Finding, context: ReportContext) -> bool:
    return context.explain and is_performance_rule(finding.code)


@register("text")
def render_text(results: Sequence[FileResult], context: ReportContext) -> str:
    style = Style(context.color)
    sources: dict[str, str | None] = {}
    blocks: list[str] = []
    for result, finding in all_findings(results):
        if result.path not in sources:
            sources[result.path] = context.source(result)
        source = sources[result.path]
        lines = [header(finding, context, style)]
        width = 1
        if source is not None:
            body, width = snippet(finding, source, style)
            lines.extend(body)
        pad = " " * width
        if finding.fix_title:
            lines.append(f"{pad} {style.help('= help:')} {printable(finding.fix_title)}")
        if context.show_fixes and source is not None:
            lines.extend(fix_lines(finding, source, style, width))
        if _explained(finding, context):
            lines.extend(_explanation_lines(finding, pad + "   "))
        blocks.append("\n".join(lines) + "\n")
    note = _counts_note([f for _, f in all_findings(results) if _explained(f, context)])
    return "\n".join(blocks) + ("\n" if blocks else "") + note


@register("concise")
def render_concise(results: Sequence[FileResult], context: ReportContext) -> str:
    style = Style(context.color)
    lines = []
    for _, finding in all_findings(results):
        lines.append(header(finding, context, style))
        if _explained(finding, context):
            lines.extend(_explanation_lines(finding, "    "))
    note = _counts_note([f for _, f in all_findings(results) if _explained(f, context)])
    return "".join(f"{line}\n" for line in lines) + (f"\n{note}" if note else "")
