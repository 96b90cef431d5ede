"""libcst's tree of the statements perflint needs, parsed a bounded chunk at a time.

libcst's native parser holds some 650 bytes per character of the text it is given until it
is done (10 MB of code: 6.5 GB), and its time per character grows with bracket nesting. So
it is never given more than about ``CHUNK_COST`` at once: the top-level statements that
``perflint.engine.prefilter`` kept are parsed a few at a time, a statement too large for one chunk
(or a class with members left out) is parsed as a stub with a placeholder body and its body
then a chunk at a time, and the parts are put together into one ``Module`` as libcst would
have built it from the whole text.

Every chunk is parsed behind a prefix (``if 1:`` / ``    pass``, plus an ``if 1:`` line for a
chunk indented inside a block): all chunks then share one default indentation and newline
(what libcst leaves as ``None`` in a node means the module's), and an indented chunk parses
at its own depth. The blank and comment lines after a statement go where libcst puts them: a
block's footer takes them down to the last one indented at the block's level (libcst's own
rule, applied here with ``_split_footer``), the rest lead the next statement.

The parts do not make one contiguous text (statements left out, placeholders), so each
chunk's first row is recorded and ``perflint.engine.positions`` restarts its row count there; where
statements were left out, a ``pass`` statement stands between the parts, so that no rule
sees two statements as neighbours that are not.

Long because chunking libcst's parse and putting the parts back together keep one invariant
(the module equals libcst's own tree of those statements), which every helper here maintains;
split, the invariant would be spread over modules that each hold only part of it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias, Union

import libcst as cst

from perflint.engine.prefilter import COMPOUND, Statement, clauses, first_row, starts_line
from perflint.rules.scope import HiddenFacts
from perflint.text.lines import LINE_BREAK, physical_lines

#: Estimated cost (characters, weighted by bracket depth) of the text parsed at once: some
#: 30-70 MB at libcst's peak.
CHUNK_COST = 80_000
#: libcst's time per character grows with bracket depth; beyond this estimated cost per
#: character (plus a fixed allowance) perflint refuses the file rather than spend minutes.
MAX_COST_PER_CHARACTER = 8
COST_ALLOWANCE = 4_000_000
#: How much a character costs per level of bracket nesting around it, in characters.
DEPTH_WEIGHT = 0.5

_BRACKETS = re.compile(r"[][(){}]")
_ERROR_AT = re.compile(r"error at (\d+):(\d+): ")
_MARKER = "# perflint: placeholder"
_COMPOUND = COMPOUND


#: A statement of a module or a block, as libcst types it.
Stmt: TypeAlias = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]
_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class ParserLimit(Exception):
    """libcst cannot read code that CPython accepts (or would need too long to)."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Parsed:
    """The statements as one module, and where the rows of its parts start."""

    module: cst.Module
    #: ``id(node)`` -> the row at which ``node``'s code (its leading lines included) starts.
    rows: dict[int, int]
    #: The source's physical lines as the rows count them (line breaks included).
    lines: list[str]
    #: ``id(class node)`` -> what the members left out of it tell its scope.
    classes: dict[int, HiddenFacts]
    #: Ids of the ``pass`` statements standing where statements were left out, and of their
    #: lines.
    separators: frozenset[int] = frozenset()


def cost(text: str) -> int:
    """libcst's estimated effort for ``text``: its length, plus ``DEPTH_WEIGHT`` per
    character per bracket around it (brackets in strings count too: an overestimate)."""
    total = float(len(text))
    depth = 0
    last = 0
    for match in _BRACKETS.finditer(text):
        at = match.start()
        total += DEPTH_WEIGHT * depth * (at - last)
        last = at
        depth = depth + 1 if match.group() in "([{" else max(depth - 1, 0)
    return int(total + DEPTH_WEIGHT * depth * (len(text) - last))


def _first_newline(lines: Sequence[str]) -> str:
    """libcst's default newline: the first line's line break."""
    first = lines[0] if lines else ""
    for newline in ("\r\n", "\n", "\r"):
        if first.endswith(newline):
            return newline
    return "\n"


