"""Source positions for a few chosen nodes, without libcst's whole-file PositionProvider.

``PositionProvider`` records a range for every node of the file (measured at 3x the cost of
parsing on CPython's standard library).  perflint needs positions only for the nodes it
reports or edits, and only in files that have findings, so this runs one code-generation pass
that keeps the range of the wanted nodes (and of the nodes inside them, which libcst uses to
hoist a parent's start or end) and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import libcst as cst
from libcst._nodes.internal import CodegenState  # libcst's documented codegen hook

from perflint.types import Location

_NEWLINE = re.compile(r"\r\n?|\n")



class Range(NamedTuple):
    """Where a node is: rows and columns, and the same span as offsets into the code libcst
    generates (the text it parsed), which gives the exact text the node stands for."""

    start: Location
    end: Location
    offsets: tuple[int, int]


class _State(CodegenState):
    def __init__(self, module: cst.Module, wanted: Collection[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = {id(node) for node in wanted}
        self.ranges: dict[int, Range] = {}
        self.line = 1
        self.column = 0
        self.offset = 0  # characters generated so far
        self._inside = 0  # >0 while generating code inside a wanted node
        self._starts: list[tuple[Location, int] | None] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)
        parts = _NEWLINE.split(value)
        if len(parts) == 1:
            self.column += len(value)
        else:
            self.line += len(parts) - 1
            self.column = len(parts[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        wanted = id(node) in self.wanted
        if wanted:
            self._inside += 1
        self._starts.append(self._here() if self._inside else None)

    def _here(self) -> tuple[Location, int]:
        return Location(self.line, self.column + 1), self.offset

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        # Nodes libcst gives no syntactic range to get their whitespace-inclusive range.
        if start is not None and id(node) not in self.ranges:
            self.ranges[id(node)] = _range(start, self._here())
        if id(node) in self.wanted:
            self._inside -= 1

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        record = self._inside > 0 or id(node) in self.wanted
        start = self._here()
        try:
            yield
        finally:
            if record:
                end = self._here()
                if start_node is not None and id(start_node) in self.ranges:
                    first = self.ranges[id(start_node)]
                    start = first.start, first.offsets[0]
                if end_node is not None and id(end_node) in self.ranges:
                    last = self.ranges[id(end_node)]
                    end = last.end, last.offsets[1]
                self.ranges[id(node)] = _range(start, end)


def _range(start: tuple[Location, int], end: tuple[Location, int]) -> Range:
    return Range(start[0], end[0], (start[1], end[1]))


def node_ranges(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[int, Range]:
    """Map ``id(node)`` to its range for each of ``nodes``.

    Rows are 1-based, columns 1-based in characters, ends exclusive: the convention of ruff's
    JSON output.  Code generation reproduces the source exactly, so these are positions in it.
    """
    if not nodes:
        return {}
    state = _State(module, nodes)
    module._codegen(state)
    return {key: value for key, value in state.ranges.items() if key in state.wanted}
