"""Apply fixes to source text: non-overlapping edits, repeated until nothing fixable is left."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from perflint.linting import lint_text
from perflint.lines import line_offsets, offset
from perflint.types import Edit, Finding, Settings

#: Each pass may enable another (PFL103 -> PFL102); a cycle would be a bug, so stop here.
MAX_PASSES = 10


def is_fixable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.applicability == "safe" or unsafe)


@dataclass(frozen=True)
class Applied:
    """What one round of edits did: the new text, the fixes applied, and the fixes refused
    because the text at their position is not the text they were made for."""

    text: str
    applied: list[Finding]
    refused: list[Finding]


def apply_edits(text: str, fixes: Sequence[Finding]) -> Applied:
    """Apply the fixes whose edits do not overlap an earlier one and whose every edit finds
    its ``original`` text where it points; refuse the ones that do not find it."""
    offsets = line_offsets(text)
    chosen: list[tuple[int, int, Edit]] = []
    applied: list[Finding] = []
    refused: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for finding in sorted(fixes, key=lambda f: f.sort_key):
        assert finding.fix is not None
        spans = [
            (offset(offsets, edit.start), offset(offsets, edit.end), edit) for edit in finding.fix.edits
        ]
        if any(text[start:end] != edit.original for start, end, edit in spans):
            refused.append(finding)
            continue
        if any(start < t_end and t_start < end for start, end, _ in spans for t_start, t_end in taken):
            continue  # overlaps: left for the next pass, which sees the new text
        taken.extend((start, end) for start, end, _ in spans)
        chosen.extend(spans)
        applied.append(finding)
    for start, end, edit in sorted(chosen, key=lambda span: span[0], reverse=True):
        text = text[:start] + edit.content + text[end:]
    return Applied(text, applied, refused)


def compiles(text: str, path: str) -> bool:
    """True when ``text`` parses with libcst and compiles with CPython (nothing is run)."""
    try:
        cst.parse_module(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, cst.ParserSyntaxError, ValueError, RecursionError):
        return False
    return True


@dataclass(frozen=True)
class FixOutcome:
    text: str
    applied: int
    findings: list[Finding]  # what is left after fixing
    error: Finding | None
    dropped: tuple[str, ...]  # fixes not applied (would not compile, or text not found)
    #: The findings of the text before any fix (what stands if the fixes are not written).
    found: tuple[Finding, ...] = ()
    #: The rule (code, name) of each fix applied.
    rules: tuple[tuple[str, str], ...] = ()


def _key(finding: Finding) -> tuple[str, str | None]:
    return (finding.code, finding.flagged_code)


def _dropped(path: str, finding: Finding, why: str) -> str:
    return f"{path}:{finding.start.row}:{finding.start.column}: {finding.code} fix dropped: {why}"


#: Why a fix whose edits do not find their text is dropped (a bug in perflint if it happens).
NOT_FOUND = "the code it replaces is not at the position it was found at"


def fix_text(text: str, path: str, settings: Settings) -> FixOutcome:
    """Lint and fix ``text`` until no fixable finding is left (at most ``MAX_PASSES`` passes)."""
    original_compiles = compiles(text, path)
    applied_rules: list[tuple[str, str]] = []
    dropped: dict[tuple[str, str | None], str] = {}
    findings, error = lint_text(text, path, settings)
    found = tuple(findings)
    for _ in range(MAX_PASSES):
        if error is not None:
            break
        fixable = [
            f for f in findings if is_fixable(f, settings.unsafe_fixes) and _key(f) not in dropped
        ]
        if not fixable:
            break
        attempt = apply_edits(text, fixable)
        for finding in attempt.refused:
            dropped[_key(finding)] = _dropped(path, finding, NOT_FOUND)
        new_text, applied = attempt.text, attempt.applied
        if original_compiles and not compiles(new_text, path):
            # Find the culprits one at a time; keep every fix that compiles on its own.
            new_text, applied = text, []
            for finding in [f for f in fixable if f not in attempt.refused]:
                alone = apply_edits(new_text, [finding])
                if compiles(alone.text, path):
                    new_text, applied = alone.text, alone.applied
                    break  # offsets of the rest are stale: re-lint first
                dropped[_key(finding)] = _dropped(path, finding, "the fixed code would not compile")
        if not applied:
            break
        text = new_text
        applied_rules += [(finding.code, finding.name) for finding in applied]
        findings, error = lint_text(text, path, settings)
    return FixOutcome(
        text, len(applied_rules), findings, error, tuple(dropped.values()), found, tuple(applied_rules)
    )
