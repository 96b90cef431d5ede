"""``rdjson`` / ``rdjsonl``: reviewdog's Diagnostic format, with fix edits as suggestions."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from perflint.reporters import ReportContext, all_findings, register
from perflint.types import FileResult, Finding, Location

SOURCE = {"name": "perflint", "url": "https://github.com/perflint/perflint"}

Columns = Callable[[Location], dict[str, int]]


def byte_columns(source: str | None) -> Columns:
    """reviewdog counts columns in UTF-8 bytes; perflint in characters. Convert with the text
    when it is known, else keep character columns (equal for ASCII lines)."""
    lines = source.splitlines() if source is not None else []

    def position(location: Location) -> dict[str, int]:
        column = location.column
        if 1 <= location.row <= len(lines):
            prefix = lines[location.row - 1][: location.column - 1]
            column = len(prefix.encode("utf-8")) + 1 + max(0, location.column - 1 - len(prefix))
        return {"line": location.row, "column": column}

    return position


def diagnostic(finding: Finding, columns: Columns) -> dict[str, object]:
    data: dict[str, object] = {
        "message": finding.message,
        "location": {
            "path": finding.path,
            "range": {"start": columns(finding.start), "end": columns(finding.end)},
        },
        "severity": "ERROR" if finding.code == "PFL000" else "WARNING",
        "source": SOURCE,
        "code": {"value": finding.code, **({"url": finding.url} if finding.url else {})},
    }
    if finding.fix is not None:
        data["suggestions"] = [
            {"range": {"start": columns(edit.start), "end": columns(edit.end)}, "text": edit.content}
            for edit in finding.fix.edits
        ]
    return data


def diagnostics(results: Sequence[FileResult], context: ReportContext) -> list[dict[str, object]]:
    out = []
    columns: dict[str, Columns] = {}
    for result, finding in all_findings(results):
        if result.path not in columns:
            columns[result.path] = byte_columns(context.source(result))
        out.append(diagnostic(finding, columns[result.path]))
    return out


@register("rdjson")
def render_rdjson(results: Sequence[FileResult], context: ReportContext) -> str:
    document = {"source": SOURCE, "diagnostics": diagnostics(results, context)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@register("rdjsonl")
def render_rdjsonl(results: Sequence[FileResult], context: ReportContext) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in diagnostics(results, context))
