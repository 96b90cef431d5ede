"""Decide, before libcst runs, which checks can fire and which statements libcst must parse.

libcst's parser is the dominant cost of a run (several times CPython's C parser, and hundreds
of bytes of memory per character while it parses), so:

1. a text scan drops checks whose ``needles`` do not occur in the file;
2. one walk of the C ``ast`` (a piece at a time, see ``perflint.engine.syntax``) asks each remaining
   check's ``ast_candidate`` about the nodes it cares about, top-level statement by top-level
   statement, looking only into statements whose lines hold the check's first needle;
3. libcst parses only the top-level statements that hold a candidate, the lines right
   before one when its rule reads them together (``out = []`` and the loop after it,
   ``Rule.previous_lines``), those holding a node some rule reads file-wide
   (``Rule.ast_context``), the module's imports and preamble for the rules that read them
   (``Rule.module_imports``, ``Rule.module_preamble``), and every statement when a rule's
   candidate is a run of module-level statements (``Rule.module_run``). Inside a class
   whose candidates all sit in its methods, its other methods are left out too.

What the statements left out would have told the scope model (the names they bind, what they
declare ``global``, how often they use each name) comes from ``perflint.rules.hidden`` instead, for
the module scope and for the scope of each class with members left out. Every step must be sound (never lose or change a finding);
``tests/test_prefilter.py`` checks that the findings over real code are identical with and
without this module.

Long because the plan of what libcst sees is one soundness argument: each kind of statement kept
(candidates, the lines before them, context, preamble, runs, class members) is a short function
here, and together they let a reviewer check that none can drop a finding.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perflint.engine.syntax import CPythonView, Piece
from perflint.rules.candidates import AstFacts, Candidates
from perflint.text.lines import LINE_BREAK, physical_lines
from perflint.types import RuleSpec

if TYPE_CHECKING:
    from perflint.rules.scope import HiddenFacts

#: A rule and its prefilter side (the check class itself, once libcst is loaded, also is one).
Check = tuple[RuleSpec, type[Candidates]]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_TRIES: tuple[type[ast.stmt], ...] = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
#: Statements with bodies: never on the same line as another statement's colon.
COMPOUND: tuple[type[ast.stmt], ...] = (
    *_DEFS, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, *_TRIES, ast.Match,
)  # fmt: skip


_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def walk(root: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``root`` (``root`` too), in no particular order, but the ``Load``,
    ``Store`` and ``Del`` markers: twice as fast as ``ast.walk``, which the prefilter
    spent a quarter of its time in."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        yield node
        names = _FIELDS.get(type(node))
        if names is None:
            names = _FIELDS[type(node)] = tuple(name for name in node._fields if name != "ctx")
        for name in names:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push(item)
            elif isinstance(value, ast.AST):
                push(value)


def identifiers(trees: Iterator[ast.Module]) -> frozenset[str]:
    """Every identifier a variable of the file could be named: names, definitions, arguments,
    imports, handlers, declarations and match captures."""
    found: set[str] = set()
    for tree in trees:
        for node in walk(tree):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, _DEFS):
                found.add(node.name)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
            elif isinstance(node, ast.alias):
                found.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                found.update(node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                found.add(node.name)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                found.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                found.add(node.rest)
    return frozenset(found)


@dataclass(frozen=True)
class Statement:
    """A top-level statement libcst must parse, with rows of the whole text."""

    node: ast.stmt
    #: What to add to the rows ``node`` holds (they count from the start of its piece).
    offset: int
    #: The row of the next top-level statement (or one past the last row): the lines up to
    #: it (comments, blank lines) follow this statement.
    end: int
    #: Members of the class left out, by their index in its body, and what they tell the
    #: class scope.
    hidden: tuple[int, ...] = ()
    members: HiddenFacts | None = None
    #: When the statement before it is left out: its last row and the indentation of its
    #: last block (whose footer takes the comment lines indented that deep, as libcst has
    #: it); the other lines in between lead this statement.
    after: tuple[int, str] | None = None

    @property
    def first(self) -> int:
        """The statement's first row (its first decorator's)."""
        return first_row(self.node) + self.offset


@dataclass(frozen=True)
class Plan:
    """What to run on a file and what libcst has to parse."""

    checks: list[Check]
    #: The top-level statements libcst parses, in order (all of them without the prefilter).
    statements: tuple[Statement, ...] = ()
    #: What the statements left out tell the module scope (None when none are left out).
    hidden: HiddenFacts | None = None
    #: A statement libcst would parse nests deeper than ``MAX_DEPTH``.
    too_deep: bool = False


#: libcst's parser slows down quadratically with nesting depth (6 s at 5,000 levels) and its
#: visitors exceed Python's recursion limit long before; real code stays far below this.
MAX_DEPTH = 500


def deeper_than(roots: Sequence[ast.AST], limit: int = MAX_DEPTH) -> bool:
    """Whether any tree under ``roots`` nests more than ``limit`` levels (stops at the first).

    Only CPython 3.10 needs asking: from 3.11 on, ``ast.parse`` itself refuses a few
    thousand levels (and the engine reports that), which bounds libcst's parse to a
    couple of seconds, and the walk costs ~10% of a run.
    """
    if sys.version_info >= (3, 11):
        return False
    stack = [(root, 1) for root in roots]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def first_row(statement: ast.stmt) -> int:
    """The first row of ``statement``, counting its decorators."""
    first = statement.lineno
    if isinstance(statement, _DEFS) and statement.decorator_list:
        first = min(first, *(decorator.lineno for decorator in statement.decorator_list))
    return first


class _Lines:
    """Row numbers of text occurrences, and whether a statement's rows hold one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = [0] + [match.end() for match in LINE_BREAK.finditer(source)]

    def of(self, word: str) -> list[int]:
        found = []
        at = self.source.find(word)
        while at != -1:
            found.append(bisect_right(self.starts, at))
            at = self.source.find(word, at + len(word))
        return found


