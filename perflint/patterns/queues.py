"""``queue: true``: whether a list name is used as a queue around a match in a loop.

``lst.pop(0)`` in a loop is quadratic only when the list keeps its length across the loop's
iterations. Two shapes are in a loop and still bounded, and a deque would not help them:
the list is bound afresh inside the innermost loop around the match (``args = [a, b]``
then one ``args.insert(0, x)`` per iteration), or it is bound only to list displays and
nothing in its scope adds to it (``colors = ["b", "g", "r"]`` popped once per plot), so it
never holds more items than were written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from perflint.scope import Scope

_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
#: The enclosing nodes ``used_as_queue`` looks at.
QUEUE_ANCESTORS = _LOOPS + _SCOPES
#: Methods that never add items; any other attribute of the list may (``append``, ``extend``,
#: ``insert``, ``__iadd__``, ``__setitem__``) or is unknown.
_SHRINKING = frozenset({"pop", "remove", "clear", "index", "count", "copy", "sort", "reverse"})
#: Builtins that read their argument without keeping or growing it.
_READERS = frozenset({"len", "bool", "list", "tuple", "set", "sorted", "repr", "str", "print", "iter", "any", "all"})


def used_as_queue(scope: Scope, capture: cst.Name, ancestors: Sequence[cst.CSTNode] | None) -> bool | None:
    """False when the list named by ``capture`` cannot keep its length across the innermost
    loop around the match (the two bounded shapes above); True otherwise; None when unknown.
    The match's own use counts like any other: ``lst.insert(0, x)`` grows the list."""
    if ancestors is None:
        return None
    name = capture.value
    owner = scope.resolve(name)
    bindings = scope.bound_values(name)
    if owner is None or not bindings:
        return True
    loop = next((node for node in _up_to_scope(ancestors) if isinstance(node, _LOOPS)), None)
    if loop is None:
        return True
    inside = {id(node) for node in _walk(loop)}
    if all(binding.value is not None and id(binding.value) in inside for binding in bindings):
        return False
    if all(binding.kind == "assign" and isinstance(binding.value, cst.List) for binding in bindings):
        return _may_grow(owner.node, capture)
    return True


def _up_to_scope(ancestors: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    for node in ancestors:
        if isinstance(node, _SCOPES):
            return
        yield node


def _walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _may_grow(root: cst.CSTNode, capture: cst.Name) -> bool:
    """Whether some use of the name under ``root`` may add items to the list."""
    name = capture.value
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None]] = [(root, None, None)]
    while stack:
        node, parent, grandparent = stack.pop()
        if isinstance(node, cst.Name) and node.value == name and parent is not None:
            if _grows(node, parent, grandparent):
                return True
        stack.extend((child, node, parent) for child in node.children)
    return False


def _grows(node: cst.Name, parent: cst.CSTNode, grandparent: cst.CSTNode | None) -> bool:
    if isinstance(parent, cst.Attribute):
        return parent.value is node and parent.attr.value not in _SHRINKING
    if isinstance(parent, cst.AugAssign):
        return parent.target is node
    if isinstance(parent, cst.Subscript):  # lst[a:b] = more
        return isinstance(grandparent, (cst.AssignTarget, cst.AugAssign))
    if isinstance(parent, cst.Arg):  # passed on: the callee may add to it
        return not (
            isinstance(grandparent, cst.Call)
            and isinstance(grandparent.func, cst.Name)
            and grandparent.func.value in _READERS
        )
    if isinstance(parent, (cst.Assign, cst.AnnAssign)):  # another name for the same list
        return parent.value is node
    return isinstance(parent, (cst.StarredElement, cst.Yield, cst.Return, cst.Element, cst.DictElement))
