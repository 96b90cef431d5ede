"""PFL105 try-except-in-loop: a ``try``/``except`` that is a loop's whole body, on CPython < 3.11.

Before 3.11 entering a ``try`` pushes a block (``SETUP_FINALLY``) and leaving it pops it
(``POP_BLOCK``), so a ``try`` inside a loop pays both on every iteration; 3.11's zero-cost
exceptions compile the ``try`` to a ``NOP``.  The rule only fires where wrapping the whole
loop in the ``try`` keeps the handlers' meaning as far as the code shows: every handler leaves
the loop anyway, and nothing but the loop's own iteration comes under them (which a handler
of ``Exception`` would certainly catch, so those are left alone unless the loop is
``while True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias, Union

import libcst as cst

from perflint.rules.api import Rule
from perflint.rules.prefilters import try_except_in_loop as prefilter
from perflint.rules.scope import Scope

Loop: TypeAlias = Union[cst.For, cst.While]
_LEAVES = (cst.Break, cst.Return, cst.Raise)


@dataclass(eq=False)
class _Candidate:
    loop: Loop
    try_: cst.Try
    scope: Scope
    bad: bool = False  # a handler can ``continue`` the loop
    in_handler: int = 0  # >0 while visiting one of the try's handlers


def _sole_try(loop: Loop) -> cst.Try | None:
    """The ``try`` that is ``loop``'s only statement, when the rewrite keeps its meaning."""
    if loop.orelse is not None:
        # Wrapping the loop would put its ``else`` clause under the handlers too.
        return None
    body = loop.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
        # Other statements of the body would come under the handlers too.
        return None
    try_ = body.body[0]
    if not isinstance(try_, cst.Try) or not try_.handlers:
        return None
    if try_.orelse is not None or try_.finalbody is not None:
        return None  # they run per iteration: no single try can hold them
    if not all(_ends_leaving(handler.body) for handler in try_.handlers):
        return None
    if not _always_true(loop) and any(_catches_everything(h) for h in try_.handlers):
        # Hoisted, the handler would also catch whatever fetching the next item (or
        # evaluating the loop's condition) raises: certain for a handler that takes anything.
        return None
    return try_


#: Exception classes that catch nearly anything a loop's iteration could raise.
_BROAD = frozenset({"Exception", "BaseException"})


def _catches_everything(handler: cst.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True  # a bare ``except:``
    names = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any(isinstance(name, cst.Name) and name.value in _BROAD for name in names)


def _always_true(loop: Loop) -> bool:
    """``while True:`` / ``while 1:``: a loop whose machinery raises nothing."""
    if not isinstance(loop, cst.While):
        return False
    test = loop.test
    if isinstance(test, cst.Name):
        return test.value == "True"
    return isinstance(test, cst.Integer) and test.evaluated_value != 0


def _ends_leaving(block: cst.BaseSuite) -> bool:
    """True when the block's last statement is ``break``, ``return`` or ``raise``."""
    if isinstance(block, cst.SimpleStatementSuite):
        last_small = block.body[-1] if block.body else None
    else:
        last = block.body[-1] if block.body else None
        if not isinstance(last, cst.SimpleStatementLine) or not last.body:
            return False
        last_small = last.body[-1]
    return isinstance(last_small, _LEAVES)


class TryExceptInLoop(prefilter.TryExceptInLoop, Rule):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        #: The innermost loops being visited; None marks a def/class boundary.
        self.loops: list[_Candidate | Loop | None] = [None]
        self.done: list[_Candidate] = []

    # -- loops and boundaries ---------------------------------------------------------------
    def _enter_loop(self, node: Loop) -> None:
        try_ = _sole_try(node)
        self.loops.append(_Candidate(node, try_, self.scope) if try_ is not None else node)

    def _leave_loop(self, node: Loop) -> None:
        top = self.loops.pop()
        if isinstance(top, _Candidate):
            assert top.loop is node
            self.done.append(top)

    def visit_For(self, node: cst.For) -> None:
        self._enter_loop(node)

    def leave_For(self, original_node: cst.For) -> None:
        self._leave_loop(original_node)

    def visit_While(self, node: cst.While) -> None:
        self._enter_loop(node)

    def leave_While(self, original_node: cst.While) -> None:
        self._leave_loop(original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.loops.append(None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.loops.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.loops.append(None)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.loops.pop()

    # -- what the handlers do ---------------------------------------------------------------
    def _handler_owner(self, node: cst.ExceptHandler) -> _Candidate | None:
        top = self.loops[-1]
        if isinstance(top, _Candidate) and any(node is h for h in top.try_.handlers):
            return top
        return None

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        owner = self._handler_owner(node)
        if owner is not None:
            owner.in_handler += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        owner = self._handler_owner(original_node)
        if owner is not None:
            owner.in_handler -= 1

    def visit_Continue(self, node: cst.Continue) -> None:
        # A handler that can continue the loop does not always leave it.
        top = self.loops[-1]
        if isinstance(top, _Candidate) and top.in_handler:
            top.bad = True

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.done:
            if candidate.bad:
                continue
            loop = candidate.loop
            kind = "while" if isinstance(loop, cst.While) else "for"
            self.report(candidate.try_, scope=candidate.scope, flagged=loop, loop=kind)
