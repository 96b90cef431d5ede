"""Rows and columns as perflint counts them.

A line ends at ``\\r\\n``, ``\\r`` or ``\\n`` and nowhere else, as CPython's tokenizer and
libcst count; ``str.splitlines`` also breaks at form feeds, ``\\v``, ``\\x1c``-``\\x1e``,
``\\x85``, ``\\u2028`` or ``\\u2029``, which would shift every row after one.  Whatever edits the
text must keep that count: removing what stands between a lone ``\\r`` and a ``\\n`` turns two
line breaks into one ``\\r\\n``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from perflint.types import Edit, Location

LINE_BREAK = re.compile(r"\r\n?|\n")
#: One line with its line break (the last line may have none).
LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their line breaks (row ``n`` is item ``n - 1``)."""
    return LINE_BREAK.split(text)


@lru_cache(maxsize=8)
def lines_of(text: str) -> tuple[str, ...]:
    """``split_lines(text)``, computed once per text: reporters ask for every finding of a
    file (a string's hash is cached, and the same string compares equal at once)."""
    return tuple(split_lines(text))


@lru_cache(maxsize=8)
def offsets_of(text: str) -> tuple[int, ...]:
    """``line_offsets(text)``, computed once per text (see ``lines_of``)."""
    return tuple(line_offsets(text))


def physical_lines(text: str) -> list[str]:
    """The lines of ``text`` with their line breaks: ``"".join`` gives ``text`` back."""
    return LINE.findall(text)


def line_offsets(text: str) -> list[int]:
    """The offset in ``text`` at which each row starts."""
    return [0] + [match.end() for match in LINE_BREAK.finditer(text)]


def offset(offsets: Sequence[int], location: Location) -> int:
    """``location`` (1-based row and column) as an offset, given ``line_offsets`` of the text."""
    return offsets[location.row - 1] + location.column - 1


def blank_rows(text: str, ranges: Sequence[tuple[int, int]]) -> str:
    """``text`` with the rows of each (first, last) range (1-based, inclusive) reduced to their
    line breaks, so every other row keeps its number and columns.

    A row that would start with ``\\n`` right after a lone ``\\r`` keeps one space: the two
    breaks would otherwise read as one ``\\r\\n`` and every later row would move up by one."""
    lines = LINE.findall(text)
    for first, last in ranges:
        for index in range(first - 1, min(last, len(lines))):
            line = lines[index]
            lines[index] = line[len(line.rstrip("\r\n")) :]
    for index in range(1, len(lines)):
        if lines[index].startswith("\n") and lines[index - 1].endswith("\r"):
            lines[index] = " " + lines[index]
    return "".join(lines)


def edited(
    text: str, offsets: Sequence[int], edits: Sequence[Edit], start: int, end: int
) -> str:
    """``text[start:end]`` with ``edits`` (inside it, not overlapping) applied; ``offsets``
    are the text's ``line_offsets``."""
    spans = sorted(
        (offset(offsets, edit.start), offset(offsets, edit.end), edit.content) for edit in edits
    )
    pieces = []
    cursor = start
    for edit_start, edit_end, content in spans:
        pieces += [text[cursor:edit_start], content]
        cursor = edit_end
    return "".join([*pieces, text[cursor:end]])
