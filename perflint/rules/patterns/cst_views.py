"""The libcst side of the views (``perflint.rules.patterns.views``): libcst nodes seen as the
fields CPython's ``ast`` names, so one pattern matches both trees alike.

Imported only once a file has a candidate that libcst parses; the prefilter reads CPython's
``ast`` through ``views`` alone.

Long because it is a table: how each node kind reads on libcst's tree; its length is the number
of kinds the pattern language looks into.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import libcst as cst

from perflint.rules.patterns.compiled import Side
from perflint.rules.patterns.views import KINDS, OTHER, Fields, add_node_types

_CST_BINARY: dict[type[cst.CSTNode], str] = {
    cst.Add: "Add", cst.Subtract: "Sub", cst.Multiply: "Mult", cst.Divide: "Div",
    cst.FloorDivide: "FloorDiv", cst.Modulo: "Mod", cst.Power: "Pow", cst.LeftShift: "LShift",
    cst.RightShift: "RShift", cst.BitOr: "BitOr", cst.BitAnd: "BitAnd", cst.BitXor: "BitXor",
    cst.MatrixMultiply: "MatMult",
}  # fmt: skip
_CST_AUGMENTED: dict[type[cst.CSTNode], str] = {
    cst.AddAssign: "Add", cst.SubtractAssign: "Sub", cst.MultiplyAssign: "Mult",
    cst.DivideAssign: "Div", cst.FloorDivideAssign: "FloorDiv", cst.ModuloAssign: "Mod",
    cst.PowerAssign: "Pow", cst.LeftShiftAssign: "LShift", cst.RightShiftAssign: "RShift",
    cst.BitOrAssign: "BitOr", cst.BitAndAssign: "BitAnd", cst.BitXorAssign: "BitXor",
    cst.MatrixMultiplyAssign: "MatMult",
}  # fmt: skip
_CST_UNARY: dict[type[cst.CSTNode], str] = {
    cst.Minus: "USub", cst.Plus: "UAdd", cst.Not: "Not", cst.BitInvert: "Invert",
}  # fmt: skip
_CST_BOOLEAN: dict[type[cst.CSTNode], str] = {cst.And: "And", cst.Or: "Or"}
_CST_COMPARE: dict[type[cst.CSTNode], str] = {
    cst.Equal: "Eq", cst.NotEqual: "NotEq", cst.LessThan: "Lt", cst.LessThanEqual: "LtE",
    cst.GreaterThan: "Gt", cst.GreaterThanEqual: "GtE", cst.In: "In", cst.NotIn: "NotIn",
    cst.Is: "Is", cst.IsNot: "IsNot",
}  # fmt: skip
_CONSTANT_NAMES = {"True": True, "False": False, "None": None}


# -- libcst's tree -----------------------------------------------------------------------------------


def statements(suite: cst.CSTNode | None) -> list[cst.CSTNode]:
    """The statements of a block as ``ast`` lists them: a line ``a; b`` is two statements."""
    if suite is None:
        return []
    if isinstance(suite, cst.Else):
        suite = suite.body
    body: Sequence[cst.CSTNode]
    if isinstance(suite, (cst.IndentedBlock, cst.SimpleStatementSuite, cst.Module)):
        body = suite.body
    else:
        return [suite]  # an ``elif``: one ``If`` statement in ``orelse``
    out: list[cst.CSTNode] = []
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            out.extend(statement.body)
        else:
            out.append(statement)
    return out


def _literal(node: cst.CSTNode) -> Any:
    return _literal_value(type(node), node.value)  # type: ignore[attr-defined]


@lru_cache(maxsize=4096)
def _literal_value(kind: type, text: str) -> Any:
    """The value of a number or string literal's text (numbers without compiling)."""
    if kind is cst.Integer:
        try:
            return int(text, 0)
        except ValueError:  # ``00``: zeros, which base 0 refuses
            return int(text.replace("_", ""))
    if kind is cst.Float:
        return float(text)
    if kind is cst.Imaginary:
        return complex(text)
    return ast.literal_eval(text)


def cst_string_value(node: cst.BaseExpression) -> tuple[bool, Any]:
    """(True, value) for a string literal or a concatenation of them; (False, None) when an
    f-string is part of it."""
    if isinstance(node, cst.SimpleString):
        return True, _literal(node)
    if isinstance(node, cst.ConcatenatedString):
        left_ok, left = cst_string_value(node.left)
        right_ok, right = cst_string_value(node.right)
        if left_ok and right_ok:
            return True, left + right
    return False, None


