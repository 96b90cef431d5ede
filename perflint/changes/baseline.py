"""Baselines: record today's findings so that only new ones are reported.

The file is JSON, sorted and indented one entry per block so that it diffs well. Entries are
matched by fingerprint (no line numbers), with paths relative to the baseline file's directory
so the file means the same from any working directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath

from perflint.output.fingerprint import fingerprints
from perflint.output.printable import json_escaped
from perflint.text.files import FileRefused, read_bounded, write_output
from perflint.types import FileResult

DEFAULT_BASELINE = ".perflint-baseline.json"
VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read, parsed or written."""


@dataclass(frozen=True, order=True)
class Entry:
    """One recorded finding."""

    path: str
    code: str
    context: str
    fingerprint: str
    message: str


def _relative(path: str, base_dir: Path) -> str:
    """``path`` as a POSIX path relative to ``base_dir`` (the baseline file's directory)."""
    absolute = Path(path).resolve()
    try:
        return str(PurePosixPath(Path(os.path.relpath(absolute, base_dir.resolve()))))
    except ValueError:
        return absolute.as_posix()


def _marked(result: FileResult, base_dir: Path) -> Iterable[tuple[Entry, int]]:
    path = _relative(result.path, base_dir)
    for index, (finding, mark) in enumerate(
        zip(result.findings, fingerprints(result.findings, path=path))
    ):
        yield Entry(path, finding.code, finding.context, mark, finding.message), index


def entries(results: Sequence[FileResult], base_dir: Path) -> list[Entry]:
    """The baseline entries for ``results``, sorted."""
    return sorted(entry for result in results for entry, _ in _marked(result, base_dir))


def dumps(items: Sequence[Entry]) -> str:
    """The file's text: stable for the same findings, whatever order they came in."""
    document = {"version": VERSION, "findings": [asdict(entry) for entry in sorted(items)]}
    return json_escaped(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


#: The largest baseline file ``load`` reads (a link to /dev/zero must not fill the memory).
MAX_BASELINE_SIZE = 100_000_000


def write(path: Path, items: Sequence[Entry]) -> None:
    """Write the baseline atomically; a symbolic link at ``path`` is replaced, not followed."""
    try:
        write_output(str(path), dumps(items).encode("utf-8"))
    except FileRefused as error:
        raise BaselineError(str(error)) from None


def load(path: Path) -> list[Entry]:
    """Read a baseline file; a missing, malformed or newer-version file is a BaselineError."""
    try:
        document = json.loads(read_bounded(str(path), MAX_BASELINE_SIZE).decode("utf-8"))
    except FileRefused as error:
        raise BaselineError(f"cannot read baseline {path}: {error}") from None
    except ValueError as error:
        raise BaselineError(f"baseline {path} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise BaselineError(f"baseline {path}: expected a version {VERSION} perflint baseline")
    try:
        return [
            Entry(
                path=str(item["path"]),
                code=str(item["code"]),
                context=str(item.get("context", "")),
                fingerprint=str(item["fingerprint"]),
                message=str(item.get("message", "")),
            )
            for item in document.get("findings", [])
        ]
    except (KeyError, TypeError) as error:
        raise BaselineError(f"baseline {path}: malformed entry ({error})") from None


def apply(
    results: Sequence[FileResult], items: Sequence[Entry], base_dir: Path
) -> tuple[list[FileResult], int]:
    """Drop the findings the baseline lists; also return how many entries matched nothing
    (fixed since, so the baseline can be tightened). Entries for files this run did not
    lint count only when the file no longer exists."""
    known = {entry.fingerprint for entry in items}
    used: set[str] = set()
    linted: set[str] = set()
    kept_results = []
    for result in results:
        if result.skipped is None and (result.error is None or result.findings):
            linted.add(_relative(result.path, base_dir))  # its findings are known
        kept = []
        for entry, index in _marked(result, base_dir):
            if entry.fingerprint in known:
                used.add(entry.fingerprint)
            else:
                kept.append(result.findings[index])
        kept_results.append(replace(result, findings=tuple(kept)))
    gone = sum(
        1
        for entry in items
        if entry.fingerprint not in used
        and (entry.path in linted or not (base_dir / entry.path).exists())
    )
    return kept_results, gone
