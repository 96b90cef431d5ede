"""The performance diff as text (a table per function), JSON (one object per changed function)
and markdown (the "Performance diff" section of a pull-request comment).

Names and paths come from the user's repository: text output escapes what could drive a
terminal (``perflint.output.printable``), JSON writes it as escapes, and markdown escapes HTML and table syntax
too, so none of them can inject a terminal sequence, a workflow command or markup.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from perflint.output.formats.markdown import cell, escape
from perflint.output.printable import json_escaped, printable
from perflint.types import FunctionChange, LoopChange, PerfDiff

HONEST = (
    "Instruction counts are static (the bytecode between a loop's head and its jump back, "
    "longest path where it branches), not time: instructions differ in cost, and a loop runs "
    "as often as its data says."
)
#: The markdown section stays well within a GitHub comment (65,536 characters).
MAX_MARKDOWN_ROWS = 60
MAX_MARKDOWN_CHARS = 20_000


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _facts(loop: LoopChange) -> list[str]:
    return [f"+ {fact}" for fact in loop.entered] + [f"- {fact}" for fact in loop.left]


def _loop_note(loop: LoopChange) -> str:
    note = loop.reason
    facts = _facts(loop)
    if facts:
        note += ": " + ", ".join(facts)
    if loop.findings:
        note += f" (see {', '.join(loop.findings)})"
    if loop.branches:
        note += " [branches: longest path]"
    return note


def _headline(change: FunctionChange) -> str:
    where = f"{change.path}:{change.line}"
    if change.base_path:
        where += f" (was {change.base_path})"
    totals = f"{_count(change.base_instructions)} -> {_count(change.head_instructions)} instructions"
    return f"{where} {change.qualname} ({change.kind}, {change.change}): {change.verdict}, {totals}"


def _summary(diff: PerfDiff, arrow: str = "->") -> str:
    count = len(diff.changes)
    noun = "function" if count == 1 else "functions"
    return (
        f"{count} changed {noun} in {diff.files} changed file(s), base {diff.base} {arrow} head "
        f"{diff.head}, bytecode compiled (never run) by {diff.interpreter}."
    )


def _code(text: str) -> str:
    """``text`` as a code span in a table cell (HTML is not rendered there; ``|`` is escaped)."""
    if "`" in text:
        return cell(text)
    return "`" + text.replace("|", "\\|").replace("\n", " ").replace("\r", " ") + "`"


def render_text(diff: PerfDiff) -> str:
    lines = [printable("Performance diff: " + _summary(diff)), HONEST, ""]
    for change in diff.changes:
        lines.append(printable(_headline(change)))
        if change.loops:
            lines.append("   line  depth  per iteration  change")
            for loop in change.loops:
                counts = f"{_count(loop.base_instructions)} -> {_count(loop.head_instructions)}"
                lines.append(printable(f"  {_count(loop.line):>5}  {loop.depth:>5}  {counts:>13}  {_loop_note(loop)}"))
        lines.append("")
    if not diff.changes:
        lines += ["No change to the bytecode of any function.", ""]
    for error in diff.errors:
        lines.append(printable(f"{error.path}: not compared ({error.side}: {error.message})"))
    return "\n".join(lines).rstrip("\n") + "\n"


def change_json(change: FunctionChange, interpreter: str) -> dict[str, object]:
    return {
        "path": change.path,
        "qualname": change.qualname,
        "kind": change.kind,
        "line": change.line,
        "change": change.change,
        "verdict": change.verdict,
        "base_path": change.base_path,
        "base_instructions": change.base_instructions,
        "head_instructions": change.head_instructions,
        "interpreter": interpreter,
        "loops": [
            {
                "line": loop.line,
                "depth": loop.depth,
                "kind": loop.kind,
                "base_instructions": loop.base_instructions,
                "head_instructions": loop.head_instructions,
                "entered": list(loop.entered),
                "left": list(loop.left),
                "verdict": loop.verdict,
                "reason": loop.reason,
                "branches": loop.branches,
                "findings": list(loop.findings),
            }
            for loop in change.loops
        ],
    }


def render_json(diff: PerfDiff) -> str:
    """A list with one object per changed function (errors go to stderr, not here)."""
    items = [change_json(change, diff.interpreter) for change in diff.changes]
    return json_escaped(json.dumps(items, indent=2, ensure_ascii=False)) + "\n"


_MARK = {"regression": "regression", "improvement": "improvement", "changed": "changed",
         "added": "added", "removed": "removed"}


def _markdown_note(loop: LoopChange) -> str:
    facts = [f"+ {_code(fact)}" for fact in loop.entered] + [f"− {_code(fact)}" for fact in loop.left]
    note = cell(loop.reason) + (": " + ", ".join(facts) if facts else "")
    if loop.findings:
        note += f" (see {cell(', '.join(loop.findings))})"
    return note


def _rows(change: FunctionChange) -> list[str]:
    where = cell(f"{change.path}:{change.line}")
    name = _code(change.qualname)
    totals = f"{_count(change.base_instructions)} → {_count(change.head_instructions)}"
    head = f"| {_MARK[change.verdict]} | {where} | {name} ({cell(change.change)}) | {totals} |"
    if not change.loops:
        return [f"{head} | | |"]
    rows = []
    for number, loop in enumerate(change.loops):
        counts = f"{_count(loop.base_instructions)} → {_count(loop.head_instructions)}"
        start = head if number == 0 else "| | | | |"
        rows.append(f"{start} {_count(loop.line)} (depth {loop.depth}) | {counts} | {_markdown_note(loop)} |")
    return rows


def markdown_section(diff: PerfDiff, *, heading: str = "###") -> list[str]:
    """The "Performance diff" section: a table of every changed function and loop."""
    lines = [
        f"{heading} Performance diff",
        "",
        escape(_summary(diff, "→")),
        "",
        escape(HONEST),
        "",
    ]
    if not diff.changes:
        lines.append("No change to the bytecode of any function.")
    else:
        lines += [
            "| | Where | Function | Instructions | Loop line | Per iteration | What changed |",
            "| --- | --- | --- | ---: | --- | ---: | --- |",
        ]
        budget, rows = MAX_MARKDOWN_CHARS, 0
        for listed, change in enumerate(diff.changes):
            block = _rows(change)
            budget -= sum(len(row) + 1 for row in block)
            rows += len(block)
            if budget < 0 or rows > MAX_MARKDOWN_ROWS:
                rest = len(diff.changes) - listed
                lines += ["", f"... and {rest} more changed function(s) (`perflint diff` lists them all)."]
                break
            lines += block
    if diff.errors:
        lines += ["", "Not compared:", ""]
        lines += [f"- {escape(error.path)} ({error.side}: {escape(error.message)})" for error in diff.errors[:20]]
    return lines


def render_markdown(diff: PerfDiff) -> str:
    return "\n".join(markdown_section(diff)) + "\n"


def render(diff: PerfDiff, output_format: str) -> str:
    renderers = {"text": render_text, "json": render_json, "markdown": render_markdown}
    return renderers[output_format](diff)


FORMATS: Sequence[str] = ("text", "json", "markdown")


def loop_comment(change: FunctionChange, loop: LoopChange, interpreter: str) -> str:
    """The markdown of an inline review comment on a loop whose cost per iteration grew."""
    counts = f"{_count(loop.base_instructions)} → {_count(loop.head_instructions)}"
    lines = [
        f"**perflint performance diff**: {escape(loop.reason)} in {escape(change.qualname)} "
        f"(loop at line {_count(loop.line)}, depth {loop.depth}): {counts} instructions per "
        f"iteration on {escape(interpreter)}.",
    ]
    if loop.entered:
        lines.append("Entered the loop: " + escape(", ".join(loop.entered)) + ".")
    if loop.left:
        lines.append("Left it: " + escape(", ".join(loop.left)) + ".")
    if loop.findings:
        lines.append("A rule finding here explains part of it: " + escape(", ".join(loop.findings)) + ".")
    lines.append(escape(HONEST))
    return "\n\n".join(lines)
