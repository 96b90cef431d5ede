"""Inline suppressions: ``# noqa``, ``# noqa: PFL101,PFL102`` and ``# perflint: ignore[PFL101]``."""

from __future__ import annotations

import re

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_IGNORE = re.compile(r"#\s*perflint:\s*ignore\[(?P<codes>[^\]]*)\]")
_SPLIT = re.compile(r"[\s,]+")

ALL = "*"


def suppressed_codes(line: str) -> frozenset[str]:
    """Codes a physical line suppresses; ``{"*"}`` for a bare ``# noqa``."""
    if "#" not in line:
        return frozenset()
    codes: set[str] = set()
    for match in _NOQA.finditer(line):
        listed = match.group("codes")
        if listed is None:
            return frozenset({ALL})
        codes.update(code.upper() for code in _SPLIT.split(listed) if code)
    for match in _IGNORE.finditer(line):
        codes.update(code.strip().upper() for code in _SPLIT.split(match.group("codes")) if code)
    return frozenset(codes)


def is_suppressed(code: str, name: str, line: str) -> bool:
    codes = suppressed_codes(line)
    return ALL in codes or code in codes or name.upper() in codes
