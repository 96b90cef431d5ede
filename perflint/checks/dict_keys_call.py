"""PFL102 dict-keys-call: ``for k in d.keys()`` and ``k in d.keys()`` build a view for nothing."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
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
from perflint.positions import node_ranges
from perflint.rule import AstFacts, Rule, replace_nodes
from perflint.scope import Scope
from perflint.types import Applicability

KEYS_CALL = m.Call(func=m.Attribute(attr=m.Name("keys")), args=[])
MEMBERSHIP = m.OneOf(m.In(), m.NotIn())
_LINE_BREAK = re.compile(r"\r\n?|\n")


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
        flagged: list[tuple[_Candidate, cst.BaseExpression]] = []
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
            flagged.append((candidate, receiver))
        # A membership test's view can be followed by a keyword with no space between
        # (`k in d.keys()and x`, `a if k in d.keys()else b`, `[k in d.keys()for k in ks]`):
        # which token follows depends on the enclosing expression, so look at the source.
        glued = self._followed_by_word(
            [
                candidate.call
                for candidate, receiver in flagged
                if candidate.loop is None and _ends_in_word(self.code(receiver))
            ]
        )
        for candidate, receiver in flagged:
            self._report(candidate, receiver, space_after=id(candidate.call) in glued)

    def _followed_by_word(self, calls: Sequence[cst.Call]) -> set[int]:
        """The ids of those ``calls`` that a letter, digit or ``_`` follows in the source.

        Positions take a code-generation pass over the file, so only for calls that need it.
        """
        if not calls:
            return set()
        ranges = node_ranges(self.context.module, calls)
        lines = _LINE_BREAK.split(self.context.source)
        glued: set[int] = set()
        for call in calls:
            end = ranges[id(call)][1]
            line = lines[end.row - 1] if end.row <= len(lines) else ""
            if _starts_with_word(line[end.column - 1 :]):
                glued.add(id(call))
        return glued

    def _report(
        self, candidate: _Candidate, receiver: cst.BaseExpression, *, space_after: bool
    ) -> None:
        # The call's own parentheses are outside its range: the edit keeps them.
        replacement = with_parens_of(receiver, candidate.call)
        code = code_at_indent(self.context.module, receiver, candidate.indent)
        mapping: dict[int, cst.CSTNode] = {id(candidate.call): replacement}
        if candidate.loop is not None:
            new_loop, spaced = with_iter(candidate.loop, replacement, self.code(replacement))
            mapping = {id(candidate.loop): new_loop}
            code += " " if spaced else ""
        elif space_after:
            code += " "  # `k in d.keys()and x` -> `k in d and x`, not `k in dand x`
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


def _is_word_character(character: str) -> bool:
    """True for a character that may continue an identifier or keyword (``_``, ``9``, ``é``)."""
    return ("a" + character).isidentifier()


def _ends_in_word(code: str) -> bool:
    return bool(code) and _is_word_character(code[-1])


def _starts_with_word(text: str) -> bool:
    return bool(text) and _is_word_character(text[0])


def _function_scope(scope: Scope) -> Scope:
    """The function (or module or class) scope a comprehension or lambda is part of."""
    while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
        scope = scope.parent
    return scope
