"""Plain data shared by every part of perflint: findings, fixes, rule specs, results, and the
performance diff (what compiling one version of a file gives and what comparing two finds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Applicability = Literal["safe", "unsafe"]

#: Files larger than this many bytes are skipped unless ``max-file-size`` says otherwise.
DEFAULT_MAX_FILE_SIZE = 5_000_000

#: Target versions perflint understands, lowest first. perflint itself runs on 3.10+; code
#: for 3.8 and 3.9 (legacy codebases) is linted with the rules measured faster there.
PYTHON_VERSIONS: tuple[str, ...] = ("py38", "py39", "py310", "py311", "py312", "py313")


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and a 1-based column counted in characters (ruff's convention)."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` (exclusive) with ``content``.

    ``original`` is the text found there when the finding was made; a fix is applied only
    where the text still reads exactly so (an edit for other text is dropped, not applied)."""

    start: Location
    end: Location
    content: str
    original: str = ""


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
    #: Instructions outside the counted loop's body (all code objects of the listing): where
    #: a rewrite saves work once per run of the loop, not per iteration (PFL104's copy).
    slow_outside_loop: int | None = None
    fast_outside_loop: int | None = None
    #: The rule's recorded speed-ups on this interpreter's version (one figure per example,
    #: "1.28x / 1.70x") and that version ("py311"); None where none is recorded.
    speedup: str | None = None
    speedup_target: str | None = None


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

    def fixable(self, unsafe: bool) -> bool:
        """True when ``--fix`` fixes this finding: a safe fix, or any fix with ``--unsafe-fixes``."""
        return self.fix is not None and (self.fix.applicability == "safe" or unsafe)


@dataclass(frozen=True)
class FileResult:
    """What linting one file produced. A file that could not be read or parsed has ``error``;
    a file left out on purpose (over ``max-file-size``) has ``skipped``, and nothing else."""

    path: str
    findings: tuple[Finding, ...] = ()
    error: Finding | None = None
    #: The text the findings' rows and columns refer to (after --fix/--diff, the fixed text;
    #: if the fixes could not be written, the text as read); None if nothing could be read, or
    #: (from ``lint_paths``) if nothing refers to it. Reporters show lines of it: no file is
    #: read twice, so none can show something else.
    source: str | None = None
    #: Why the file was not linted at all (e.g. "12.3 MB is over max-file-size (5 MB): not
    #: read"); a skipped file has no findings and no error, and does not change the exit code.
    skipped: str | None = None
    #: Number of fixes applied (with --fix or --diff) and the text they produced.
    fixed: int = 0
    #: The rule (code, name) of each fix applied, for ``--show-fixes``.
    fixes: tuple[tuple[str, str], ...] = ()
    #: ``# noqa`` directives ``--add-noqa`` added (or extended) in the file.
    noqa_added: int = 0
    original_source: str | None = None
    fixed_source: str | None = None
    #: Fixes that were dropped: the result would not compile, or the text they replace was
    #: not found where they point.
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
    #: The check class (``module.Class`` in ``perflint.rules.checks``); None for a pure pattern rule.
    check: str | None
    source_file: Path = field(compare=False)
    #: Free-form measured speed-ups, e.g. {"py312": "1.21x"}; filled from benchmarks.
    speedup: dict[str, str] = field(default_factory=dict, compare=False)
    #: A pattern rule's patterns, conditions and fix (None for a rule that is a check).
    pattern: PatternSpec | None = None
    #: Why the fix is (un)safe, in prose, where ``fix_safety`` is the word ``safe``/``unsafe``.
    fix_safety_why: str | None = None
    #: The oldest target the rule (its fix) is valid for, e.g. "py310" for ``int.bit_count``.
    min_python: str | None = None
    #: What the rule flags in a few plain words, no placeholders (SARIF's descriptions, the
    #: rule table, the docs page); the loader fills it from the name when a file has none.
    title: str = ""
    #: False for a rule that runs only when selected (``enabled-by-default: false``).
    default_enabled: bool = True

    @property
    def applicability(self) -> Applicability:
        """A pattern rule's ``fix-safety`` as an applicability (``none`` rules offer no fix)."""
        return "safe" if self.fix_safety == "safe" else "unsafe"

    def applies_to(self, target: str) -> bool:
        if self.min_python is not None and version_order(target) < version_order(self.min_python):
            return False
        return target in self.python


@dataclass(frozen=True)
class Alternative:
    """One pattern of a pattern rule (``pattern:``, or an item of ``any:``), with what it
    overrides or adds: its own ``fix``, ``fix-safety`` and ``safe-when``, and ``where``
    conditions that add to the rule's."""

    pattern: str
    fix: str | None = None
    fix_safety: str | None = None
    #: ``where:`` and ``safe-when:`` as written (compiled with the patterns).
    where: object = field(default=None, compare=False)
    safe_when: object = field(default=None, compare=False)


