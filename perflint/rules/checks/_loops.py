"""Shared bookkeeping for rules whose candidates are ``for`` loops and comprehension clauses.

In a batched traversal a rule cannot prune or walk a subtree, so it keeps the candidate loops
it is inside on a stack: ``open`` while their body is being visited (``paused`` while the
loop's own target and iterable are), ``done`` once left, to be judged in ``finish``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Protocol, TypeAlias, Union

import libcst as cst

from perflint.rules.api import Rule

Loop: TypeAlias = Union[cst.For, cst.CompFor]
Comprehension: TypeAlias = Union[cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]


def clauses(node: Comprehension) -> Iterator[cst.CompFor]:
    """The ``for`` clauses of a comprehension, outermost first."""
    comp_for: cst.CompFor | None = node.for_in
    while comp_for is not None:
        yield comp_for
        comp_for = comp_for.inner_for_in


class EachLoop(Rule):
    """A rule that looks at every ``for`` statement and comprehension clause (outermost clause
    first) as libcst's traversal enters it: subclasses implement ``loop`` (and extend
    ``perflint.rules.prefilters._loops.EachLoop``, the prefilter side). The one walker of loops
    the loop rules share."""

    #: Also consider generator expressions (they run lazily, after the code around them).
    generators: ClassVar[bool] = True
    def loop(self, loop: Loop, owner: cst.CSTNode) -> None:
        """Called on entering ``loop``; ``owner`` is the For statement or the comprehension."""
        raise NotImplementedError

    def visit_For(self, node: cst.For) -> None:
        self.loop(node, node)

    def _comprehension(self, node: Comprehension) -> None:
        for comp_for in clauses(node):
            self.loop(comp_for, node)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._comprehension(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._comprehension(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._comprehension(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        if self.generators:
            self._comprehension(node)


class LoopCandidate(Protocol):
    loop: Loop
    owner: cst.CSTNode  # the For statement, or the comprehension holding the CompFor
    paused: int  # >0 while visiting the loop's own target and iterable


class LoopRule(EachLoop):
    """A rule that collects loop candidates; subclasses implement ``candidate``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open: list[Any] = []
        self.done: list[Any] = []

    def candidate(self, loop: Loop, owner: cst.CSTNode) -> LoopCandidate | None:
        """A candidate for ``loop`` (whose body starts being visited next), or None."""
        raise NotImplementedError

    def active(self) -> list[Any]:
        """The open candidates whose body (not target or iterable) is being visited."""
        return [candidate for candidate in self.open if not candidate.paused]

    def loop(self, loop: Loop, owner: cst.CSTNode) -> None:
        found = self.candidate(loop, owner)
        if found is not None:
            self.open.append(found)

    # -- statements ---------------------------------------------------------------------------
    def leave_For(self, original_node: cst.For) -> None:
        self._close(original_node)

    def visit_For_target(self, node: cst.For) -> None:
        self._pause(node, 1)

    def leave_For_iter(self, node: cst.For) -> None:
        self._pause(node, -1)

    # -- comprehensions ---------------------------------------------------------------------
    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._close(original_node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._close(original_node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._close(original_node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._close(original_node)

    def visit_CompFor_target(self, node: cst.CompFor) -> None:
        self._pause(node, 1)

    def leave_CompFor_iter(self, node: cst.CompFor) -> None:
        self._pause(node, -1)

    # -- bookkeeping ------------------------------------------------------------------------
    def _pause(self, loop: Loop, step: int) -> None:
        for candidate in self.open:
            if candidate.loop is loop:
                candidate.paused += step

    def _close(self, owner: cst.CSTNode) -> None:
        while self.open and self.open[-1].owner is owner:
            self.done.append(self.open.pop())


class InterruptibleLoopRule(LoopRule):
    """For a ``LoopRule`` whose candidates have ``calls``: a ``yield`` or ``await`` in a loop's
    body lets other code run between its iterations (the caller, the event loop)."""

    def visit_Yield(self, node: cst.Yield) -> None:
        for candidate in self.active():
            candidate.calls = True

    def visit_Await(self, node: cst.Await) -> None:
        for candidate in self.active():
            candidate.calls = True
