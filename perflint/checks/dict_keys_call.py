"""PFL102 dict-keys-call: ``for k in d.keys()`` and ``k in d.keys()`` build a view for nothing."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from perflint.checks._helpers import (
    IndentTracking,
    code_at_indent,
    expr_type,
    is_self,
    short_code,
    with_iter,
    with_parens_of,
)
from perflint.checks._loops import Comprehension, clauses
from perflint.rule import AstFacts, Rule, replace_nodes
from perflint.scope import Scope
from perflint.types import Applicability

KEYS_CALL = m.Call(func=m.Attribute(attr=m.Name("keys")), args=[])
MEMBERSHIP = m.OneOf(m.In(), m.NotIn())


@dataclass(eq=False)
class _Candidate:
    call: cst.Call
    owner: cst.CSTNode  # the For statement, the comprehension, or the comparison
    scope: Scope
    purpose: str  # "iterate over" / "test membership in"
    indent: str  # of the block holding the call
    loop: cst.For | cst.CompFor | None = None  # the loop iterating over the view, if any


def _is_keys_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "keys"
        and not node.args
        and not node.keywords
    )


class DictKeysCall(IndentTracking, Rule):
    needles = ("keys",)
    ast_types = (ast.For, ast.comprehension, ast.Compare)
    # ``hasattr(x, "keys")`` makes the finding on ``x.keys()`` go away in the same function,
    # which at module level spans top-level statements.
    ast_context_types = (ast.Call,)
    context_needle = "hasattr"

    @classmethod
    def ast_context(cls, node: ast.AST) -> bool:
        assert isinstance(node, ast.Call)
        return (
            isinstance(node.func, ast.Name)
            and node.func.id == "hasattr"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "keys"
        )

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        if isinstance(node, ast.Compare):
            return (
                len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and _is_keys_call(node.comparators[0])
            )
        assert isinstance(node, (ast.For, ast.comprehension))
        return _is_keys_call(node.iter)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.candidates: list[_Candidate] = []
        # (scope, code) of each `hasattr(x, "keys")`: such code accepts any object with a
        # keys() method, iterable or not (MutableMapping.update's duck typing).
        self.duck_typed: set[tuple[int, str]] = set()

    # -- finding candidates -----------------------------------------------------------------
    def _loop(self, loop: cst.For | cst.CompFor, owner: cst.CSTNode) -> None:
        if loop.asynchronous is None and m.matches(loop.iter, KEYS_CALL):
            assert isinstance(loop.iter, cst.Call)
            self.candidates.append(
                _Candidate(loop.iter, owner, self.scope, "iterate over", self.block_indent, loop)
            )

    def visit_For(self, node: cst.For) -> None:
        self._loop(node, node)

    def _comprehension(self, node: Comprehension) -> None:
        for comp_for in clauses(node):
            self._loop(comp_for, node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_Comparison(self, node: cst.Comparison) -> None:
        # Only `k in d.keys()` alone: in a chain (`k in d.keys() == x`) the view is also
        # the left operand of the next comparison.
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        if m.matches(target.operator, MEMBERSHIP) and m.matches(target.comparator, KEYS_CALL):
            assert isinstance(target.comparator, cst.Call)
            self.candidates.append(
                _Candidate(
                    target.comparator, node, self.scope, "test membership in", self.block_indent
                )
            )

    def visit_Call(self, node: cst.Call) -> None:
        func, args = node.func, node.args
        if isinstance(func, cst.Name) and func.value == "hasattr" and len(args) == 2:
            attribute = args[1].value
            if isinstance(attribute, cst.SimpleString) and attribute.evaluated_value == "keys":
                self.duck_typed.add((id(_function_scope(self.scope)), self.code(args[0].value)))

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.candidates:
            func = candidate.call.func
            assert isinstance(func, cst.Attribute)
            receiver = func.value
            if m.matches(receiver, m.Call(func=m.Name("super"))):
                continue  # a super() proxy has no __iter__/__contains__ of its own
            if is_self(candidate.scope, receiver):
                continue  # the class's own keys() need not match its __iter__/__contains__
            if (id(_function_scope(candidate.scope)), self.code(receiver)) in self.duck_typed:
                continue
            self._report(candidate, receiver)

    def _report(self, candidate: _Candidate, receiver: cst.BaseExpression) -> None:
        # The call's own parentheses are outside its range: the edit keeps them.
        replacement = with_parens_of(receiver, candidate.call)
        code = code_at_indent(self.context.module, receiver, candidate.indent)
        mapping: dict[int, cst.CSTNode] = {id(candidate.call): replacement}
        if candidate.loop is not None:
            new_loop = with_iter(candidate.loop, replacement, self.code(replacement))
            mapping = {id(candidate.loop): new_loop}
        self.report(
            candidate.call,
            scope=candidate.scope,
            edits=[(candidate.call, code)],
            applicability=self._applicability(candidate, receiver),
            flagged=candidate.owner,
            rewritten=replace_nodes(candidate.owner, mapping),
            dict=short_code(self.code(receiver)),
            purpose=candidate.purpose,
        )

    def _applicability(self, candidate: _Candidate, receiver: cst.BaseExpression) -> Applicability:
        # A dict iterates and tests membership exactly like its keys view.  Another mapping
        # may not: a custom class's keys() can differ from its __iter__/__contains__ (an
        # email Message's header names, a case-insensitive dict's lookups).
        if expr_type(candidate.scope, receiver) == "dict":
            return "safe"
        return "unsafe"


def _function_scope(scope: Scope) -> Scope:
    """The function (or module or class) scope a comprehension or lambda is part of."""
    while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
        scope = scope.parent
    return scope
