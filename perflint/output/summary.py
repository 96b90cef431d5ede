"""What goes to stderr after a run (counts, fixes, dropped fixes) and ``--statistics``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from perflint.output.formats import all_findings
from perflint.output.printable import printable
from perflint.output.style import Style
from perflint.types import FileResult


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class Counts:
    remaining: int  # rule findings left (file errors apart)
    fixed: int
    fixable: int  # remaining findings ``--fix`` would fix with the current flags
    hidden: int  # remaining findings only ``--unsafe-fixes`` would fix
    errors: int  # files that could not be read, decoded or parsed (PFL000)
    checked: int  # files read (or tried): everything but the files skipped for their size
    skipped: int  # files over max-file-size, not read
    files_with_findings: int

    @classmethod
    def of(cls, results: Sequence[FileResult], unsafe_fixes: bool) -> Counts:
        findings = [finding for result in results for finding in result.findings]
        return cls(
            remaining=len(findings),
            fixed=sum(result.fixed for result in results),
            fixable=sum(finding.fixable(unsafe_fixes) for finding in findings),
            hidden=sum(
                finding.fix is not None and not finding.fixable(unsafe_fixes)
                for finding in findings
            ),
            errors=sum(result.error is not None for result in results),
            checked=sum(result.skipped is None for result in results),
            skipped=sum(result.skipped is not None for result in results),
            files_with_findings=sum(bool(result.findings) for result in results),
        )


def duration(seconds: float) -> str:
    """``0.84s``, ``12.3s``, ``2m05s``: how long a run took, as people read it."""
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s"


def summary_lines(
    results: Sequence[FileResult],
    *,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    style: Style | None = None,
    seconds: float | None = None,
) -> list[str]:
    """The closing lines of a run, ruff-style: what was found and fixed, what could be fixed,
    the files that could not be analysed (and that they make the exit status 2), and how many
    files were checked in how long. Rule results are "findings" in every format (warnings in
    SARIF, GitHub and reviewdog); a file that cannot be analysed is PFL000, an error there."""
    style = style or Style()
    counts = Counts.of(results, unsafe_fixes)
    # Messages name files: printable, as colour lets SGR codes through.
    lines = [
        f"warning: skipped {printable(result.path)}: {printable(result.skipped)}"
        for result in results
        if result.skipped
    ]
    lines += [
        f"warning: {printable(message)}"
        for result in results
        for message in (*result.notes, *result.dropped_fixes)
    ]
    hidden = (
        f"{plural(counts.hidden, 'hidden fix', 'hidden fixes')} can be enabled with the "
        "--unsafe-fixes option"
    )
    if diff:
        if counts.fixed:
            lines.append(f"Would fix {plural(counts.fixed, 'finding')}.")
        else:
            lines.append("No findings would be fixed.")
        if counts.hidden:
            lines.append(f"({hidden}.)")
    else:
        if counts.remaining:
            files = plural(counts.files_with_findings, "file")
            lines.append(f"Found {plural(counts.remaining, 'finding')} in {files}.")
        if counts.fixed:
            lines.append(f"Fixed {plural(counts.fixed, 'finding')}.")
        if not counts.remaining and not counts.fixed and not counts.errors:
            lines.append("All checks passed!")
        if counts.fixable and not fix:
            extra = f" ({hidden})" if counts.hidden else ""
            lines.append(
                f"{style.fixable('[*]')} {counts.fixable} fixable with the --fix option{extra}."
            )
        elif counts.hidden:
            lines.append(f"No fixes available ({hidden}).")
    if counts.errors:
        verb = "was" if counts.errors == 1 else "were"
        lines.append(
            f"{plural(counts.errors, 'file')} could not be read, decoded or parsed (PFL000, "
            f"reported above) and {verb} not analysed: that is why the exit status is 2."
        )
    if seconds is not None:
        skipped = f" ({counts.skipped} skipped: over max-file-size)" if counts.skipped else ""
        lines.append(f"Checked {plural(counts.checked, 'file')} in {duration(seconds)}{skipped}.")
    return lines


def fix_summary(results: Sequence[FileResult], style: Style | None = None) -> list[str]:
    """``--show-fixes`` after ``--fix``: the fixes applied, per file and rule, as ruff lists
    them (most applied first)."""
    style = style or Style()
    applied = [(result.path, result.fixes) for result in results if result.fixes]
    if not applied:
        return []
    total = sum(len(fixes) for _, fixes in applied)
    lines = [f"Fixed {plural(total, 'finding')}:"]
    width = max(len(str(count)) for _, fixes in applied for count in Counter(fixes).values())
    for path, fixes in sorted(applied):
        lines.append(f"- {style.path(printable(path))}:")
        for (code, name), count in sorted(Counter(fixes).items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"    {count:>{width}} × {style.code(code)} ({name})")
    return lines


def statistics(results: Sequence[FileResult], *, unsafe_fixes: bool, as_json: bool) -> str:
    """Findings counted per rule, most frequent first (ties by code)."""
    counts: Counter[tuple[str, str]] = Counter()
    fixable: set[str] = set()
    for _, finding in all_findings(results):
        counts[(finding.code, finding.name)] += 1
        if finding.fixable(unsafe_fixes):
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
