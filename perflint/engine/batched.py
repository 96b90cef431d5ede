"""How ``perflint.engine.traversal`` walks libcst's tree once for every rule: each rule's
``visit_*``/``leave_*`` methods called in libcst's order, as ``libcst.visit_batched`` calls
them, at less cost.

``libcst.visit_batched`` spends a good part of a run on work a read-only traversal does not
need (measured on CPython 3.12's standard library, all rules: a fifth of the traversal):

- for every node and every attribute of it, it formats a method name (``f"visit_{type}"``)
  and looks it up; here the methods are grouped by node type once per file, and attribute
  hooks are looked up only for the types that have some;
- a libcst visit rebuilds every node from its (unchanged) children, and each rebuilt node
  validates itself again (``CSTNode._validate``). The rebuilt tree is thrown away and its
  children are the parsed tree's own, which libcst validated when it built them, so during
  the traversal that validation is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import libcst as cst

Method = Callable[[cst.CSTNode], object]


class _Batched(cst.CSTVisitor):
    def __init__(self, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
        super().__init__()
        # hooks[kind][type name][attribute or ""]: the methods, in the visitors' order.
        hooks: dict[str, dict[str, dict[str, list[Method]]]] = {"visit": {}, "leave": {}}
        for visitor in visitors:
            for name, method in visitor.get_visitors().items():
                kind, _, rest = name.partition("_")
                type_name, _, attribute = rest.partition("_")  # libcst's type names have no "_"
                by_type = hooks[kind].setdefault(type_name, {})
                by_type.setdefault(attribute, []).append(method)
        self.visits = {name: found.pop("") for name, found in hooks["visit"].items() if "" in found}
        self.leaves = {name: found.pop("") for name, found in hooks["leave"].items() if "" in found}
        self.attribute_visits = {name: found for name, found in hooks["visit"].items() if found}
        self.attribute_leaves = {name: found for name, found in hooks["leave"].items() if found}

    def on_visit(self, node: cst.CSTNode) -> bool:
        for method in self.visits.get(type(node).__name__, ()):
            method(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for method in self.leaves.get(type(original_node).__name__, ()):
            method(original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        hooks = self.attribute_visits.get(type(node).__name__)
        if hooks is not None:
            for method in hooks.get(attribute, ()):
                method(node)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        hooks = self.attribute_leaves.get(type(original_node).__name__)
        if hooks is not None:
            for method in hooks.get(attribute, ()):
                method(original_node)


def _no_validation(self: cst.CSTNode) -> None:
    return None


@contextmanager
def _rebuilt_nodes_unvalidated() -> Iterator[None]:
    validate = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = validate  # type: ignore[method-assign]


def visit_batched(module: cst.Module, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """Call every visitor's hooks over ``module`` in libcst's order (see the module docstring)."""
    batched = _Batched(visitors)
    with _rebuilt_nodes_unvalidated():
        module.visit(batched)
