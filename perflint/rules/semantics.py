"""What the code around a candidate says about it: the questions every rule asks.

* what a name can hold here (``possible_kinds``, ``known_type``, ``expr_type``): the builtin
  types its bindings in scope certainly give it, judged from their syntax;
* whether a receiver is the instance whose method this is (``is_instance``): the class defines
  that object's protocols, and a rewrite from one protocol to another (indexing to iteration,
  ``keys()`` to ``__iter__``) may change what it means, or recurse;
* whether the function duck-types an object (``is_probed``): ``hasattr(x, "keys")`` or
  ``getattr(x, "keys", None)`` accepts any object with that method, whatever else it lacks;
* whether it narrows an object to a class of its own (``checked_against_class``);
* which exceptions are caught around a node (``catches``): a handler of the exception a call
  raises makes the call a type check, and a rewrite that raises another (or none) changes
  which branch runs.

The facts are gathered by the ``ScopeTracker`` in the one traversal; these functions only
read them.  They answer for builtins by name: a rule checks separately (``Report.builtins``)
that a name it relies on is not shadowed.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from typing import Literal

import libcst as cst

from perflint.rules.scope import Guard, Scope, dotted

Kind = Literal["list", "tuple", "str", "set", "dict", "int", "float"]

#: Builtins whose call always returns exactly that builtin type.
_CONSTRUCTOR_KINDS: dict[str, Kind] = {
    "list": "list", "tuple": "tuple", "set": "set", "dict": "dict", "str": "str",
    "int": "int", "float": "float", "len": "int",
}  # fmt: skip


def literal_kind(expr: cst.BaseExpression | None) -> Kind | None:
    """The builtin type an expression certainly evaluates to, judged from its syntax alone."""
    if isinstance(expr, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(expr, cst.Tuple):
        return "tuple"
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        first = expr
        while isinstance(first, cst.ConcatenatedString):
            first = first.left  # the parts are all bytes or all str: the first tells
        if isinstance(first, cst.SimpleString) and "b" in first.prefix.lower():
            return None  # bytes
        return "str"
    if isinstance(expr, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        expr = expr.expression
    if isinstance(expr, cst.Integer):
        return "int"
    if isinstance(expr, cst.Float):
        return "float"
    return None


def value_kind(expr: cst.BaseExpression | None, scope: Scope) -> Kind | None:
    """``literal_kind``, plus a call of a builtin that always returns one type (``list()``,
    ``dict()``, ``str()``, ``int()``, ``len()``, ...).

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


def possible_kinds(scope: Scope, name: str) -> frozenset[Kind | None] | None:
    """The kinds the bindings of ``name`` (as seen from ``scope``) give it; None in the set
    stands for a binding of unknown type.  None when the bindings are unknowable (a builtin,
    a name declared global/nonlocal somewhere, a star import)."""
    owner = scope.resolve(name)
    bindings = scope.bound_values(name)
    if owner is None or not bindings:
        return None
    return frozenset(
        value_kind(binding.value, owner) if binding.kind in ("assign", "annassign") else None
        for binding in bindings
    )


def known_type(scope: Scope, name: str) -> Kind | None:
    """The one builtin type every binding of ``name`` gives it, if there is one."""
    kinds = possible_kinds(scope, name)
    if kinds is None or len(kinds) != 1:
        return None
    return next(iter(kinds))


def expr_type(scope: Scope, expr: cst.BaseExpression) -> Kind | None:
    """The builtin type ``expr`` certainly has: a literal, a constructor call, or such a name."""
    if isinstance(expr, cst.Name):
        return known_type(scope, expr.value)
    return value_kind(expr, scope)


def may_be(scope: Scope, expr: cst.BaseExpression, kind: Kind) -> bool:
    """True when some binding (or the syntax) of ``expr`` makes it a ``kind``."""
    if isinstance(expr, cst.Name):
        kinds = possible_kinds(scope, expr.value)
        return kinds is not None and kind in kinds
    return value_kind(expr, scope) == kind


def from_elsewhere(scope: Scope, expr: cst.BaseExpression) -> bool:
    """True for a local variable whose every binding is what a call returned or an item of
    an iteration (``result = conn.execute(q)``, ``for row in rows``): its type comes from
    code out of sight, and nothing in this function states what it is."""
    if not isinstance(expr, cst.Name) or scope.resolve(expr.value) is not function_scope(scope):
        return False
    bindings = scope.bound_values(expr.value)
    if not bindings:
        return False
    return all(
        binding.kind in ("for", "with")
        or (binding.kind in ("assign", "annassign") and isinstance(binding.value, cst.Call))
        for binding in bindings
    )


def function_scope(scope: Scope) -> Scope:
    """The function (or module or class) a comprehension or lambda is part of."""
    while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
        scope = scope.parent
    return scope