def _within(rows: list[int], first: int, last: int) -> bool:
    index = bisect_left(rows, first)
    return index < len(rows) and rows[index] <= last


def clauses(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists of a compound statement, in source order (``elif`` chains too)."""
    if isinstance(node, ast.If):
        orelse = node.orelse
        if len(orelse) == 1 and isinstance(orelse[0], ast.If) and orelse[0].col_offset == node.col_offset:
            return [node.body, *clauses(orelse[0])]  # an ``elif``
        return [node.body, orelse]
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
        return [node.body, node.orelse]
    if isinstance(node, _TRIES):
        return [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]  # type: ignore[attr-defined]
    if isinstance(node, ast.Match):
        return [case.body for case in node.cases]
    return [getattr(node, "body", [])]


def starts_line(node: ast.stmt, line: str) -> bool:
    """Whether ``node`` begins its line (``line``, the text of its first row): the body it
    opens is an indented block, not the rest of a ``header: statement`` line."""
    if isinstance(node, COMPOUND):
        return True  # a compound statement never follows a colon on the same line
    return not line.encode("utf-8")[: node.col_offset].strip(b" \t\f")


def last_block_indent(node: ast.stmt, lines: Sequence[str]) -> str:
    """The indentation of ``node``'s last block ("" if it has none): libcst gives that block's
    footer the comment lines after ``node`` indented at least that deep."""
    bodies = [body for body in clauses(node) if body] if isinstance(node, COMPOUND) else []
    if not bodies:
        return ""
    first = bodies[-1][0]
    line = lines[first_row(first) - 1] if first_row(first) <= len(lines) else ""
    if not starts_line(first, lines[first.lineno - 1] if first.lineno <= len(lines) else ""):
        return ""
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def _span(statement: ast.stmt) -> tuple[int, int]:
    return first_row(statement), statement.end_lineno or statement.lineno


#: Statements longer than this (characters) keep their whole ``ast`` in the plan: libcst may
#: parse them in parts (``perflint.engine.libcst_parse``). Shorter ones keep only an outline.
WHOLE_AST = 60_000


def _last_lines(statements: Sequence[ast.stmt], count: int) -> list[ast.stmt]:
    """The simple statements at the end of ``statements`` that make up their last ``count``
    lines (none past a compound statement)."""
    found: list[ast.stmt] = []
    lines = 0
    for index in range(len(statements) - 1, -1, -1):
        if lines == count or isinstance(statements[index], COMPOUND):
            break
        found.append(statements[index])
        earlier = statements[index - 1] if index else None
        if earlier is None or (earlier.end_lineno or earlier.lineno) < first_row(statements[index]):
            lines += 1
    return found[::-1]


def _in_preamble(statement: ast.stmt, first: bool) -> bool:
    """Whether ``statement`` belongs to the module's preamble: its docstring (the first
    statement), ``from __future__`` imports."""
    if isinstance(statement, ast.ImportFrom):
        return statement.module == "__future__" and not statement.level
    return (
        first
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, (str, bytes))
    )


#: Nodes under a statement that may hold statements.
_HOLDERS = (ast.stmt, ast.excepthandler, *((ast.match_case,) if hasattr(ast, "match_case") else ()))


def _outline(node: ast.stmt) -> ast.stmt:
    """A node of ``node``'s type with only its position (first row counting decorators):
    what libcst's side needs of a statement it parses in one go, without its subtree."""
    outline = type(node).__new__(type(node))
    outline.lineno = first_row(node)
    outline.col_offset = node.col_offset
    outline.end_lineno = node.end_lineno
    outline.end_col_offset = node.end_col_offset
    if isinstance(node, _DEFS):
        outline.decorator_list = []  # type: ignore[attr-defined]
    return outline


