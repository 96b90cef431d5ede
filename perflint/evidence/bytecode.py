"""Reading one code object's bytecode for any CPython 3.8-3.13: normalised instructions,
control flow and loops.

Standard library only, like ``disasm`` (which imports it, also when another interpreter runs
``disasm.py`` as a script): it reads code objects and never runs them.

An instruction is normalised to ``"OPNAME argrepr"``: no offsets, line numbers or CACHE
entries, jump targets as labels and code objects by name, so that two versions of the same
code compare equal whatever their layout in the file.
"""

from __future__ import annotations

import dis
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import CodeType

JUMPS = frozenset(getattr(dis, "hasjump", ())) | frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
UNCONDITIONAL = frozenset(
    {
        "JUMP_ABSOLUTE",  # 3.10
        "JUMP_FORWARD",
        "JUMP_BACKWARD",  # 3.11+
        "JUMP_BACKWARD_NO_INTERRUPT",
        "JUMP",
        "JUMP_NO_INTERRUPT",
    }
)
#: Backward jumps that close ``await``/``yield from``'s SEND loop, not a loop of the code's own.
_NO_INTERRUPT = frozenset({"JUMP_BACKWARD_NO_INTERRUPT", "JUMP_NO_INTERRUPT"})
# 3.10 block setup: the jump is taken only when an exception is raised.
SETUP = frozenset({"SETUP_FINALLY", "SETUP_WITH", "SETUP_ASYNC_WITH", "SETUP_CLEANUP"})
TERMINAL = frozenset({"RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE"})
SKIPPED = frozenset({"CACHE", "EXTENDED_ARG"})
_CODE_REPR = re.compile(r"<code object (\S+) at 0x[0-9a-fA-F]+, file .*?, line \d+>")
#: A normalised jump's label, to compare code whatever other jumps precede it.
JUMP_LABEL = re.compile(r"to L\d+$")


@dataclass(frozen=True)
class Flow:
    """One code object's instructions (CACHE and EXTENDED_ARG dropped) and its jumps."""

    kept: tuple[dis.Instruction, ...]
    #: Instruction index -> index of its jump target.
    targets: dict[int, int]

    @property
    def labels(self) -> dict[int, str]:
        """Jump target index -> ``"L1"``, ``"L2"``, ... in index order."""
        return {t: f"L{n}" for n, t in enumerate(sorted(set(self.targets.values())), start=1)}


def flow(code: CodeType) -> Flow:
    kept = tuple(ins for ins in dis.get_instructions(code) if ins.opname not in SKIPPED)
    index_of = {ins.offset: index for index, ins in enumerate(kept)}

    def target_index(offset: int) -> int:
        if offset in index_of:
            return index_of[offset]
        return next((i for i, ins in enumerate(kept) if ins.offset >= offset), len(kept))

    targets = {
        index: target_index(ins.argval)
        for index, ins in enumerate(kept)
        if ins.opcode in JUMPS and isinstance(ins.argval, int)
    }
    return Flow(kept, targets)


def threaded(code_flow: Flow) -> Flow:
    """``code_flow`` with each jump to an unconditional jump sent straight to where that one
    goes.  CPython does this itself only where it keeps line events right, so whether it
    happened depends on how the code is laid out over lines; threaded, the layout is moot."""
    kept, targets = code_flow.kept, code_flow.targets
    plain = {i for i, ins in enumerate(kept) if ins.opname in UNCONDITIONAL and ins.opname not in _NO_INTERRUPT}
    out = {}
    for index, target in targets.items():
        if kept[index].opname in ("FOR_ITER", "SEND") or kept[index].opname in SETUP:
            out[index] = target  # a loop's exit or a handler: where it points means something
            continue
        seen = {index}
        while target in plain and target in targets and target not in seen:
            seen.add(target)
            target = targets[target]
        out[index] = target
    return Flow(kept, out)


