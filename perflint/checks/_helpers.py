"""Small questions several checks ask about names and values."""

from __future__ import annotations

import keyword
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


def fresh_name(base: str, taken: set[str]) -> str:
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
