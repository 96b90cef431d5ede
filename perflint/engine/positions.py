"""Source positions for a few chosen nodes, without libcst's whole-file PositionProvider.

``PositionProvider`` records a range for every node of the file (measured at 3x the cost of
parsing on CPython's standard library).  perflint needs positions only for the nodes it
reports or edits, and only in files that have findings, so this runs one code-generation pass
that keeps the range of the wanted nodes (and of the nodes libcst hoists a wanted node's start
or end from) and nothing else.

The module is put together from parts parsed apart (``perflint.engine.libcst_parse``), so the row
count restarts where each part begins. And every token generated inside a wanted node is
compared with the source text at its position: where libcst would not give the text back as
it is (it drops a form feed before a statement, reads some line breaks its own way), the
positions cannot be trusted, and ``Unfaithful`` says where.

The code generated inside the wanted nodes (and from the first to the last node of each
wanted span) is kept too: an edit carries the text libcst parsed where it points, which the
fixer finds in the file or refuses the edit (``perflint.engine.fixes``), a check that does not
depend on the row arithmetic here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import NamedTuple

import libcst as cst

from perflint.rules.codegen import CodegenState
from perflint.types import Location

_NEWLINE = re.compile(r"\r\n?|\n")
_UNRECORDED = nullcontext()



class Range(NamedTuple):
    """Where a node is: rows and columns, and the same span as offsets into the code kept
    (``Positions.code``), which gives the exact text libcst parsed there."""

    start: Location
    end: Location
    offsets: tuple[int, int]


@dataclass(frozen=True)
class Positions:
    """The ranges of the wanted nodes (by ``id``) and the code generated inside them."""

    ranges: dict[int, Range]
    text: str

    def __getitem__(self, key: int) -> Range:
        return self.ranges[key]

    def code(self, first: Range, last: Range) -> str:
        """The code libcst generated from the start of ``first`` to the end of ``last``."""
        return self.text[first.offsets[0] : last.offsets[1]]


class Unfaithful(Exception):
    """libcst's code for a wanted node differs from the source at ``row``, ``column``."""

    def __init__(self, row: int, column: int) -> None:
        super().__init__(f"{row}:{column}")
        self.row = row
        self.column = column


class _State(CodegenState):
    def __init__(
        self,
        module: cst.Module,
        wanted: Collection[cst.CSTNode],
        rows: Mapping[int, int],
        lines: Sequence[str] | None,
        spans: Collection[tuple[cst.CSTNode, cst.CSTNode]] = (),
    ) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = {id(node) for node in wanted}
        #: The wanted nodes, and those whose range hoists a wanted node's start or end.
        self.needed = set(self.wanted)
        self.ranges: dict[int, Range] = {}
        self.rows = rows
        self.lines = lines
        self.line = 1
        self.column = 0
        #: The first and last node of each wanted span, by id (the last with a count).
        self.span_firsts = {id(first) for first, _ in spans}
        self.span_lasts: dict[int, int] = {}
        for _, last in spans:
            self.span_lasts[id(last)] = self.span_lasts.get(id(last), 0) + 1
        self.kept: list[str] = []  # the code generated while ``_inside`` or ``_spanning``
        self.offset = 0  # characters kept so far
        self._inside = 0  # >0 while generating code inside a wanted node
        self._spanning = 0  # >0 from the first node of a wanted span to the end of its last
        self._starts: list[tuple[Location, int] | None] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if (self._inside or self._spanning) and value:
            if self.lines is not None:
                self._check(value)
            self.kept.append(value)
            self.offset += len(value)
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
        else:
            parts = _NEWLINE.split(value)
            self.line += len(parts) - 1
            self.column = len(parts[-1])

    def _check(self, value: str) -> None:
        """The token must be the source's text where it is generated."""
        assert self.lines is not None
        line, column, rest = self.line, self.column, value
        while rest:
            source = self.lines[line - 1] if line <= len(self.lines) else ""
            piece = source[column : column + len(rest)]
            if not piece and rest in ("\n", "\r\n", "\r") and self._at_end(line, column):
                return  # libcst ends the last line, which the file leaves open
            if not rest.startswith(piece) or not piece:
                raise Unfaithful(line, column + 1)
            rest = rest[len(piece) :]
            line, column = line + 1, 0

    def _at_end(self, line: int, column: int) -> bool:
        assert self.lines is not None
        return line >= len(self.lines) and column >= len(self.lines[-1] if self.lines else "")

    def before_codegen(self, node: cst.CSTNode) -> None:
        row = self.rows.get(id(node))
        if row is not None:  # a part parsed on its own starts here
            self.line, self.column = row, 0
        if id(node) in self.wanted:
            self._inside += 1
        if id(node) in self.span_firsts:
            self._spanning += 1
        self._starts.append(self._here() if id(node) in self.needed else None)

    def _here(self) -> tuple[Location, int]:
        return Location(self.line, self.column + 1), self.offset

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        # Nodes libcst gives no syntactic range to get their whitespace-inclusive range.
        if start is not None and id(node) not in self.ranges:
            self.ranges[id(node)] = _range(start, self._here())
        if id(node) in self.wanted:
            self._inside -= 1
        self._spanning -= self.span_lasts.get(id(node), 0)

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        # libcst asks around most nodes; a generator per node cost a third of this pass.
        if id(node) not in self.needed:
            return _UNRECORDED
        # The nodes libcst takes this one's start or end from are needed too.
        self.needed.update(id(other) for other in (start_node, end_node) if other is not None)
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> Iterator[None]:
        start = self._here()
        try:
            yield
        finally:
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


def node_ranges(
    module: cst.Module,
    nodes: Collection[cst.CSTNode],
    rows: Mapping[int, int] | None = None,
    lines: Sequence[str] | None = None,
    spans: Collection[tuple[cst.CSTNode, cst.CSTNode]] = (),
) -> Positions:
    """The range of each of ``nodes`` (by ``id(node)``), and the code generated inside them.

    Rows are 1-based, columns 1-based in characters, ends exclusive: the convention of ruff's
    JSON output. ``rows`` restarts the row count at nodes parsed apart (see the module
    docstring); with ``lines`` (the source's physical lines, line breaks included) the code
    of the wanted nodes, and of each of ``spans`` (pairs of wanted nodes, the first coming
    first) from its first node to its last, is checked against the source, raising
    ``Unfaithful``.
    """
    if not nodes:
        return Positions({}, "")
    state = _State(module, nodes, rows or {}, lines, spans)
    module._codegen(state)
    ranges = {key: value for key, value in state.ranges.items() if key in state.wanted}
    return Positions(ranges, "".join(state.kept))
