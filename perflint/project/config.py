"""Configuration files: ``[tool.perflint]`` of the nearest ``pyproject.toml`` (or a file given
with ``--config``), read and checked key by key; ``perflint.project.options`` merges it with
the command line, which overrides the file.  A repository's file is untrusted: it may choose what is
checked and how it is shown, never a program to run or a path to write, so ``python`` and
``output-file`` are command-line only (:data:`COMMAND_LINE_ONLY`) and ``jobs`` is capped by the
runner.  Unknown keys, bad values and selectors that match no rule
(``perflint.project.selection``) are errors that name them.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perflint.output.docs_url import check_docs_url
from perflint.project import ConfigError
from perflint.project.perfile import GlobError, compile_ignores
from perflint.project.selection import check_selectors, known_rules, selector_matches
from perflint.text.files import FileRefused, outside_reason, read_bounded, work_tree
from perflint.types import (
    PYTHON_VERSIONS,
    PerFileIgnore,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
COLOR_CHOICES = ("auto", "always", "never")


# -- keys -----------------------------------------------------------------------------------------


def _strings(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("must be a list of strings")


def _globs_to_codes(key: str, value: object) -> dict[str, tuple[str, ...]]:
    if isinstance(value, dict) and all(
        isinstance(pattern, str) and isinstance(codes, list) and all(isinstance(c, str) for c in codes)
        for pattern, codes in value.items()
    ):
        return {pattern: tuple(codes) for pattern, codes in value.items()}
    raise ValueError('must be a table of "glob" = ["rule codes"]')


def _bool(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _one_of(*choices: str) -> Callable[[str, object], str]:
    def check(key: str, value: object) -> str:
        if isinstance(value, str) and value in choices:
            return value
        raise ValueError(f"must be one of {', '.join(repr(choice) for choice in choices)}")

    return check


def _string(key: str, value: object) -> str:
    if isinstance(value, str) and value and "\0" not in value:
        return value
    raise ValueError("must be a non-empty string")


def _jobs(key: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ValueError("must be a whole number of at least 1")


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]i?b|b)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def parse_size(value: object) -> int:
    """A size in bytes from a whole number of bytes or a string such as ``"5MB"``, ``"512 kB"``
    or ``"2MiB"`` (kB, MB, GB are powers of 1000; KiB, MiB, GiB of 1024); at least 1 byte."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        match = _SIZE.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError("must be a number of bytes or a size such as \"5MB\" or \"512KiB\"")
        size = int(float(match[1]) * _UNITS[(match[2] or "b").lower()])
    if size < 1:
        raise ValueError("must be at least 1 byte")
    return size


def _size(key: str, value: object) -> int:
    return parse_size(value)


def _docs_url(key: str, value: object) -> str:
    return check_docs_url(value)


def _format(key: str, value: object) -> str:
    from perflint.output.formats import formats

    return _one_of(*formats())(key, value)


#: Every key ``[tool.perflint]`` accepts (the check command's options in kebab-case), with its validator.
#: ``diff``, ``config`` and ``stdin-filename`` only make sense for one invocation, so they are CLI-only.
#: ``fix`` and ``unsafe-fixes`` are kept for local runs: ``--no-fix`` overrides them, and the modes
#: that only report (``--diff``, ``--since``, ``--staged``, ``baseline``, ``review``) never fix.
KEYS: dict[str, Callable[[str, object], object]] = {
    "select": _strings,
    "ignore": _strings,
    "extend-select": _strings,
    "exclude": _strings,
    "extend-exclude": _strings,
    "force-exclude": _bool,
    "target-version": _one_of(*PYTHON_VERSIONS),
    "fix": _bool,
    "unsafe-fixes": _bool,
    "explain": _bool,
    "output-format": _format,
    "format": _format,  # the same key under its older name
    "exit-zero": _bool,
    "statistics": _bool,
    "jobs": _jobs,
    "color": _one_of(*COLOR_CHOICES),
    "quiet": _bool,
    "max-file-size": _size,
    "rule-paths": _strings,
    "docs-url": _docs_url,
    "per-file-ignores": _globs_to_codes,
    "extend-per-file-ignores": _globs_to_codes,
    "show-fixes": _bool,
    # Where the result cache is, relative to the file: only inside the project (see
    # perflint.project.options._cache_dir).
    "cache-dir": _string,
}
#: The keys holding per-file ignores: compiled against the file's folder when it is loaded.
PER_FILE_KEYS = ("per-file-ignores", "extend-per-file-ignores")

#: Options a configuration file may not set, with where to give them instead: the repository
#: being linted must not choose a program perflint runs or a path it writes.
COMMAND_LINE_ONLY: dict[str, str] = {
    "python": "--python or the PERFLINT_PYTHON environment variable (it names a program to run)",
    "output-file": "--output-file (it names a file to write)",
}

#: The formats a file's ``statistics`` applies to: a machine-readable format, even one chosen
#: on the command line, always carries the findings themselves.
STATISTICS_FORMATS = ("text", "concise")


def _unknown_keys_message(unknown: Iterable[str]) -> str:
    parts = []
    for key in sorted(unknown):
        close = difflib.get_close_matches(key, KEYS, n=1)
        parts.append(repr(key) + (f" (did you mean '{close[0]}'?)" if close else ""))
    return f"unknown key(s): {', '.join(parts)}"


# -- files ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileConfig:
    """What a configuration file says: validated values keyed as in the file, and where it is."""

    path: Path | None
    #: The directory ``exclude`` patterns are relative to.
    root: Path
    values: Mapping[str, object] = field(default_factory=dict)
    requires_python: str | None = None


