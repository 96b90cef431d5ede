"""``perflint diff``: what a change does to the bytecode of the functions it touches.

Both versions of every changed Python file are read from git (``git show``; the working tree
only for a regular file inside the repository, never through a symlink), compiled in one go by
the target interpreter (in-process, or ``disasm.py`` run with ``-I`` by ``--python``: it
compiles, never runs, the code) and compared unit by unit (``perfdiff_compare``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from perflint.changes.perfdiff_compare import FilePair, compare, units_from_result, with_findings
from perflint.changes.regress import (
    REGULAR_MODES,
    Entry,
    changed_entries,
    repo_root,
    resolve_revisions,
    show,
    without_old,
)
from perflint.engine.runner import lint_source
from perflint.evidence.explain import disassemble
from perflint.project.discovery import is_excluded
from perflint.project.options import ExcludeRule
from perflint.text.source import SourceError, decode
from perflint.types import FileError, FunctionChange, PerfDiff, Settings

#: Only modules are compared: a stub (.pyi) has no bodies worth compiling.
SUFFIX = ".py"


@dataclass(frozen=True)
class _Side:
    path: str  # repository-relative
    text: str | None
    error: str | None = None


@dataclass(frozen=True)
class _File:
    entry: Entry
    base: _Side | None
    head: _Side | None


def _decoded(data: bytes | None, path: str) -> _Side | None:
    if data is None:
        return None
    try:
        return _Side(path, decode(data).text)
    except SourceError as error:
        return _Side(path, None, str(error))


def _worktree_bytes(root: Path, path: str) -> bytes | None:
    """A working-tree file's bytes: only a regular file whose real path lies inside the
    repository (a symlink, or a path through a symlinked directory out of it, is not read)."""
    absolute = root / path
    try:
        if not stat.S_ISREG(os.lstat(absolute).st_mode):
            return None
        real = absolute.resolve()
        if root.resolve() not in real.parents:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(real, flags)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read()


def _read(entry: Entry, root: Path, base: str, head: str | None, staged: bool) -> _File:
    old = None
    if entry.old_path is not None and entry.old_mode in REGULAR_MODES:
        old = _decoded(show(base, entry.old_path, root), entry.old_path)
    new = None
    if entry.new_path is not None and entry.new_mode in REGULAR_MODES:
        if head is not None:
            data = show(head, entry.new_path, root)
        elif staged:
            data = show("", entry.new_path, root)
        else:
            data = _worktree_bytes(root, entry.new_path)
        new = _decoded(data, entry.new_path)
    return _File(entry, old, new)


def _in_scope(
    path: str, root: Path, named: Sequence[Path], scope: Sequence[Path], exclude: Sequence[ExcludeRule], force: bool
) -> bool:
    absolute = root / path
    resolved = Path(os.path.normpath(absolute))
    if not any(resolved == top or top in resolved.parents for top in scope):
        return False
    explicit = resolved in named and not force
    return explicit or not (exclude and is_excluded(str(absolute), exclude))


def changed_sources(
    ref: str | None,
    paths: Sequence[str],
    cwd: Path,
    *,
    staged: bool = False,
    head: str | None = None,
    exclude: Sequence[ExcludeRule] = (),
    force_exclude: bool = False,
) -> tuple[Path, str, str | None, list[_File]]:
    """The repository root, base and head revisions, and both texts of every changed module
    under ``paths`` (GitError when git cannot tell)."""
    root = repo_root(cwd)
    base, head = resolve_revisions(ref, root, staged=staged, head=head)
    named = [Path(os.path.normpath(cwd / path)) for path in paths]
    scope = named or [cwd]
    top = Path(os.path.normpath(root))
    files = []
    for entry in changed_entries(base, root, staged=staged, head=head):
        where = entry.new_path or entry.old_path
        if where is None or not where.endswith(SUFFIX):
            continue
        if _in_scope(where, top, named, scope, exclude, force_exclude):
            files.append(_read(entry, root, base, head, staged))
    return root, base, head, files


def _compile(files: Sequence[_File], python: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Compile both sides of every file in one interpreter call: (label, one answer a file)."""
    sources = []
    for item in files:
        base = item.base.text if item.base is not None else None
        head = item.head.text if item.head is not None else None
        side = item.head or item.base
        name = side.path if side is not None else ""
        sources.append({"mode": "unit-pair", "base": base, "head": head, "name": name})
    label, results = disassemble(sources, python)
    return label, results