def is_folded_operand(node: cst.CSTNode, parent: cst.CSTNode) -> bool:
    """True when ``node`` is no node of its own in CPython's ast: the unparenthesized left
    operand of the same boolean operator (``a or b`` in ``a or b or c``) or a part of a string
    concatenation."""
    if isinstance(parent, cst.BooleanOperation) and isinstance(node, cst.BooleanOperation):
        return (
            node is parent.left
            and not node.lpar
            and type(node.operator) is type(parent.operator)
        )
    return isinstance(parent, cst.ConcatenatedString) and node in (parent.left, parent.right)


def _bool_values(node: cst.BooleanOperation) -> list[cst.BaseExpression]:
    values: list[cst.BaseExpression] = [node.right]
    left = node.left
    while (
        isinstance(left, cst.BooleanOperation)
        and not left.lpar
        and type(left.operator) is type(node.operator)
    ):
        values.append(left.right)
        left = left.left
    values.append(left)
    return values[::-1]


def _cst_arg(arg: cst.Arg) -> cst.CSTNode:
    """A positional argument is its expression; ``*a``, ``k=v`` and ``**m`` stay ``Arg``."""
    if arg.keyword is None and arg.star == "":
        return arg.value
    return arg


def _cst_call(node: cst.Call) -> Fields:
    """A call's positional arguments (``*a`` among them) and keyword arguments (``**m`` among
    them), apart, as ``ast.Call`` has them."""
    positional = [_cst_arg(arg) for arg in node.args if arg.keyword is None and arg.star != "**"]
    keywords = [arg for arg in node.args if arg.keyword is not None or arg.star == "**"]
    return "Call", {"func": node.func, "args": positional, "keywords": keywords}


def _cst_parameters(params: cst.Parameters) -> list[cst.Param]:
    found = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param):
        found.append(params.star_arg)
    found.extend(params.kwonly_params)
    if params.star_kwarg is not None:
        found.append(params.star_kwarg)
    return found


def _cst_element(element: cst.BaseElement) -> cst.CSTNode:
    return element if isinstance(element, cst.StarredElement) else element.value


def _cst_slice(elements: Sequence[cst.SubscriptElement]) -> cst.CSTNode | CstTuple:
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        inner = elements[0].slice
        if isinstance(inner, cst.Index) and inner.star is None:
            return inner.value
        if isinstance(inner, cst.Slice):
            return inner
    return CstTuple(tuple(elements))


@dataclass(frozen=True)
class CstTuple:
    """The implicit tuple of ``x[a, b]`` (or ``x[a,]``, ``x[*a]``): one ``Tuple`` in ast."""

    elements: tuple[cst.SubscriptElement, ...]


def _subscript_item(element: cst.SubscriptElement) -> cst.CSTNode:
    inner = element.slice
    if isinstance(inner, cst.Index):
        return CstStarred(inner.value) if inner.star is not None else inner.value
    return inner


@dataclass(frozen=True)
class CstStarred:
    """``*a`` inside a subscript (3.11+): a ``Starred`` in ast."""

    value: cst.BaseExpression


def _comprehension(node: cst.BaseComp) -> list[cst.CompFor]:
    found: list[cst.CompFor] = []
    comp_for: cst.CompFor | None = node.for_in
    while comp_for is not None:
        found.append(comp_for)
        comp_for = comp_for.inner_for_in
    return found


def _cst_lambda_params(params: cst.Parameters) -> tuple[str, ...] | None:
    if (
        params.posonly_params
        or params.kwonly_params
        or not isinstance(params.star_arg, cst.MaybeSentinel)
        or params.star_kwarg is not None
        or any(param.default is not None for param in params.params)
    ):
        return None
    return tuple(param.name.value for param in params.params)


def _cst_del_targets(node: cst.Del) -> list[cst.CSTNode]:
    target = node.target
    if isinstance(target, cst.Tuple) and not target.lpar:
        return [_cst_element(element) for element in target.elements]
    return [target]


def _as_name(asname: cst.AsName | None) -> Any:
    return asname.name if asname is not None else None


def _except_name(asname: cst.AsName | None) -> str | None:
    if asname is None or not isinstance(asname.name, cst.Name):
        return None
    return asname.name.value


def _cst_name(node: cst.Name) -> Fields:
    if node.value in _CONSTANT_NAMES:
        return "Constant", {"value": _CONSTANT_NAMES[node.value]}
    return "Name", {"id": node.value}


def _cst_arg_fields(node: cst.Arg) -> Fields:
    if node.star == "*":
        return "Starred", {"value": node.value}
    if node.star == "**":
        return "keyword", {"arg": None, "value": node.value}
    assert node.keyword is not None
    return "keyword", {"arg": node.keyword.value, "value": node.value}


def _cst_string(node: cst.BaseExpression) -> Fields:
    ok, value = cst_string_value(node)
    return ("Constant", {"value": value}) if ok else ("JoinedStr", {})


def _cst_comp(node: cst.BaseComp, kind: str) -> Fields:
    return kind, {"elt": node.elt, "generators": _comprehension(node)}  # type: ignore[attr-defined]


