"""CPython's verdict on a source text, read a piece at a time so that memory stays bounded.

``ast.parse`` of a whole file holds every node of it as a Python object at once (about 80 MB
per MB of the standard library, 190 MB per MB of small functions), and ``compile`` needs the
whole file's C tree. So the text is cut before lines that can only begin a top-level
statement, into pieces of about ``PIECE_SIZE`` characters, and CPython reads each piece
alone: ``ast.parse`` when the prefilter needs the tree, and ``compile`` always, for the
errors only the compiler reports (``return`` outside a function, ``nonlocal`` at module
level, misplaced ``from __future__`` imports, ...).

A cut in the wrong place always makes the piece before it fail: inside brackets or a string
it leaves them open, after a backslash the line is still continued, between a decorator and
its ``def`` the decorator dangles, and clause keywords (``else``, ``except``, ...) are never
cut before. A piece that fails is extended (to twice its size, again and again) until it
parses or reaches the end of the text. So every piece that parses ends where a top-level
statement ends, CPython sees the very statements it sees in the whole file, and a syntax
error is reported where and as the whole file's parse reports it.

Two rules of the compiler span pieces: a ``from __future__`` import must open the file, and a
module-level ``global`` must precede every use of its names; the first is checked here, the
second by compiling the whole text in the rare file that needs it.
"""

from __future__ import annotations
import __future__

import ast
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from perflint.text.lines import LINE_BREAK

#: Characters per piece: ``ast.parse`` of this much code holds some 10-50 MB of nodes.
PIECE_SIZE = 128_000
#: Up to this many characters the pieces' trees are kept for a second look (some 20-60 MB);
#: beyond, they are parsed again when needed, so a large file never holds all of its tree.
RETAIN = 300_000

#: Before a line that begins with a name (not a clause keyword) or a decorator.
_CUT = re.compile(
    r"(?:(?<=\n)|(?<=\r)(?!\n))(?=[^\W\d]|@)(?!(?:else|elif|except|finally|case)\b)"
)
_LINE_MENTION = re.compile(r"\b(line |lines )(\d+)")
_FUTURE_FLAGS = {
    name: getattr(__future__, name).compiler_flag for name in __future__.all_feature_names
}


@dataclass(frozen=True)
class Piece:
    """Consecutive top-level statements of the text (or all of it), as CPython read them."""

    #: Row (1-based) of the piece's first line in the whole text.
    first_row: int
    text: str

    @property
    def offset(self) -> int:
        """What to add to a row of the piece to get its row in the whole text."""
        return self.first_row - 1


@dataclass(frozen=True)
class Rejection:
    """CPython refuses the text: its message, at a 1-based row and column of the whole text."""

    message: str
    row: int
    column: int
    #: CPython gives up on the nesting (a ``RecursionError``) rather than finding an error.
    too_deep: bool = False


class CPythonView:
    """The text in pieces that CPython accepted, or why it did not."""

    def __init__(
        self,
        path: str,
        pieces: list[Piece],
        trees: list[ast.Module] | None,
        rejection: Rejection | None,
        flags: int,
        ast_too_deep: bool,
    ) -> None:
        self.path = path
        self.pieces = pieces
        self._trees = trees
        self.rejection = rejection
        self.flags = flags
        #: CPython compiles the text, but its ``ast`` objects nest deeper than Python allows.
        self.ast_too_deep = ast_too_deep

    def trees(self) -> Iterator[tuple[Piece, ast.Module]]:
        """Each piece with its ``ast`` (kept from the first reading, or parsed again)."""
        if self._trees is not None:
            yield from zip(self.pieces, self._trees)
            return
        for piece in self.pieces:
            yield piece, _ast(piece.text, self.path, self.flags)


