"""Decide, before libcst runs, which checks can fire and which code libcst must see.

libcst's parser is the dominant cost of a run (about 6x CPython's C parser), so:

1. a text scan drops checks whose ``needles`` do not occur in the file;
2. one walk of the C ``ast`` asks each remaining check's ``ast_candidate`` about the nodes it
   cares about, statement by top-level statement;
3. top-level ``def``/``class`` statements holding no candidate are blanked out (replaced by
   empty lines, so every line and column stays where it was) before libcst parses the text.
   What they would have told the scope model (the names they bind at module level, the names
   they declare ``global``/``nonlocal``) is handed to the ``ScopeTracker`` instead.

Blanking happens only when every candidate sits inside a top-level ``def``/``class``: a
module-level candidate may need to know how names are used anywhere in the file.
Both steps must be sound (never lose a finding); ``tests/test_prefilter.py`` checks that the
findings over real code are identical with and without this module.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from perflint.lines import blank_rows
from perflint.rule import AstFacts, Rule
from perflint.types import RuleSpec

Check = tuple[RuleSpec, type[Rule]]

_BREAK = re.compile(r"\r\n?|\n")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def identifiers(tree: ast.AST) -> frozenset[str]:
    """Every identifier a variable of the file could be named: names, definitions, arguments,
    imports, handlers, declarations and match captures."""
    found: set[str] = set()
    for node in ast.walk(tree):
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
class Plan:
    """What to run on a file and what libcst has to parse."""

    checks: list[Check]
    #: The text libcst parses: the file itself, or the file with statements blanked out.
    source: str
    #: Module-level names bound by blanked statements (``def``/``class`` names, globals).
    hidden_bindings: dict[str, str] = field(default_factory=dict)
    #: Names declared ``global``/``nonlocal`` inside blanked statements.
    hidden_declared: frozenset[str] = frozenset()
    #: The text libcst would parse nests deeper than ``MAX_DEPTH``.
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


class _Lines:
    """Line numbers of text occurrences, and whether a statement's lines hold one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = [0] + [match.end() for match in _BREAK.finditer(source)]

    def of(self, word: str) -> list[int]:
        found = []
        at = self.source.find(word)
        while at != -1:
            found.append(bisect_right(self.starts, at))
            at = self.source.find(word, at + len(word))
        return found


def _within(lines: list[int], first: int, last: int) -> bool:
    index = bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def _span(statement: ast.stmt) -> tuple[int, int]:
    first = statement.lineno
    if isinstance(statement, _DEFS) and statement.decorator_list:
        first = min(first, *(decorator.lineno for decorator in statement.decorator_list))
    return first, statement.end_lineno or statement.lineno


def plan(source: str, tree: ast.AST | None, checks: Sequence[Check], prefilter: bool = True) -> Plan:
    """The checks that could fire on ``source`` and the smallest text libcst must parse.

    With ``prefilter=False``: every check, and the whole file.
    """
    if not prefilter or not isinstance(tree, ast.Module):
        checks = list(checks) if not prefilter else _with_needles(source, checks)
        deep = checks != [] and isinstance(tree, ast.Module) and deeper_than(tree.body)
        return Plan(checks, source, too_deep=deep)
    checks = _with_needles(source, checks)
    if not checks:
        return Plan(checks, source)
    scan = _Scan(source, tree, checks)
    module_level_candidate = False
    for statement in tree.body:
        if scan.statement(statement):
            module_level_candidate |= not isinstance(statement, _DEFS)
        elif isinstance(statement, _DEFS):
            scan.hide(statement, module_level=True)
    # Several module-level statements in a row are matched in the module's own block, which
    # no top-level statement holds.
    for index, (_, cls) in enumerate(checks):
        if ast.Module in cls.ast_types and cls.ast_candidate(tree, scan.facts):
            scan.hit[index] = module_level_candidate = True
    checks = [check for check, keep in zip(checks, scan.hit) if keep]
    if not checks:
        return Plan(checks, source)
    if module_level_candidate or not scan.blank:
        return Plan(checks, source, too_deep=deeper_than(tree.body))
    blanked = {first for first, _ in scan.blank}
    kept = [statement for statement in tree.body if _span(statement)[0] not in blanked]
    return Plan(
        checks,
        blank_rows(source, scan.blank),
        scan.hidden_bindings,
        frozenset(scan.hidden_declared),
        too_deep=deeper_than(kept),
    )