def stable_repr(value: object) -> str:
    """``repr(value)``, with the items of a (frozen)set in sorted order: their order follows
    the string hash, which changes from one process to the next."""
    if isinstance(value, (set, frozenset)):
        joined = ", ".join(sorted(stable_repr(item) for item in value))
        return f"{type(value).__name__}({{{joined}}})" if joined else f"{type(value).__name__}()"
    if isinstance(value, tuple):
        items = [stable_repr(item) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    return repr(value)


_INVERSE = {
    "TRUE": "FALSE", "FALSE": "TRUE", "NONE": "NOT_NONE", "NOT_NONE": "NONE",
}


def _inverted(ins: dis.Instruction, backward: bool) -> dis.Instruction | None:
    """The conditional jump ``ins`` with its condition negated, or None when there is none."""
    name = ins.opname
    for prefix in ("POP_JUMP_IF_", "POP_JUMP_FORWARD_IF_", "POP_JUMP_BACKWARD_IF_"):
        if name.startswith(prefix) and name[len(prefix) :] in _INVERSE:
            condition = _INVERSE[name[len(prefix) :]]
            if prefix != "POP_JUMP_IF_":  # 3.11 names the direction
                prefix = "POP_JUMP_BACKWARD_IF_" if backward else "POP_JUMP_FORWARD_IF_"
            new = prefix + condition
            if new in dis.opmap:
                return ins._replace(opname=new, opcode=dis.opmap[new])
    return None


def canonical(code_flow: Flow) -> Flow:
    """``code_flow`` with the layout choices CPython makes by line numbers undone: jumps
    threaded (see ``threaded``), and ``POP_JUMP_IF_X past; JUMP target`` (what a condition
    ending a line becomes when the jump back keeps its own line) as ``POP_JUMP_IF_NOT_X target``
    with the JUMP left as a NOP."""
    code_flow = threaded(code_flow)
    kept, targets = list(code_flow.kept), dict(code_flow.targets)
    aimed: dict[int, list[int]] = {}
    for source, target in targets.items():
        aimed.setdefault(target, []).append(source)
    nop = dis.opmap.get("NOP")
    for index in range(len(kept) - 2):
        jump = kept[index + 1]
        if targets.get(index) != index + 2 or index + 1 not in targets or nop is None:
            continue
        if jump.opname not in UNCONDITIONAL or jump.opname in _NO_INTERRUPT or aimed.get(index + 1):
            continue
        flipped = _inverted(kept[index], backward=targets[index + 1] < index)
        if flipped is None:
            continue
        kept[index] = flipped
        targets[index] = targets.pop(index + 1)
        kept[index + 1] = jump._replace(opname="NOP", opcode=nop, arg=None, argval=None, argrepr="")
    return Flow(tuple(kept), targets)


def instruction_text(code_flow: Flow, index: int, labels: dict[int, str], rename: Sequence[tuple[str, str]] = ()) -> str:
    """``"OPNAME argrepr"`` with the jump target as a label and code objects by name."""
    ins = code_flow.kept[index]
    argrepr = ins.argrepr
    if ins.opname == "LOAD_CONST" and isinstance(ins.argval, (frozenset, tuple)):
        argrepr = stable_repr(ins.argval)
    if index in code_flow.targets:
        argrepr = f"to {labels[code_flow.targets[index]]}"
    argrepr = _CODE_REPR.sub(r"<code object \1>", argrepr)
    for old, new in rename:
        argrepr = argrepr.replace(old, new)
    return f"{ins.opname} {argrepr}".rstrip()


def line_numbers(code_flow: Flow) -> list[int | None]:
    """The source line of each kept instruction (None where the code has none)."""
    lines: list[int | None] = []
    current: int | None = None
    for ins in code_flow.kept:
        number = getattr(ins, "line_number", None)  # 3.13
        positions = getattr(ins, "positions", None)
        if number is None and positions is not None:
            number = positions.lineno  # 3.11, 3.12
        if number is None and isinstance(ins.starts_line, int) and not isinstance(ins.starts_line, bool):
            current = ins.starts_line  # 3.10: set on the first instruction of each line
            number = current
        elif number is None and not hasattr(ins, "positions"):
            number = current
        lines.append(number)
    return lines


def successors(code_flow: Flow, index: int) -> list[int]:
    """Where control goes after instruction ``index`` without an exception."""
    name = code_flow.kept[index].opname
    targets = code_flow.targets
    if name in TERMINAL:
        return []
    if index in targets and name in UNCONDITIONAL:
        return [targets[index]]
    if index in targets and name not in SETUP:
        return [index + 1, targets[index]]
    return [index + 1]


def reachable(code_flow: Flow, start: int = 0) -> set[int]:
    """Instructions reached from ``start`` without an exception (handlers are left out)."""
    seen: set[int] = set()
    pending = [start]
    size = len(code_flow.kept)
    while pending:
        index = pending.pop()
        if index in seen or not 0 <= index < size:
            continue
        seen.add(index)
        pending.extend(successors(code_flow, index))
    return seen


def iteration(
    code_flow: Flow,
    heads: Iterable[int],
    start: int,
    end: int,
    *,
    exits_branch: bool = True,
    weights: Sequence[int] | None = None,
) -> tuple[int | None, bool, set[int]]:
    """One iteration of the loop whose body spans ``[start, end)`` and whose back jumps go to
    ``heads``: the instructions it runs from a head to the jump back (along the longest path
    when the body branches; None when no path gets back), whether it branches, and the
    instructions an iteration can reach.  With ``exits_branch`` a jump out of the body (a
    ``break``, a ``while`` loop's test) counts as a branch; without, only a choice between two
    places inside it does.

    Backward edges to anywhere but a head belong to inner loops (or ``await``'s SEND loop) and
    are dropped, so the body is a DAG in index order; its longest path is the count.
    """
    heads = set(heads)
    best: dict[int, int | None] = {}
    for index in range(end - 1, start - 1, -1):
        options: list[int] = []
        for nxt in successors(code_flow, index):
            if nxt in heads:
                options.append(0)  # back at a loop head: one iteration done
            elif index < nxt < end and (rest := best.get(nxt)) is not None:
                options.append(rest)
        weight = 1 if weights is None else weights[index]
        best[index] = weight + max(options) if options else None
    counts = [count for head in heads if (count := best.get(head)) is not None]
    inside, branches, pending = set(), False, sorted(heads)
    while pending:
        index = pending.pop()
        if index in inside or not start <= index < end:
            continue
        inside.add(index)
        nexts = successors(code_flow, index)
        if exits_branch:
            inner = nexts
        elif code_flow.kept[index].opname == "FOR_ITER":
            inner = []  # an inner loop's head: a loop, not a branch
        else:
            inner = [nxt for nxt in nexts if start <= nxt < end or nxt in heads]
        if len(inner) > 1 and index not in heads:
            branches = True
        pending.extend(nxt for nxt in nexts if nxt > index)
    return (max(counts) if counts else None), branches, inside


@dataclass(frozen=True)
class Region:
    """A loop in one code object: ``heads`` (its FOR_ITER, or where a ``while`` loop's jumps
    back land) and the index range ``[start, end)`` of its body."""

    heads: tuple[int, ...]
    start: int
    end: int
    kind: str  # "for" or "while"


def loop_regions(code_flow: Flow, live: set[int]) -> list[Region]:
    """Every loop of the code, outermost first: each FOR_ITER (its body up to its exit), and
    each group of backward jumps that ``live`` (normally reachable) code takes to somewhere
    other than a FOR_ITER (a ``while`` loop; groups whose ranges overlap without nesting, as
    ``continue`` to the test and the bottom test's jump to the body make, are one loop)."""
    kept, targets = code_flow.kept, code_flow.targets
    regions: list[Region] = []
    back: dict[int, int] = {}
    for index, target in targets.items():
        if index not in live or target > index or kept[index].opname in _NO_INTERRUPT:
            continue
        if kept[target].opname == "FOR_ITER":
            continue
        back[target] = max(back.get(target, index), index)
    for index, ins in enumerate(kept):
        if ins.opname == "FOR_ITER" and index in live and index in targets:
            regions.append(Region((index,), index, targets[index], "for"))
    spans = sorted((target, source + 1, [target]) for target, source in back.items())
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, heads in spans:
        if merged and merged[-1][0] < start < merged[-1][1] < end:  # crossing: one loop
            first, _, known = merged.pop()
            merged.append((first, end, known + heads))
        else:
            merged.append((start, end, heads))
    regions.extend(Region(tuple(heads), start, end, "while") for start, end, heads in merged)
    return sorted(regions, key=lambda region: (region.start, -region.end))
