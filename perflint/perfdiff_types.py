"""Plain data of the performance diff: what compiling one version of a file gives (units and
their loops) and what comparing two versions finds (changed functions and loops)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Change = Literal["added", "removed", "modified"]
#: ``regression``/``improvement`` by the rules in ``perfdiff_compare``; ``changed`` when the
#: signs disagree or nothing grew or shrank (a callee swapped for another).
Verdict = Literal["regression", "improvement", "changed", "added", "removed"]


@dataclass(frozen=True)
class Loop:
    """One loop of a unit, as compiled: a node of the unit's loop tree (preorder)."""

    parent: int | None
    line: int | None
    end_line: int | None
    depth: int
    kind: str  # "for", "while", "comprehension" or "generator"
    #: Instructions one iteration runs (longest path when it branches); None if none returns.
    count: int | None
    branches: bool
    #: What one iteration does, as short strings ("call json.loads", "loop", ...), sorted.
    facts: tuple[str, ...]
    #: The body's normalised instructions (to pair loops that moved).
    body: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    """A function, method, class body or module body of one version of one file."""

    path: str
    #: ``Class.method``, ``f.<locals>.g``; ``name[2]`` for the second of that name.
    qualname: str
    kind: str  # "function", "class" or "module"
    line: int
    instructions: int
    #: Hash of the normalised bytecode: equal means no change worth reporting.
    signature: str
    #: The same with the unit's own name masked: equal means renamed (or moved) only.
    shape: str
    loops: tuple[Loop, ...]


@dataclass(frozen=True)
class LoopChange:
    line: int | None
    depth: int
    kind: str
    base_instructions: int | None
    head_instructions: int | None
    entered: tuple[str, ...]
    left: tuple[str, ...]
    verdict: Verdict
    #: Why the verdict, in words ("new loop inside a loop", ...).
    reason: str
    branches: bool = False
    #: Rule findings inside the loop that explain what grew ("PFL101 app.py:12").
    findings: tuple[str, ...] = ()
    end_line: int | None = None


@dataclass(frozen=True)
class FunctionChange:
    path: str
    qualname: str
    kind: str
    line: int
    change: Change
    base_instructions: int | None
    head_instructions: int | None
    loops: tuple[LoopChange, ...]
    verdict: Verdict
    #: Order of importance: 0 a new nested loop, 1 new calls or allocations in a loop,
    #: 2 more instructions per iteration, 3 growth outside loops, 4 other changes,
    #: 5 improvements.
    weight: int
    #: The path before a rename or move, when it differs.
    base_path: str | None = None


@dataclass(frozen=True)
class FileError:
    """A changed file that could not be read, decoded or compiled on one side."""

    path: str
    side: Literal["base", "head"]
    message: str


@dataclass(frozen=True)
class PerfDiff:
    """The whole comparison: which interpreter compiled it, which versions, what changed."""

    interpreter: str
    base: str
    head: str
    files: int
    changes: tuple[FunctionChange, ...]
    errors: tuple[FileError, ...] = ()
