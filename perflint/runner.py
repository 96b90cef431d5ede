"""Lint files: read, decode, lint or fix, write back atomically; in parallel across files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from perflint.engine import error_finding, lint
from perflint.fixes import fix_text
from perflint.source import SourceError, decode, encode, read_source, write_atomic
from perflint.types import FileResult, Settings


def lint_source(source: str | bytes, path: str, settings: Settings) -> FileResult:
    """Lint (and with ``settings.fix``/``diff``, fix) one source; nothing is written."""
    if isinstance(source, bytes):
        try:
            source = decode(source).text
        except SourceError as problem:
            return FileResult(path=path, error=error_finding(path, str(problem)))
    if not (settings.fix or settings.diff):
        linted = lint(source, path, settings)
        return FileResult(
            path=path, findings=tuple(linted.findings), error=linted.error, notes=linted.notes
        )
    outcome = fix_text(source, path, settings)
    return FileResult(
        path=path,
        findings=tuple(outcome.findings),
        error=outcome.error,
        fixed=outcome.applied,
        original_source=source,
        fixed_source=outcome.text,
        dropped_fixes=outcome.dropped,
        notes=outcome.notes,
    )


def lint_file(path: str, settings: Settings) -> FileResult:
    """Lint one file by path; with ``settings.fix`` (and not ``diff``) write the fixes back."""
    file_path = Path(path)
    try:
        source = read_source(file_path)
    except SourceError as error:
        return FileResult(path=path, error=error_finding(path, str(error)))
    result = lint_source(source.text, path, settings)
    if settings.fix and not settings.diff and result.fixed and result.fixed_source is not None:
        try:
            write_atomic(file_path, encode(result.fixed_source, source.encoding))
        except (OSError, UnicodeEncodeError) as error:
            message = f"cannot write fixes: {getattr(error, 'strerror', None) or error}"
            return FileResult(path=path, findings=result.findings, error=error_finding(path, message))
    return result


def _lint_one(args: tuple[str, Settings]) -> FileResult:
    return lint_file(*args)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def lint_paths(paths: Sequence[str], settings: Settings, jobs: int | None = None) -> list[FileResult]:
    """Lint every file of ``paths`` (already discovered), ``jobs`` processes at once, in path order."""
    jobs = jobs or default_jobs()
    ordered = sorted(paths)
    if jobs <= 1 or len(ordered) <= 1:
        return [lint_file(path, settings) for path in ordered]
    chunksize = max(1, min(16, len(ordered) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=min(jobs, len(ordered))) as pool:
        return list(pool.map(_lint_one, [(path, settings) for path in ordered], chunksize=chunksize))
