"""What goes to stderr after a run (counts, fixes, dropped fixes) and ``--statistics``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from perflint.fixes import is_fixable
from perflint.reporters import all_findings
from perflint.reporters._style import Style
from perflint.types import FileResult


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class Counts:
    remaining: int  # findings left, file errors included
    fixed: int
    fixable: int  # remaining findings ``--fix`` would fix with the current flags
    hidden: int  # remaining findings only ``--unsafe-fixes`` would fix
    errors: int  # files that could not be read or parsed

    @classmethod
    def of(cls, results: Sequence[FileResult], unsafe_fixes: bool) -> Counts:
        findings = [finding for _, finding in all_findings(results)]
        return cls(
            remaining=len(findings),
            fixed=sum(result.fixed for result in results),
            fixable=sum(is_fixable(finding, unsafe_fixes) for finding in findings),
            hidden=sum(
                finding.fix is not None and not is_fixable(finding, unsafe_fixes)
                for finding in findings
            ),
            errors=sum(result.error is not None for result in results),
        )


def summary_lines(
    results: Sequence[FileResult],
    *,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    style: Style | None = None,
) -> list[str]:
    """The closing lines of a run, ruff-style."""
    style = style or Style()
    counts = Counts.of(results, unsafe_fixes)
    lines = [
        f"warning: {message}"
        for result in results
        for message in (*result.notes, *result.dropped_fixes)
    ]
    hidden = (
        f"{plural(counts.hidden, 'hidden fix', 'hidden fixes')} can be enabled with the "
        "--unsafe-fixes option"
    )
    if diff:
        if counts.fixed:
            lines.append(f"Would fix {plural(counts.fixed, 'error')}.")
        else:
            lines.append("No errors would be fixed.")
        if counts.hidden:
            lines.append(f"({hidden}.)")
        return lines
    if counts.remaining:
        lines.append(f"Found {plural(counts.remaining, 'error')}.")
    if counts.fixed:
        lines.append(f"Fixed {plural(counts.fixed, 'error')}.")
    if not counts.remaining and not counts.fixed:
        lines.append("All checks passed!")
    if counts.fixable and not fix:
        extra = f" ({hidden})" if counts.hidden else ""
        lines.append(
            f"{style.fixable('[*]')} {counts.fixable} fixable with the --fix option{extra}."
        )
    elif counts.hidden:
        lines.append(f"No fixes available ({hidden}).")
    return lines


def statistics(results: Sequence[FileResult], *, unsafe_fixes: bool, as_json: bool) -> str:
    """Findings counted per rule, most frequent first (ties by code)."""
    counts: Counter[tuple[str, str]] = Counter()
    fixable: set[str] = set()
    for _, finding in all_findings(results):
        counts[(finding.code, finding.name)] += 1
        if is_fixable(finding, unsafe_fixes):
            fixable.add(finding.code)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if as_json:
        data = [
            {"code": code, "name": name, "count": count, "fixable": code in fixable}
            for (code, name), count in rows
        ]
        return json.dumps(data, indent=2) + "\n"
    if not rows:
        return ""
    width = max(len(str(count)) for _, count in rows)
    return "".join(
        f"{count:>{width}}\t{code}\t{'[*]' if code in fixable else '[ ]'} {name}\n"
        for (code, name), count in rows
    )