def refers(where: Scope, scope: Scope, name: str) -> bool:
    """True when ``name`` used in ``where`` (``scope`` or nested in it) is ``scope``'s variable."""
    current: Scope | None = where
    while current is not None and current is not scope:
        if name in current.bindings and name not in current.globals | current.nonlocals:
            return False
        current = current.parent
    return current is scope


# -- the instance ---------------------------------------------------------------------------
def _instance_name(scope: Scope) -> str | None:
    """The first parameter of the method ``scope`` is part of, when it is one."""
    function = function_scope(scope)
    if not isinstance(function.node, cst.FunctionDef):
        return None
    if function.parent is None or function.parent.kind != "class":
        return None
    params = [*function.node.params.posonly_params, *function.node.params.params]
    return params[0].name.value if params else None


def is_instance(scope: Scope, expr: cst.BaseExpression) -> bool:
    """True when ``expr`` is the instance (or class) a method is called on: its first
    parameter, or a local bound only to it (``obj = self``).

    The class and its bases define that object's protocols, possibly unlike each other (a
    ``Mailbox`` iterates over messages, a pyparsing result over tokens), and inside
    ``__iter__`` itself iterating the instance would recurse.
    """
    if not isinstance(expr, cst.Name):
        return False
    first = _instance_name(scope)
    if first is None:
        return False
    if expr.value == first:
        return True
    bindings = scope.bound_values(expr.value)
    if not bindings:
        return False
    return all(
        binding.kind == "assign"
        and isinstance(binding.value, cst.Name)
        and binding.value.value == first
        for binding in bindings
    )


# -- duck typing and narrowing --------------------------------------------------------------
def is_probed(scope: Scope, receiver: cst.BaseExpression, attributes: Collection[str]) -> bool:
    """True when the function tests whether ``receiver`` has one of ``attributes``:
    ``hasattr(E, "keys")``, ``callable(getattr(E, "keys", None))``, ``getattr(E, "keys",
    None) is not None`` ... (such code accepts objects that have the method and nothing
    else a rewrite might rely on)."""
    code = dotted(receiver)
    if code is None:
        return False
    probes = function_scope(scope).probes
    return any((code, attribute) in probes for attribute in attributes)


#: Classes whose instances iterate and test membership like their keys.
_MAPPING_CLASSES = frozenset(
    {"dict", "Mapping", "MutableMapping", "OrderedDict", "defaultdict", "Counter", "ChainMap",
     "MappingProxyType", "UserDict"}
)  # fmt: skip


def checked_against_class(scope: Scope, receiver: cst.BaseExpression) -> bool:
    """True when the function tests ``receiver`` with ``isinstance`` against a class that
    is not a builtin (nor a standard mapping): the code expects instances of it, and that
    class may define its protocols its own way (a werkzeug ``Headers`` iterates pairs)."""
    code = dotted(receiver)
    if code is None:
        return False
    for checked, class_name in function_scope(scope).isinstance_checks:
        if checked != code:
            continue
        last = class_name.rpartition(".")[2]
        if last not in _MAPPING_CLASSES and not hasattr(builtins, last):
            return True
    return False


# -- exceptions -----------------------------------------------------------------------------
def _builtin_bases(name: str) -> frozenset[str]:
    found = getattr(builtins, name, None)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        return frozenset({name})
    return frozenset(cls.__name__ for cls in found.__mro__ if cls is not object)


def catches(guard: Guard | None, exceptions: Collection[str]) -> bool:
    """Whether a handler of the function around the guarded node may catch one of the builtin
    ``exceptions``: a bare ``except``, a class among them or their bases, or a handler
    expression that is not a plain (dotted) name.  A ``with suppress(...)`` counts as one."""
    wanted = frozenset().union(*(_builtin_bases(name) for name in exceptions))
    while guard is not None:
        node = guard.node
        if isinstance(node, cst.With):
            for item in node.items:
                manager = item.item
                if isinstance(manager, cst.Call) and _last(manager.func) == "suppress":
                    if any(_may_be(arg.value, wanted) for arg in manager.args):
                        return True
        else:
            for handler in node.handlers:
                if handler.type is None or _may_be(handler.type, wanted):
                    return True
        guard = guard.parent
    return False


def _last(expr: cst.BaseExpression) -> str | None:
    code = dotted(expr)
    return code.rpartition(".")[2] if code is not None else None


def _may_be(caught: cst.BaseExpression, wanted: frozenset[str]) -> bool:
    elements = (
        [element.value for element in caught.elements]
        if isinstance(caught, (cst.Tuple, cst.List))
        else [caught]
    )
    for element in elements:
        name = _last(element)
        if name is None or name in wanted:
            return True  # a call, a subscript, a starred tuple ...: anything
    return False