#: The largest configuration file read (a link to /dev/zero must not fill the memory).
MAX_CONFIG_SIZE = 10_000_000


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; anything that keeps it from being read as TOML is a ConfigError of one
    line naming the file (never a traceback: the file may come from a hostile repository).
    It is read bounded, and only if it is a regular file (not a FIFO or a link to a device)."""
    try:
        data = read_bounded(str(path), MAX_CONFIG_SIZE)
    except FileRefused as error:
        raise ConfigError(f"{path}: {error}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not UTF-8 (TOML files must be): byte {error.start} cannot be decoded"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: values nested too deeply") from None


def _tool_table(data: Mapping[str, Any]) -> object:
    tool = data.get("tool")
    return tool.get("perflint") if isinstance(tool, dict) else None


def _requires_python(data: Mapping[str, Any]) -> str | None:
    project = data.get("project")
    value = project.get("requires-python") if isinstance(project, dict) else None
    return value if isinstance(value, str) else None


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` with a ``[tool.perflint]`` table, else the
    nearest ``pyproject.toml`` at all (for ``requires-python``), else None.  Only regular files
    count (a directory, FIFO or device of that name is passed over, as is one that cannot even
    be looked at); one that is there but cannot be read or parsed is a ConfigError."""
    start = Path(_absolute(start))
    nearest = None
    for directory in (start, *start.parents):
        candidate = directory / PYPROJECT
        if not os.path.isfile(candidate):  # never raises, unlike Path.is_file before 3.13
            continue
        _refuse_link_out(candidate)
        nearest = nearest or candidate
        if _tool_table(_read_toml(candidate)) is not None:
            return candidate
    return nearest


def _refuse_link_out(candidate: Path) -> None:
    """A found ``pyproject.toml`` that links outside its repository (the git work tree holding
    it, else its directory) or into ``.git`` is an error, not read: a pull request could point
    it at a file of the job's machine."""
    directory = str(candidate.parent)
    root = os.path.realpath(work_tree(directory) or directory)
    reason = outside_reason(os.path.realpath(candidate), root)
    if reason is not None:
        raise ConfigError(f"{candidate}: {reason}: not read")


def load_config(path: Path, *, explicit: bool = False) -> FileConfig:
    """Read and validate one configuration file.

    A ``pyproject.toml`` holds the settings in ``[tool.perflint]``; any other TOML file given with
    ``--config`` holds them at its top level.
    """
    path = Path(_absolute(path))
    data = _read_toml(path)
    if path.name == PYPROJECT or not explicit:
        table = _tool_table(data)
        where = f"{path}: [tool.perflint]"
    else:
        table = data
        where = f"{path}:"
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    for key in COMMAND_LINE_ONLY:
        if key in table:
            raise ConfigError(
                f"{where} '{key}' cannot be set in a configuration file: give "
                f"{COMMAND_LINE_ONLY[key]}"
            )
    unknown = set(table) - set(KEYS)
    if unknown:
        raise ConfigError(f"{where} {_unknown_keys_message(unknown)}")
    values: dict[str, object] = {}
    for key, value in table.items():
        try:
            values[key] = KEYS[key](key, value)
        except ValueError as error:
            raise ConfigError(f"{where} '{key}' {error}") from None
    if "output-format" in values:
        if "format" in values:
            raise ConfigError(f"{where} 'output-format' and 'format' are the same key: give one")
        values["format"] = values.pop("output-format")
    if "rule-paths" in values:
        values["rule-paths"] = _rule_paths(values["rule-paths"], path.parent, where)  # type: ignore[arg-type]
    config = FileConfig(
        path=path, root=path.parent, values=values, requires_python=_requires_python(data)
    )
    packs = tuple(values.get("rule-paths", ()))  # type: ignore[arg-type]
    for key in ("select", "extend-select", "ignore"):
        if key in values:
            check_selectors(values[key], f"{where} '{key}'", packs)  # type: ignore[arg-type]
    for key in PER_FILE_KEYS:
        if key in values:
            values[key] = per_file_ignores(values[key], path.parent, f"{where} '{key}'", packs)  # type: ignore[arg-type]
    return config


def per_file_ignores(
    mapping: Mapping[str, Sequence[str]], base: Path, where: str, rule_paths: tuple[str, ...] = ()
) -> tuple[PerFileIgnore, ...]:
    """``{glob: selectors}`` compiled against ``base`` (the configuration file's folder, or
    the working directory for the command line), each selector resolved to rule codes."""

    def resolve(selectors: Sequence[str]) -> tuple[str, ...]:
        check_selectors(selectors, where, rule_paths)
        rules = known_rules(rule_paths)
        return tuple(spec.code for spec in rules if any(selector_matches(s, spec) for s in selectors))

    try:
        return compile_ignores(mapping, str(base), resolve)
    except GlobError as error:
        raise ConfigError(f"{where}: {error}") from None


def _rule_paths(folders: Sequence[str], base: Path, where: str) -> tuple[str, ...]:
    """A configuration file's ``rule-paths``, relative to it, as real absolute paths; each
    must lie inside the project (the git work tree holding the file, else its folder): a
    repository's configuration chooses no file outside it to read."""

    project = os.path.realpath(work_tree(str(base)) or base)
    found = []
    for folder in folders:
        real = os.path.realpath(base / folder)
        if os.path.commonpath([real, project]) != project:
            raise ConfigError(f"{where} 'rule-paths': {folder!r} leads outside the project ({project})")
        if not os.path.isdir(real):
            raise ConfigError(f"{where} 'rule-paths': {folder!r} is not a folder")
        found.append(real)
    return tuple(found)


def _absolute(path: Path) -> str:
    return os.path.abspath(path)
