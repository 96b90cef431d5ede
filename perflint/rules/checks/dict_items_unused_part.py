"""PFL103 dict-items-unused-part: ``for k, _ in d.items()`` builds a pair per item, uses half."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import libcst as cst

from perflint.rules import flow
from perflint.rules.api import replace_nodes
from perflint.rules.checks._helpers import IndentTracking, is_method_call, no_space, spaced
from perflint.rules.checks._loops import EachLoop, Loop
from perflint.rules.codegen import code_at_indent, short_code
from perflint.rules.prefilters import dict_items_unused_part as prefilter
from perflint.rules.scope import Guard, Scope
from perflint.rules.semantics import catches, checked_against_class, expr_type, is_instance, is_probed
from perflint.types import Applicability

#: Builtins that can read a function's local variables by name, unseen by the scope counts.
_INTROSPECTION = ("locals", "vars", "eval", "exec")



@dataclass(eq=False)
class _Candidate:
    loop: Loop
    owner: cst.CSTNode  # the For statement, or the comprehension holding the CompFor
    scope: Scope  # where the loop's targets are bound
    elements: tuple[cst.BaseExpression, cst.BaseExpression]  # (key target, value target)
    indent: str  # of the block holding the loop
    guard: Guard | None  # the try/with bodies around it


def _names(candidate: _Candidate) -> list[str]:
    return [element.value for element in candidate.elements if isinstance(element, cst.Name)]


class DictItemsUnusedPart(prefilter.DictItemsUnusedPart, IndentTracking, EachLoop):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.candidates: list[_Candidate] = []

    # -- finding candidates -----------------------------------------------------------------
    def loop(self, loop: Loop, owner: cst.CSTNode) -> None:
        target = loop.target
        if loop.asynchronous is not None or not isinstance(target, (cst.Tuple, cst.List)):
            return
        if len(target.elements) != 2 or not is_method_call(loop.iter, "items", 0):
            return
        if any(isinstance(element, cst.StarredElement) for element in target.elements):
            return
        key, value = (element.value for element in target.elements)
        candidate = _Candidate(
            loop, owner, self.scope, (key, value), self.block_indent, self.guard
        )
        if _names(candidate):
            self.candidates.append(candidate)

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        # A name is dead when its only occurrences in its scope are targets of such loops:
        # then every one of those loops may drop it (two loops both unpacking into `_` are
        # as dead as one).
        targets: Counter[tuple[int, str]] = Counter()
        for candidate in self.candidates:
            for name in _names(candidate):
                targets[(id(candidate.scope), name)] += 1
        for candidate in self.candidates:
            dead = [
                isinstance(element, cst.Name)
                and self._is_dead(candidate, element.value, targets)
                for element in candidate.elements
            ]
            if dead[1]:
                self._report(candidate, keep=0)
            elif dead[0]:
                self._report(candidate, keep=1)

    def _is_dead(
        self, candidate: _Candidate, name: str, targets: Counter[tuple[int, str]]
    ) -> bool:
        scope = candidate.scope
        if scope.kind == "class":
            return False  # loop variables of a class body become class attributes
        if name in scope.globals or name in scope.nonlocals:
            return False  # the binding is seen by another scope
        if any(scope.count(builtin) for builtin in _INTROSPECTION):
            return False  # locals()/eval() could read it by name
        if scope.count_refs(name) == targets[(id(scope), name)]:
            return True
        # Used elsewhere: dead all the same if no read can see what this loop binds to it.
        loop = candidate.loop
        return isinstance(loop, cst.For) and not flow.loop_binding_read(
            scope, loop, (name,), body=True
        )

    def _report(self, candidate: _Candidate, keep: int) -> None:
        loop = candidate.loop
        func = loop.iter.func  # type: ignore[attr-defined]
        assert isinstance(func, cst.Attribute)
        receiver = func.value
        method = "keys" if keep == 0 else "values"
        if self._silent(candidate, receiver):
            return
        kept = candidate.elements[keep]
        kept_code = code_at_indent(self.context.module, kept, candidate.indent)
        new_loop = loop.with_changes(
            target=kept,
            iter=loop.iter.with_changes(func=func.with_changes(attr=cst.Name(method))),
            whitespace_after_for=spaced(loop.whitespace_after_for),
            whitespace_before_in=spaced(loop.whitespace_before_in),
        )
        self.report(
            loop,
            end_node=loop.iter,
            scope=candidate.scope,
            edits=[*_target_edits(loop, kept_code), (func.attr, method)],
            applicability=self._applicability(candidate, receiver),
            flagged=candidate.owner,
            rewritten=replace_nodes(candidate.owner, {id(loop): new_loop}),
            dict=short_code(self.code(receiver)),
            unused=short_code(self.code(candidate.elements[1 - keep])),
            part="value" if keep == 0 else "key",
            method=method,
            target=short_code(self.code(kept)),
        )

    @staticmethod
    def _silent(candidate: _Candidate, receiver: cst.BaseExpression) -> bool:
        """Where ``keys()``/``values()`` could mean something else than ``items()`` halves."""
        scope = candidate.scope
        if expr_type(scope, receiver) == "dict":
            return False
        # The class's own items() need not match its keys()/values(); a duck-typed object
        # (hasattr(E, "items")) or one narrowed to a class of its own may lack them.
        if is_instance(scope, receiver) or checked_against_class(scope, receiver):
            return True
        if is_probed(scope, receiver, ("items", "keys", "values")):
            return True
        # `.items()` inside a handler of AttributeError can be the test of "is it a
        # mapping": an object with items() but no values() would now take the handler.
        return catches(candidate.guard, ("AttributeError",))

    def _applicability(self, candidate: _Candidate, receiver: cst.BaseExpression) -> Applicability:
        # Only a dict is known to have keys()/values() that match its items(); another
        # object's items() may yield something else, or it may lack values() entirely
        # (an ElementTree Element).  A module-level loop variable is also a module
        # attribute that importers could read.
        if candidate.scope.kind == "module":
            return "unsafe"
        if expr_type(candidate.scope, receiver) == "dict":
            return "safe"
        return "unsafe"


def _target_edits(loop: Loop, code: str) -> list[tuple[cst.CSTNode, str]]:
    """Edits turning ``loop.target`` into the element of it whose code is ``code``.

    A target's parentheses are outside its range, so ``for (k, _) in`` needs edits of their
    own to remove them; ``for(k,_)in`` also needs a space where each one was.
    """
    target = loop.target
    space_before = " " if no_space(loop.whitespace_after_for) else ""
    space_after = " " if no_space(loop.whitespace_before_in) else ""
    if not target.lpar:  # a bare tuple, or a list whose brackets are inside its range
        return [(target, space_before + code + space_after)]
    edits: list[tuple[cst.CSTNode, str]] = [(target, code)]
    last = len(target.rpar) - 1
    edits += [(paren, space_before if i == 0 else "") for i, paren in enumerate(target.lpar)]
    edits += [(paren, space_after if i == last else "") for i, paren in enumerate(target.rpar)]
    return edits