def _ast(text: str, path: str, flags: int) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        tree = compile(text, path, "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    return tree


def _compile(code: str | ast.Module, path: str, flags: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(code, path, "exec", flags, dont_inherit=True)


class _Failure(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.message)
        self.rejection = rejection


def _rejection(error: BaseException, offset: int, text: str) -> Rejection:
    """``error`` from ``text``, a piece starting after ``offset`` rows, in rows of the whole
    text."""
    if isinstance(error, (RecursionError, MemoryError)):
        return Rejection("", 1 + offset, 1, too_deep=True)
    if isinstance(error, SyntaxError):
        if error.lineno is None and "\0" in text:
            return _rejection(ValueError(error.msg), offset, text)
        message = error.msg or str(error)
        # "'(' was never closed", "... (detected at line 12)", "... on line 3": piece rows.
        message = _LINE_MENTION.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + offset}", message)
        return Rejection(
            f"{type(error).__name__}: {message}",
            (error.lineno or 1) + offset,
            max(error.offset or 1, 1),
        )
    # ValueError: NUL bytes (3.11 says no more, and no row).
    before = text[: max(text.find("\0"), 0)]
    row = 1 + offset + sum(1 for _ in LINE_BREAK.finditer(before))
    return Rejection(f"SyntaxError: {error}", row, 1)


def _read_piece(
    text: str, path: str, flags: int, want_ast: bool
) -> tuple[ast.Module | None, bool]:
    """The piece's tree (if wanted) and whether its ``ast`` was too deep; raises what CPython
    raises when it rejects the piece."""
    if not want_ast:
        _compile(text, path, flags)
        return None, False
    try:
        tree = _ast(text, path, flags)
    except (RecursionError, MemoryError):
        _compile(text, path, flags)  # CPython itself may accept it: then it is perflint's limit
        return None, True
    try:
        _compile(tree, path, flags)  # no second parse
    except (RecursionError, MemoryError):
        _compile(text, path, flags)  # converting a deep tree back to C recurses in Python
    return tree, False


def _is_future(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for statement in tree.body:
        if _is_future(statement):
            assert isinstance(statement, ast.ImportFrom)
            for alias in statement.names:
                flags |= _FUTURE_FLAGS.get(alias.name, 0)
        elif not _is_docstring(statement) or statement is not tree.body[0]:
            break
    return flags


def _module_level_global(tree: ast.Module) -> bool:
    """A ``global`` statement outside every function and class (its check spans pieces)."""
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        statement = stack.pop()
        if isinstance(statement, ast.Global):
            return True
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            stack.extend(getattr(statement, field, ()))
        for part in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
            stack.extend(part.body)
    return False


class _Reader:
    """Reads the text piece by piece (see the module docstring)."""

    def __init__(self, source: str, path: str, want_ast: bool) -> None:
        self.source = source
        self.path = path
        self.want_ast = want_ast
        self.pieces: list[Piece] = []
        self.trees: list[ast.Module] = []
        self.flags = 0
        self.ast_too_deep = False
        #: Everything so far is a docstring and ``from __future__`` imports.
        self.future_allowed = True
        self.whole_needed = False
        self.retain = want_ast and len(source) <= RETAIN

    def _cut_at_or_after(self, position: int) -> int:
        if position >= len(self.source):
            return len(self.source)
        found = _CUT.search(self.source, position)
        return found.start() if found else len(self.source)

    def read(self) -> CPythonView:
        start, row = 0, 1
        rejection: Rejection | None = None
        while start < len(self.source) or not self.pieces:
            size = PIECE_SIZE
            while True:
                end = self._cut_at_or_after(start + size)
                text = self.source[start:end]
                try:
                    tree, too_deep = _read_piece(text, self.path, self.flags, self.want_ast)
                    break
                except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
                    if end >= len(self.source):
                        rejection = _rejection(error, row - 1, text)
                        break
                    size *= 2  # maybe cut inside a statement: read on to the next cut
            if rejection is not None:
                break
            piece = Piece(row, text)
            try:
                self._accept(piece, tree, too_deep)
            except _Failure as failure:
                rejection = failure.rejection
                break
            start = end
            row += sum(1 for _ in LINE_BREAK.finditer(text))
        if rejection is None and self.whole_needed:
            try:
                _compile(self.source, self.path, self.flags)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
                rejection = _rejection(error, 0, self.source)
        return CPythonView(
            self.path,
            self.pieces,
            self.trees if self.retain and not self.ast_too_deep else None,
            rejection,
            self.flags,
            self.ast_too_deep,
        )

    def _accept(self, piece: Piece, tree: ast.Module | None, too_deep: bool) -> None:
        """Record a piece CPython read alone, with the checks that span pieces."""
        first = not self.pieces
        self.ast_too_deep |= too_deep
        # A later ``from __future__`` import is legal only after a lone docstring: the first
        # piece's statements tell.
        needs_tree = "__future__" in (self.source if first else piece.text) or (
            not first and "global" in piece.text
        )
        if tree is None and needs_tree and not too_deep:
            tree = _ast(piece.text, self.path, self.flags)
        if tree is not None:
            if first:
                self.flags = _future_flags(tree)
            self._check_future(tree, piece, first)
            if not first and "global" in piece.text and _module_level_global(tree):
                self.whole_needed = True
        elif not first and "global" in piece.text:
            self.whole_needed = True
        elif tree is None and piece.text.strip():
            self.future_allowed = False
        self.pieces.append(piece)
        if self.retain and tree is not None:
            self.trees.append(tree)

    def _check_future(self, tree: ast.Module, piece: Piece, first: bool) -> None:
        for index, statement in enumerate(tree.body):
            if _is_future(statement):
                if not self.future_allowed:
                    raise _Failure(
                        Rejection(
                            "SyntaxError: from __future__ imports must occur at the beginning"
                            " of the file",
                            statement.lineno + piece.offset,
                            statement.col_offset + 1,
                        )
                    )
            elif not (first and index == 0 and _is_docstring(statement)):
                self.future_allowed = False


def read(source: str, path: str, *, want_ast: bool) -> CPythonView:
    """CPython's verdict on ``source`` and, with ``want_ast``, its ``ast`` piece by piece."""
    return _Reader(source, path, want_ast).read()