@dataclass(frozen=True)
class _Item:
    """A statement to parse: its ``ast`` node, what to add to the node's rows, and the
    members of it (a class) to leave out."""

    node: ast.stmt
    offset: int
    hidden: tuple[int, ...] = ()
    members: HiddenFacts | None = None

    @property
    def first(self) -> int:
        return first_row(self.node) + self.offset

    @property
    def last(self) -> int:
        return (self.node.end_lineno or self.node.lineno) + self.offset


def _units(items: Sequence[_Item], lines: Sequence[str]) -> list[list[_Item]]:
    """``items`` (consecutive siblings) grouped into libcst statements: simple statements
    joined by ``;`` on one logical line are one ``SimpleStatementLine``."""
    units: list[list[_Item]] = []
    for item in items:
        if units and not isinstance(item.node, _COMPOUND):
            previous = units[-1][-1]
            if item.first <= previous.last or _semicolon_after(previous, lines):
                units[-1].append(item)
                continue
        units.append([item])
    return units


def _semicolon_after(item: _Item, lines: Sequence[str]) -> bool:
    """Whether a ``;`` and nothing but backslash continuations follow the statement: the
    next statement is then on the same logical line, some rows further down."""
    node = item.node
    if node.end_col_offset is None:
        return False
    row = item.last
    text = lines[row - 1].encode("utf-8")[node.end_col_offset :]
    seen = False
    while True:
        text = text.lstrip(b" \t\f")
        if text.startswith(b";") and not seen:
            seen, text = True, text[1:]
        elif text.rstrip(b"\r\n") == b"\\" and row < len(lines):
            row += 1
            text = lines[row - 1].encode("utf-8")
        else:
            return seen and bool(text.strip()) and not text.startswith(b"#")


