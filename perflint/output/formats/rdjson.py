"""``rdjson`` / ``rdjsonl``: reviewdog's Diagnostic format, with each fix as one suggestion.

reviewdog reads these with protobuf's strict JSON parser (an unknown field or enum name fails
the whole input), counts columns in UTF-8 bytes with exclusive ends, and shows every suggestion
of a diagnostic as its own replacement of the lines it spans (a GitHub ``suggestion`` block), so
a fix of several edits is sent as one suggestion that covers them all."""

from __future__ import annotations

import json
from collections.abc import Sequence

from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.printable import well_formed
from perflint.text.lines import edited, line_offsets, offset, split_lines
from perflint.types import Edit, FileResult, Finding, Fix, Location

SOURCE = {"name": "perflint"}

#: reviewdog reads rdjsonl with Go's ``bufio.Scanner``, which stops without an error at a line
#: of 64 KiB, dropping that diagnostic and every one after it.
LINE_LIMIT = 64 * 1024 - 1


class SourceText:
    """One file's text, to turn perflint's positions (row, column in characters) into
    reviewdog's (line, column in UTF-8 bytes) and to read the text between two positions.
    Without the text, columns stay in characters (equal for ASCII lines)."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        self.lines = split_lines(text) if text is not None else []
        self.starts = line_offsets(text or "")

    def knows(self, location: Location) -> bool:
        return self.text is not None and 1 <= location.row <= len(self.lines)

    def position(self, location: Location) -> dict[str, int]:
        column = location.column
        if self.knows(location):
            prefix = self.lines[location.row - 1][: location.column - 1]
            width = len(prefix.encode("utf-8", "surrogatepass"))
            column = width + 1 + max(0, location.column - 1 - len(prefix))
        return {"line": location.row, "column": column}

    def rewrite(self, edits: Sequence[Edit]) -> Edit | None:
        """The edits (sorted, not overlapping) as one edit from the first start to the last
        end, the text between them kept; None when an edit lies outside the text."""
        assert self.text is not None
        if not all(self.knows(edit.start) and self.knows(edit.end) for edit in edits):
            return None
        first, last = edits[0].start, max(edit.end for edit in edits)
        start, end = offset(self.starts, first), offset(self.starts, last)
        return Edit(first, last, edited(self.text, self.starts, edits, start, end))


def suggestions(fix: Fix, source: SourceText) -> list[dict[str, object]]:
    """The fix as a single suggestion (reviewdog offers each suggestion on its own, so two
    would be two half-fixes); none if it has several edits and the text is not known."""
    edits = sorted(fix.edits, key=lambda edit: (edit.start, edit.end))
    if len(edits) == 1:
        whole: Edit | None = edits[0]
    elif edits and source.text is not None:
        whole = source.rewrite(edits)
    else:
        whole = None
    if whole is None:
        return []
    span = {"start": source.position(whole.start), "end": source.position(whole.end)}
    return [{"range": span, "text": whole.content}]


def diagnostic(finding: Finding, source: SourceText, url: str | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "message": finding.message,
        "location": {
            "path": finding.path,
            "range": {"start": source.position(finding.start), "end": source.position(finding.end)},
        },
        "severity": "ERROR" if finding.code == "PFL000" else "WARNING",
        "source": SOURCE,
        "code": {"value": finding.code, **({"url": url} if url else {})},
    }
    if finding.fix is not None:
        offered = suggestions(finding.fix, source)
        if offered:
            data["suggestions"] = offered
    return data


def diagnostics(results: Sequence[FileResult], context: ReportContext) -> list[dict[str, object]]:
    out = []
    sources: dict[str, SourceText] = {}
    for result, finding in all_findings(results):
        if result.path not in sources:
            sources[result.path] = SourceText(context.source(result))
        url = context.url(finding.code, finding.name)
        out.append(well_formed(diagnostic(finding, sources[result.path], url)))
    return out


def _line(item: dict[str, object]) -> str:
    return json.dumps(item)


def fitted_line(item: dict[str, object]) -> str:
    """``item`` as one rdjsonl line within :data:`LINE_LIMIT`: without its suggestions, then
    with its message shortened, if that is what it takes."""
    line = _line(item)
    if len(line) > LINE_LIMIT:
        item = {key: value for key, value in item.items() if key != "suggestions"}
        line = _line(item)
    message = str(item["message"])
    while len(line) > LINE_LIMIT and message:
        message = message[: max(0, len(message) - (len(line) - LINE_LIMIT) - 8)]
        line = _line({**item, "message": message + "..."})
    return line


@register("rdjson")
def render_rdjson(results: Sequence[FileResult], context: ReportContext) -> str:
    document = {"source": SOURCE, "diagnostics": diagnostics(results, context)}
    # ASCII only (json's default): read back as JSON whatever encoding stdout had.
    return json.dumps(document, indent=2) + "\n"


@register("rdjsonl")
def render_rdjsonl(results: Sequence[FileResult], context: ReportContext) -> str:
    return "".join(fitted_line(item) + "\n" for item in diagnostics(results, context))
