"""Paths as CI systems link them: relative to the repository's root, with ``/`` separators.

GitHub (annotations, code scanning) and GitLab resolve a report's paths against the top of the
repository, while perflint reports paths as given, relative to where it runs; in a monorepo job
with ``working-directory: service`` the two differ.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from perflint.text.files import work_tree


def repository_root(start: Path | None = None) -> Path:
    """The top of the git work tree holding ``start`` (default: the working directory);
    ``start`` itself when it is in no repository."""
    base = (start or Path.cwd()).resolve()
    return Path(work_tree(str(base)) or base)


def repository_path(path: str, root: Path) -> str | None:
    """``path`` (absolute, or relative to the working directory) relative to ``root``, as a
    POSIX path without ``./``; None when it lies outside ``root``."""
    base = root.resolve()
    absolute = Path(os.path.normpath(Path.cwd() / path))
    for candidate in (absolute, absolute.resolve()):  # resolved: a symlinked spelling of base
        try:
            return PurePath(candidate).relative_to(base).as_posix()
        except ValueError:
            continue
    return None