class _Builder:
    def __init__(self, source: str) -> None:
        self.lines = physical_lines(source)
        if self.lines and self.lines[0].startswith("\ufeff"):
            self.lines[0] = self.lines[0][1:]  # libcst drops a BOM; so do the rows here
        self.newline = _first_newline(self.lines)
        # The ``pass`` after the block: comment lines a chunk starts with lead its first
        # statement, as they do in the file, instead of ending up in the prefix's block.
        self.prefix = f"if 1:{self.newline}    pass{self.newline}"
        self.top_prefix = f"{self.prefix}pass{self.newline}"
        self.rows: dict[int, int] = {}
        self.classes: dict[int, HiddenFacts] = {}
        self.separators: set[int] = set()
        self.spent = 0
        self.budget = 0

    def lead(self, statement: Statement) -> int:
        """The row where ``statement``'s leading lines begin, the one before it being left
        out: after the last line that statement's last block claims (libcst's rule)."""
        if statement.after is None:
            return statement.first
        last, indent = statement.after
        lead = last + 1
        if indent:
            for row in range(last + 1, statement.first):
                if self.lines[row - 1].startswith(indent):
                    lead = row + 1
        return lead

    def text(self, first: int, end: int) -> str:
        """Rows ``first`` to ``end`` (exclusive), 1-based."""
        return "".join(self.lines[first - 1 : end - 1])

    def separator(self) -> cst.SimpleStatementLine:
        """A ``pass`` where statements were left out."""
        statement = cst.Pass()
        line = cst.SimpleStatementLine([statement])
        self.separators.update((id(statement), id(line)))
        return line

    # -- chunks -----------------------------------------------------------------------------
    def parse_chunk(
        self, text: str, indent: str, first: int
    ) -> tuple[list[Stmt], list[cst.EmptyLine], list[cst.EmptyLine]]:
        """The statements of ``text`` (siblings at ``indent``, starting at row ``first``), the
        block footer an enclosing block at ``indent`` would take, and the lines after it (as
        libcst reads them at column 0)."""
        self.spent += cost(text)
        if self.spent > self.budget:
            raise ParserLimit(
                "the code is nested too deeply for perflint's parser to read it in reasonable"
                " time",
                first,
            )
        lead = self.prefix + f"if 1:{self.newline}" if indent else self.top_prefix
        # libcst loses lines of a module's footer (all but the last), so a statement after
        # the text makes the trailing lines its leading lines, which it reads faithfully.
        tail = f"pass{self.newline}" if text.endswith(("\n", "\r")) else ""
        try:
            module = cst.parse_module(lead + text + tail)
        except cst.ParserSyntaxError as error:
            # The message's "error at L:C" is where libcst failed (its raw_line may be later).
            where = _ERROR_AT.search(error.message)
            line, column = (int(where[1]), int(where[2])) if where else (error.raw_line, error.raw_column)
            message = _ERROR_AT.sub("", error.message)
            row = line - lead.count(self.newline) + first - 1
            if row < first and "\x0c" in text:
                # A tokenizer error has no position; a form feed is libcst's usual trouble.
                row = first + sum(1 for _ in LINE_BREAK.finditer(text, 0, text.index("\x0c")))
                column = 0
            raise ParserLimit(message, max(row, first), column + 1) from None
        except RecursionError:
            raise ParserLimit("the code is nested too deeply for perflint's parser", first) from None
        skip = 1 if indent else 2
        body = list(module.body[skip:-1] if tail else module.body[skip:])
        rest = list(module.body[-1].leading_lines) if tail else []
        if not indent:
            return body, [], rest
        block = body[0]
        assert len(body) == 1 and isinstance(block, cst.If)
        assert isinstance(block.body, cst.IndentedBlock)
        inner = [statement for statement in block.body.body if isinstance(statement, _STATEMENTS)]
        return inner, list(block.body.footer), rest

    # -- blocks -----------------------------------------------------------------------------
    def block(
        self,
        runs: Sequence[tuple[Sequence[_Item], int, int | None]],
        indent: str,
        reaches_end: bool = True,
    ) -> tuple[list[Stmt], list[cst.EmptyLine], list[cst.EmptyLine]]:
        """Parse ``runs`` of consecutive sibling statements at ``indent`` (each run with the
        row where whatever follows it begins); statements between runs are left out.

        Returns the statements (a ``pass`` between runs), and from the last run the footer
        of the enclosing block and the lines after it (none when statements left out follow
        it: ``reaches_end`` is False).
        """
        body: list[Stmt] = []
        footer: list[cst.EmptyLine] = []
        rest: list[cst.EmptyLine] = []
        for number, (items, end, lead) in enumerate(runs):
            if number:
                body.append(self.separator())
            statements, footer, rest = self.run(items, end, indent, lead)
            body += statements
        if not reaches_end:
            footer, rest = [], []  # they lead the member left out after the last run
        return body, footer, rest

    def run(
        self, items: Sequence[_Item], end: int, indent: str, lead: int | None = None
    ) -> tuple[list[Stmt], list[cst.EmptyLine], list[cst.EmptyLine]]:
        """Consecutive siblings at ``indent`` (what follows them begins at row ``end``), in
        chunks of about ``CHUNK_COST``; returns the statements, and the footer of the
        enclosing block and the lines after it. ``lead``: the row where the first one's
        leading lines start (at the top level)."""
        units = _units(items, self.lines)
        starts = [unit[0].first for unit in units] + [end]
        chunks: list[tuple[int, int]] = []  # (first unit, end unit)
        begin = 0
        spent = 0
        for index, unit in enumerate(units):
            if unit[0].hidden:  # a class with members left out: parsed on its own
                if index > begin:
                    chunks.append((begin, index))
                chunks.append((index, index + 1))
                begin, spent = index + 1, 0
                continue
            size = cost(self.text(starts[index], starts[index + 1]))
            if index > begin and spent + size > CHUNK_COST:
                chunks.append((begin, index))
                begin, spent = index, 0
            spent += size
        if begin < len(units) or not chunks:
            chunks.append((begin, len(units)))
        body: list[Stmt] = []
        leading: list[cst.EmptyLine] = []
        footer: list[cst.EmptyLine] = []
        rest: list[cst.EmptyLine] = []
        for begin, stop in chunks:
            first, last = starts[begin], starts[stop]
            if begin == 0 and lead is not None:
                first = lead
            unit = units[begin]
            if stop - begin == 1 and (unit[0].hidden or self._splittable(unit, first, last)):
                statements, footer, rest = self.split(unit[0], indent, last, first)
                if indent:  # the lines the enclosing block claims, as libcst would give them
                    footer, rest = _split_footer(rest, indent)
            else:
                statements, footer, rest = self.parse_chunk(self.text(first, last), indent, first)
            if len(statements) != stop - begin:
                raise ParserLimit("perflint's parser reads the statements differently", first)
            if leading:
                statements[0] = statements[0].with_changes(
                    leading_lines=[*leading, *statements[0].leading_lines]
                )
            self.rows[id(statements[0])] = first - len(leading)
            body += statements
            # Whatever follows the chunk leads the next one (at this depth, the block goes on).
            leading = [*footer, *_at_indent(rest, indent)]
        return body, footer, rest

    # -- statements too large for one chunk -------------------------------------------------
    def _splittable(self, unit: list[_Item], first: int, end: int) -> bool:
        node = unit[0].node
        if len(unit) != 1 or not isinstance(node, _COMPOUND) or isinstance(node, ast.Match):
            return False
        if not hasattr(node, "body"):
            return False  # an outline (see ``perflint.engine.prefilter``): small enough for one chunk
        return cost(self.text(first, end)) > CHUNK_COST

    def split(
        self, item: _Item, indent: str, end: int, lead: int
    ) -> tuple[list[Stmt], list[cst.EmptyLine], list[cst.EmptyLine]]:
        """A compound statement parsed as a stub whose bodies are placeholders, then its
        bodies (without the members ``item.hidden`` leaves out); its text starts at row
        ``lead`` (with the lines that lead it)."""
        node, offset, hidden = item.node, item.offset, item.hidden
        bodies = self._bodies(node, offset, end)
        pieces: list[str] = []
        at = lead
        parsed: list[tuple[list[Stmt], list[cst.EmptyLine]]] = []
        rest: list[cst.EmptyLine] = []
        for number, (body, body_end) in enumerate(bodies):
            body_first = first_row(body[0]) + offset
            body_indent = _indentation(self.lines[body_first - 1])
            members = hidden if body is getattr(node, "body", None) else ()
            runs = _runs(body, members, offset, body_end)
            last_kept = len(body) - 1 not in members
            statements, footer, rest = self.block(runs, body_indent, last_kept)
            parsed.append((statements, footer))
            pieces.append(self.text(at, body_first))
            pieces.append(f"{body_indent}pass  {_MARKER}{self.newline}")
            at = body_end
            if number < len(bodies) - 1:
                # The lines no block claims lead the next clause: keep them in the stub.
                at -= len(rest)
                rest = []
            elif not last_kept:
                # After the member left out last, the lines no block of the class claims (down
                # to the last one indented at its level, libcst's rule) lead what follows the
                # class: keep them in the stub.
                at = self._unclaimed(body[-1], offset, body_end, body_indent)
        pieces.append(self.text(at, end))
        statements, _, stub_rest = self.parse_chunk("".join(pieces), indent, lead)
        assert len(statements) == 1
        filled = statements[0].visit(_Fill(parsed, self.rows))
        assert isinstance(filled, _STATEMENTS)
        if item.members is not None:
            self.classes[id(filled)] = item.members
        return [filled], [], rest or stub_rest

    def _unclaimed(self, last: ast.stmt, offset: int, end: int, indent: str) -> int:
        """The first row, after ``last`` and before ``end``, that no block at ``indent`` (or
        deeper) takes into its footer."""
        at = (last.end_lineno or last.lineno) + offset + 1
        for row in range(at, min(end, len(self.lines) + 1)):
            if self.lines[row - 1].startswith(indent):
                at = row + 1
        return at

    def _bodies(self, node: ast.stmt, offset: int, end: int) -> list[tuple[list[ast.stmt], int]]:
        """The bodies of ``node`` on lines of their own, each with the row where what
        follows it (the next clause, or ``end``) begins; in source order."""
        found: list[list[ast.stmt]] = []
        for body in clauses(node):
            if body and starts_line(body[0], self.lines[body[0].lineno + offset - 1]):
                found.append(body)
        bodies = []
        for number, body in enumerate(found):
            if number + 1 < len(found):
                next_first = first_row(found[number + 1][0]) + offset
                body_end = self._clause_row(body, next_first, offset)
            else:
                body_end = end
            bodies.append((body, body_end))
        return bodies

    def _clause_row(self, body: list[ast.stmt], next_first: int, offset: int) -> int:
        """The row of the clause header (``else:``, ``except ...:``) that ends ``body``: the
        first line after its last statement that is not blank or a comment (only those come
        between a body and the next clause)."""
        last = body[-1]
        for row in range((last.end_lineno or last.lineno) + offset + 1, next_first):
            code = self.lines[row - 1].strip(" \t\f\r\n")
            if code and not code.startswith("#"):
                return row
        raise ParserLimit("cannot find a clause header", next_first)


