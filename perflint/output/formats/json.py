"""Machine-readable formats with ruff's field names: ``json`` (one list) and ``jsonl`` (one object
per line), plus ``name`` and, with ``--explain``, ``explanation``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.printable import json_escaped
from perflint.types import FileResult, Finding, Location


def _location(location: Location) -> dict[str, int]:
    return {"row": location.row, "column": location.column}


def finding_json(finding: Finding, context: ReportContext) -> dict[str, object]:
    """One finding as a JSON-ready mapping."""
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability,
            "message": finding.fix.message,
            "edits": [
                {
                    "content": edit.content,
                    "location": _location(edit.start),
                    "end_location": _location(edit.end),
                }
                for edit in finding.fix.edits
            ],
        }
    data: dict[str, object] = {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "filename": finding.path,
        "location": _location(finding.start),
        "end_location": _location(finding.end),
        "fix": fix,
        "url": context.url(finding.code, finding.name),
        "noqa_row": finding.start.row,
    }
    if context.explain:
        explanation = None
        if finding.explanation is not None:
            from perflint.output.explanation import explanation_json

            explanation = explanation_json(finding.explanation)
        data["explanation"] = explanation
    return data


@register("json")
def render_json(results: Sequence[FileResult], context: ReportContext) -> str:
    items = [finding_json(finding, context) for _, finding in all_findings(results)]
    return json_escaped(json.dumps(items, indent=2, ensure_ascii=False)) + "\n"


@register("jsonl")
def render_jsonl(results: Sequence[FileResult], context: ReportContext) -> str:
    return "".join(
        json_escaped(json.dumps(finding_json(finding, context), ensure_ascii=False)) + "\n"
        for _, finding in all_findings(results)
    )
