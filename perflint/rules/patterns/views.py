"""One shape for two trees: CPython ``ast`` nodes and libcst nodes seen as the same fields;
this module reads CPython's ``ast`` (the prefilter's side, without libcst), and
``perflint.rules.patterns.cst_views`` reads libcst's tree.

A pattern is matched twice: on CPython's ``ast`` by the prefilter and on libcst's tree by the
rule itself. Both must agree exactly, or the prefilter would drop a finding. So neither
matcher looks at its tree directly: each node is read through a *view* that gives it a kind
and fields named after CPython's ``ast`` (``Call.func``, ``Compare.ops``, ...), with what
libcst keeps and ``ast`` drops (whitespace, comments, parentheses, trailing commas) left out,
and what ``ast`` folds reproduced on libcst's side (``a or b or c`` is one ``BoolOp``,
``"a" "b"`` one ``Constant``, ``True`` a ``Constant``, ``del a, b`` two targets).

``fields(node)`` returns ``(kind, {field: value})``, where a value is a child node of the same
tree, a list of them, a plain value (a name, an operator name, a constant, a flag) or None.
Nodes whose shape the pattern language does not look into are of kind ``"Other"`` and only a
metavariable matches them.

Long because it is a table: how each node kind reads on each of the two trees; its length is
the number of kinds the pattern language looks into.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Fields = tuple[str, dict[str, Any]]

OTHER = "Other"


# -- the names of operators, as CPython's ast names them -----------------------------------------

#: ``async for``, ``async with`` and ``async def`` are kinds ``For``, ``With`` and
#: ``FunctionDef`` with ``is_async`` set.
AST_KIND_OF_ASYNC = {"AsyncFor": "For", "AsyncWith": "With", "AsyncFunctionDef": "FunctionDef"}


def _op(node: ast.AST) -> str:
    return type(node).__name__


# -- CPython's ast -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AstPair:
    """One ``key: value`` of a dict display (``ast.Dict`` keeps keys and values apart)."""

    key: ast.expr | None  # None for ``**mapping``
    value: ast.expr


def _ast_lambda_params(arguments: ast.arguments) -> tuple[str, ...] | None:
    """The parameter names of ``lambda a, b: ...``; None for defaults, ``*``, ``/``, ``**``."""
    if (
        arguments.posonlyargs
        or arguments.vararg
        or arguments.kwonlyargs
        or arguments.kwarg
        or arguments.defaults
    ):
        return None
    return tuple(arg.arg for arg in arguments.args)


def ast_fields(node: Any) -> Fields:
    """The view of a CPython ``ast`` node (or of an :class:`AstPair`)."""
    if isinstance(node, AstPair):
        if node.key is None:
            return "DictUnpack", {"value": node.value}
        return "DictPair", {"key": node.key, "value": node.value}
    getter = _AST.get(type(node))
    if getter is None:
        return OTHER, {}
    kind = type(node).__name__
    return AST_KIND_OF_ASYNC.get(kind, kind), getter(node)


_AST: dict[type, Callable[[Any], dict[str, Any]]] = {
    ast.Name: lambda n: {"id": n.id},
    ast.Constant: lambda n: {"value": n.value},
    ast.Attribute: lambda n: {"value": n.value, "attr": n.attr},
    ast.Call: lambda n: {"func": n.func, "args": list(n.args), "keywords": list(n.keywords)},
    ast.keyword: lambda n: {"arg": n.arg, "value": n.value},
    ast.Starred: lambda n: {"value": n.value},
    ast.Subscript: lambda n: {"value": n.value, "slice": n.slice},
    ast.Slice: lambda n: {"lower": n.lower, "upper": n.upper, "step": n.step},
    ast.UnaryOp: lambda n: {"op": _op(n.op), "operand": n.operand},
    ast.BinOp: lambda n: {"left": n.left, "op": _op(n.op), "right": n.right},
    ast.BoolOp: lambda n: {"op": _op(n.op), "values": list(n.values)},
    ast.Compare: lambda n: {
        "left": n.left, "ops": [_op(op) for op in n.ops], "comparators": list(n.comparators)
    },
    ast.IfExp: lambda n: {"test": n.test, "body": n.body, "orelse": n.orelse},
    ast.List: lambda n: {"elts": list(n.elts)},
    ast.Tuple: lambda n: {"elts": list(n.elts)},
    ast.Set: lambda n: {"elts": list(n.elts)},
    ast.Dict: lambda n: {"items": [AstPair(k, v) for k, v in zip(n.keys, n.values)]},
    ast.ListComp: lambda n: {"elt": n.elt, "generators": list(n.generators)},
    ast.SetComp: lambda n: {"elt": n.elt, "generators": list(n.generators)},
    ast.GeneratorExp: lambda n: {"elt": n.elt, "generators": list(n.generators)},
    ast.DictComp: lambda n: {"key": n.key, "value": n.value, "generators": list(n.generators)},
    ast.comprehension: lambda n: {
        "target": n.target, "iter": n.iter, "ifs": list(n.ifs), "is_async": bool(n.is_async)
    },
    ast.Lambda: lambda n: {"params": _ast_lambda_params(n.args), "body": n.body},
    ast.NamedExpr: lambda n: {"target": n.target, "value": n.value},
    ast.Await: lambda n: {"value": n.value},
    ast.Yield: lambda n: {"value": n.value},
    ast.YieldFrom: lambda n: {"value": n.value},
    ast.JoinedStr: lambda n: {},
    # statements
    ast.Expr: lambda n: {"value": n.value},
    ast.Assign: lambda n: {"targets": list(n.targets), "value": n.value},
    ast.AugAssign: lambda n: {"target": n.target, "op": _op(n.op), "value": n.value},
    ast.AnnAssign: lambda n: {"target": n.target, "annotation": n.annotation, "value": n.value},
    ast.Return: lambda n: {"value": n.value},
    ast.Delete: lambda n: {"targets": list(n.targets)},
    ast.Raise: lambda n: {"exc": n.exc, "cause": n.cause},
    ast.Pass: lambda n: {},
    ast.Break: lambda n: {},
    ast.Continue: lambda n: {},
    ast.If: lambda n: {"test": n.test, "body": list(n.body), "orelse": list(n.orelse)},
    ast.For: lambda n: {
        "target": n.target, "iter": n.iter, "body": list(n.body), "orelse": list(n.orelse),
        "is_async": False,
    },
    ast.AsyncFor: lambda n: {
        "target": n.target, "iter": n.iter, "body": list(n.body), "orelse": list(n.orelse),
        "is_async": True,
    },
    ast.While: lambda n: {"test": n.test, "body": list(n.body), "orelse": list(n.orelse)},
    ast.With: lambda n: {"items": list(n.items), "body": list(n.body), "is_async": False},
    ast.AsyncWith: lambda n: {"items": list(n.items), "body": list(n.body), "is_async": True},
    ast.withitem: lambda n: {"context_expr": n.context_expr, "optional_vars": n.optional_vars},
    ast.Try: lambda n: {
        "body": list(n.body), "handlers": list(n.handlers), "orelse": list(n.orelse),
        "finalbody": list(n.finalbody),
    },
    ast.ExceptHandler: lambda n: {"type": n.type, "name": n.name, "body": list(n.body)},
    ast.FunctionDef: lambda n: {
        "name": n.name, "args": _ast_parameters(n.args), "body": list(n.body), "is_async": False
    },
    ast.AsyncFunctionDef: lambda n: {
        "name": n.name, "args": _ast_parameters(n.args), "body": list(n.body), "is_async": True
    },
    ast.arg: lambda n: {"arg": n.arg},
    ast.ClassDef: lambda n: {"name": n.name, "body": list(n.body)},
}  # fmt: skip


def _ast_parameters(arguments: ast.arguments) -> list[ast.arg]:
    """Every parameter of a function, in order (defaults and annotations aside)."""
    found = [*arguments.posonlyargs, *arguments.args]
    if arguments.vararg is not None:
        found.append(arguments.vararg)
    found.extend(arguments.kwonlyargs)
    if arguments.kwarg is not None:
        found.append(arguments.kwarg)
    return found

#: The kinds of node the pattern language looks into, as CPython's ast names them
#: (``Statements``: several statements in a row, matched in every block).
KINDS: tuple[str, ...] = (
    "Name",
    "Constant",
    "JoinedStr",
    "Attribute",
    "Call",
    "Subscript",
    "UnaryOp",
    "BinOp",
    "BoolOp",
    "Compare",
    "IfExp",
    "List",
    "Tuple",
    "Set",
    "Dict",
    "ListComp",
    "SetComp",
    "GeneratorExp",
    "DictComp",
    "Lambda",
    "NamedExpr",
    "Await",
    "Yield",
    "YieldFrom",
    "Expr",
    "Assign",
    "AugAssign",
    "AnnAssign",
    "Return",
    "Delete",
    "Raise",
    "Pass",
    "Break",
    "Continue",
    "If",
    "For",
    "While",
    "With",
    "Try",
    "FunctionDef",
    "ClassDef",
    "Statements",
)

#: ast node types that hold statement lists (where several statements in a row can match).
AST_BLOCKS: tuple[type[ast.AST], ...] = tuple(
    t
    for t in (
        ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor,
        ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, getattr(ast, "TryStar", None),
        ast.ExceptHandler, ast.match_case,
    )
    if t is not None
)  # fmt: skip

#: CPython ast node types by kind.
AST_TYPES_OF_KIND: dict[str, tuple[type[ast.AST], ...]] = {
    kind: tuple(t for t in _AST if t.__name__ == kind or AST_KIND_OF_ASYNC.get(t.__name__) == kind)
    for kind in KINDS
}
AST_TYPES_OF_KIND["Statements"] = AST_BLOCKS


def ast_blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists of an ast node, as libcst has them as blocks."""
    found = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(node, field, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            found.append(value)  # an ``elif``'s one-statement list can host no run of two
    return found


#: The types of child nodes in a view's fields: CPython's, and libcst's once
#: ``perflint.rules.patterns.cst_views`` (the libcst side of the views) is imported.
_NODE_TYPES: tuple[type, ...] = (ast.AST, AstPair)
_IS_NODE: dict[type, bool] = {}


def add_node_types(*types: type) -> None:
    """Count values of ``types`` as child nodes too (the libcst side's node types)."""
    global _NODE_TYPES
    _NODE_TYPES = (*_NODE_TYPES, *types)
    _IS_NODE.clear()


def is_node(value: object) -> bool:
    """True for a child node (of either tree) in a view's fields, False for a plain value."""
    # Kept per type: libcst's classes are ABCs, whose isinstance is a Python call.
    found = _IS_NODE.get(type(value))
    if found is None:
        found = _IS_NODE[type(value)] = isinstance(value, _NODE_TYPES)
    return found


def children(fields: dict[str, Any]) -> list[Any]:
    """The child nodes a view's fields hold, in field order."""
    found: list[Any] = []
    for value in fields.values():
        if isinstance(value, list):
            found.extend(item for item in value if is_node(item))
        elif is_node(value):
            found.append(value)
    return found