def with_needles(source: str, checks: Sequence[Check]) -> list[Check]:
    """The checks whose every needle occurs in ``source``."""
    return [check for check in checks if all(needle in source for needle in check[1].needles)]


def plan(source: str, view: CPythonView, checks: Sequence[Check], prefilter: bool = True) -> Plan:
    """The checks that could fire on ``source`` and the statements libcst must parse.

    With ``prefilter=False``: every check, and every statement.
    """
    if not prefilter:
        return _everything(view, list(checks))
    checks = with_needles(source, checks)
    if not checks:
        return Plan(checks)
    scan = _Scan(checks)
    for piece, tree in view.trees():
        scan.piece(piece, tree)
    checks = [check for check, keep in zip(checks, scan.hit) if keep]
    if not checks:
        return Plan(checks)
    if scan.module_run:
        # A run of module-level statements matches together: libcst sees all of them, as
        # they stand (a statement left out would make two others neighbours).
        return _everything(view, checks)
    return scan.plan(view, checks)


def _everything(view: CPythonView, checks: list[Check]) -> Plan:
    statements: list[Statement] = []
    starts: list[int] = []
    deep = False
    for piece, tree in view.trees():
        lines = physical_lines(piece.text)
        for node in tree.body:
            first, last = _span(node)
            small = sum(map(len, lines[first - 1 : last])) <= WHOLE_AST
            statements.append(Statement(_outline(node) if small else node, piece.offset, 0))
            starts.append(statements[-1].first)
        deep = deep or deeper_than(tree.body)
    return Plan(checks, _ends(statements, starts, view), None, deep)


def _ends(
    statements: list[Statement], starts: list[int], view: CPythonView
) -> tuple[Statement, ...]:
    """``statements`` with ``end`` set: the row where the next top-level statement of the
    whole text begins (kept or not, ``starts`` holds them all), or one past the last row."""
    last = view.pieces[-1] if view.pieces else None
    past = last.first_row + sum(1 for _ in LINE_BREAK.finditer(last.text)) + 1 if last else 2
    done = []
    for statement in statements:
        index = bisect_right(starts, statement.first)
        end = starts[index] if index < len(starts) else past
        done.append(dataclasses.replace(statement, end=end))
    return tuple(done)