@dataclass(frozen=True)
class PatternSpec:
    """What a pattern rule's file says besides the common keys."""

    alternatives: tuple[Alternative, ...]
    any_of: bool = False
    fix: str | None = None
    where: object = field(default=None, compare=False)
    safe_when: object = field(default=None, compare=False)
    #: Modules the fix uses (``import NAME`` is added where the module lacks it).
    fix_imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class PerFileIgnore:
    """One ``per-file-ignores`` entry: a glob and the rule codes it turns off (matched by
    ``perflint.project.perfile``)."""

    #: The pattern as written (without a leading ``!``), matched against file names.
    pattern: str
    #: The pattern joined to its base directory and normalised: matched against absolute paths.
    absolute: str
    negated: bool
    codes: tuple[str, ...]


def is_performance_rule(code: str) -> bool:
    """False for PFL000 (a file that cannot be analysed) and PFL001-PFL099, which are about
    perflint itself (its comments), not about the code's cost: they have no bytecode."""
    return not code.startswith("PFL0")


def version_order(target: str) -> int:
    """A target's place among the CPython versions: ``py38`` before ``py310`` (as strings
    they sort the other way)."""
    return PYTHON_VERSIONS.index(target)


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
    #: Files larger than this (in bytes) are not read but reported as skipped; None: no limit.
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE
    #: Folders of a team's own rule files (absolute), loaded beside the built-in rules.
    rule_paths: tuple[str, ...] = ()
    #: Rules turned off by file pattern (``perflint.project.perfile.PerFileIgnore``s).
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    #: Write a ``# noqa`` for each finding into its file instead of fixing (``--add-noqa``).
    add_noqa: bool = False


# The performance diff (``perflint diff``): units and loops of one version of a file, and what
# comparing two versions finds.
Change = Literal["added", "removed", "modified"]
#: ``regression``/``improvement`` by the rules in ``perfdiff_compare``; ``changed`` when the
#: signs disagree or nothing grew or shrank (a callee swapped for another).
Verdict = Literal["regression", "improvement", "changed", "added", "removed"]


@dataclass(frozen=True)
class Loop:
    """One loop of a unit, as compiled: a node of the unit's loop tree (preorder)."""

    parent: int | None
    line: int | None
    end_line: int | None
    depth: int
    kind: str  # "for", "while", "comprehension" or "generator"
    #: Instructions one iteration runs (longest path when it branches); None if none returns.
    count: int | None
    branches: bool
    #: What one iteration does, as short strings ("call json.loads", "loop", ...), sorted.
    facts: tuple[str, ...]
    #: The body's normalised instructions (to pair loops that moved).
    body: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    """A function, method, class body or module body of one version of one file."""

    path: str
    #: ``Class.method``, ``f.<locals>.g``; ``name[2]`` for the second of that name.
    qualname: str
    kind: str  # "function", "class" or "module"
    line: int
    instructions: int
    #: Hash of the normalised bytecode: equal means no change worth reporting.
    signature: str
    #: The same with the unit's own name masked: equal means renamed (or moved) only.
    shape: str
    loops: tuple[Loop, ...]


@dataclass(frozen=True)
class LoopChange:
    line: int | None
    depth: int
    kind: str
    base_instructions: int | None
    head_instructions: int | None
    entered: tuple[str, ...]
    left: tuple[str, ...]
    verdict: Verdict
    #: Why the verdict, in words ("new loop inside a loop", ...).
    reason: str
    branches: bool = False
    #: Rule findings inside the loop that explain what grew ("PFL101 app.py:12").
    findings: tuple[str, ...] = ()
    end_line: int | None = None


@dataclass(frozen=True)
class FunctionChange:
    path: str
    qualname: str
    kind: str
    line: int
    change: Change
    base_instructions: int | None
    head_instructions: int | None
    loops: tuple[LoopChange, ...]
    verdict: Verdict
    #: Order of importance: 0 a new nested loop, 1 new calls or allocations in a loop,
    #: 2 more instructions per iteration, 3 growth outside loops, 4 other changes,
    #: 5 improvements.
    weight: int
    #: The path before a rename or move, when it differs.
    base_path: str | None = None


@dataclass(frozen=True)
class FileError:
    """A changed file that could not be read, decoded or compiled on one side."""

    path: str
    side: Literal["base", "head"]
    message: str


@dataclass(frozen=True)
class PerfDiff:
    """The whole comparison: which interpreter compiled it, which versions, what changed."""

    interpreter: str
    base: str
    head: str
    files: int
    changes: tuple[FunctionChange, ...]
    errors: tuple[FileError, ...] = ()
