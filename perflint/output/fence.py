"""Markdown code fences that the code inside cannot close: one backtick longer than the
code's longest run of backticks (at least three)."""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")


def fence(code: str, language: str = "") -> list[str]:
    """``code`` in a fence, as it is (a ``suggestion`` block must hold the exact replacement)."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    marker = "`" * max(3, longest + 1)
    return [f"{marker}{language}", *code.rstrip("\n").splitlines(), marker]
