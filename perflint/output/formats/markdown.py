"""``markdown``: a pull-request comment: a table of findings per rule, then each finding with its
code, the suggested rewrite and (with ``--explain``) the bytecode diff in a collapsed block.

Text from the linted files is hostile: code goes in fences longer than any backtick run it
contains, and everything outside fences has ``&``, ``<`` and ``>`` escaped so it cannot open HTML.
Both are also made printable (``perflint.output.printable``): control and bidi characters show as escapes, so
the comment reads the same on a terminal, in a CI log and on GitHub.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from perflint.output.fence import fence
from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.printable import printable
from perflint.text.lines import lines_of, split_lines
from perflint.types import Explanation, FileResult, Finding

#: Characters that would start markdown structure inside a table cell or a heading.
_CELL = str.maketrans({"|": "\\|", "\n": " ", "\r": " "})


def escape(text: str) -> str:
    """Text safe to place outside a fence: no HTML, and no line breaks that start new blocks
    or control and bidi characters (shown as escapes, see ``perflint.output.printable``)."""
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(text: str) -> str:
    return escape(text).translate(_CELL)


def code_fence(code: str, language: str = "") -> list[str]:
    """``code`` to be read, fenced: each of its lines printable (tabs kept)."""
    return fence("\n".join(printable(line, keep="\t") for line in split_lines(code)), language)


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
        out += [*code_fence(code, "python"), ""]
    if finding.fix_title:
        mark = " (fixable with `--fix`)" if context.applicable(finding) else ""
        applicability = f", {finding.fix.applicability}" if finding.fix is not None else ""
        out += [f"**Suggested{applicability}:** {escape(finding.fix_title)}{mark}", ""]
    if finding.rewritten_code is not None:
        out += [*code_fence(finding.rewritten_code, "python"), ""]
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
    from perflint.output.explanation import outside_loop_line, speedup_line
    from perflint.output.opcodes import glossary

    diff = code_fence("\n".join(explanation.diff), "diff")
    words: list[str] = []
    for note in (outside_loop_line(explanation), speedup_line(explanation)):
        if note:
            words += [escape(note), ""]
    found = glossary(explanation.diff)
    if found:
        words += ["What the changed instructions do:", ""]
        words += [f"- `{name}`: {escape(gloss)}" for name, gloss in found] + [""]
    return [f"<details><summary>{label}</summary>", "", *diff, "", *words, "</details>"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _tally(results: Sequence[FileResult]) -> str:
    """``3 findings in 2 files; 1 file could not be analysed (PFL000).``: the words of the
    text summary (rule results are findings, a file that cannot be analysed an error)."""
    findings = sum(len(result.findings) for result in results)
    files = sum(bool(result.findings) for result in results)
    errors = sum(result.error is not None for result in results)
    text = f"{_plural(findings, 'finding')} in {_plural(files, 'file')}"
    if errors:
        verb = "file could" if errors == 1 else "files could"
        text += f"; {errors} {verb} not be analysed (PFL000)"
    return text + "."


@register("markdown")
def render_markdown(results: Sequence[FileResult], context: ReportContext) -> str:
    pairs = list(all_findings(results))
    if not pairs:
        return "### perflint\n\nNo findings.\n"
    counts = Counter((finding.code, finding.name) for _, finding in pairs)
    fixable = Counter(finding.code for _, finding in pairs if context.applicable(finding))
    out = ["### perflint", "", _tally(results), ""]
    out += ["| Rule | Name | Findings | Fixable |", "| --- | --- | ---: | ---: |"]
    for (code, name), count in sorted(counts.items()):
        url = context.url(code, name)  # docs-url allows no character that ends a link
        shown = f"[{cell(code)}]({url})" if url else cell(code)
        out.append(f"| {shown} | {cell(name)} | {count} | {fixable.get(code, 0)} |")
    out.append("")
    sources: dict[str, str | None] = {}
    for result, finding in pairs:
        if result.path not in sources:
            sources[result.path] = context.source(result)
        out += _finding_block(finding, sources[result.path], context)
    return "\n".join(out).rstrip("\n") + "\n"
