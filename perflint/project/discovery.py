"""Find the files to lint: walk directories for ``.py``/``.pyi``, honouring ``.gitignore`` files and
the configured excludes; files named on the command line are linted even if excluded unless
``force_exclude``.  The result is sorted, so every run sees the same order."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pathspec

from perflint.project.options import ExcludeRule
from perflint.text.files import (
    FileRefused,
    kind_of,
    lint_root,
    outside_reason,
    read_regular,
    within,
    work_tree,
)
from perflint.types import DEFAULT_MAX_FILE_SIZE

PYTHON_SUFFIXES = (".py", ".pyi")


class MissingPathError(Exception):
    """Paths given on the command line that do not exist."""

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__(", ".join(paths))
        self.paths = tuple(paths)


@dataclass(frozen=True)
class _Spec:
    """Gitignore-style patterns anchored at the directory ``base``."""

    base: str  # absolute, normalised
    spec: pathspec.GitIgnoreSpec

    def check(self, path: str, is_dir: bool) -> bool | None:
        """True if the patterns exclude ``path``, False if they re-include it, None if silent."""
        rel = _relative(path, self.base)
        if rel is None:
            return None
        return self.spec.check_file(rel + "/" if is_dir else rel).include


def _relative(path: str, base: str) -> str | None:
    if path == base:
        return None
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix) :]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _spec(base: str, lines: Sequence[str]) -> _Spec:
    """The patterns of an ignore file; a line git would not make a pattern of (a lone ``!``,
    as black's own .gitignore has) is skipped, like git skips it."""
    try:
        return _Spec(base, pathspec.GitIgnoreSpec.from_lines(lines))
    except ValueError:  # pathspec's GitIgnorePatternError
        return _Spec(base, pathspec.GitIgnoreSpec.from_lines([line for line in lines if _valid(line)]))


def _valid(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def _read_ignore_file(path: str, root: str | None) -> list[str] | None:
    """The lines of an ignore file: a regular file (inside ``root``), not over the size limit."""
    if not os.path.lexists(path):
        return None
    try:
        data = read_regular(path, root=root, limit=DEFAULT_MAX_FILE_SIZE).data
    except FileRefused:
        return None
    return data.decode("utf-8", "replace").splitlines()


def _gitignore_of(directory: str, root: str) -> _Spec | None:
    lines = _read_ignore_file(os.path.join(directory, ".gitignore"), root)
    return _spec(directory, lines) if lines else None


def _outer_gitignores(directory: str) -> list[_Spec]:
    """The ignore files that apply inside ``directory`` from above it: ``.git/info/exclude`` and every
    ``.gitignore`` from the git root down to ``directory``'s parent (outermost first)."""
    root = work_tree(directory)
    if root is None:
        return []
    specs = []
    real_root = os.path.realpath(root)
    # git's own file (not in the checkout): read as git does, but only if it is a regular file.
    exclude = _read_ignore_file(os.path.join(root, ".git", "info", "exclude"), None)
    if exclude:
        specs.append(_spec(root, exclude))
    chain = []
    current = os.path.dirname(directory) if directory != root else None
    while current is not None:
        chain.append(current)
        if current == root:
            break
        parent = os.path.dirname(current)
        current = parent if parent != current else None
    for folder in reversed(chain):
        spec = _gitignore_of(folder, real_root)
        if spec is not None:
            specs.append(spec)
    return specs


def _ignored(specs: Sequence[_Spec], path: str, is_dir: bool) -> bool:
    # The innermost file that has an opinion wins, as in git.
    for spec in reversed(specs):
        verdict = spec.check(path, is_dir)
        if verdict is not None:
            return verdict
    return False


class _Excluder:
    """The configured ``exclude``/``extend-exclude`` patterns."""

    def __init__(self, rules: Sequence[ExcludeRule]) -> None:
        self.specs = [_spec(os.path.abspath(rule.base), rule.patterns) for rule in rules]

    def excluded(self, path: str, is_dir: bool) -> bool:
        for spec in self.specs:
            rel = _relative(path, spec.base)
            # A path outside the patterns' directory is matched by its name alone.
            target = rel if rel is not None else os.path.basename(path)
            if spec.spec.check_file(target + "/" if is_dir else target).include:
                return True
        return False

    def rebased(self, root: str) -> _Excluder:
        """The same patterns matched relative to ``root`` (a named path that is itself excluded:
        matching its contents against the original base would exclude all of them through it)."""
        clone = _Excluder(())
        clone.specs = [_Spec(root, spec.spec) for spec in self.specs]
        return clone


@dataclass(frozen=True)
class Skipped:
    """A path discovery left out, and why (``check --verbose`` prints them)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    """What to lint: the files (sorted, each real file once), the root each belongs to (the
    real path its symbolic links may lead into), what was left out and why, and the named
    paths that cannot be linted at all (their reason is their PFL000)."""

    files: tuple[str, ...]
    roots: Mapping[str, str]
    skipped: tuple[Skipped, ...] = ()
    refused: tuple[Skipped, ...] = ()


@dataclass
class _DirLink:
    absolute: str
    shown: str
    specs: list[_Spec]
    real: str
    root: str
    excluder: _Excluder


@dataclass
class _Walk:
    """One discovery: real directories and files first, then the directories and files that
    symbolic links inside the root add (each real directory is searched once, each real file
    is linted once, under the first name found without a link if it has one)."""

    respect_gitignore: bool
    found: dict[str, str] = field(default_factory=dict)  # shown path -> root
    real_files: dict[str, str] = field(default_factory=dict)  # real path -> shown path
    searched: dict[str, str] = field(default_factory=dict)  # real directory -> shown path
    dir_links: list[_DirLink] = field(default_factory=list)
    file_links: list[tuple[str, str, str]] = field(default_factory=list)  # shown, real, root
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, shown: str, real: str, root: str) -> None:
        if real in self.real_files:
            if self.real_files[real] != shown:
                self.skip(shown, f"the same file as {self.real_files[real]}")
            return
        self.real_files[real] = shown
        self.found[shown] = root

    def skip(self, shown: str, reason: str) -> None:
        self.skipped.append(Skipped(shown, reason))

    def directory(
        self,
        absolute: str,
        shown: str,
        specs: list[_Spec],
        real: str,
        root: str,
        excluder: _Excluder,
    ) -> None:
        self.searched[real] = shown
        if self.respect_gitignore:
            own = _gitignore_of(absolute, root)
            if own is not None:
                specs = [*specs, own]
        try:
            with os.scandir(absolute) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            self.skip(shown, f"cannot read the directory: {error.strerror or error}")
            return
        for entry in entries:
            child = os.path.join(absolute, entry.name)
            child_shown = os.path.normpath(os.path.join(shown, entry.name))
            child_real = os.path.join(real, entry.name)
            python = entry.name.endswith(PYTHON_SUFFIXES)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir and entry.name == ".git":
                continue  # git's own data, whatever the excludes say
            if excluder.excluded(child, is_dir):
                if is_dir or python:
                    self.skip(child_shown, "excluded by the exclude settings")
                continue
            if self.respect_gitignore and _ignored(specs, child, is_dir):
                if is_dir or python:
                    self.skip(child_shown, "ignored by a git ignore file")
                continue
            if is_link:
                self.link(child, child_shown, specs, root, excluder)
            elif is_dir:
                if child_real in self.searched:
                    self.skip(child_shown, f"searched already as {self.searched[child_real]}")
                else:
                    self.directory(child, child_shown, specs, child_real, root, excluder)
            elif python:
                if entry.is_file(follow_symlinks=False):
                    self.add(child_shown, child_real, root)
                else:
                    mode = entry.stat(follow_symlinks=False).st_mode
                    self.skip(child_shown, f"not a regular file ({kind_of(mode)})")

    def link(
        self, absolute: str, shown: str, specs: list[_Spec], root: str, excluder: _Excluder
    ) -> None:
        """A symbolic link met in a walk: followed later if it stays inside ``root``."""
        python = shown.endswith(PYTHON_SUFFIXES)
        real = os.path.realpath(absolute)
        try:
            mode = os.stat(real).st_mode
        except OSError:
            if python:
                self.skip(shown, "broken symbolic link")
            return
        if not (stat.S_ISDIR(mode) or python):
            return
        reason = outside_reason(real, root)
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            self.skip(shown, f"not a regular file ({kind_of(mode)})")
        elif reason is not None:
            self.skip(shown, reason)
        elif stat.S_ISDIR(mode):
            self.dir_links.append(_DirLink(absolute, shown, specs, real, root, excluder))
        else:
            self.file_links.append((shown, real, root))

    def follow_links(self) -> None:
        """Search what the links found so far add (links found there join the queue)."""
        while self.dir_links:
            link = self.dir_links.pop(0)
            if link.real in self.searched:
                parent = os.path.realpath(os.path.dirname(link.absolute))
                loop = "a symbolic link loop: " if within(parent, link.real) else ""
                seen = self.searched[link.real]
                self.skip(link.shown, f"{loop}a link to {seen}, searched already")
                continue
            self.directory(
                link.absolute, link.shown, link.specs, link.real, link.root, link.excluder
            )
        for shown, real, root in self.file_links:
            self.add(shown, real, root)
        self.file_links.clear()


def discover_files(
    paths: Sequence[str],
    exclude: Sequence[ExcludeRule] = (),
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> Discovery:
    """The files to lint under ``paths`` (files and directories), and what was left out.

    Paths are reported as given (``src`` -> ``src/pkg/mod.py``).  A symbolic link is followed
    only when it resolves inside the root of the named path it was found under
    (``files.lint_root``: the git work tree, else the named directory) and not into ``.git``.
    A file named on the command line is kept whatever it is (reading it is the runner's
    check, and its refusal a PFL000). Raises ``MissingPathError`` naming every path that does
    not exist.
    """
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise MissingPathError(missing)
    excluder = _Excluder(exclude)
    walk = _Walk(respect_gitignore)
    refused: list[Skipped] = []
    for path in paths:
        absolute = os.path.abspath(path)
        is_dir = os.path.isdir(absolute)
        root = lint_root(path)
        outer = _outer_gitignores(absolute) if respect_gitignore else []
        excluded = excluder.excluded(absolute, is_dir) or _ignored(outer, absolute, is_dir)
        if excluded and force_exclude:
            continue
        real = os.path.realpath(absolute)
        if not is_dir:
            shown = os.path.normpath(path)
            if os.path.islink(absolute):
                walk.file_links.append((shown, real, root))
            else:
                walk.add(shown, real, root)
            continue
        reason = outside_reason(real, root)
        if reason is not None:
            refused.append(Skipped(path, f"not read: {reason}"))
            continue
        if real in walk.searched:
            continue  # named twice
        named = excluder
        if excluded:
            # Named explicitly: lint it all the same, but do not let the patterns that excluded
            # it exclude everything inside it too.
            named = excluder.rebased(absolute)
            outer = [spec for spec in outer if not spec.check(absolute, True)]
        walk.directory(absolute, path, outer, real, root, named)
    walk.follow_links()
    return Discovery(
        files=tuple(sorted(walk.found)),
        roots=dict(walk.found),
        skipped=tuple(walk.skipped),
        refused=tuple(refused),
    )


def discover(
    paths: Sequence[str],
    exclude: Sequence[ExcludeRule] = (),
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> list[str]:
    """The files ``discover_files`` finds, sorted and without duplicates."""
    found = discover_files(
        paths, exclude, force_exclude=force_exclude, respect_gitignore=respect_gitignore
    )
    return list(found.files)


def is_excluded(path: str, exclude: Sequence[ExcludeRule], respect_gitignore: bool = True) -> bool:
    """Whether ``path`` (e.g. ``--stdin-filename``) would be skipped with ``--force-exclude``."""
    absolute = os.path.abspath(path)
    outer = _outer_gitignores(absolute) if respect_gitignore else []
    return _Excluder(exclude).excluded(absolute, False) or _ignored(outer, absolute, False)
