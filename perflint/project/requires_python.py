"""A project's ``requires-python`` as a target version: the lowest CPython it allows."""

from __future__ import annotations

import re
from collections.abc import Sequence

from perflint.types import PYTHON_VERSIONS

_CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*v?(\d+(?:\.\d+)*)(\.\*)?\s*$")


def _pad(parts: Sequence[int], size: int = 3) -> tuple[int, ...]:
    return tuple(parts[:size]) + (0,) * (size - len(parts[:size]))


def _clause_allows(
    operator: str, release: tuple[int, ...], wildcard: bool, version: tuple[int, ...]
) -> bool:
    if wildcard:
        same = version[: len(release)] == release
        return same if operator in ("==", "===") else not same if operator == "!=" else False
    bound = _pad(release)
    if operator == "~=":
        prefix = release[:-1] if len(release) > 1 else release
        return version >= bound and version[: len(prefix)] == prefix
    return {
        "==": version == bound,
        "===": version == bound,
        "!=": version != bound,
        ">=": version >= bound,
        "<=": version <= bound,
        ">": version > bound,
        "<": version < bound,
    }[operator]


def target_from_requires_python(spec: str) -> str | None:
    """The lowest target version that ``requires-python`` allows, clamped to perflint's range.

    ``">=3.11"`` -> ``"py311"``; ``">=3.7"`` -> ``"py38"``.  None when the specifier cannot be
    read or allows no CPython 3 at all.
    """
    clauses = []
    for text in spec.split(","):
        match = _CLAUSE.match(text)
        if match is None:
            return None
        operator, release, wildcard = match.groups()
        if wildcard and operator not in ("==", "!=", "==="):
            return None
        clauses.append((operator, tuple(int(part) for part in release.split(".")), bool(wildcard)))
    for minor in range(0, 40):
        # A minor version is allowed when any of its patch releases satisfies every clause.
        if any(
            all(_clause_allows(op, rel, wild, (3, minor, patch)) for op, rel, wild in clauses)
            for patch in range(0, 40)
        ):
            lowest, highest = (
                version_minor(PYTHON_VERSIONS[0]),
                version_minor(PYTHON_VERSIONS[-1]),
            )
            return f"py3{min(max(minor, lowest), highest)}"
    return None


def version_minor(target: str) -> int:
    return int(target[3:])
