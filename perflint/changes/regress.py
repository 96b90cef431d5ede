"""Regression mode: only the findings a change introduces.

The changed files are linted twice, as they are now (in the working tree, the index or a given
commit) and as they were at the base (read with ``git show``: the working tree and the index
are never touched), and the old findings are subtracted by fingerprint. Fingerprints leave line
numbers out, so moved code is not new.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from perflint.engine.runner import lint_source, lint_sources
from perflint.output.fingerprint import fingerprints
from perflint.project.cache import ResultCache
from perflint.project.discovery import PYTHON_SUFFIXES, is_excluded
from perflint.project.options import ExcludeRule
from perflint.text.files import FileRefused, TooLarge, read_regular
from perflint.types import FileResult, Settings


class GitError(Exception):
    """git is missing, the directory is not a repository, or a revision cannot be resolved."""


@dataclass(frozen=True)
class Change:
    """One changed regular file: repository-relative POSIX paths; ``old_path`` is None for a
    new file. ``old_blob``/``new_blob`` are git's object ids ("" where git has none: the
    working tree, or a side that is not a regular file, which is not read)."""

    old_path: str | None
    new_path: str
    old_blob: str = ""
    new_blob: str = ""


def _git(
    args: Sequence[str], root: Path, *, input: bytes = b"", index: Path | None = None
) -> bytes:
    env = None
    if index is not None:
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, input=input, env=env
        )
    except OSError as error:
        raise GitError(f"cannot run git: {error.strerror or error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args)} failed: {message}")
    return done.stdout


def repo_root(cwd: Path) -> Path:
    """The top of the work tree containing ``cwd``."""
    return Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())


_FETCH_MORE = "fetch more history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"


def _shallow(root: Path) -> bool:
    return _git(["rev-parse", "--is-shallow-repository"], root).decode().strip() == "true"


def _commit(ref: str, root: Path) -> str:
    """The commit ``ref`` names; unknown (or missing from a shallow clone) is a clear error."""
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root).decode().strip()
    except GitError:
        hint = f": this is a shallow clone, {_FETCH_MORE}" if _shallow(root) else ""
        raise GitError(f"unknown revision {ref!r}{hint}") from None


def merge_base(ref: str, root: Path, head: str = "HEAD") -> str:
    """The commit where ``head`` left ``ref``; a shallow clone without it is a clear error."""
    _commit(ref, root)
    _commit(head, root)
    try:
        return _git(["merge-base", ref, head], root).decode().strip()
    except GitError:
        if _shallow(root):
            raise GitError(
                f"no merge-base of {ref!r} and {head} in this shallow clone: {_FETCH_MORE}"
            ) from None
        raise GitError(f"{ref!r} and {head} have no common ancestor") from None


@dataclass(frozen=True)
class Entry:
    """One path ``git diff --raw`` lists: its status letter, paths, modes and object ids on
    each side (mode ``"000000"`` and id ``""`` where it does not exist, or git has no object
    for it: the working tree); paths are repository-relative POSIX paths."""

    status: str
    old_path: str | None
    new_path: str | None
    old_mode: str
    new_mode: str
    old_blob: str = ""
    new_blob: str = ""


#: git's mode of a regular file (and an executable one): symbolic links (120000) and
#: submodules (160000) are not linted, and what a link points to is never read.
REGULAR_MODES = ("100644", "100755")
_NO_OBJECT = "0" * 40


def changed_entries(
    base: str, root: Path, *, staged: bool = False, head: str | None = None
) -> list[Entry]:
    """Every path added, modified, renamed or deleted since ``base``: in the working tree (plus
    untracked, not ignored files), with ``staged`` in the index, or with ``head`` in that
    commit."""
    args = ["diff", "--raw", "-M", "-z", "--no-ext-diff", "--no-abbrev"]
    if head is not None:
        return _parse_raw(_git([*args, base, head], root))
    if staged:
        return _parse_raw(_git([*args, "--cached", base], root))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    if not untracked.strip(b"\0"):
        return _parse_raw(_git([*args, base], root))
    index = root / _git(["rev-parse", "--git-path", "index"], root).decode().strip()
    if not index.is_file():  # nothing was ever staged: untracked files are simply new
        entries = _parse_raw(_git([*args, base], root))
        names = untracked.decode("utf-8", "surrogateescape").split("\0")
        return entries + [
            Entry("A", None, name, "000000", "120000" if os.path.islink(root / name) else "100644")
            for name in names
            if name
        ]
    # Untracked files join the diff through a throwaway copy of the index, marked
    # intent-to-add there, so that git's rename detection also pairs a plain `mv`.
    # The user's index is never written.
    with tempfile.TemporaryDirectory(prefix="perflint-") as scratch:
        copy = Path(scratch) / "index"
        shutil.copyfile(index, copy)
        add = ["--literal-pathspecs", "add", "--intent-to-add", "--pathspec-from-file=-"]
        _git([*add, "--pathspec-file-nul"], root, input=untracked, index=copy)
        return _parse_raw(_git([*args, base], root, index=copy))


def changed_files(
    base: str, root: Path, *, staged: bool = False, head: str | None = None
) -> list[Change]:
    """Python files added, modified or renamed since ``base`` (see ``changed_entries``).
    Deleted files, symlinks and submodules are left out."""
    return [
        Change(
            None if entry.status in "AC" else entry.old_path,
            entry.new_path,
            entry.old_blob if entry.old_mode in REGULAR_MODES else "",
            entry.new_blob,
        )
        for entry in changed_entries(base, root, staged=staged, head=head)
        if entry.new_path is not None
        and _is_python(entry.new_path)
        and entry.new_mode in REGULAR_MODES
    ]


def _is_python(name: str) -> bool:
    return name.endswith(PYTHON_SUFFIXES)


def _parse_raw(output: bytes) -> list[Entry]:
    """``git diff --raw -z`` output: ``:OLDMODE NEWMODE OLDSHA NEWSHA STATUS``, then the path
    (two paths for a rename or copy)."""
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    entries: list[Entry] = []
    index = 0
    while index < len(fields) and fields[index].startswith(":"):
        old_mode, new_mode, old_sha, new_sha, status = fields[index][1:].split(" ")[:5]
        letter = status[:1]
        if letter in "RC":
            old, new = fields[index + 1], fields[index + 2]
            index += 3
        else:
            old = new = fields[index + 1]
            index += 2
        entries.append(
            Entry(
                letter,
                None if letter == "A" else old,
                None if letter == "D" else new,
                old_mode,
                new_mode,
                "" if old_sha == _NO_OBJECT else old_sha,
                "" if new_sha == _NO_OBJECT else new_sha,
            )
        )
    return entries


def blob_sizes(blobs: Sequence[str], root: Path) -> dict[str, int]:
    """The size in bytes of each git object in ``blobs``, asked of git in one call."""
    wanted = sorted({blob for blob in blobs if blob})
    if not wanted:
        return {}
    output = _git(
        ["cat-file", "--batch-check=%(objectname) %(objectsize)"],
        root,
        input="".join(f"{blob}\n" for blob in wanted).encode(),
    )
    sizes = {}
    for line in output.decode().splitlines():
        name, _, size = line.partition(" ")
        if size.isdigit():
            sizes[name] = int(size)
    return sizes


def show(revision: str, path: str, root: Path) -> bytes | None:
    """``git show REV:PATH`` (REV "" is the index); None when it is not there."""
    try:
        return _git(["show", f"{revision}:{path}"], root)
    except GitError:
        return None


def resolve_revisions(
    ref: str | None, root: Path, *, staged: bool = False, head: str | None = None
) -> tuple[str, str | None]:
    """``(base, head)`` to compare: with ``staged`` HEAD (an empty tree before the first
    commit) against the index; else the merge-base of ``ref`` and ``head`` (default HEAD and
    the working tree) against ``head`` as a commit id (None: the working tree)."""
    if staged:
        try:
            _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root)
            return "HEAD", None
        except GitError:  # the first commit: everything staged is new
            empty = _git(["hash-object", "-t", "tree", "--stdin"], root).decode().strip()
            return empty, None
    commit = None if head is None else _commit(head, root)
    return merge_base(ref or "HEAD", root, commit or "HEAD"), commit


def _within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == top or top in path.parents for top in roots)


def regressions(
    ref: str | None,
    paths: Sequence[str],
    settings: Settings,
    cwd: Path,
    *,
    staged: bool = False,
    head: str | None = None,
    exclude: Sequence[ExcludeRule] = (),
    force_exclude: bool = False,
    jobs: int | None = None,
    cache: ResultCache | None = None,
) -> list[FileResult]:
    """Lint what changed since the merge-base of ``ref`` and HEAD (or, with ``staged``, the
    index against HEAD; with ``head``, that commit against its merge-base with ``ref``) and keep
    only the new findings; paths are reported relative to ``cwd`` when inside it. Only changed
    regular files under ``paths`` are parsed (not symbolic links or submodules); excluded files
    are skipped unless named in ``paths`` (always with ``force_exclude``), as discovery does;
    a file over ``settings.max_file_size`` is a skipped result, not read. ``cache``: the
    result cache, asked for both sides before they are linted (a base side that did not
    change since the last run, the usual case on a pull request, is not linted again)."""
    root = repo_root(cwd)
    base, head = resolve_revisions(ref, root, staged=staged, head=head)
    named = [(cwd / path).resolve() for path in paths]
    scope = named or [cwd.resolve()]
    changes = changed_files(base, root, staged=staged, head=head)
    from_git = head is not None or staged
    blobs = [change.old_blob for change in changes]
    sizes = blob_sizes(blobs + [change.new_blob for change in changes if from_git], root)
    limit = settings.max_file_size
    results: list[FileResult] = []
    heads: list[tuple[bytes, str, Change]] = []  # (text at head, path shown, change)
    for change in changes:
        absolute = root / change.new_path
        resolved = absolute.resolve()
        if not _within(resolved, scope):
            continue
        explicit = resolved in named and not force_exclude
        if exclude and not explicit and is_excluded(str(absolute), exclude):
            continue
        shown = _display(absolute, cwd)
        try:
            if from_git:
                new_data = _blob(change.new_blob, sizes, limit, root)
            else:
                new_data = _read(absolute, root, limit)
        except TooLarge as skipped:
            results.append(FileResult(path=shown, skipped=str(skipped)))
            continue
        if new_data is None or b"\0" in new_data:
            continue  # binary, not a regular file, or vanished meanwhile
        heads.append((new_data, shown, change))
    # Both sides are linted in the process pool, the base only of files with findings at head.
    linted = _lint_texts([(data, shown) for data, shown, _ in heads], settings, jobs, cache)
    compared: list[tuple[FileResult, bytes | None, str]] = []
    for (_, _, change), result in zip(heads, linted):
        if result.error is not None or not result.findings:
            results.append(result)
            continue
        try:
            old_data = _blob(change.old_blob, sizes, limit, root) if change.old_path else None
        except TooLarge:
            old_data = None  # too large to lint then: every finding counts as new
        compared.append((result, old_data if _lintable(old_data) else None, change.new_path))
    bases = [(old, result.path) for result, old, _ in compared if old is not None]
    before = iter(_lint_texts(bases, settings, jobs, cache))
    for result, old, repo_path in compared:
        results.append(_without(result, next(before) if old is not None else None, repo_path))
    return sorted(results, key=lambda result: result.path)


def _lint_texts(
    sources: Sequence[tuple[bytes, str]], settings: Settings, jobs: int | None, cache: ResultCache | None
) -> list[FileResult]:
    """``lint_sources``, with the results the cache holds taken from it and the others kept."""
    if cache is None:
        return lint_sources(sources, settings, jobs)
    found = [cache.lookup_text(data, shown) for data, shown in sources]
    missing = [index for index, result in enumerate(found) if result is None]
    linted = lint_sources([sources[index] for index in missing], settings, jobs) if missing else []
    for index, result in zip(missing, linted):
        cache.store_text(result, sources[index][0])
        found[index] = result
    return [result for result in found if result is not None]


def _lintable(data: str | bytes | None) -> bool:
    return data is not None and not (isinstance(data, bytes) and b"\0" in data)


def _without(result: FileResult, before: FileResult | None, repo_path: str) -> FileResult:
    """``result`` without the findings ``before`` (the file at the base, linted; None when it
    is new) already has, compared by fingerprint under the file's repository path."""
    old = set(fingerprints(before.findings, path=repo_path)) if before is not None else set()
    kept = tuple(
        finding
        for finding, mark in zip(result.findings, fingerprints(result.findings, path=repo_path))
        if mark not in old
    )
    return replace(result, findings=kept)


