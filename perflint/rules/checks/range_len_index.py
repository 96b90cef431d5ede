"""PFL101 range-len-index: ``for i in range(len(seq))`` that only reads ``seq[i]``."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from perflint.rules import flow
from perflint.rules.api import replace_nodes
from perflint.rules.checks._helpers import (
    NON_MUTATING_BUILTINS,
    NON_MUTATING_METHODS,
    fresh_name,
    is_dotted_name,
    is_name_call,
    last_identifier,
    singular,
)
from perflint.rules.checks._loops import InterruptibleLoopRule, Loop
from perflint.rules.prefilters import range_len_index as prefilter
from perflint.rules.scope import Guard, Scope
from perflint.rules.semantics import catches, expr_type, is_instance, may_be, refers
from perflint.types import Applicability


def is_range_len(node: cst.CSTNode) -> bool:
    """``range(len(x))`` or ``range(0, len(x))``, every argument plain and positional."""
    if not isinstance(node, cst.Call) or not is_name_call(node, "range", len(node.args)):
        return False
    args = node.args
    if len(args) == 2 and not (isinstance(args[0].value, cst.Integer) and args[0].value.value == "0"):
        return False
    return len(args) in (1, 2) and is_name_call(args[-1].value, "len", 1)


@dataclass(eq=False)
class _Candidate:
    loop: Loop
    owner: cst.CSTNode  # the For statement, or the comprehension holding the CompFor
    index: str
    seq: cst.BaseExpression
    scope: Scope  # where the index variable lives
    guard: Guard | None  # the try/with bodies around the loop
    reads: list[cst.Subscript] = field(default_factory=list)
    #: Ids of the index names inside those reads, and the scopes of its other uses.
    read_names: set[int] = field(default_factory=set)
    uses: list[Scope] = field(default_factory=list)
    bad: bool = False
    calls: bool = False  # the body calls something (or yields): it could reach ``seq``
    paused: int = 0  # >0 while visiting the loop's own target/iterable


def _seq_of(iterable: cst.BaseExpression) -> cst.BaseExpression:
    assert isinstance(iterable, cst.Call)
    len_call = iterable.args[-1].value
    assert isinstance(len_call, cst.Call)
    return len_call.args[0].value


class RangeLenIndex(prefilter.RangeLenIndex, InterruptibleLoopRule):
    # -- finding candidates -----------------------------------------------------------------
    def candidate(self, loop: Loop, owner: cst.CSTNode) -> _Candidate | None:
        if loop.asynchronous is not None or not isinstance(loop.target, cst.Name):
            return None
        if not is_range_len(loop.iter):
            return None
        seq = _seq_of(loop.iter)
        if not is_dotted_name(seq):
            return None
        return _Candidate(loop, owner, loop.target.value, seq, self.scope, self.guard)

    # -- what the body does -----------------------------------------------------------------
    def visit_Subscript(self, node: cst.Subscript) -> None:
        for candidate in self.active():
            if not node.value.deep_equals(candidate.seq):
                continue
            if self.expr_context(node) != "load":
                candidate.bad = True  # seq[...] = ..., del seq[...], seq[i] += ...
            elif _is_index(node, candidate.index):
                if self.scope is not candidate.scope:
                    candidate.bad = True  # a closure reads seq[i] late, with the last i
                candidate.reads.append(node)
                candidate.read_names.add(id(node.slice[0].slice.value))  # type: ignore[attr-defined]

    def visit_Call(self, node: cst.Call) -> None:
        for candidate in self.active():
            candidate.calls = True
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and func.value.deep_equals(candidate.seq)
                and func.attr.value not in NON_MUTATING_METHODS
            ):
                candidate.bad = True  # seq.append(...), seq.pop(), seq.sort() ...
            passes_seq = any(arg.value.deep_equals(candidate.seq) for arg in node.args)
            if passes_seq and not (
                isinstance(func, cst.Name) and func.value in NON_MUTATING_BUILTINS
            ):
                candidate.bad = True  # random.shuffle(seq), helper(seq) ...

    def _rebinds(self, node: cst.BaseExpression) -> None:
        if self.expr_context(node) == "load":
            return
        for candidate in self.active():
            if node.deep_equals(candidate.seq):
                candidate.bad = True

    def visit_Name(self, node: cst.Name) -> None:
        self._rebinds(node)
        for candidate in self.active():
            if node.value == candidate.index and id(node) not in candidate.read_names:
                if self.is_variable(node):
                    candidate.uses.append(self.scope)  # the index serves something else

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._rebinds(node)

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.done:
            if candidate.bad or not candidate.reads or self._silent(candidate):
                continue
            if not self._index_only_indexes(candidate):
                continue
            base = singular(last_identifier(candidate.seq) or "item")
            item = fresh_name(base, self.names_in_file())
            self._report(candidate, item)

    @staticmethod
    def _index_only_indexes(candidate: _Candidate) -> bool:
        """The index serves nothing but ``seq[i]`` in the loop, and no read after the loop
        can see the value the loop left in it (the rewrite binds no index)."""
        scope, index = candidate.scope, candidate.index
        if any(refers(where, scope, index) for where in candidate.uses):
            return False
        if scope.count_refs(index) == 1 + len(candidate.reads):
            return True  # no other occurrence anywhere
        loop = candidate.loop
        return isinstance(loop, cst.For) and not flow.loop_binding_read(
            scope, loop, (index,), body=False
        )

    @staticmethod
    def _silent(candidate: _Candidate) -> bool:
        """Where iterating ``seq`` could give other items than indexing it, or raise other
        exceptions."""
        scope, seq = candidate.scope, candidate.seq
        # The instance's own indexing and iteration are whatever its class makes them
        # (``for i in range(len(self)): yield self[i]`` in ``__iter__`` would recurse); a
        # dict's [] takes keys and iterating it yields them.
        if is_instance(scope, seq) or may_be(scope, seq, "dict"):
            return True
        # len(seq) raising TypeError, or seq[i] a LookupError, may be how a handler around
        # the loop tells sequences from other objects; iterating raises neither.
        return catches(candidate.guard, ("TypeError", "KeyError", "IndexError"))

    def _report(self, candidate: _Candidate, item: str) -> None:
        loop = candidate.loop
        new_name = cst.Name(item)
        mapping: dict[int, cst.CSTNode] = {id(read): new_name for read in candidate.reads}
        mapping[id(loop.target)] = new_name
        mapping[id(loop.iter)] = candidate.seq
        edits = [(node, mapping[id(node)]) for node in (loop.target, loop.iter, *candidate.reads)]
        seq_code = self.code(candidate.seq)
        self.report(
            loop,
            end_node=loop.iter,
            scope=candidate.scope,
            builtins=("range", "len"),
            edits=edits,
            applicability=self._applicability(candidate),
            flagged=candidate.owner,
            rewritten=replace_nodes(candidate.owner, mapping),
            index=candidate.index,
            seq=seq_code,
            item=item,
        )

    def _applicability(self, candidate: _Candidate) -> Applicability:
        # Only a list, tuple or str indexes like it iterates: a dict's [] takes keys, and a
        # pandas Series indexes by label.  A list can also be mutated through an alias by
        # whatever the body calls, and a range() snapshot of its length would then differ.
        if not isinstance(candidate.seq, cst.Name):
            return "unsafe"
        kind = expr_type(candidate.scope, candidate.seq)
        if kind in ("tuple", "str"):
            return "safe"
        if kind == "list" and not candidate.calls:
            return "safe"
        return "unsafe"


def _is_index(node: cst.Subscript, index: str) -> bool:
    if len(node.slice) != 1:
        return False
    element = node.slice[0].slice
    return (
        isinstance(element, cst.Index)
        and element.star is None
        and isinstance(element.value, cst.Name)
        and element.value.value == index
    )
