"""Apply fixes to source text: non-overlapping edits, repeated until nothing fixable is left."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass

from perflint.engine import syntax
from perflint.engine.linting import lint
from perflint.text.lines import line_offsets, offset
from perflint.types import Edit, Finding, Settings

#: Each pass may enable another (PFL103 -> PFL102); a cycle would be a bug, so stop here.
MAX_PASSES = 10


@dataclass(frozen=True)
class Applied:
    """What one round of edits did: the new text, the fixes applied, and the fixes refused
    because the text at their position is not the text they were made for."""

    text: str
    applied: list[Finding]
    refused: list[Finding]


def apply_edits(text: str, fixes: Sequence[Finding]) -> Applied:
    """Apply the fixes whose edits do not overlap an earlier one and whose every edit finds
    its ``original`` text where it points; refuse the ones that do not find it. Linear in
    the text and the edits (a sorted list of the spans taken)."""
    offsets = line_offsets(text)
    chosen: list[tuple[int, int, Edit]] = []
    applied: list[Finding] = []
    refused: list[Finding] = []
    taken: list[tuple[int, int]] = []  # sorted, not overlapping
    for finding in sorted(fixes, key=lambda f: f.sort_key):
        assert finding.fix is not None
        spans = sorted(
            (offset(offsets, edit.start), offset(offsets, edit.end), edit) for edit in finding.fix.edits
        )
        if any(text[start:end] != edit.original for start, end, edit in spans):
            refused.append(finding)
            continue
        if any(_overlaps(taken, start, end) for start, end, _ in spans) or _self_overlap(spans):
            continue  # overlaps: left for the next pass, which sees the new text
        for start, end, _ in spans:
            insort(taken, (start, end))
        chosen.extend(spans)
        applied.append(finding)
    pieces = []
    cursor = 0
    for start, end, edit in sorted(chosen, key=lambda span: (span[0], span[1])):
        pieces += [text[cursor:start], edit.content]
        cursor = end
    pieces.append(text[cursor:])
    return Applied("".join(pieces), applied, refused)


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps a span of ``taken`` (two insertions at one point
    overlap too: their order would be arbitrary)."""
    index = bisect_left(taken, (start, start))
    for neighbour in taken[max(index - 1, 0) : index + 1]:
        t_start, t_end = neighbour
        if start < t_end and t_start < end or (start == end == t_start == t_end):
            return True
    return False


def _self_overlap(spans: Sequence[tuple[int, int, Edit]]) -> bool:
    return any(b[0] < a[1] for a, b in zip(spans, spans[1:]))


def compiles(text: str, path: str) -> bool:
    """True when CPython accepts ``text`` (read a piece at a time, see ``perflint.engine.syntax``;
    nothing is run)."""
    return syntax.read(text, path, want_ast=False).rejection is None


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
    #: Warnings about how the text was read (see ``engine.newer_syntax_note``).
    notes: tuple[str, ...] = ()


def _key(finding: Finding) -> tuple[str, str | None]:
    return (finding.code, finding.flagged_code)


def _dropped(path: str, finding: Finding, why: str) -> str:
    return f"{path}:{finding.start.row}:{finding.start.column}: {finding.code} fix dropped: {why}"


#: Why a fix whose edits do not find their text is dropped (a bug in perflint if it happens).
NOT_FOUND = "the code it replaces is not at the position it was found at"
#: Why a fix that makes the text unreadable is dropped.
BREAKS = "the fixed code would not compile"


def fix_text(text: str, path: str, settings: Settings) -> FixOutcome:
    """Lint and fix ``text`` until no fixable finding is left (at most ``MAX_PASSES`` passes).

    After each pass the new text is linted again, which is also the check that it is still
    sound: CPython must accept it (``perflint.engine.syntax``, piece by piece), and so must libcst
    where a rule needs it. A pass whose result fails that keeps the largest set of its fixes
    that passes, found by halving (a few lints, not one per fix); the others are dropped.
    """
    applied_rules: list[tuple[str, str]] = []
    dropped: dict[tuple[str, str | None], str] = {}
    linted = lint(text, path, settings)
    found = tuple(linted.findings)
    for _ in range(MAX_PASSES):
        if linted.error is not None:
            break
        fixable = [
            f for f in linted.findings if f.fixable(settings.unsafe_fixes) and _key(f) not in dropped
        ]
        if not fixable:
            break
        attempt = apply_edits(text, fixable)
        for finding in attempt.refused:
            dropped[_key(finding)] = _dropped(path, finding, NOT_FOUND)
        new_text, applied = attempt.text, attempt.applied
        if not applied:
            break
        after = lint(new_text, path, settings)
        if after.error is not None:
            good = _sound_subset(text, path, settings, applied)
            for finding in applied:
                if finding not in good:
                    dropped[_key(finding)] = _dropped(path, finding, BREAKS)
            if not good:
                break
            applied = good
            new_text = apply_edits(text, good).text
            after = lint(new_text, path, settings)
        text, linted = new_text, after
        applied_rules += [(finding.code, finding.name) for finding in applied]
    return FixOutcome(
        text,
        len(applied_rules),
        linted.findings,
        linted.error,
        tuple(dropped.values()),
        found,
        tuple(applied_rules),
        linted.notes,
    )


def _sound_subset(
    text: str, path: str, settings: Settings, fixes: list[Finding]
) -> list[Finding]:
    """The fixes (non-overlapping, of ``text``) kept: each half that lints cleanly on top of
    those kept so far is kept whole; a half that does not is halved again, down to single
    fixes, which are dropped."""
    kept: list[Finding] = []

    def sound(group: list[Finding]) -> bool:
        candidate = apply_edits(text, kept + group).text
        return lint(candidate, path, settings).error is None

    pending = [fixes]
    while pending:
        group = pending.pop()
        if sound(group):
            kept += group
        elif len(group) > 1:
            middle = len(group) // 2
            pending += [group[middle:], group[:middle]]  # the first half is tried first
    return kept
