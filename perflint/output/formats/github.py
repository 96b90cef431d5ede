"""``github``: GitHub Actions workflow commands (``::warning file=...::message``) that show as
annotations on the pull request, escaped so no file name or message can start another command."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.paths import repository_path, repository_root
from perflint.output.printable import printable
from perflint.types import FileResult, Finding

#: GitHub shows at most this many annotations of each type (error, warning) per step.
ANNOTATION_LIMIT = 10


def escape_data(value: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it; other control and
    bidi characters are shown as escapes (the runner prints the message to the log)."""
    value = printable(value, keep="\r\n")
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value: as data, plus ``:`` and ``,`` which delimit properties."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command_type(finding: Finding) -> str:
    return "error" if finding.code == "PFL000" else "warning"


def importance(finding: Finding) -> tuple[int, str, str, int, int]:
    """Errors first, then by rule code, then by file and position."""
    return (
        0 if command_type(finding) == "error" else 1,
        finding.code,
        finding.path,
        finding.start.row,
        finding.start.column,
    )


def annotation(finding: Finding, root: Path) -> str:
    """One workflow command; ``file`` is relative to the repository's ``root``, as GitHub wants."""
    path = repository_path(finding.path, root) or finding.path
    properties = {
        "file": path,
        "line": str(finding.start.row),
        "endLine": str(max(finding.end.row, finding.start.row)),
        "col": str(finding.start.column),
        "endColumn": str(finding.end.column),
        "title": f"{finding.code} {finding.name}",
    }
    if finding.end.row != finding.start.row:
        del properties["col"], properties["endColumn"]  # columns only apply to one-line ranges
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = finding.message
    if finding.fix_title:
        message += f"\n{finding.fix_title}"
    return f"::{command_type(finding)} {listed}::{escape_data(message)}"


@register("github")
def render_github(results: Sequence[FileResult], context: ReportContext) -> str:
    findings = sorted((finding for _, finding in all_findings(results)), key=importance)
    root = repository_root()
    shown: dict[str, int] = {}
    lines = []
    hidden = 0
    for finding in findings:
        kind = command_type(finding)
        if shown.get(kind, 0) >= ANNOTATION_LIMIT:
            hidden += 1
            continue
        shown[kind] = shown.get(kind, 0) + 1
        lines.append(annotation(finding, root))
    if hidden:
        lines.append(
            f"::notice title=perflint::{hidden} more finding(s) not annotated "
            f"(GitHub shows {ANNOTATION_LIMIT} per type); run perflint locally for all of them"
        )
    return "".join(f"{line}\n" for line in lines)