_CST: dict[type, Callable[[Any], Fields]] = {
    cst.Name: _cst_name,
    cst.Integer: lambda n: ("Constant", {"value": _literal(n)}),
    cst.Float: lambda n: ("Constant", {"value": _literal(n)}),
    cst.Imaginary: lambda n: ("Constant", {"value": _literal(n)}),
    cst.SimpleString: _cst_string,
    cst.ConcatenatedString: _cst_string,
    cst.FormattedString: lambda n: ("JoinedStr", {}),
    cst.Ellipsis: lambda n: ("Constant", {"value": ...}),
    cst.Attribute: lambda n: ("Attribute", {"value": n.value, "attr": n.attr.value}),
    cst.Call: _cst_call,
    cst.Arg: _cst_arg_fields,
    cst.StarredElement: lambda n: ("Starred", {"value": n.value}),
    CstStarred: lambda n: ("Starred", {"value": n.value}),
    cst.Subscript: lambda n: ("Subscript", {"value": n.value, "slice": _cst_slice(n.slice)}),
    CstTuple: lambda n: ("Tuple", {"elts": [_subscript_item(e) for e in n.elements]}),
    cst.Slice: lambda n: ("Slice", {"lower": n.lower, "upper": n.upper, "step": n.step}),
    cst.UnaryOperation: lambda n: (
        "UnaryOp", {"op": _CST_UNARY[type(n.operator)], "operand": n.expression}
    ),
    cst.BinaryOperation: lambda n: (
        "BinOp", {"left": n.left, "op": _CST_BINARY[type(n.operator)], "right": n.right}
    ),
    cst.BooleanOperation: lambda n: (
        "BoolOp", {"op": _CST_BOOLEAN[type(n.operator)], "values": _bool_values(n)}
    ),
    cst.Comparison: lambda n: (
        "Compare",
        {
            "left": n.left,
            "ops": [_CST_COMPARE[type(target.operator)] for target in n.comparisons],
            "comparators": [target.comparator for target in n.comparisons],
        },
    ),
    cst.IfExp: lambda n: ("IfExp", {"test": n.test, "body": n.body, "orelse": n.orelse}),
    cst.List: lambda n: ("List", {"elts": [_cst_element(e) for e in n.elements]}),
    cst.Tuple: lambda n: ("Tuple", {"elts": [_cst_element(e) for e in n.elements]}),
    cst.Set: lambda n: ("Set", {"elts": [_cst_element(e) for e in n.elements]}),
    cst.Dict: lambda n: ("Dict", {"items": list(n.elements)}),
    cst.DictElement: lambda n: ("DictPair", {"key": n.key, "value": n.value}),
    cst.StarredDictElement: lambda n: ("DictUnpack", {"value": n.value}),
    cst.ListComp: lambda n: _cst_comp(n, "ListComp"),
    cst.SetComp: lambda n: _cst_comp(n, "SetComp"),
    cst.GeneratorExp: lambda n: _cst_comp(n, "GeneratorExp"),
    cst.DictComp: lambda n: (
        "DictComp", {"key": n.key, "value": n.value, "generators": _comprehension(n)}
    ),
    cst.CompFor: lambda n: (
        "comprehension",
        {
            "target": n.target,
            "iter": n.iter,
            "ifs": [comp_if.test for comp_if in n.ifs],
            "is_async": n.asynchronous is not None,
        },
    ),
    cst.Lambda: lambda n: ("Lambda", {"params": _cst_lambda_params(n.params), "body": n.body}),
    cst.NamedExpr: lambda n: ("NamedExpr", {"target": n.target, "value": n.value}),
    cst.Await: lambda n: ("Await", {"value": n.expression}),
    cst.Yield: lambda n: (
        ("YieldFrom", {"value": n.value.item})
        if isinstance(n.value, cst.From)
        else ("Yield", {"value": n.value})
    ),
    # statements
    cst.Expr: lambda n: ("Expr", {"value": n.value}),
    cst.Assign: lambda n: (
        "Assign", {"targets": [target.target for target in n.targets], "value": n.value}
    ),
    cst.AugAssign: lambda n: (
        "AugAssign",
        {"target": n.target, "op": _CST_AUGMENTED[type(n.operator)], "value": n.value},
    ),
    cst.AnnAssign: lambda n: (
        "AnnAssign",
        {"target": n.target, "annotation": n.annotation.annotation, "value": n.value},
    ),
    cst.Return: lambda n: ("Return", {"value": n.value}),
    cst.Del: lambda n: ("Delete", {"targets": _cst_del_targets(n)}),
    cst.Raise: lambda n: (
        "Raise", {"exc": n.exc, "cause": n.cause.item if n.cause is not None else None}
    ),
    cst.Pass: lambda n: ("Pass", {}),
    cst.Break: lambda n: ("Break", {}),
    cst.Continue: lambda n: ("Continue", {}),
    cst.If: lambda n: (
        "If", {"test": n.test, "body": statements(n.body), "orelse": statements(n.orelse)}
    ),
    cst.For: lambda n: (
        "For",
        {
            "target": n.target,
            "iter": n.iter,
            "body": statements(n.body),
            "orelse": statements(n.orelse),
            "is_async": n.asynchronous is not None,
        },
    ),
    cst.While: lambda n: (
        "While", {"test": n.test, "body": statements(n.body), "orelse": statements(n.orelse)}
    ),
    cst.With: lambda n: (
        "With",
        {"items": list(n.items), "body": statements(n.body), "is_async": n.asynchronous is not None},
    ),
    cst.WithItem: lambda n: (
        "withitem", {"context_expr": n.item, "optional_vars": _as_name(n.asname)}
    ),
    cst.Try: lambda n: (
        "Try",
        {
            "body": statements(n.body),
            "handlers": list(n.handlers),
            "orelse": statements(n.orelse),
            "finalbody": statements(n.finalbody.body) if n.finalbody is not None else [],
        },
    ),
    cst.ExceptHandler: lambda n: (
        "ExceptHandler",
        {"type": n.type, "name": _except_name(n.name), "body": statements(n.body)},
    ),
    cst.FunctionDef: lambda n: (
        "FunctionDef",
        {
            "name": n.name.value,
            "args": _cst_parameters(n.params),
            "body": statements(n.body),
            "is_async": n.asynchronous is not None,
        },
    ),
    cst.Param: lambda n: ("arg", {"arg": n.name.value}),
    cst.ClassDef: lambda n: ("ClassDef", {"name": n.name.value, "body": statements(n.body)}),
}


