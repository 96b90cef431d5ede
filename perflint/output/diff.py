"""``--diff``: a unified diff of every file the fixes would change.

The code lines are as in the files (the CLI writes the diff through ``safe_output``, which
escapes only what would drive a terminal); the file names in the headers are made printable,
since a name with a line break cannot be written in a unified diff header anyway."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from perflint.output.printable import printable
from perflint.types import FileResult

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def file_diff(path: str, before: str, after: str) -> str:
    out = []
    name = printable(path)
    for line in difflib.unified_diff(_lines(before), _lines(after), fromfile=name, tofile=name):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def unified_diff(results: Sequence[FileResult]) -> str:
    """The diffs of all results whose fixes change their text, in result order."""
    return "".join(
        file_diff(result.path, result.original_source, result.fixed_source)
        for result in results
        if result.original_source is not None
        and result.fixed_source is not None
        and result.fixed_source != result.original_source
    )
