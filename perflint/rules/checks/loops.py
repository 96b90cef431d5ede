"""The Python halves of two loop pattern rules: what a pattern cannot say about the loop.

PFL325 readlines-in-for: iterating ``f.readlines()`` reads the whole file first; iterating
``f`` reads as it goes. The same only when the loop never touches ``f`` itself (reads, seeks,
writes or closes it), so :class:`IterableUnusedInLoop` keeps a match whose loop never names it.

PFL328 manual-extend: ``for x in y: out.append(x)`` is ``out.extend(y)`` only when nothing
reads ``x`` after the loop (``extend`` binds no ``x``): :class:`LoopTargetUnusedAfter` asks
the flow analysis PFL201 asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libcst as cst

from perflint.rules import flow
from perflint.rules.patterns.compiled import Span, descendants
from perflint.rules.patterns.cst_views import CST, statements
from perflint.rules.patterns.rule import Accept, Offer, PatternRule
from perflint.rules.prefilters import loops as prefilter


def _names(nodes: list[Any]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        for inner in descendants(node, CST, itself=True):
            kind, fields = CST.fields(inner)
            if kind == "Name":
                found.add(fields["id"])
    return found


def _loop_parts(loop: object) -> list[Any] | None:
    """What runs per iteration of the loop a ``for`` iterable belongs to, or None for an
    asynchronous loop (an ``async for`` over ``readlines()`` is another protocol)."""
    if isinstance(loop, cst.For):
        if loop.asynchronous is not None:
            return None
        return [*statements(loop.body), *statements(loop.orelse)]
    if isinstance(loop, tuple):
        comprehension, clause = loop
        if clause.asynchronous is not None:
            return None
        parts: list[Any] = [comp_if.test for comp_if in clause.ifs]
        if clause.inner_for_in is not None:
            parts.append(clause.inner_for_in)
        if isinstance(comprehension, cst.DictComp):
            return [comprehension.key, comprehension.value, *parts]
        return [comprehension.elt, *parts]
    return None


class IterableUnusedInLoop(prefilter.IterableUnusedInLoop, PatternRule):
    """Keeps ``F.readlines()`` as a loop's iterable when the loop never names ``F``."""

    def hook(self, index: int, bindings: Mapping[str, Any], span: Span, offer: Offer) -> Accept | None:
        name = bindings.get("F")
        parts = _loop_parts(offer.loop)
        if not isinstance(name, cst.Name) or parts is None:
            return None
        return None if name.value in _names(parts) else Accept()


class LoopTargetUnusedAfter(prefilter.LoopTargetUnusedAfter, PatternRule):
    """Keeps a loop whose target no code after it can read (closures and ``locals()``
    keep the conservative answer: it may)."""

    def hook(self, index: int, bindings: Mapping[str, Any], span: Span, offer: Offer) -> Accept | None:
        loop, target = span.node, bindings.get("X")
        if not isinstance(loop, cst.For) or not isinstance(target, cst.Name):
            return None
        if flow.loop_binding_read(offer.scope, loop, [target.value], body=False):
            return None
        return Accept()
