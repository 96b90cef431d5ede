"""PFL104 list-cast-in-for: ``for x in list(y)`` copies a collection the loop never changes."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from perflint.rules.api import replace_nodes
from perflint.rules.checks._helpers import (
    NON_MUTATING_BUILTINS,
    NON_MUTATING_METHODS,
    IndentTracking,
    is_name_call,
    with_iter,
    with_parens_of,
)
from perflint.rules.checks._loops import InterruptibleLoopRule, Loop
from perflint.rules.codegen import code_at_indent, short_code
from perflint.rules.prefilters import list_cast_in_for as prefilter
from perflint.rules.scope import Scope
from perflint.rules.semantics import expr_type, literal_kind
from perflint.types import Applicability

#: What may be iterated directly instead of a copy of it.
_KINDS = frozenset({"list", "tuple", "set", "dict"})



@dataclass(eq=False)
class _Candidate:
    loop: Loop
    owner: cst.CSTNode  # the For statement, or the comprehension holding the CompFor
    call: cst.Call
    seq: cst.BaseExpression  # the argument of list()
    scope: Scope
    indent: str  # of the block holding the loop
    bad: bool = False  # the body may mutate or rebind `seq`, or lets it escape
    calls: bool = False  # the body calls, yields or awaits: an alias of `seq` could change it
    builtins: set[str] = field(default_factory=set)  # builtins the body passes `seq` to
    paused: int = 0  # >0 while visiting the loop's own target and iterable


class ListCastInFor(prefilter.ListCastInFor, IndentTracking, InterruptibleLoopRule):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Occurrences of a name that cannot change or leak the object it names, keyed by
        # node id, with the builtin they rely on ("" for none): `y[i]`, `x in y`, `len(y)`.
        self.harmless: dict[int, str] = {}
        self.not_variables: set[int] = set()  # `.attr` and `keyword=` names

    # -- finding candidates -----------------------------------------------------------------
    def candidate(self, loop: Loop, owner: cst.CSTNode) -> _Candidate | None:
        if loop.asynchronous is not None or not is_name_call(loop.iter, "list", 1):
            return None
        assert isinstance(loop.iter, cst.Call)
        seq = loop.iter.args[0].value
        if not isinstance(seq, cst.Name) and literal_kind(seq) not in _KINDS:
            return None
        return _Candidate(loop, owner, loop.iter, seq, self.scope, self.block_indent)

    # Generator expressions are left alone: they run lazily, after code outside the
    # expression may have changed `seq` (`seq.extend(x for x in list(seq))`).
    generators = False

    # -- what the body does with names --------------------------------------------------------
    # Parents are visited before their children: each marks the names in a harmless
    # position, and any other occurrence of `seq` in the body spoils the candidate.
    def _harmless(self, expr: cst.BaseExpression, builtin: str = "") -> None:
        if isinstance(expr, cst.Name):
            self.harmless[id(expr)] = builtin

    def visit_Call(self, node: cst.Call) -> None:
        if not self.open:
            return
        for candidate in self.active():
            candidate.calls = True
        func = node.func
        if isinstance(func, cst.Name) and func.value in NON_MUTATING_BUILTINS:
            for arg in node.args:
                if arg.keyword is None and not arg.star:
                    self._harmless(arg.value, func.value)
        elif isinstance(func, cst.Attribute) and func.attr.value in NON_MUTATING_METHODS:
            self._harmless(func.value)  # seq.count(x), seq.index(x), seq.get(k) ...

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self.open and self.expr_context(node) == "load":
            self._harmless(node.value)  # seq[i]; a store or del through it is not harmless

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self.open:
            self._harmless(node.left)
            for target in node.comparisons:
                self._harmless(target.comparator)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self.open:
            self._harmless(node.left)  # seq + other builds a new object
            self._harmless(node.right)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if self.open:
            self._harmless(node.expression)

    def visit_If(self, node: cst.If) -> None:
        if self.open:
            self._harmless(node.test)

    def visit_While(self, node: cst.While) -> None:
        if self.open:
            self._harmless(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if self.open:
            self._harmless(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        if self.open:
            self._harmless(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        if self.open:
            self._harmless(node.test)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if self.open:
            self._harmless(node.expression)

    def visit_For_iter(self, node: cst.For) -> None:
        if self.open:
            self._harmless(node.iter)  # a nested `for z in seq` only reads it

    def visit_CompFor_iter(self, node: cst.CompFor) -> None:
        if self.open:
            self._harmless(node.iter)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_variables.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_variables.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if not self.open or id(node) in self.not_variables:
            return
        for candidate in self.active():
            seq = candidate.seq
            if not isinstance(seq, cst.Name) or seq.value != node.value:
                continue
            if self.expr_context(node) != "load" or id(node) not in self.harmless:
                candidate.bad = True  # rebound, deleted, mutated, or handed to other code
            elif self.harmless[id(node)]:
                candidate.builtins.add(self.harmless[id(node)])

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.done:
            if candidate.bad:
                continue
            kind = expr_type(candidate.scope, candidate.seq)
            if kind not in _KINDS:
                continue
            if candidate.calls and kind != "tuple" and not self._is_local(candidate):
                continue  # a shared registry any function may change: the copy is deliberate
            self._report(candidate, self._applicability(candidate, kind))

    def _report(self, candidate: _Candidate, applicability: Applicability) -> None:
        # The call's own parentheses are outside its range: the edit keeps them.
        replacement = with_parens_of(candidate.seq, candidate.call)
        code = code_at_indent(self.context.module, candidate.seq, candidate.indent)
        new_loop = with_iter(candidate.loop, replacement, self.code(replacement))
        self.report(
            candidate.call,
            scope=candidate.scope,
            builtins=("list", *sorted(candidate.builtins)),
            edits=[(candidate.call, code)],
            applicability=applicability,
            flagged=candidate.owner,
            rewritten=replace_nodes(candidate.owner, {id(candidate.loop): new_loop}),
            seq=short_code(self.code(candidate.seq)),
        )

    @staticmethod
    def _is_local(candidate: _Candidate) -> bool:
        """A literal, or a name bound in the scope of the loop (a comprehension's parent)."""
        if not isinstance(candidate.seq, cst.Name):
            return True
        scope: Scope | None = candidate.scope
        while scope is not None and scope.kind == "comprehension":
            if candidate.seq.value in scope.bindings:
                return True
            scope = scope.parent
        name = candidate.seq.value
        return scope is not None and scope.resolve(name) is scope and not _captured(scope, name)

    @staticmethod
    def _applicability(candidate: _Candidate, kind: str) -> Applicability:
        # A literal written in the call is a new object nothing else can reach, and a
        # tuple never changes.  A named list, set or dict could be mutated through another
        # reference by whatever the body calls, which the copy would have hidden.
        if not isinstance(candidate.seq, cst.Name) or kind == "tuple":
            return "safe"
        return "unsafe" if candidate.calls else "safe"


def _captured(scope: Scope, name: str) -> bool:
    """Whether a function or lambda nested in ``scope`` refers to its ``name``: a call in the
    loop could then change the collection through that closure (``expand(b)`` deleting
    ``dual[b]`` while ``for b in list(dual)`` runs)."""
    for child in scope.children:
        if name in child.bindings and name not in child.globals | child.nonlocals:
            continue  # a variable of its own
        if child.kind == "comprehension":
            if _captured(child, name):
                return True
        elif child.count_refs(name):
            return True
    return False
