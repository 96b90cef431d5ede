"""PFL101 range-len-index: ``for i in range(len(seq))`` that only reads ``seq[i]``."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m

from perflint.checks._helpers import (
    NON_MUTATING_BUILTINS,
    NON_MUTATING_METHODS,
    fresh_name,
    is_dotted_name,
    known_kind,
    last_identifier,
    singular,
)
from perflint.checks._loops import Loop, LoopRule
from perflint.rule import AstFacts, replace_nodes
from perflint.scope import Scope
from perflint.types import Applicability

_POSITIONAL = m.Arg(keyword=None, star="")
LEN_CALL = m.Call(func=m.Name("len"), args=[_POSITIONAL])
RANGE_LEN = m.Call(
    func=m.Name("range"),
    args=m.OneOf(
        [m.Arg(value=LEN_CALL, keyword=None, star="")],
        [m.Arg(value=m.Integer("0"), keyword=None, star=""), m.Arg(value=LEN_CALL, keyword=None, star="")],
    ),
)


@dataclass(eq=False)
class _Candidate:
    loop: Loop
    owner: cst.CSTNode  # the For statement, or the comprehension holding the CompFor
    index: str
    seq: cst.BaseExpression
    scope: Scope  # where the index variable lives
    reads: list[cst.Subscript] = field(default_factory=list)
    bad: bool = False
    calls: bool = False  # the body calls something (or yields): it could reach ``seq``
    paused: int = 0  # >0 while visiting the loop's own target/iterable


def _seq_of(iterable: cst.BaseExpression) -> cst.BaseExpression:
    assert isinstance(iterable, cst.Call)
    len_call = iterable.args[-1].value
    assert isinstance(len_call, cst.Call)
    return len_call.args[0].value


class RangeLenIndex(LoopRule):
    needles = ("range", "len")
    ast_types = (ast.For, ast.comprehension)

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        assert isinstance(node, (ast.For, ast.comprehension))
        it = node.iter
        return (
            isinstance(node.target, ast.Name)
            and isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == "range"
            and len(it.args) in (1, 2)
            and isinstance(it.args[-1], ast.Call)
            and isinstance(it.args[-1].func, ast.Name)
            and it.args[-1].func.id == "len"
        )

    # -- finding candidates -----------------------------------------------------------------
    def candidate(self, loop: Loop, owner: cst.CSTNode) -> _Candidate | None:
        if loop.asynchronous is not None or not isinstance(loop.target, cst.Name):
            return None
        if not m.matches(loop.iter, RANGE_LEN):
            return None
        seq = _seq_of(loop.iter)
        if not is_dotted_name(seq):
            return None
        return _Candidate(loop, owner, loop.target.value, seq, self.scope)

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

    def visit_Yield(self, node: cst.Yield) -> None:
        for candidate in self.active():
            candidate.calls = True  # the caller runs between iterations

    def visit_Await(self, node: cst.Await) -> None:
        for candidate in self.active():
            candidate.calls = True

    def _rebinds(self, node: cst.BaseExpression) -> None:
        if self.expr_context(node) == "load":
            return
        for candidate in self.active():
            if node.deep_equals(candidate.seq):
                candidate.bad = True

    def visit_Name(self, node: cst.Name) -> None:
        self._rebinds(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._rebinds(node)

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.done:
            if candidate.bad or not candidate.reads:
                continue
            # The index must serve nothing but ``seq[i]``: its own target plus the reads.
            if candidate.scope.count_refs(candidate.index) != 1 + len(candidate.reads):
                continue
            base = singular(last_identifier(candidate.seq) or "item")
            item = fresh_name(base, self.names_in_file())
            self._report(candidate, item)

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
        kind = known_kind(candidate.scope, candidate.seq.value)
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
