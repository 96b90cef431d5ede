"""Plain data shared by every part of perflint: findings, fixes, rule specs, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Applicability = Literal["safe", "unsafe"]

#: Target versions perflint understands, lowest first.
PYTHON_VERSIONS: tuple[str, ...] = ("py310", "py311", "py312", "py313")


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and a 1-based column counted in characters (ruff's convention)."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` (exclusive) with ``content``."""

    start: Location
    end: Location
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Explanation:
    """Bytecode of the flagged code beside bytecode of its rewrite."""

    interpreter: str  # e.g. "CPython 3.12.1"
    source: Literal["finding", "rule-example"]
    slow_code: str
    fast_code: str
    slow_bytecode: tuple[str, ...]
    fast_bytecode: tuple[str, ...]
    diff: tuple[str, ...]
    slow_per_iteration: int | None
    fast_per_iteration: int | None
    #: The counted loop body branches: the counts follow its longest path.
    per_iteration_branches: bool = False


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    path: str
    start: Location
    end: Location
    fix: Fix | None = None
    fix_title: str | None = None
    #: Source text of the flagged node and of its rewrite, for explanations.
    flagged_code: str | None = None
    rewritten_code: str | None = None
    #: Names the flagged code reads that are the builtins (not shadowed where it stands).
    builtins: tuple[str, ...] = ()
    explanation: Explanation | None = None
    url: str | None = None
    #: Dotted name of the enclosing functions and classes ("" at module level).
    context: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.row, self.start.column, self.code)


@dataclass(frozen=True)
class FileResult:
    """What linting one file produced. A file that could not be read or parsed has ``error``."""

    path: str
    findings: tuple[Finding, ...] = ()
    error: Finding | None = None
    #: Number of fixes applied (with --fix or --diff) and the text they produced.
    fixed: int = 0
    original_source: str | None = None
    fixed_source: str | None = None
    #: Fixes that were dropped because the result would not compile.
    dropped_fixes: tuple[str, ...] = ()
    #: Warnings about how the file was read (e.g. CPython could not parse it: newer syntax?).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    slow: str
    fast: str
    #: Optional timing harness for ``perflint explain --measure``: code run once, then timed.
    setup: str | None = None
    stmt: str | None = None


@dataclass(frozen=True)
class InvalidCase:
    code: str
    fixed: str | None = None
    applicability: Applicability | None = None


@dataclass(frozen=True)
class RuleSpec:
    """A rule as declared in its YAML file under ``rules/``."""

    code: str
    name: str
    message: str
    fix_title: str
    why: str
    examples: tuple[Example, ...]
    valid: tuple[str, ...]
    invalid: tuple[InvalidCase, ...]
    fix_safety: str
    python: tuple[str, ...]
    tags: tuple[str, ...]
    references: tuple[str, ...]
    check: str
    source_file: Path = field(compare=False)
    #: Free-form measured speed-ups, e.g. {"py312": "1.21x"}; filled from benchmarks.
    speedup: dict[str, str] = field(default_factory=dict, compare=False)

    def applies_to(self, target: str) -> bool:
        return target in self.python


def current_target() -> str:
    import sys

    minor = min(max(sys.version_info[1], 10), 13)
    return f"py3{minor}"


@dataclass(frozen=True)
class Settings:
    """How to lint: which rules, for which CPython, and whether to fix."""

    select: tuple[str, ...]  # rule codes enabled
    target_version: str = field(default_factory=current_target)
    fix: bool = False
    unsafe_fixes: bool = False
    #: Compute fixes but write nothing (``--diff``).
    diff: bool = False
    #: Skip files and rules that the text/ast prefilter proves cannot fire.
    prefilter: bool = True
