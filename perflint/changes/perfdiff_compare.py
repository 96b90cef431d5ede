"""Compare two versions of a set of files' units: match functions (by qualname, then renames
and moves by identical bytecode), match their loops by position in the loop tree, and say what
changed, weighed and ordered.

Pure functions over the performance diff's data in ``perflint.types``; nothing here reads files or compiles.

Long because its three steps (pair the units, pair their loops, judge each change) are one
algorithm over the same few records, read top to bottom, and the ``--fail-on`` conditions are
judged on the same records.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from perflint.types import FunctionChange, Loop, LoopChange, Unit, Verdict

#: Facts that are work of their own each iteration (the rest are loads).
COSTLY = ("call", "alloc", "import", "try", "with", "loop")
#: Bodies at least this similar pair up as one loop changed (below: one removed, one added).
_SIMILAR = 0.5
_IDENTIFIER = re.compile(r"[^\W\d]\w*")

NESTED, LOOP_WORK, LOOP_GROWTH, ELSEWHERE, OTHER, IMPROVEMENT = range(6)


def units_from_result(path: str, result: Mapping[str, Any]) -> list[Unit]:
    """The units of one compiled file (a ``_units`` answer); a repeated qualname gets
    ``[2]``, ``[3]``, ... in order of appearance (a property's setter, a redefinition)."""
    seen: Counter[str] = Counter()
    units = []
    for raw in result["units"]:
        seen[raw["qualname"]] += 1
        number = seen[raw["qualname"]]
        units.append(
            Unit(
                path=path,
                qualname=raw["qualname"] if number == 1 else f"{raw['qualname']}[{number}]",
                kind=raw["kind"],
                line=raw["line"],
                instructions=raw["instructions"],
                signature=raw["signature"],
                shape=raw["shape"],
                loops=tuple(
                    Loop(
                        parent=loop["parent"],
                        line=loop["line"],
                        end_line=loop["end_line"],
                        depth=loop["depth"],
                        kind=loop["kind"],
                        count=loop["count"],
                        branches=loop["branches"],
                        facts=tuple(loop["facts"]),
                        body=tuple(loop["body"]),
                    )
                    for loop in raw["loops"]
                ),
            )
        )
    return units


# -- matching functions ------------------------------------------------------------------------
@dataclass(frozen=True)
class FilePair:
    """One changed file: its units at the base (its old path) and at the head."""

    base_path: str | None
    head_path: str | None
    base: tuple[Unit, ...]
    head: tuple[Unit, ...]


def _short(qualname: str) -> str:
    return qualname.split("[")[0].rsplit(".", 1)[-1]


def match_units(files: Sequence[FilePair]) -> tuple[list[tuple[Unit | None, Unit | None]], dict[str, str]]:
    """Pairs (base, head) of the same unit, and the renames found (old name -> new name).

    Same file and qualname first; then, across all files, units whose bytecode is identical
    but for their own name (renamed or moved): those pair too, and report nothing.
    """
    pairs: list[tuple[Unit | None, Unit | None]] = []
    lost: list[Unit] = []
    new: list[Unit] = []
    for pair in files:
        heads = {unit.qualname: unit for unit in pair.head}
        matched: set[str] = set()
        for unit in pair.base:
            other = heads.get(unit.qualname)
            if other is None:
                lost.append(unit)
            else:
                pairs.append((unit, other))
                matched.add(unit.qualname)
        new.extend(unit for unit in pair.head if unit.qualname not in matched)
    renames: dict[str, set[str]] = {}
    for key in ("signature", "shape"):
        waiting: dict[tuple[str, str], list[Unit]] = {}
        for unit in new:
            waiting.setdefault((unit.kind, getattr(unit, key)), []).append(unit)
        still_lost = []
        for unit in lost:
            candidates = waiting.get((unit.kind, getattr(unit, key)))
            if not candidates:
                still_lost.append(unit)
                continue
            other = candidates.pop(0)
            pairs.append((unit, other))
            if _short(unit.qualname) != _short(other.qualname):
                renames.setdefault(_short(unit.qualname), set()).add(_short(other.qualname))
        unpaired = {id(unit) for group in waiting.values() for unit in group}
        new = [unit for unit in new if id(unit) in unpaired]
        lost = still_lost
    pairs.extend((unit, None) for unit in lost)
    pairs.extend((None, unit) for unit in new)
    unique = {old: next(iter(names)) for old, names in renames.items() if len(names) == 1}
    return pairs, unique


# -- matching loops ----------------------------------------------------------------------------
def _children(loops: Sequence[Loop], parent: int | None) -> list[int]:
    return [index for index, loop in enumerate(loops) if loop.parent == parent]


def _similarity(a: Loop, b: Loop) -> float:
    matcher = difflib.SequenceMatcher(a=a.body, b=b.body, autojunk=False)
    if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
        return 0.0
    return matcher.ratio()


def _pair_by_position(a: list[int], b: list[int], base: Sequence[Loop], head: Sequence[Loop]) -> list[tuple[int | None, int | None]]:
    """Loops of one gap in both versions: as many on each side pair by position; otherwise
    they pair in order where their bodies are similar (the pairing with the most similarity
    that keeps their order), and the rest are added or removed."""
    if len(a) == len(b):
        return list(zip(a, b))
    best = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    score = [[_similarity(base[i], head[j]) for j in b] for i in a]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            take = score[i][j] + best[i + 1][j + 1] if score[i][j] >= _SIMILAR else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        if score[i][j] >= _SIMILAR and best[i][j] == score[i][j] + best[i + 1][j + 1]:
            out.append((a[i], b[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((a[i], None))
            i += 1
        else:
            out.append((None, b[j]))
            j += 1
    out.extend((index, None) for index in a[i:])
    out.extend((None, index) for index in b[j:])
    return out


def match_loops(base: Sequence[Loop], head: Sequence[Loop]) -> list[tuple[int | None, int | None]]:
    """Base and head loops paired by position in the loop tree, preorder.

    Siblings are aligned, not zipped: a loop inserted before another does not shift every
    later pairing.  Identical bodies pair first; in each gap between them, similar bodies
    pair in order (the rest are added or removed); a loop on one side only brings its whole
    subtree along.
    """
    out: list[tuple[int | None, int | None]] = []

    def subtree(loops: Sequence[Loop], index: int, head_side: bool) -> None:
        out.append((None, index) if head_side else (index, None))
        for child in _children(loops, index):
            subtree(loops, child, head_side)

    def level(a_parent: int | None, b_parent: int | None) -> None:
        a, b = _children(base, a_parent), _children(head, b_parent)
        matcher = difflib.SequenceMatcher(
            a=[base[i].body for i in a], b=[head[j].body for j in b], autojunk=False
        )
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            pairs = (
                list(zip(a[a0:a1], b[b0:b1]))
                if tag == "equal"
                else _pair_by_position(a[a0:a1], b[b0:b1], base, head)
            )
            for i, j in pairs:
                if i is not None and j is not None:
                    out.append((i, j))
                    level(i, j)
                elif i is not None:
                    subtree(base, i, False)
                elif j is not None:
                    subtree(head, j, True)

    level(None, None)
    return out


# -- comparing ---------------------------------------------------------------------------------
def _renamed(fact: str, renames: Mapping[str, str]) -> str:
    if not renames:
        return fact
    kind, _, detail = fact.partition(" ")
    detail = _IDENTIFIER.sub(lambda m: renames.get(m.group(0), m.group(0)), detail)
    return f"{kind} {detail}".rstrip()


def _difference(more: Iterable[str], less: Iterable[str]) -> tuple[str, ...]:
    counts = Counter(more)
    counts.subtract(Counter(less))
    return tuple(sorted(fact for fact, count in counts.items() for _ in range(max(0, count))))


def _costly(facts: Iterable[str]) -> int:
    return sum(1 for fact in facts if fact.split(" ", 1)[0] in COSTLY)


def _loop_change(
    base: Loop | None, head: Loop | None, renames: Mapping[str, str]
) -> tuple[LoopChange | None, int]:
    """What changed in one loop pair (None: nothing) and its weight."""
    if head is not None and base is None:
        nested = head.depth >= 1 and head.count is not None
        if head.count is None:  # every path through the body leaves it: it never repeats
            reason = "new loop whose body never gets back to its head (it runs at most once)"
        elif nested:
            reason = "new loop inside a loop: its body runs for every iteration around it (O(n) becomes O(n*m))"
        else:
            reason = "new loop"
        return (
            LoopChange(head.line, head.depth, head.kind, None, head.count, head.facts, (), "added",
                       reason, head.branches, end_line=head.end_line),
            NESTED if nested else LOOP_GROWTH,
        )
    if base is not None and head is None:
        facts = tuple(sorted(_renamed(fact, renames) for fact in base.facts))
        return (
            LoopChange(base.line, base.depth, base.kind, base.count, None, (), facts, "removed",
                       "loop removed", base.branches, end_line=base.end_line),
            IMPROVEMENT,
        )
    assert base is not None and head is not None
    old_facts = [_renamed(fact, renames) for fact in base.facts]
    entered, left = _difference(head.facts, old_facts), _difference(old_facts, head.facts)
    if base.count == head.count and not entered and not left:
        return None, OTHER
    more_work, less_work = _costly(entered) > _costly(left), _costly(left) > _costly(entered)
    old, new = base.count or 0, head.count or 0
    verdict: Verdict
    if "loop" in entered and "loop" not in left:
        verdict, weight, reason = "regression", NESTED, "a loop entered its body"
    elif "loop" in left and "loop" not in entered:
        verdict, weight, reason = "improvement", IMPROVEMENT, "a loop left its body"
    elif more_work and not new < old:
        verdict, weight, reason = "regression", LOOP_WORK, "more work per iteration"
    elif new > old and not less_work:
        verdict, weight, reason = "regression", LOOP_GROWTH, "more instructions per iteration"
    elif (less_work and not new > old) or (new < old and not more_work):
        verdict, weight, reason = "improvement", IMPROVEMENT, "less work per iteration"
    else:
        verdict, weight, reason = "changed", OTHER, "different work per iteration"
    change = LoopChange(head.line, head.depth, head.kind, base.count, head.count, entered, left,
                        verdict, reason, head.branches or base.branches, end_line=head.end_line)
    return change, weight


def compare_units(base: Unit | None, head: Unit | None, renames: Mapping[str, str]) -> FunctionChange | None:
    """What changed between two versions of a unit; None when nothing worth reporting did.

    A module or class body is reported only when one of its loops changed: the rest of it
    runs once (an added import is no cost per call)."""
    if base is not None and head is not None and base.signature == head.signature:
        return None
    changes: list[tuple[LoopChange, int]] = []
    for i, j in match_loops(base.loops if base else (), head.loops if head else ()):
        found, weight = _loop_change(
            base.loops[i] if base is not None and i is not None else None,
            head.loops[j] if head is not None and j is not None else None,
            renames,
        )
        if found is not None:
            changes.append((found, weight))
    old = base.instructions if base is not None else None
    new = head.instructions if head is not None else None
    unit = head if head is not None else base
    assert unit is not None
    if unit.kind != "function" and not changes:
        return None  # straight-line code that runs once, at import or class creation
    verdict: Verdict
    if base is None or head is None:
        verdict = "added" if base is None else "removed"
        weights = [weight for _, weight in changes if weight != IMPROVEMENT]
        weight = min(weights, default=ELSEWHERE) if head is not None else IMPROVEMENT
    elif changes:
        weight = min(weight for _, weight in changes)
        verdicts = {change.verdict for change, _ in changes}
        if weight < OTHER:
            verdict = "regression"
        elif verdicts <= {"improvement", "removed"}:
            verdict = "improvement"
        else:
            verdict = "changed"
    elif old == new:
        return None
    else:
        assert old is not None and new is not None
        verdict, weight = ("regression", ELSEWHERE) if new > old else ("improvement", IMPROVEMENT)
    return FunctionChange(
        path=unit.path,
        qualname=unit.qualname,
        kind=unit.kind,
        line=unit.line,
        change="added" if base is None else "removed" if head is None else "modified",
        base_instructions=old,
        head_instructions=new,
        loops=tuple(change for change, _ in changes),
        verdict=verdict,
        weight=weight,
        base_path=base.path if base is not None and head is not None and base.path != head.path else None,
    )


def _magnitude(change: FunctionChange) -> int:
    """How much grew (or shrank, for improvements): per-iteration counts weigh by depth."""
    total = 0
    for loop in change.loops:
        delta = (loop.head_instructions or 0) - (loop.base_instructions or 0)
        total += abs(delta) * (loop.depth + 1) * 10
    return total + abs((change.head_instructions or 0) - (change.base_instructions or 0))


def compare(files: Sequence[FilePair]) -> list[FunctionChange]:
    """Every unit that changed, most important first (see ``FunctionChange.weight``)."""
    pairs, renames = match_units(files)
    found = [change for base, head in pairs if (change := compare_units(base, head, renames)) is not None]
    return sorted(found, key=lambda c: (c.weight, -_magnitude(c), c.path, c.line, c.qualname))


def with_findings(change: FunctionChange, findings: Mapping[str, Sequence[tuple[str, int]]]) -> FunctionChange:
    """``change`` with each grown loop naming the rule findings (code, head line) inside it."""
    here = findings.get(change.path, ())
    if not here:
        return change
    loops = []
    for loop in change.loops:
        inside: tuple[str, ...] = ()
        if loop.verdict in ("regression", "added") and loop.line is not None and loop.end_line is not None:
            inside = tuple(f"{code} {change.path}:{row}" for code, row in here if loop.line <= row <= loop.end_line)
        loops.append(replace(loop, findings=inside) if inside else loop)
    return replace(change, loops=tuple(loops))


# -- failing the check -------------------------------------------------------------------------
@dataclass(frozen=True)
class FailOn:
    """A condition under which ``--fail-on`` makes the diff fail the check."""

    kind: str  # "nested-loop", "regression" or "loop-growth"
    threshold: float = 0.0
    percent: bool = False


def parse_fail_on(text: str) -> FailOn:
    """``nested-loop``, ``regression``, ``loop-growth=N`` (instructions per iteration) or
    ``loop-growth=N%``; ValueError otherwise."""
    name, _, value = text.strip().partition("=")
    if name in ("nested-loop", "regression") and not value:
        return FailOn(name)
    if name == "loop-growth" and value:
        percent = value.endswith("%")
        number = float(value.rstrip("%"))
        if number < 0:
            raise ValueError(text)
        return FailOn(name, number, percent)
    raise ValueError(text)


def _grew_beyond(loop: LoopChange, rule: FailOn) -> bool:
    if loop.base_instructions is None or loop.head_instructions is None:
        return False
    growth = loop.head_instructions - loop.base_instructions
    if rule.percent:
        return growth > 0 and growth * 100 > rule.threshold * max(loop.base_instructions, 1)
    return growth > rule.threshold


def failures(changes: Sequence[FunctionChange], rules: Sequence[FailOn]) -> list[str]:
    """Why the check fails under ``rules`` (empty: it passes), one line per reason."""
    out = []
    for change in changes:
        where = f"{change.path}:{change.qualname}"
        for rule in rules:
            if rule.kind == "regression" and change.verdict == "regression":
                out.append(f"{where}: regression (--fail-on regression)")
            for loop in change.loops:
                if rule.kind == "nested-loop" and loop.verdict == "added" and loop.depth >= 1 and loop.head_instructions is not None:
                    out.append(f"{where}: new nested loop at line {loop.line} (--fail-on nested-loop)")
                elif rule.kind == "loop-growth" and _grew_beyond(loop, rule):
                    limit = f"{rule.threshold:g}{'%' if rule.percent else ''}"
                    out.append(
                        f"{where}: loop at line {loop.line} grew {loop.base_instructions} -> "
                        f"{loop.head_instructions} instructions per iteration (--fail-on loop-growth={limit})"
                    )
    return out
