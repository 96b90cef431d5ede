"""The prefilter side of PFL201 manual-list-comprehension
(``perflint.rules.checks.manual_list_comprehension``): a loop whose body only appends to a
name bound to ``[]`` in the run of simple statements right before it."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator

from perflint.rules.candidates import AstFacts, Candidates

#: How many statements may stand between ``out = []`` and the loop.
MAX_BETWEEN = 8


class ManualListComprehension(Candidates):
    needles = ("append", "for")
    ast_types = (ast.For, ast.AsyncFor)
    # ``_init_before`` looks back over the loop's line and ``MAX_BETWEEN`` more.
    previous_lines = MAX_BETWEEN + 1

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        assert isinstance(node, (ast.For, ast.AsyncFor))
        if node.orelse or len(node.body) != 1:
            return False
        statement = node.body[0]
        if isinstance(statement, ast.If):
            if statement.orelse or len(statement.body) != 1:
                return False
            statement = statement.body[0]
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            return False
        call = statement.value
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "append"
            and isinstance(func.value, ast.Name)
            and len(call.args) == 1
            and not call.keywords
            and not isinstance(call.args[0], ast.Starred)
        ):
            return False
        return func.value.id in _empty_lists_before(facts).get(id(node), ())


_preceded_cache: weakref.WeakKeyDictionary[AstFacts, dict[int, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def _statement_lists(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """``body`` and every statement list nested in it, visiting statements only (expressions
    are most of a tree's nodes, and no statement list hides in one)."""
    yield body
    for statement in body:
        for attribute in ("body", "orelse", "finalbody"):
            nested = getattr(statement, attribute, None)
            if isinstance(nested, list) and nested:
                yield from _statement_lists(nested)
        for part in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
            yield from _statement_lists(part.body)


def _empty_lists_bound(statement: ast.stmt) -> set[str]:
    """Names ``statement`` binds to ``[]``: ``out = []``, ``out: T = []``, ``out, n = [], 0``."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return set()
    pairs = [(target, value)]
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        pairs = list(zip(target.elts, value.elts))
    return {
        name.id
        for name, item in pairs
        if isinstance(name, ast.Name) and isinstance(item, ast.List) and not item.elts
    }


#: Statements that end a run of simple ones (the check looks back over simple lines only).
_COMPOUND = tuple(
    getattr(ast, name)
    for name in ("If", "For", "AsyncFor", "While", "Try", "TryStar", "With", "AsyncWith",
                 "Match", "FunctionDef", "AsyncFunctionDef", "ClassDef")
    if hasattr(ast, name)
)  # fmt: skip


def _empty_lists_before(facts: AstFacts) -> dict[int, frozenset[str]]:
    """``id(for node) -> names`` bound to ``[]`` by a statement of the run of simple
    statements right before the loop (a superset of what the check accepts: it looks back
    over a few simple lines only, and a line may hold several statements)."""
    found = _preceded_cache.get(facts)
    if found is not None:
        return found
    found = {}
    assert isinstance(facts.tree, ast.Module)
    top = facts.tree.body
    for body in _statement_lists(top):
        bound: frozenset[str] = frozenset()
        # The run before the piece's first statements goes on across the cut before it.
        for statement in (*facts.previous, *body) if body is top else body:
            if isinstance(statement, (ast.For, ast.AsyncFor)) and bound:
                found[id(statement)] = bound
            if isinstance(statement, _COMPOUND):
                bound = frozenset()
                continue
            names = _empty_lists_bound(statement)
            if names:
                bound = bound | names
    _preceded_cache[facts] = found
    return found