class _Scan:
    """One pass over the pieces; statements that may hold candidates are walked, the rest
    only located."""

    def __init__(self, checks: Sequence[Check]) -> None:
        self.checks = checks
        self.hit = [False] * len(checks)
        #: (id of a list of check indexes, call key) -> (that list, the checks that may flag
        #: such a call); the list is kept to tell a reused id.
        self._by_call_key: dict[tuple[int, str | None], tuple[list[int], list[int]]] = {}
        self.context_types = {
            node_type for _, cls in checks for node_type in cls.ast_context_types
        }
        #: Per top-level statement (in order): (piece index, index in its piece, why kept:
        #: "" none, "candidate", "context"; hidden member indices, how many lines before it
        #: a rule reads with it).
        self.entries: list[tuple[int, int, str, tuple[int, ...], int]] = []
        #: The first and last row of every top-level statement, in order.
        self.starts: list[int] = []
        self.lasts: list[int] = []
        self.reads_back = 0
        self.pieces: list[Piece] = []
        self.module_level_candidate = False
        self.declarations: list[list[int]] = []
        #: The checks whose candidates include runs of module-level statements (by index),
        #: the longest run any of them matches, and whether one matched.
        self.runs = [index for index, (_, cls) in enumerate(checks) if cls.module_run > 1]
        self.run_length = max((checks[index][1].module_run for index in self.runs), default=0)
        self.module_run = False
        #: The last top-level statements before the piece being scanned: the simple ones
        #: (making up ``Rule.previous_lines`` lines), and for runs the last few of any kind.
        self.back_lines = max((cls.previous_lines for _, cls in checks), default=0)
        self.previous: list[ast.stmt] = []
        self.tail: list[ast.stmt] = []
        self.imports = any(cls.module_imports for _, cls in checks)
        self.preamble = any(cls.module_preamble for _, cls in checks)
        #: Top-level statements that import outside a def or class (by entry index), and
        #: the entries up to the first statement after the module's preamble.
        self.importing: set[int] = set()
        self.preamble_end = -1
        self.compound: list[bool] = []  # per entry

    # -- finding candidates -----------------------------------------------------------------
    def piece(self, piece: Piece, tree: ast.Module) -> None:
        self.facts = AstFacts(tree, piece.text, tuple(self.previous))
        lines = _Lines(piece.text)
        # A check's first needle occurs inside the source of every one of its candidates, so
        # only statements whose lines hold it need their ast walked for that check.
        anchors = [lines.of(cls.needles[0]) if cls.needles else None for _, cls in self.checks]
        #: (row, check index) of each check's first needle, and the checks without needles.
        self.anchors = sorted(
            (row, index) for index, rows in enumerate(anchors) if rows is not None for row in rows
        )
        self.unanchored = {index for index, rows in enumerate(anchors) if rows is None}
        #: The node types to look at per set of checks (most statements share a few sets), and
        #: which of those checks may flag each call key.
        self._by_checks: dict[frozenset[int], dict[type[ast.AST], list[int]]] = {}
        self._by_call_key.clear()
        self.contexts = sorted(
            row for _, cls in self.checks if cls.context_needle for row in lines.of(cls.context_needle)
        )
        self.declarations.append(sorted(lines.of("global") + lines.of("nonlocal")))
        self.import_rows = lines.of("import") if self.imports else []
        index = len(self.pieces)
        self.pieces.append(piece)
        for position, statement in enumerate(tree.body):
            hidden: list[int] = []
            self.reads_back = 0
            if self._statement(statement, hidden):
                why = "candidate"
                self.module_level_candidate |= not isinstance(statement, _DEFS)
            elif self._context(statement):
                why = "context"
            else:
                why = ""
            if self.imports and self._imports(statement):
                self.importing.add(len(self.entries))
            if self.preamble:  # kept up to the first statement after the preamble
                self.preamble_end = len(self.entries)
                self.preamble = _in_preamble(statement, first=not self.entries)
            self.compound.append(isinstance(statement, COMPOUND))
            self.entries.append((index, position, why, tuple(hidden), self.reads_back))
            self.starts.append(first_row(statement) + piece.offset)
            self.lasts.append((statement.end_lineno or statement.lineno) + piece.offset)
        if self.runs:
            self._module_runs(tree)
        self.previous = _last_lines([*self.previous, *tree.body], self.back_lines)
        if self.run_length:
            self.tail = [*self.tail, *tree.body][-(self.run_length - 1) :]

    def _module_runs(self, tree: ast.Module) -> None:
        """Ask the run checks about the piece's module, and about the runs that cross the cut
        before it (the last statements before it and its first ones, no source: a ``regex:``
        on them is left undecided)."""
        windows = [(tree, self.facts)]
        if self.tail and tree.body:
            joined = ast.Module(body=[*self.tail, *tree.body[: self.run_length - 1]], type_ignores=[])
            windows.append((joined, AstFacts(joined)))
        for index in self.runs:
            check = self.checks[index][1]
            if any(check.ast_candidate(module, facts) for module, facts in windows):
                self.hit[index] = self.module_run = True

    def _statement(self, statement: ast.stmt, hidden: list[int]) -> bool:
        """Whether ``statement`` holds a candidate of any check.

        Inside a class whose candidates all sit in its methods, the other methods are
        recorded in ``hidden``: a class body's names are invisible to the methods nested in
        it.
        """
        first, last = _span(statement)
        by_type = self._types_within(first, last)
        if not by_type:
            return False
        if isinstance(statement, ast.ClassDef):
            # The class itself (a pattern rooted at a class, a run of its body's statements).
            found = direct = self._walk_node(statement, by_type)
            members: list[int] = []
            for position, member in enumerate(statement.body):
                if self._statement(member, []):
                    found = True
                    direct |= not isinstance(member, _DEFS)
                elif isinstance(member, _DEFS):
                    members.append(position)
            for part in (*statement.decorator_list, *statement.bases, *statement.keywords):
                if self._walk(part, by_type):
                    found = direct = True
            if found and not direct:
                hidden.extend(members)
            return found
        return self._walk(statement, by_type)

    def _context(self, statement: ast.stmt) -> bool:
        """Whether ``statement`` holds a node some check reads wherever it is in the file."""
        first, last = _span(statement)
        if not self.context_types or not _within(self.contexts, first, last):
            return False
        for node in walk(statement):
            if type(node) in self.context_types:
                for _, cls in self.checks:
                    if type(node) in cls.ast_context_types and cls.ast_context(node):
                        return True
        return False

    def _calling(self, indexes: list[int], key: str | None) -> list[int]:
        """The checks of ``indexes`` that may flag a call of ``key`` (a name or method), kept
        per list and key: 21 rules look at calls, and most calls are none of theirs."""
        entry = self._by_call_key.get((id(indexes), key))
        if entry is None or entry[0] is not indexes:
            kept = [
                index
                for index in indexes
                if (keys := self.checks[index][1].ast_call_keys) is None or key in keys
            ]
            entry = self._by_call_key[(id(indexes), key)] = (indexes, kept)
        return entry[1]

    def _types_within(self, first: int, last: int) -> dict[type[ast.AST], list[int]]:
        """The checks whose first needle occurs in rows ``first`` to ``last`` (and those
        without needles), by the node types they ask about."""
        start = bisect_left(self.anchors, (first, -1))
        stop = bisect_left(self.anchors, (last + 1, -1), start)
        indexes = frozenset(index for _, index in self.anchors[start:stop]) | self.unanchored
        by_type = self._by_checks.get(indexes)
        if by_type is None:
            by_type = self._by_checks[indexes] = {}
            for index in sorted(indexes):
                for node_type in self.checks[index][1].ast_types:
                    by_type.setdefault(node_type, []).append(index)
        return by_type

    def _walk(self, root: ast.AST, by_type: dict[type[ast.AST], list[int]]) -> bool:
        found = False
        for node in walk(root):
            if type(node) in by_type:
                found |= self._walk_node(node, by_type)
        return found

    def _walk_node(self, node: ast.AST, by_type: dict[type[ast.AST], list[int]]) -> bool:
        """Whether ``node`` itself is a candidate of a check (recording which)."""
        found = False
        indexes = by_type.get(type(node), ())
        if type(node) is ast.Call and indexes:
            indexes = self._calling(indexes, _call_key(node))  # type: ignore[arg-type]
        for index in indexes:
            check = self.checks[index][1]
            if check.ast_candidate(node, self.facts):
                self.hit[index] = found = True
                self.reads_back = max(self.reads_back, check.previous_lines)
        return found

    def _imports(self, statement: ast.stmt) -> bool:
        """Whether ``statement`` imports a name into the module (outside a def or class)."""
        if isinstance(statement, _DEFS):
            return False
        first, last = _span(statement)
        if not _within(self.import_rows, first, last):
            return False
        stack: list[ast.AST] = [statement]
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                return True
            if not isinstance(node, _DEFS):
                stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, _HOLDERS))
        return False

    # -- what libcst parses -----------------------------------------------------------------
    def plan(self, view: CPythonView, checks: list[Check]) -> Plan:
        # A file with a candidate: libcst parses it next, and the scope model's stand-ins for
        # what is left out are libcst nodes, so these import libcst only now.
        from perflint.rules.hidden import Summary
        from perflint.rules.patterns.queues import ast_growing

        kept = [why != "" for _, _, why, _, _ in self.entries]
        for index, (*_, back) in enumerate(self.entries):
            if back:
                self._keep_back(kept, index, back)
        if any(cls.module_imports for _, cls in checks):
            for index in self.importing:
                kept[index] = True
        if any(cls.module_preamble for _, cls in checks):
            for index in range(self.preamble_end + 1):
                kept[index] = True
        # Statements on one logical line (``a = 1; b = 2``) are one statement to libcst.
        for index in range(1, len(self.entries)):
            if self.starts[index] <= self.lasts[index - 1] and kept[index] != kept[index - 1]:
                kept[index] = kept[index - 1] = True
        for index in range(len(self.entries) - 2, -1, -1):
            if self.starts[index + 1] <= self.lasts[index] and kept[index + 1]:
                kept[index] = True
        # Without a module-level candidate, the statements left out matter only for the
        # names they bind at module level (directly or through ``global``): no counts.
        summary = Summary(counts=self.module_level_candidate)
        growth = any(cls.module_growth for _, cls in checks)
        growing: set[str] = set()
        statements: list[Statement] = []
        deep = False
        trees = view.trees()
        tree: ast.Module | None = None
        loaded = -1
        lines: list[str] = []
        after: tuple[int, str] | None = None
        for number, (piece_index, position, _, members, _) in enumerate(self.entries):
            while loaded < piece_index:
                tree = next(trees)[1]
                loaded += 1
                lines = physical_lines(self.pieces[loaded].text)
            assert tree is not None
            node = tree.body[position]
            offset = self.pieces[piece_index].offset
            summary.descend = self._descend(piece_index)
            if not kept[number]:
                summary.statement(node)
                if growth:
                    growing |= ast_growing([node])
                last = (node.end_lineno or node.lineno) + offset
                after = (last, last_block_indent(node, lines))
                continue
            facts = None
            if members:
                assert isinstance(node, ast.ClassDef)
                facts = summary.members([node.body[member] for member in members])
                if growth:
                    growing |= ast_growing(node.body[member] for member in members)
            deep = deep or deeper_than([node])
            first, last = _span(node)
            if not members and sum(map(len, lines[first - 1 : last])) <= WHOLE_AST:
                node = _outline(node)
            statements.append(Statement(node, offset, 0, members, facts, after))
            after = None
        hidden = summary.finish()
        hidden.growing = growing
        return Plan(checks, _ends(statements, self.starts, view), hidden, deep)

    def _keep_back(self, kept: list[bool], index: int, back: int) -> None:
        """Keep the ``back`` statement lines before entry ``index`` (fewer if a compound
        statement comes first: it is kept, and ends the simple lines a rule reads)."""
        lines = 0
        for before in range(index - 1, -1, -1):
            kept[before] = True
            if self.compound[before]:
                return
            if before == 0 or self.lasts[before - 1] < self.starts[before]:
                lines += 1  # ``before`` starts its line
                if lines == back:
                    return

    def _descend(self, piece_index: int) -> Callable[[ast.stmt], bool]:
        """Whether a definition (rows of piece ``piece_index``) may declare a name global."""
        rows = self.declarations[piece_index]

        def descend(node: ast.stmt) -> bool:
            first, last = _span(node)
            return _within(rows, first, last)

        return descend


def _call_key(node: ast.Call) -> str | None:
    """The name or method a call calls (``f`` of ``f(x)``, ``join`` of ``s.join(x)``)."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
