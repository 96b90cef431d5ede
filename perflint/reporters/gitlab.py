"""``gitlab``: a GitLab Code Quality report (a JSON list of issues with stable fingerprints)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from perflint.fingerprint import fingerprints
from perflint.reporters import ReportContext, all_findings, register
from perflint.types import FileResult, Finding


def severity(finding: Finding) -> str:
    return "major" if finding.code == "PFL000" else "minor"


def gitlab_issues(results: Sequence[FileResult]) -> list[dict[str, object]]:
    """One Code Quality issue per finding; fingerprints leave line numbers out (see
    :mod:`perflint.fingerprint`) so moved code keeps its identity."""
    issues: list[dict[str, object]] = []
    used: set[str] = set()
    for result in results:
        findings = [finding for _, finding in all_findings([result])]
        for finding, fingerprint in zip(findings, fingerprints(findings)):
            while fingerprint in used:  # never in practice: the path is part of the hash
                fingerprint = f"{fingerprint}+"
            used.add(fingerprint)
            issues.append(
                {
                    "description": f"{finding.code} {finding.message}",
                    "check_name": f"{finding.code} {finding.name}",
                    "fingerprint": fingerprint,
                    "severity": severity(finding),
                    "location": {
                        "path": finding.path,
                        "lines": {
                            "begin": finding.start.row,
                            "end": max(finding.end.row, finding.start.row),
                        },
                    },
                }
            )
    return issues


@register("gitlab")
def render_gitlab(results: Sequence[FileResult], context: ReportContext) -> str:
    return json.dumps(gitlab_issues(results), indent=2, ensure_ascii=False) + "\n"