class _Fill(cst.CSTTransformer):
    """Put the parsed bodies in place of the placeholder blocks, in source order."""

    def __init__(
        self,
        bodies: list[tuple[list[Stmt], list[cst.EmptyLine]]],
        rows: dict[int, int],
    ) -> None:
        super().__init__()
        self.bodies = bodies
        self.rows = rows
        self.next = 0

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = updated_node.body
        if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
            return updated_node
        comment = body[0].trailing_whitespace.comment
        if comment is None or comment.value != _MARKER:
            return updated_node
        statements, footer = self.bodies[self.next]
        self.next += 1
        # Comments between the clause header and the body lead its first statement.
        lead = body[0].leading_lines
        if lead:
            first = statements[0]
            moved = first.with_changes(leading_lines=[*lead, *first.leading_lines])
            self.rows[id(moved)] = self.rows.pop(id(first)) - len(lead)
            statements = [moved, *statements[1:]]
        return updated_node.with_changes(body=statements, footer=footer)


def _runs(
    body: Sequence[ast.stmt], hidden: Sequence[int], offset: int, end: int
) -> list[tuple[Sequence[_Item], int, int | None]]:
    """``body`` without its ``hidden`` members, as runs of consecutive statements, each with
    the row where what follows it begins."""
    runs: list[tuple[Sequence[_Item], int, int | None]] = []
    current: list[_Item] = []
    for position, node in enumerate(body):
        if position in hidden:
            if current:
                runs.append((current, first_row(node) + offset, None))
                current = []
            continue
        current.append(_Item(node, offset))
    if current:
        runs.append((current, end, None))
    return runs


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def _at_indent(lines: Sequence[cst.EmptyLine], indent: str) -> list[cst.EmptyLine]:
    """Lines libcst read at column 0, as it reads them inside a block at ``indent``."""
    if not indent:
        return list(lines)
    out = []
    for line in lines:
        text = line.whitespace.value
        if text.startswith(indent):
            out.append(line.with_changes(indent=True, whitespace=cst.SimpleWhitespace(text[len(indent) :])))
        else:
            out.append(line.with_changes(indent=False))
    return out


