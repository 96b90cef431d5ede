"""``gitlab``: a GitLab Code Quality report (a JSON list of issues with stable fingerprints).

GitLab drops an issue it cannot validate without a word and keys the rest by fingerprint, so
every issue carries the required fields, a fingerprint no other issue has, a severity from
GitLab's own scale and a path relative to the repository root."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePath

from perflint.output.fingerprint import fingerprints
from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.paths import repository_path, repository_root
from perflint.output.printable import well_formed
from perflint.types import FileResult, Finding


def severity(finding: Finding) -> str:
    """One of GitLab's severities (info, minor, major, critical, blocker)."""
    return "major" if finding.code == "PFL000" else "minor"


def gitlab_issues(results: Sequence[FileResult], root: Path | None = None) -> list[dict[str, object]]:
    """One Code Quality issue per finding; fingerprints leave line numbers out (see
    :mod:`perflint.output.fingerprint`) and hash the repository path, so moved code keeps its
    identity whichever way the files were named on the command line."""
    base = root or repository_root()
    issues: list[dict[str, object]] = []
    used: set[str] = set()
    for result in results:
        path = repository_path(result.path, base) or PurePath(os.path.normpath(result.path)).as_posix()
        findings = [finding for _, finding in all_findings([result])]
        for finding, fingerprint in zip(findings, fingerprints(findings, path=path)):
            while fingerprint in used:  # the same file named twice: GitLab would keep only one
                fingerprint = f"{fingerprint}+"
            used.add(fingerprint)
            issues.append(
                {
                    "description": f"{finding.code} {finding.message}",
                    "check_name": f"{finding.code} {finding.name}",
                    "fingerprint": fingerprint,
                    "severity": severity(finding),
                    "location": {
                        "path": path,
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
    # ASCII only: the report is read back as JSON, whatever encoding stdout had.
    return json.dumps(well_formed(gitlab_issues(results)), indent=2) + "\n"
