"""``queue: true``: whether a list name is used as a queue around a match in a loop.

``lst.pop(0)`` in a loop is quadratic only when the list keeps its length across the loop's
iterations. Two shapes are in a loop and still bounded, and a deque would not help them:
the list is bound afresh inside the innermost loop around the match (``args = [a, b]``
then one ``args.insert(0, x)`` per iteration), or it is bound only to list displays and
nothing in its scope adds to it (``colors = ["b", "g", "r"]`` popped once per plot), so it
never holds more items than were written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

import libcst as cst

from perflint.rules.scope import Scope

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
        # (the module's statements libcst did not parse tell through the scope)
        return _may_grow(owner.node, capture) or name in owner.hidden_growing
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


def ast_growing(roots: Iterable[ast.AST]) -> set[str]:
    """The names some use under ``roots`` (CPython's ``ast``) may add items to, as
    ``_may_grow`` reads them in libcst's tree: for statements libcst did not parse."""
    found: set[str] = set()
    stack: list[tuple[ast.AST, ast.AST | None, ast.AST | None]] = [(root, None, None) for root in roots]
    while stack:
        node, parent, grandparent = stack.pop()
        if isinstance(node, ast.Name) and parent is not None and _ast_grows(node, parent, grandparent):
            found.add(node.id)
        elif isinstance(node, ast.keyword) and node.arg is not None and _ast_argument_grows(parent):
            found.add(node.arg)  # libcst has the keyword as a name in an ``Arg``
        elif isinstance(node, ast.ClassDef):
            found.update(k.arg for k in node.keywords if k.arg is not None)  # ``metaclass=``
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            # ``import a.b`` / ``from a.b import c``: libcst's ``a.b`` is an attribute of ``a``
            dotted = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in dotted:
                parts = name.split(".")
                if len(parts) > 1 and parts[1] not in _SHRINKING:
                    found.add(parts[0])
        stack.extend((child, node, parent) for child in ast.iter_child_nodes(node))
    return found


def _ast_argument_grows(call: ast.AST | None) -> bool:
    """An argument of ``call`` (or a class's base) may be added to by the callee."""
    return not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in _READERS)


def _ast_grows(node: ast.Name, parent: ast.AST, grandparent: ast.AST | None) -> bool:
    """``_grows`` on CPython's ``ast`` (where an argument, a starred item or a slice tuple
    are shaped differently from libcst's)."""
    if isinstance(parent, ast.Attribute):
        return parent.value is node and parent.attr not in _SHRINKING
    if isinstance(parent, ast.AugAssign):
        return parent.target is node
    if isinstance(parent, ast.Subscript):  # lst[a:b] = more
        if parent.value is not node:
            return False  # (libcst has a name in the slice under a SubscriptElement)
        if isinstance(grandparent, ast.Assign):
            return any(target is parent for target in grandparent.targets)
        return isinstance(grandparent, ast.AugAssign)  # (``n += lst[0]`` too, as ``_grows`` has it)
    if isinstance(parent, ast.Call):
        return node is not parent.func and _ast_argument_grows(parent)
    if isinstance(parent, ast.keyword):
        return _ast_argument_grows(grandparent)
    if isinstance(parent, ast.ClassDef):
        return any(base is node for base in parent.bases) or any(k.value is node for k in parent.keywords)
    if isinstance(parent, ast.Starred):
        return _ast_argument_grows(grandparent) if isinstance(grandparent, ast.Call) else True
    if isinstance(parent, ast.Delete):  # ``del a, b`` is a tuple of targets to libcst
        return len(parent.targets) > 1
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):  # another name for the same list
        return parent.value is node
    if isinstance(parent, ast.Tuple) and isinstance(grandparent, ast.Subscript) and grandparent.slice is parent:
        # ``a[lst, 1]`` is two subscript elements to libcst, ``a[(lst, 1)]`` one tuple
        first = parent.elts[0]
        return (parent.lineno, parent.col_offset) < (first.lineno, first.col_offset)
    if isinstance(parent, ast.Dict):
        return not any(key is None and value is node for key, value in zip(parent.keys, parent.values))
    return isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Yield, ast.Return))


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