def build(
    files: Sequence[_File],
    python: str | None,
    display: Callable[[str], str],
) -> tuple[str, list[FilePair], list[FileError]]:
    """Compiled units of both sides of each file, paired, and the files that failed."""
    label, compiled = _compile(files, python)
    pairs, errors = [], []
    for number, item in enumerate(files):
        units: dict[str, tuple[Any, ...]] = {"base": (), "head": ()}
        failed = False
        sides: tuple[tuple[Literal["base", "head"], _Side | None], ...] = (("base", item.base), ("head", item.head))
        for side_name, side in sides:
            if side is None:
                continue
            shown = display(side.path)
            result = compiled[number][side_name]
            problem = side.error or (None if result is None or result["ok"] else result["error"])
            if problem is not None:
                errors.append(FileError(shown, side_name, problem))
                failed = True
                continue
            assert result is not None
            units[side_name] = tuple(units_from_result(shown, result))
        if not failed:
            pairs.append(
                FilePair(
                    display(item.base.path) if item.base else None,
                    display(item.head.path) if item.head else None,
                    units["base"],
                    units["head"],
                )
            )
    return label, pairs, errors


def _inside_grown(changes: Sequence[FunctionChange], row: int) -> bool:
    """Whether ``row`` lies in a loop of ``changes`` that grew or is new."""
    return any(
        loop.verdict in ("regression", "added") and loop.line is not None and loop.end_line is not None
        and loop.line <= row <= loop.end_line
        for change in changes
        for loop in change.loops
    )


def _link_findings(
    changes: Sequence[FunctionChange],
    files: Sequence[_File],
    display: Callable[[str], str],
    settings: Settings,
) -> list[FunctionChange]:
    """Each grown loop linked to the new rule findings inside it.  Only files with a grown
    loop are linted, and their base only when the head has a finding inside one."""
    grown: dict[str, list[FunctionChange]] = {}
    for change in changes:
        if any(loop.verdict in ("regression", "added") for loop in change.loops):
            grown.setdefault(change.path, []).append(change)
    findings: dict[str, list[tuple[str, int]]] = {}
    for item in files:
        if item.head is None or item.head.text is None or display(item.head.path) not in grown:
            continue
        shown = display(item.head.path)
        result = lint_source(item.head.text, shown, settings)
        here = grown[shown]
        if result.error is not None or not any(_inside_grown(here, f.start.row) for f in result.findings):
            continue
        old = item.base.text if item.base is not None else None
        new = without_old(result, old, item.head.path, settings).findings  # all: fingerprints count
        findings[shown] = [(f.code, f.start.row) for f in new if _inside_grown(here, f.start.row)]
    return [with_findings(change, findings) for change in changes]


def perf_diff(
    ref: str | None,
    paths: Sequence[str],
    cwd: Path,
    *,
    staged: bool = False,
    head: str | None = None,
    python: str | None = None,
    exclude: Sequence[ExcludeRule] = (),
    force_exclude: bool = False,
    settings: Settings | None = None,
    findings: Mapping[str, Sequence[tuple[str, int]]] | None = None,
    relative: bool = True,
) -> PerfDiff:
    """The performance diff of what changed since the merge-base of ``ref`` (see
    ``regress.resolve_revisions`` for ``staged`` and ``head``).  Paths are shown relative to
    ``cwd`` (or, without ``relative``, to the repository).  Grown loops are linked to the new
    findings given in ``findings`` (repository paths), or found by linting with ``settings``."""
    root, base, head_commit, files = changed_sources(
        ref, paths, cwd, staged=staged, head=head, exclude=exclude, force_exclude=force_exclude
    )

    def display(path: str) -> str:
        if not relative:
            return path
        return Path(os.path.relpath(root / path, cwd)).as_posix()

    label, pairs, errors = build(files, python, display)
    changes = compare(pairs)
    if findings is not None:
        changes = [with_findings(change, {display(k): v for k, v in findings.items()}) for change in changes]
    elif settings is not None:
        changes = _link_findings(changes, files, display, settings)
    head_name = head_commit[:12] if head_commit else ("the index" if staged else "the working tree")
    return PerfDiff(
        interpreter=label,
        base=base[:12],
        head=head_name,
        files=len(files),
        changes=tuple(changes),
        errors=tuple(errors),
    )