def without_old(
    result: FileResult, old_data: str | bytes | None, repo_path: str, settings: Settings
) -> FileResult:
    """``result`` without the findings that ``old_data`` (the file at the base, None when it
    is new) already has, compared by fingerprint under the file's repository path."""
    before = lint_source(old_data, result.path, settings) if _lintable(old_data) else None
    return _without(result, before, repo_path)


def _blob(blob: str, sizes: Mapping[str, int], limit: int | None, root: Path) -> bytes | None:
    """The bytes of a regular file's git object, TooLarge over ``limit``; None if there is none."""
    if not blob:
        return None
    size = sizes.get(blob)
    if size is None:
        return None
    if limit is not None and size > limit:
        raise TooLarge(size, limit)
    try:
        return _git(["cat-file", "blob", blob], root)
    except GitError:
        return None


def _read(path: Path, root: Path, limit: int | None) -> bytes | None:
    """The working tree's file: a regular file, never a symbolic link (git stores a link as the
    path it points to; following it would read whatever that is), TooLarge over ``limit``."""
    if path.is_symlink():
        return None
    try:
        return read_regular(str(path), root=os.path.realpath(root), limit=limit).data
    except TooLarge:
        raise
    except FileRefused:
        return None


def _display(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` if it is inside it, else absolute."""
    try:
        return str(PurePosixPath(Path(os.path.relpath(path, cwd))))
    except ValueError:  # another drive on Windows
        return str(path)