def _with_needles(source: str, checks: Sequence[Check]) -> list[Check]:
    return [check for check in checks if all(needle in source for needle in check[1].needles)]


class _Scan:
    """One pass over the statements that may hold candidates; the rest is only located."""

    def __init__(self, source: str, tree: ast.Module, checks: Sequence[Check]) -> None:
        self.checks = checks
        self.facts = AstFacts(tree, source)
        lines = _Lines(source)
        # A check's first needle occurs inside the source of every one of its candidates, so
        # only statements whose lines hold it need their ast walked for that check.
        self.anchors = [lines.of(cls.needles[0]) if cls.needles else None for _, cls in checks]
        self.declarations = sorted(lines.of("global") + lines.of("nonlocal"))
        self.hit = [False] * len(checks)
        self.blank: list[tuple[int, int]] = []
        self.hidden_bindings: dict[str, str] = {}
        self.hidden_declared: set[str] = set()

    def statement(self, statement: ast.stmt) -> bool:
        """Whether ``statement`` holds a candidate of any check.

        Inside a class whose candidates all sit in its methods, the other methods are
        blanked too: a class body's names are invisible to the methods nested in it.
        """
        first, last = _span(statement)
        by_type = self._types_within(first, last)
        if not by_type:
            return False
        if isinstance(statement, ast.ClassDef):
            found = False
            direct = False
            hidden: list[ast.stmt] = []
            for member in statement.body:
                if self.statement(member):
                    found = True
                    direct |= not isinstance(member, _DEFS)
                elif isinstance(member, _DEFS):
                    hidden.append(member)
            for part in (*statement.decorator_list, *statement.bases, *statement.keywords):
                if self._walk(part, by_type):
                    found = direct = True
            if found and not direct:
                for member in hidden:
                    self.hide(member, module_level=False)
            return found
        return self._walk(statement, by_type)

    def hide(self, statement: ast.stmt, module_level: bool) -> None:
        """Blank out a definition that holds no candidate, keeping what it tells the scopes."""
        assert isinstance(statement, _DEFS)
        first, last = _span(statement)
        self.blank.append((first, last))
        if module_level:
            self.hidden_bindings[statement.name] = _kind(statement)
        if _within(self.declarations, first, last):
            declared: set[str] = set()
            stored: set[str] = set()
            for node in ast.walk(statement):
                if isinstance(node, (ast.Global, ast.Nonlocal)):
                    declared.update(node.names)
                elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    stored.add(node.id)
            self.hidden_declared |= declared
            for name in stored & declared:
                self.hidden_bindings.setdefault(name, "global")

    def _types_within(self, first: int, last: int) -> dict[type[ast.AST], list[int]]:
        by_type: dict[type[ast.AST], list[int]] = {}
        for index, found in enumerate(self.anchors):
            if found is None or _within(found, first, last):
                for node_type in self.checks[index][1].ast_types:
                    by_type.setdefault(node_type, []).append(index)
        return by_type

    def _walk(self, root: ast.AST, by_type: dict[type[ast.AST], list[int]]) -> bool:
        found = False
        for node in ast.walk(root):
            for index in by_type.get(type(node), ()):
                if self.checks[index][1].ast_candidate(node, self.facts):
                    self.hit[index] = found = True
        return found


def _kind(statement: ast.stmt) -> str:
    return "class" if isinstance(statement, ast.ClassDef) else "def"
