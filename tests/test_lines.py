"""Rows as perflint counts them agree with CPython's and libcst's, whatever the line breaks, and
fixes land on the text they were made for."""

from __future__ import annotations

import ast
import itertools

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from perflint import Settings, lint_source
from perflint.text.lines import blank_rows, split_lines

BREAKS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
#: Characters str.splitlines() breaks at but Python source does not.
NOT_BREAKS = {
    "ff": "\x0c",
    "vt": "\x0b",
    "fs": "\x1c",
    "gs": "\x1d",
    "rs": "\x1e",
    "nel": "\x85",
    "ls": "\u2028",
    "ps": "\u2029",
}
#: Every pair of line breaks, as (first, second).
BOTH_BREAKS = pytest.mark.parametrize(
    ("first", "second"),
    list(itertools.product(BREAKS.values(), repeat=2)),
    ids=[f"{a}-{b}" for a, b in itertools.product(BREAKS, repeat=2)],
)
PFL102 = Settings(select=("PFL102",), fix=True)


def _row_of_target(source: str) -> tuple[int, int, int]:
    """The row of the name ``target`` as CPython, libcst and perflint's lines count it."""
    cpython = next(
        node.lineno for node in ast.walk(ast.parse(source)) if getattr(node, "id", "") == "target"
    )
    positions = MetadataWrapper(cst.parse_module(source)).resolve(PositionProvider)
    libcst = next(
        position.start.line
        for node, position in positions.items()
        if isinstance(node, cst.Name) and node.value == "target"
    )
    ours = next(row for row, line in enumerate(split_lines(source), 1) if "target =" in line)
    return cpython, libcst, ours


@pytest.mark.parametrize("where", ["comment", "string"])
@pytest.mark.parametrize("char", NOT_BREAKS.values(), ids=NOT_BREAKS.keys())
@pytest.mark.parametrize("newline", BREAKS.values(), ids=BREAKS.keys())
def test_characters_that_are_not_line_breaks(newline: str, char: str, where: str) -> None:
    line = f"# a{char}b" if where == "comment" else f"s = 'a{char}b'"
    source = newline.join(["x = 1", line, "y = (1 +", "  2)", "target = 3", ""])
    assert _row_of_target(source) == (5, 5, 5)


@BOTH_BREAKS
def test_backslash_continuations_and_mixed_breaks(first: str, second: str) -> None:
    source = f"x = 1 + \\{first}    2{second}{second}y = [1,{first}2]{second}target = 3{second}"
    assert _row_of_target(source) == (6, 6, 6)


@BOTH_BREAKS
def test_blanking_keeps_the_row_count(first: str, second: str) -> None:
    text = f"a{first}b{second}{second}c{first}{second}d"
    rows = len(split_lines(text))
    for ranges in ([(1, 1)], [(2, 3)], [(1, 4)], [(2, 2), (4, 4)], [(3, 5)]):
        blanked = blank_rows(text, ranges)
        assert len(split_lines(blanked)) == rows, (ranges, blanked)
        kept = [row for row in range(1, rows + 1) if not any(f <= row <= l for f, l in ranges)]
        for row in kept:
            assert split_lines(blanked)[row - 1] == split_lines(text)[row - 1]


@pytest.mark.parametrize("newline", BREAKS.values(), ids=BREAKS.keys())
@pytest.mark.parametrize("continuation", BREAKS.values(), ids=BREAKS.keys())
def test_fix_after_a_blanked_function_with_a_continuation(continuation: str, newline: str) -> None:
    """The prefilter blanks ``helper`` (no candidate in it); a lone CR there once merged with
    the next blanked row's LF into one CRLF, so every edit after it landed one row early."""
    lines = [
        "def helper():",
        f"    total = 1 + \\{continuation}        2",
        "    return total",
        "",
        "def keys():",
        "    d = {}",
        "    x = 'a string and more'",
        "    for k in d.keys():",
        "        print(k)",
        "",
    ]
    source = newline.join(lines)
    compile(source, "t.py", "exec")
    result = lint_source(source, "t.py", PFL102)
    assert result.error is None and result.dropped_fixes == ()
    assert result.fixed == 1
    assert result.fixed_source == source.replace("d.keys()", "d")


@pytest.mark.parametrize("char", NOT_BREAKS.values(), ids=NOT_BREAKS.keys())
def test_a_backslash_before_a_character_that_is_not_a_break_is_an_error_everywhere(char: str) -> None:
    """No parser takes these as a continuation, so no row can be counted two ways."""
    source = f"d = {{}}\nx = 1 + \\{char}\n    2\nfor k in d.keys():\n    pass\n"
    with pytest.raises(SyntaxError):
        compile(source, "t.py", "exec")
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(source)
    result = lint_source(source, "t.py", PFL102)
    assert result.error is not None and result.fixed == 0 and result.fixed_source == source
