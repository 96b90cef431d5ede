"""Find the files to lint: walk directories for ``.py``/``.pyi``, honouring ``.gitignore`` files and
the configured excludes; files named on the command line are linted even if excluded unless
``force_exclude``.  The result is sorted, so every run sees the same order."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import pathspec

from perflint.config import ExcludeRule

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


def _read_ignore_file(path: str) -> list[str] | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return None


def _gitignore_of(directory: str) -> _Spec | None:
    lines = _read_ignore_file(os.path.join(directory, ".gitignore"))
    return _spec(directory, lines) if lines else None


def git_root(directory: str) -> str | None:
    """The top of the git work tree holding ``directory`` (found by its ``.git`` entry: a
    directory, or a file in worktrees and submodules), or None."""
    current = directory
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _outer_gitignores(directory: str) -> list[_Spec]:
    """The ignore files that apply inside ``directory`` from above it: ``.git/info/exclude`` and every
    ``.gitignore`` from the git root down to ``directory``'s parent (outermost first)."""
    root = git_root(directory)
    if root is None:
        return []
    specs = []
    exclude = _read_ignore_file(os.path.join(root, ".git", "info", "exclude"))
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
        spec = _gitignore_of(folder)
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


@dataclass
class _Walk:
    excluder: _Excluder
    respect_gitignore: bool
    found: list[str]

    def directory(self, absolute: str, shown: str, specs: list[_Spec]) -> None:
        if self.respect_gitignore:
            own = _gitignore_of(absolute)
            if own is not None:
                specs = [*specs, own]
        try:
            with os.scandir(absolute) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            return  # unreadable directory: nothing to lint in it
        for entry in entries:
            child = os.path.join(absolute, entry.name)
            child_shown = os.path.normpath(os.path.join(shown, entry.name))
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:
                continue
            if is_dir and entry.name == ".git":
                continue  # git's own data, whatever the excludes say
            if self.excluder.excluded(child, is_dir):
                continue
            if self.respect_gitignore and _ignored(specs, child, is_dir):
                continue
            if is_dir:
                self.directory(child, child_shown, specs)
            elif is_file and entry.name.endswith(PYTHON_SUFFIXES):
                self.found.append(child_shown)


def discover(
    paths: Sequence[str],
    exclude: Sequence[ExcludeRule] = (),
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> list[str]:
    """The files to lint under ``paths`` (files and directories), sorted and without duplicates.

    Paths are reported as given (``src`` -> ``src/pkg/mod.py``).  Raises ``MissingPathError``
    naming every path that does not exist.
    """
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise MissingPathError(missing)
    excluder = _Excluder(exclude)
    found: list[str] = []
    for path in paths:
        absolute = os.path.abspath(path)
        is_dir = os.path.isdir(absolute)
        outer = _outer_gitignores(absolute) if respect_gitignore else []
        excluded = excluder.excluded(absolute, is_dir) or _ignored(outer, absolute, is_dir)
        if excluded and force_exclude:
            continue
        if not is_dir:
            found.append(os.path.normpath(path))
            continue
        walk = _Walk(excluder, respect_gitignore, found)
        if excluded:
            # Named explicitly: lint it all the same, but do not let the patterns that excluded
            # it exclude everything inside it too.
            walk.excluder = excluder.rebased(absolute)
            outer = [spec for spec in outer if not spec.check(absolute, True)]
        walk.directory(absolute, path, outer)
    return sorted(set(found))


def is_excluded(path: str, exclude: Sequence[ExcludeRule], respect_gitignore: bool = True) -> bool:
    """Whether ``path`` (e.g. ``--stdin-filename``) would be skipped with ``--force-exclude``."""
    absolute = os.path.abspath(path)
    outer = _outer_gitignores(absolute) if respect_gitignore else []
    return _Excluder(exclude).excluded(absolute, False) or _ignored(outer, absolute, False)