def cst_fields(node: Any) -> Fields:
    """The view of a libcst node."""
    getter = _CST.get(type(node))
    if getter is None:
        return OTHER, {}
    return getter(node)


#: libcst node types by the kind their view has (a Name may also be a Constant: True).
CST_TYPES_OF_KIND: dict[str, tuple[type[cst.CSTNode], ...]] = {
    "Name": (cst.Name,),
    "Constant": (
        cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
        cst.Ellipsis, cst.Name,
    ),
    "JoinedStr": (cst.FormattedString, cst.ConcatenatedString),
    "Attribute": (cst.Attribute,),
    "Call": (cst.Call,),
    "Subscript": (cst.Subscript,),
    "UnaryOp": (cst.UnaryOperation,),
    "BinOp": (cst.BinaryOperation,),
    "BoolOp": (cst.BooleanOperation,),
    "Compare": (cst.Comparison,),
    "IfExp": (cst.IfExp,),
    "List": (cst.List,),
    "Tuple": (cst.Tuple,),
    "Set": (cst.Set,),
    "Dict": (cst.Dict,),
    "ListComp": (cst.ListComp,),
    "SetComp": (cst.SetComp,),
    "GeneratorExp": (cst.GeneratorExp,),
    "DictComp": (cst.DictComp,),
    "Lambda": (cst.Lambda,),
    "NamedExpr": (cst.NamedExpr,),
    "Await": (cst.Await,),
    "Yield": (cst.Yield,),
    "YieldFrom": (cst.Yield,),
    "Expr": (cst.Expr,),
    "Assign": (cst.Assign,),
    "AugAssign": (cst.AugAssign,),
    "AnnAssign": (cst.AnnAssign,),
    "Return": (cst.Return,),
    "Delete": (cst.Del,),
    "Raise": (cst.Raise,),
    "Pass": (cst.Pass,),
    "Break": (cst.Break,),
    "Continue": (cst.Continue,),
    "If": (cst.If,),
    "For": (cst.For,),
    "While": (cst.While,),
    "With": (cst.With,),
    "Try": (cst.Try,),
    "FunctionDef": (cst.FunctionDef,),
    "ClassDef": (cst.ClassDef,),
    # Several statements in a row: matched in every block.
    "Statements": (cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite),
}  # fmt: skip

assert tuple(CST_TYPES_OF_KIND) == KINDS


def cst_block(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements of a libcst block (a ``Module``, ``IndentedBlock`` or one-line suite)."""
    return statements(node)


add_node_types(cst.CSTNode, CstTuple, CstStarred)


def _cst_same(a: Any, b: Any) -> bool:
    if isinstance(a, cst.CSTNode) and isinstance(b, cst.CSTNode):
        return a.deep_equals(b)
    return bool(a == b)


#: How to read libcst's tree (``compiled.AST`` reads CPython's).
CST = Side("cst", cst_fields, _cst_same, lambda node: [cst_block(node)])