def _split_footer(
    lines: Sequence[cst.EmptyLine], indent: str
) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """libcst's rule for a block at ``indent``: its footer runs down to the last line
    indented at its level; the lines after lead whatever comes next."""
    last = -1
    for index, line in enumerate(lines):
        if line.whitespace.value.startswith(indent):
            last = index
    return _at_indent(lines[: last + 1], indent), list(lines[last + 1 :])


def parse(source: str, statements: Sequence[Statement] | None) -> Parsed:
    """libcst's module of ``statements`` of ``source`` (all of the text when None)."""
    builder = _Builder(source)
    total = sum(len(line) for line in builder.lines)
    builder.budget = total * MAX_COST_PER_CHARACTER + COST_ALLOWANCE
    if statements is None:
        body, _, footer = builder.parse_chunk("".join(builder.lines), "", 1)
        if body:
            builder.rows[id(body[0])] = 1
        module = cst.Module(body=body, footer=footer, default_newline=builder.newline)
        return Parsed(module, builder.rows, builder.lines, {})
    # Runs of statements each ending where the next begins; a ``pass`` between runs.
    runs: list[tuple[list[_Item], int, int | None]] = []
    for statement in statements:
        item = _Item(statement.node, statement.offset, statement.hidden, statement.members)
        if runs and runs[-1][1] == statement.first:
            runs[-1][0].append(item)
            runs[-1] = (runs[-1][0], statement.end, runs[-1][2])
        elif runs and runs[-1][0][-1].first == statement.first:
            runs[-1][0].append(item)  # after a ``;`` on the same line
        else:
            runs.append(([item], statement.end, builder.lead(statement)))
    body, _, _ = builder.block(runs, "")
    module = cst.Module(body=body, default_newline=builder.newline)
    return Parsed(module, builder.rows, builder.lines, builder.classes, frozenset(builder.separators))
