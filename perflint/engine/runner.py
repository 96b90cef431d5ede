"""Lint files: read, decode, lint or fix, write back atomically; in parallel across files.

Every failure with one file is that file's ``PFL000``: the run goes on and reports the rest.
Workers exit on their own when the process that started them is gone (``kill -9`` included).
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import TypeVar

from perflint.engine.fixes import compiles, fix_text
from perflint.engine.lint import error_finding
from perflint.engine.linting import lint
from perflint.engine.noqa import UNUSED_NOQA, add_noqa
from perflint.project.cache import content_digest
from perflint.text.files import (
    FileRefused,
    Snapshot,
    TooLarge,
    lint_root,
    read_regular,
    remove_stale_temps,
    replace_contents,
)
from perflint.text.lines import edited, line_offsets
from perflint.text.source import SourceError, SourceFile, decode, encode
from perflint.types import FileResult, Finding, Settings

#: How often a worker checks that the process that started it is still there (seconds).
WATCH_INTERVAL = 0.5


def lint_source(source: str | bytes, path: str, settings: Settings) -> FileResult:
    """Lint (and with ``settings.fix``/``diff``, fix) one source; nothing is written."""
    return _linted(source, path, settings)[0]


def _linted(
    source: str | bytes, path: str, settings: Settings
) -> tuple[FileResult, tuple[Finding, ...]]:
    """The result for ``source``, and the findings it had before any fix."""
    if isinstance(source, bytes):
        try:
            source = decode(source).text
        except SourceError as problem:
            return FileResult(path=path, error=error_finding(path, str(problem))), ()
    if not (settings.fix or settings.diff):
        linted = lint(source, path, settings)
        result = FileResult(
            path=path,
            findings=tuple(linted.findings),
            error=linted.error,
            source=source,
            notes=linted.notes,
        )
        return result, result.findings
    outcome = fix_text(source, path, settings)
    result = FileResult(
        path=path,
        findings=tuple(outcome.findings),
        error=outcome.error,
        fixed=outcome.applied,
        fixes=outcome.rules,
        original_source=source,
        fixed_source=outcome.text,
        dropped_fixes=outcome.dropped,
        source=outcome.text,
        notes=outcome.notes,
    )
    return result, outcome.found


def lint_file(path: str, settings: Settings, root: str | None = None) -> FileResult:
    """Lint one file by path; with ``settings.fix`` (and not ``diff``) write the fixes back.

    ``root`` (default: ``lint_root(path)``) is the real path a symbolic link may lead into."""
    return _read_and_lint(path, settings, root)[0]


def _read_and_lint(
    path: str, settings: Settings, root: str | None, digest: bool = False
) -> tuple[FileResult, str | None]:
    """``lint_file``, and with ``digest`` the hash of the bytes it read (what the result
    cache keys the result by; None when nothing was read)."""
    try:
        return _lint_file(path, settings, lint_root(path) if root is None else root, digest)
    except Exception as error:  # a bug in perflint: this file's error, not the whole run's
        traceback.print_exc()
        return FileResult(path=path, error=error_finding(path, f"internal error: {error!r}")), None


def _lint_file(path: str, settings: Settings, root: str, digest: bool) -> tuple[FileResult, str | None]:
    try:
        snapshot = read_regular(path, root=root, limit=settings.max_file_size)
    except TooLarge as skipped:
        return FileResult(path=path, skipped=str(skipped)), None
    except FileRefused as refused:
        return FileResult(path=path, error=error_finding(path, str(refused))), None
    read = content_digest(snapshot.data) if digest else None
    writes = settings.fix and not settings.diff
    if writes:  # what a killed --fix left beside this file goes, whether or not it is fixed now
        remove_stale_temps(os.path.dirname(snapshot.path))
    try:
        source = decode(snapshot.data)
    except SourceError as problem:
        return FileResult(path=path, error=error_finding(path, str(problem))), read
    result, found = _linted(source.text, path, settings)
    if settings.add_noqa:
        return _with_noqa(snapshot, source, result), read
    if writes and result.fixed and result.fixed_source is not None:
        try:
            replace_contents(snapshot, encode(result.fixed_source, source.encoding))
        except (FileRefused, SourceError) as problem:
            # Nothing was written: the findings of the file as it is stand, beside why.
            return FileResult(
                path=path,
                findings=found,
                error=error_finding(path, f"{problem}"),
                source=source.text,
                dropped_fixes=result.dropped_fixes,
            ), read
    return result, read


def _with_noqa(snapshot: Snapshot, source: SourceFile, result: FileResult) -> FileResult:
    """``--add-noqa``: the file rewritten with a ``# noqa`` for each of its findings (as a fix
    is written: only if it still compiles, through a temporary file renamed over it)."""
    findings = [finding for finding in result.findings if finding.code != UNUSED_NOQA]
    plan = add_noqa(source.text, findings)
    refused = tuple(
        f"{result.path}:{row}: no noqa directive added: the line ends inside a string or with a backslash"
        for row in plan.refused
    )
    if not plan.edits:
        return replace(result, dropped_fixes=refused)
    text = edited(source.text, line_offsets(source.text), plan.edits, 0, len(source.text))
    if compiles(source.text, result.path) and not compiles(text, result.path):
        why = f"{result.path}: no noqa directive added: the file would not compile"
        return replace(result, dropped_fixes=(*refused, why))
    try:
        replace_contents(snapshot, encode(text, source.encoding))
    except (FileRefused, SourceError) as problem:
        return replace(result, error=error_finding(result.path, f"{problem}"), dropped_fixes=refused)
    return replace(result, noqa_added=plan.added, dropped_fixes=refused)


def _lint_one(args: tuple[str, Settings, str | None, bool]) -> tuple[FileResult, str | None]:
    path, settings, root, digest = args
    if not digest:
        return _lean(lint_file(path, settings, root)), None
    result, read = _read_and_lint(path, settings, root, True)
    return _lean(result), read


def _lean(result: FileResult) -> FileResult:
    """``result`` without the text when nothing refers to it (it would only be carried back
    from a worker and held until the report: the whole tree's text, for a clean tree)."""
    if result.findings or result.error is not None or result.source is None:
        return result
    return replace(result, source=None)


def default_jobs() -> int:
    """The CPUs this process may run on: the default number of jobs, and their limit."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _watch_parent() -> None:
    """Pool initializer: exit this worker once the process that started it is gone.

    A worker blocks reading its task queue; when the parent is killed, nothing closes that
    queue (the workers hold its other end too), so without this they would wait forever.
    The parent's death shows as a new parent process id (the worker is re-parented)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="perflint-parent-watch", daemon=True).start()


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    jobs: int | None = None,
    roots: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Lint every file of ``paths`` (already discovered), ``jobs`` processes at once, in path
    order; ``roots`` maps a path to the real path its symbolic links may lead into (default:
    ``lint_root`` of the path).

    ``jobs`` is capped at the CPU count (linting is CPU-bound, so more processes only cost
    memory; a repository's ``jobs = 100000`` must not start one process per file) and at the
    number of files. ``progress`` is called with the number of files done after each one
    (results come back in path order as they are ready, so it only ever grows)."""
    return [result for result, _ in _lint_paths(paths, settings, jobs, roots, progress, False)]


def lint_paths_read(
    paths: Sequence[str],
    settings: Settings,
    jobs: int | None = None,
    roots: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[FileResult, str | None]]:
    """``lint_paths``, each result with the hash of the bytes its worker read
    (``perflint.project.cache.content_digest``; None where nothing was read, or the lint
    failed): the key the result cache keeps it under, whatever the file holds by now."""
    return _lint_paths(paths, settings, jobs, roots, progress, True)


def _lint_paths(
    paths: Sequence[str],
    settings: Settings,
    jobs: int | None,
    roots: Mapping[str, str] | None,
    progress: Callable[[int], None] | None,
    digest: bool,
) -> list[tuple[FileResult, str | None]]:
    jobs = min(jobs or default_jobs(), default_jobs())
    ordered = sorted(paths)
    tasks = [(path, settings, (roots or {}).get(path), digest) for path in ordered]
    if jobs <= 1 or len(ordered) <= 1:
        return _collect(map(_lint_one, tasks), progress)
    chunksize = max(1, min(16, len(ordered) // (jobs * 8)))
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(ordered)), initializer=_watch_parent
    ) as pool:
        # map() yields each result in order as soon as it and those before it are done.
        return _collect(pool.map(_lint_one, tasks, chunksize=chunksize), progress)


def _lint_text(args: tuple[str | bytes, str, Settings]) -> FileResult:
    return lint_source(*args)


def lint_sources(
    sources: Sequence[tuple[str | bytes, str]], settings: Settings, jobs: int | None = None
) -> list[FileResult]:
    """Lint texts that are not files of the tree (git blobs: ``--since``, ``review``), each
    ``(text, path it is shown as)``, in the order given, ``jobs`` processes at once as
    ``lint_paths`` does."""
    jobs = min(jobs or default_jobs(), default_jobs(), len(sources))
    tasks = [(source, path, settings) for source, path in sources]
    if jobs <= 1:
        return [_lint_text(task) for task in tasks]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_watch_parent) as pool:
        return list(pool.map(_lint_text, tasks))


_Done = TypeVar("_Done")


def _collect(results: Iterable[_Done], progress: Callable[[int], None] | None) -> list[_Done]:
    done: list[_Done] = []
    for result in results:
        done.append(result)
        if progress is not None:
            progress(len(done))
    return done
