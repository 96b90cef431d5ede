"""Small questions several checks ask about names and values."""

from __future__ import annotations

import keyword
from collections.abc import Collection
from typing import Literal

import libcst as cst

from perflint.scope import BUILTIN_NAMES, Scope

Kind = Literal["list", "tuple", "str", "set", "dict"]

#: Builtins that never mutate the arguments they are given (and call no user code that
#: could, beyond dunder methods of the arguments themselves).
NON_MUTATING_BUILTINS = frozenset(
    {
        "all", "any", "bool", "enumerate", "filter", "frozenset", "hash", "id", "isinstance",
        "iter", "len", "list", "map", "max", "min", "print", "repr", "reversed", "set",
        "sorted", "str", "sum", "tuple", "type", "zip",
    }
)  # fmt: skip

#: Methods of list/tuple/str/set/dict that do not change the object they are called on.
NON_MUTATING_METHODS = frozenset(
    {
        "copy", "count", "index", "get", "keys", "values", "items", "startswith", "endswith",
        "find", "rfind", "join", "split", "strip", "lower", "upper", "format", "issubset",
        "issuperset", "isdisjoint", "union", "intersection", "difference",
        "symmetric_difference",
    }
)  # fmt: skip


def literal_kind(expr: cst.BaseExpression | None) -> Kind | None:
    """The builtin type an expression certainly evaluates to, judged from its syntax alone."""
    if isinstance(expr, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(expr, cst.Tuple):
        return "tuple"
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        if isinstance(expr, cst.SimpleString) and "b" in expr.prefix.lower():
            return None  # bytes
        return "str"
    if isinstance(expr, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return "dict"
    return None


def known_kind(scope: Scope, name: str) -> Kind | None:
    """The one literal type every binding of ``name`` (as seen from ``scope``) gives it."""
    bindings = scope.bound_values(name)
    if not bindings:
        return None
    kinds = {
        literal_kind(binding.value) if binding.kind in ("assign", "annassign") else None
        for binding in bindings
    }
    if len(kinds) != 1:
        return None
    return kinds.pop()


def singular(name: str) -> str:
    """A readable name for one item of a collection called ``name``."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    for suffix in ("sses", "xes", "ches", "shes"):
        if name.endswith(suffix):
            return name[:-2]
    if name.endswith("s") and not name.endswith("ss") and len(name) > 2:
        return name[:-1]
    return f"{name}_item"


def fresh_name(base: str, taken: Collection[str]) -> str:
    """``base`` or a variant of it that is no keyword, builtin or name already in ``taken``."""
    base = base.lstrip("_") or "item"

    def free(candidate: str) -> bool:
        return (
            candidate.isidentifier()
            and not keyword.iskeyword(candidate)
            and not keyword.issoftkeyword(candidate)
            and candidate not in BUILTIN_NAMES
            and candidate not in taken
        )

    for candidate in (base, "item", "element"):
        if free(candidate):
            return candidate
    number = 2
    while not free(f"{base}_{number}"):
        number += 1
    return f"{base}_{number}"


def last_identifier(expr: cst.BaseExpression) -> str | None:
    """``nums`` -> ``nums``; ``self.items`` -> ``items``; anything else -> None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def is_dotted_name(expr: cst.BaseExpression) -> bool:
    """A name or a chain of attributes on a name: ``seq``, ``self.items``."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


# -- value types beyond literals, parentheses and spacing (PFL102-PFL104) ---------------------

#: Builtin constructors whose call always returns exactly that builtin type.
_CONSTRUCTOR_KINDS: dict[str, Kind] = {"list": "list", "tuple": "tuple", "set": "set", "dict": "dict"}


def value_kind(expr: cst.BaseExpression | None, scope: Scope) -> Kind | None:
    """``literal_kind``, plus a call of the builtin ``list``/``tuple``/``set``/``dict``.

    ``scope`` is where ``expr`` is evaluated: the constructor must not be shadowed there.
    """
    kind = literal_kind(expr)
    if kind is not None:
        return kind
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        kind = _CONSTRUCTOR_KINDS.get(expr.func.value)
        if kind is not None and scope.is_builtin(expr.func.value):
            return kind
    return None


def known_type(scope: Scope, name: str) -> Kind | None:
    """Like ``known_kind``, but a binding may also be a builtin constructor call (``dict(...)``)."""
    owner = scope.resolve(name)
    bindings = scope.bound_values(name)
    if owner is None or not bindings:
        return None
    kinds = {
        value_kind(binding.value, owner) if binding.kind in ("assign", "annassign") else None
        for binding in bindings
    }
    if len(kinds) != 1:
        return None
    return kinds.pop()


def expr_type(scope: Scope, expr: cst.BaseExpression) -> Kind | None:
    """The builtin type ``expr`` certainly has: a literal, a constructor call, or such a name."""
    if isinstance(expr, cst.Name):
        return known_type(scope, expr.value)
    return value_kind(expr, scope)


def with_parens_of(new: cst.BaseExpression, old: cst.BaseExpression) -> cst.BaseExpression:
    """``new`` wrapped in the parentheses ``old`` had, for replacing ``old`` by ``new``."""
    if not old.lpar:
        return new
    return new.with_changes(lpar=[*old.lpar, *new.lpar], rpar=[*new.rpar, *old.rpar])


def glued_after_iter(loop: cst.For | cst.CompFor) -> bool:
    """True when the comprehension clause after ``loop.iter`` follows it with no space.

    ``[k for k in d.keys()if k]`` is valid; replacing ``d.keys()`` by ``d`` must then add one.
    """
    if not isinstance(loop, cst.CompFor):
        return False  # a ``for`` statement's iterable is followed by ``:``
    following: cst.CompIf | cst.CompFor | None = loop.ifs[0] if loop.ifs else loop.inner_for_in
    return following is not None and _is_empty(following.whitespace_before)


def _is_empty(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value


def spaced(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """``whitespace``, or one space where it was empty (``for(k,v)in`` -> ``for k in``)."""
    return cst.SimpleWhitespace(" ") if _is_empty(whitespace) else whitespace


def is_own_receiver(scope: Scope, expr: cst.BaseExpression, methods: frozenset[str]) -> bool:
    """True when ``expr`` is ``self`` (the first parameter) inside a method named in ``methods``.

    ``def __iter__(self): yield from self.keys()`` must keep calling ``keys()``: rewriting it
    to iterate ``self`` would recurse into ``__iter__``.
    """
    if not isinstance(expr, cst.Name):
        return False
    function: Scope | None = scope
    while function is not None and function.kind in ("comprehension", "lambda"):
        function = function.parent
    if function is None or not isinstance(function.node, cst.FunctionDef):
        return False
    node = function.node
    if node.name.value not in methods:
        return False
    params = [*node.params.posonly_params, *node.params.params]
    return bool(params) and params[0].name.value == expr.value
