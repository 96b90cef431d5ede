"""``perflint rules``: the rule catalogue as a table or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from perflint.output.docs_url import rule_url
from perflint.types import PYTHON_VERSIONS, RuleSpec


def fix_availability(spec: RuleSpec) -> str:
    """From the rule's own cases: ``none``, ``safe``, ``unsafe`` or ``safe/unsafe``, with
    ``(sometimes)`` when some flagged cases get no fix."""
    kinds = sorted(
        {
            case.applicability
            for case in spec.invalid
            if case.fixed is not None and case.applicability
        }
    )
    if not kinds:
        return "none"
    sometimes = any(case.fixed is None for case in spec.invalid)
    return "/".join(kinds) + (" (sometimes)" if sometimes else "")


def version_range(versions: Sequence[str]) -> str:
    """``py310, py311, py312`` -> ``py310-py312``; gaps are listed."""
    ordered = [version for version in PYTHON_VERSIONS if version in versions]
    if not ordered:
        return "-"
    indexes = [PYTHON_VERSIONS.index(version) for version in ordered]
    if len(ordered) > 1 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ",".join(ordered)


def rules_table(specs: Sequence[RuleSpec]) -> str:
    """One row per rule: code, name, fix availability, target versions and title."""
    header = ("Code", "Name", "Fix", "Python", "Title")
    rows = [
        (spec.code, spec.name, fix_availability(spec), version_range(spec.python), spec.title)
        for spec in specs
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.ljust(width) for cell, width in zip(row, widths, strict=False)
        ]  # the title is not padded
        return "  ".join([*cells, row[-1]]).rstrip()

    rule = "  ".join("-" * width for width in widths) + "  " + "-" * len(header[-1])
    return "\n".join([line(header), rule, *(line(row) for row in rows)]) + "\n"


def rule_json(spec: RuleSpec, docs_url: str | None = None) -> dict[str, object]:
    return {
        "code": spec.code,
        "name": spec.name,
        "title": spec.title,
        "message": spec.message,
        "fix_title": spec.fix_title,
        "fix": fix_availability(spec),
        "python": list(spec.python),
        "tags": list(spec.tags),
        "why": spec.why,
        "fix_safety": spec.fix_safety,
        "references": list(spec.references),
        "speedup": dict(spec.speedup),
        "examples": [
            {
                "slow": example.slow,
                "fast": example.fast,
                "setup": example.setup,
                "stmt": example.stmt,
            }
            for example in spec.examples
        ],
        "valid": list(spec.valid),
        "invalid": [
            {"code": case.code, "fixed": case.fixed, "applicability": case.applicability}
            for case in spec.invalid
        ],
        "url": rule_url(docs_url, spec.code, spec.name),
    }


def rules_json(specs: Sequence[RuleSpec], docs_url: str | None = None) -> str:
    return json.dumps([rule_json(spec, docs_url) for spec in specs], indent=2, ensure_ascii=False) + "\n"
