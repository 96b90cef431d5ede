"""Inline suppressions: ``# noqa``, ``# noqa: PFL101,PFL102`` and ``# perflint: ignore[PFL101]``."""

from __future__ import annotations

import re

#: ``# noqa`` with or without codes (any tool's: flake8 and ruff read the same comment).
NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
#: perflint's own directive: every entry in it is meant for perflint.
IGNORE = re.compile(r"#\s*perflint:\s*ignore\[(?P<codes>[^\]]*)\]")
#: One entry of a directive's list.
ENTRY = re.compile(r"[^\s,]+")

ALL = "*"


def suppressed_codes(line: str) -> frozenset[str]:
    """Codes a physical line suppresses; ``{"*"}`` for a bare ``# noqa``."""
    if "#" not in line:
        return frozenset()
    codes: set[str] = set()
    for match in NOQA.finditer(line):
        listed = match.group("codes")
        if listed is None:
            return frozenset({ALL})
        codes.update(code.upper() for code in ENTRY.findall(listed))
    for match in IGNORE.finditer(line):
        codes.update(code.upper() for code in ENTRY.findall(match.group("codes")))
    return frozenset(codes)


def is_suppressed(code: str, name: str, line: str) -> bool:
    codes = suppressed_codes(line)
    return ALL in codes or code in codes or name.upper() in codes
