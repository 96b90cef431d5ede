"""Configuration: ``[tool.perflint]`` of the nearest ``pyproject.toml``, merged with the command line.

The command line overrides the file.  A repository's file is untrusted: it may choose what is
checked and how it is shown, never a program to run or a path to write, so ``python`` and
``output-file`` are command-line only (:data:`COMMAND_LINE_ONLY`) and ``jobs`` is capped by the
runner.  Rule selection is layered like ruff's: the file's
``select``/``extend-select``/``ignore`` are applied first, then the command line's, and within a
layer the most specific selector wins (``ignore = ["PFL1"]`` with ``select = ["PFL101"]`` keeps
PFL101).  Unknown keys, bad values and selectors that match no rule are errors that name them.
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

from perflint.project.perfile import GlobError, compile_ignores
from perflint.project.requires_python import target_from_requires_python
from perflint.text.files import FileRefused, outside_reason, read_bounded, work_tree
from perflint.types import (
    DEFAULT_MAX_FILE_SIZE,
    PYTHON_VERSIONS,
    PerFileIgnore,
    RuleSpec,
    Settings,
    current_target,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
COLOR_CHOICES = ("auto", "always", "never")


class ConfigError(Exception):
    """A configuration (file or command line) that cannot be used; the message says where and why."""


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
    from perflint.output.docs_url import check_docs_url

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
            _check_selectors(values[key], f"{where} '{key}'", packs)  # type: ignore[arg-type]
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
        _check_selectors(selectors, where, rule_paths)
        rules = _rules(rule_paths)
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


# -- rule selection -------------------------------------------------------------------------------

ALL = "ALL"


def _rules(rule_paths: tuple[str, ...] = ()) -> tuple[RuleSpec, ...]:
    """The built-in rules and the packs in ``rule_paths``; a pack that cannot be loaded is a
    ConfigError naming its file, key and line."""
    from perflint.rules.registry import RuleFileError, all_rules, field_line

    try:
        return all_rules(rule_paths)
    except RuleFileError as error:
        line = field_line(error.path, error.field)
        where = f"{error.path}:{line}" if line is not None else str(error.path)
        message = str(error).removeprefix(str(error.path)).lstrip(": ")
        raise ConfigError(f"{where}: {message}") from None


def selector_matches(selector: str, spec: RuleSpec) -> int:
    """How specifically ``selector`` names ``spec``: 0 = not at all, 1 = ALL, larger = more specific."""
    if selector == ALL:
        return 1
    if selector == spec.code or selector == spec.name:
        return 100
    if selector.upper() == selector and spec.code.startswith(selector):
        return 1 + len(selector)
    return 0


def _check_selectors(selectors: Sequence[str], where: str, rule_paths: tuple[str, ...] = ()) -> None:
    rules = _rules(rule_paths)
    unknown = [s for s in selectors if not any(selector_matches(s, spec) for spec in rules)]
    if unknown:
        raise ConfigError(
            f"{where}: unknown rule selector(s): {', '.join(repr(s) for s in unknown)}"
            " (use a code like PFL101, a prefix like PFL1, a rule name, or ALL)"
        )


@dataclass(frozen=True)
class SelectionLayer:
    """One source of rule selection (the config file, then the command line)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def resolve_selection(
    layers: Sequence[SelectionLayer], rule_paths: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The codes enabled after applying each layer in turn; before the first layer, every
    rule (the packs' too) except those off by default (PFL001, as ruff's RUF100)."""
    rules = _rules(rule_paths)
    enabled = {spec.code for spec in rules if spec.default_enabled}
    for layer in layers:
        selects = (*(layer.select or ()), *layer.extend_select)
        for spec in rules:
            chosen = max((selector_matches(s, spec) for s in selects), default=0)
            dropped = max((selector_matches(s, spec) for s in layer.ignore), default=0)
            if dropped and dropped >= chosen:
                enabled.discard(spec.code)
            elif chosen:
                enabled.add(spec.code)
            elif layer.select is not None:
                enabled.discard(spec.code)  # a layer with ``select`` starts over
    return tuple(sorted(enabled))


# -- merging --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExcludeRule:
    """Gitignore-style patterns anchored at ``base``."""

    base: Path
    patterns: tuple[str, ...]


DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "build",
    "dist",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "site-packages",
    "_build",
    "buck-out",
    ".eggs",
    ".direnv",
    "__pypackages__",
)


@dataclass(frozen=True)
class Options:
    """Everything one ``perflint check`` run needs, after merging the file and the command line."""

    select: tuple[str, ...]
    target_version: str
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    explain: bool = False
    format: str = "text"
    output_file: Path | None = None
    exit_zero: bool = False
    statistics: bool = False
    jobs: int | None = None
    color: str = "auto"
    quiet: bool = False
    force_exclude: bool = False
    exclude: tuple[ExcludeRule, ...] = ()
    python: str | None = None
    stdin_filename: str = "-"
    config_path: Path | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: Folders of rule packs (real absolute paths): the file's ``rule-paths``, ``--rule-path``.
    rule_paths: tuple[str, ...] = ()
    #: Where the rule pages are published (``docs-url``); None: no links.
    docs_url: str | None = None
    #: ``per-file-ignores`` (the command line's, else the file's) and every
    #: ``extend-per-file-ignores``, each anchored where it was given.
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    #: Where ``target_version`` comes from, in words.
    target_from: str = ""
    #: ``--show-fixes``: each fix as a diff in the text output, and after ``--fix`` the list
    #: of fixes applied.
    show_fixes: bool = False


def resolve_options(cli: Mapping[str, object], config: FileConfig, cwd: Path) -> Options:
    """Merge command-line values (keyed like the file's keys; None = not given) over the file's."""
    unknown = set(cli) - set(KEYS) - set(COMMAND_LINE_ONLY) - {"diff", "stdin-filename"}
    if unknown:  # a programming error in the CLI, not a user error
        raise ValueError(f"unknown option keys {sorted(unknown)}")
    file = config.values

    def pick(key: str, default: object) -> Any:
        value = cli.get(key)
        if value is not None:
            return value
        return file.get(key, default)

    given_paths = cli.get("rule-paths") or ()
    rule_paths = tuple(
        dict.fromkeys(
            [*file.get("rule-paths", ()), *(os.path.realpath(cwd / p) for p in given_paths)]  # type: ignore[misc]
        )
    )
    for folder in given_paths:  # type: ignore[attr-defined]
        if not os.path.isdir(cwd / folder):
            raise ConfigError(f"--rule-path: {folder!r} is not a folder")
    layers = [
        SelectionLayer(
            select=file.get("select"),  # type: ignore[arg-type]
            extend_select=file.get("extend-select", ()),  # type: ignore[arg-type]
            ignore=file.get("ignore", ()),  # type: ignore[arg-type]
        )
    ]
    cli_select = cli.get("select")
    cli_extend = cli.get("extend-select") or ()
    cli_ignore = cli.get("ignore") or ()
    for option, selectors in (
        ("--select", cli_select),
        ("--extend-select", cli_extend),
        ("--ignore", cli_ignore),
    ):
        if selectors:
            _check_selectors(selectors, option, rule_paths)  # type: ignore[arg-type]
    layers.append(SelectionLayer(cli_select, tuple(cli_extend), tuple(cli_ignore)))  # type: ignore[arg-type]

    target, target_from = _target(cli, config)

    output_format = str(pick("format", "text"))
    statistics = cli.get("statistics")
    if statistics is None:
        statistics = file.get("statistics", False) and output_format in STATISTICS_FORMATS
    output_file = cli.get("output-file")
    if cli.get("docs-url") is not None:
        try:
            _docs_url("docs-url", cli["docs-url"])
        except ValueError as error:
            raise ConfigError(f"--docs-url {error}") from None

    return Options(
        select=resolve_selection(layers, rule_paths),
        target_version=target,
        target_from=target_from,
        fix=bool(pick("fix", False)),
        unsafe_fixes=bool(pick("unsafe-fixes", False)),
        diff=bool(cli.get("diff") or False),
        explain=bool(pick("explain", False)),
        format=output_format,
        output_file=Path(output_file) if output_file is not None else None,  # type: ignore[arg-type]
        exit_zero=bool(pick("exit-zero", False)),
        statistics=bool(statistics),
        jobs=pick("jobs", None),
        color=str(pick("color", "auto")),
        quiet=bool(pick("quiet", False)),
        force_exclude=bool(pick("force-exclude", False)),
        exclude=_exclude_rules(cli, config, cwd),
        python=cli.get("python"),  # type: ignore[arg-type]
        stdin_filename=str(cli.get("stdin-filename") or "-"),
        config_path=config.path,
        max_file_size=_max_file_size(cli, config),
        rule_paths=rule_paths,
        docs_url=pick("docs-url", None),
        per_file_ignores=_per_file_ignores(cli, config, cwd, rule_paths),
        show_fixes=bool(pick("show-fixes", False)),
    )


def _target(cli: Mapping[str, object], config: FileConfig) -> tuple[str, str]:
    """The target version and where it comes from (for ``--verbose`` and ``--show-settings``)."""
    if cli.get("target-version"):
        return str(cli["target-version"]), "--target-version"
    if "target-version" in config.values:
        return str(config.values["target-version"]), f"target-version in {config.path}"
    if config.requires_python:
        found = target_from_requires_python(config.requires_python)
        if found is not None:
            return found, f"requires-python {config.requires_python!r} in {config.path}"
    return current_target(), f"the running CPython {sys.version_info[0]}.{sys.version_info[1]}"


def _per_file_ignores(
    cli: Mapping[str, object], config: FileConfig, cwd: Path, rule_paths: tuple[str, ...]
) -> tuple[PerFileIgnore, ...]:
    """As ruff merges them: ``--per-file-ignores`` replaces the file's ``per-file-ignores``;
    both ``extend-per-file-ignores`` add to whichever stands. The file's patterns are
    relative to its folder, the command line's to the working directory."""
    file = config.values

    def given(key: str) -> tuple[PerFileIgnore, ...]:
        mapping = cli.get(key)
        if not mapping:
            return ()
        return per_file_ignores(mapping, cwd, f"--{key}", rule_paths)  # type: ignore[arg-type]

    base = given("per-file-ignores") or tuple(file.get("per-file-ignores", ()))  # type: ignore[arg-type]
    return (*base, *tuple(file.get("extend-per-file-ignores", ())), *given("extend-per-file-ignores"))  # type: ignore[arg-type]


def lint_settings(options: Options, *, fixing: bool = True) -> Settings:
    """How to lint, from a run's options: the one way every command turns its options into
    ``Settings``. ``fixing=False`` for the modes that only report (``--since``, ``review``,
    ``diff``)."""
    return Settings(
        select=options.select,
        target_version=options.target_version,
        fix=options.fix and fixing,
        unsafe_fixes=options.unsafe_fixes,
        diff=options.diff and fixing,
        max_file_size=options.max_file_size,
        rule_paths=options.rule_paths,
        per_file_ignores=options.per_file_ignores,
    )


def _max_file_size(cli: Mapping[str, object], config: FileConfig) -> int:
    """``--max-file-size``, else the file's value up to the default: a repository's own
    configuration may lower the limit, not raise it (one huge generated file in a pull
    request must not take the job down through a line in its pyproject.toml)."""
    given = cli.get("max-file-size")
    if given is not None:
        return int(given)  # type: ignore[call-overload]
    return min(int(config.values.get("max-file-size", DEFAULT_MAX_FILE_SIZE)), DEFAULT_MAX_FILE_SIZE)  # type: ignore[call-overload]


def _exclude_rules(
    cli: Mapping[str, object], config: FileConfig, cwd: Path
) -> tuple[ExcludeRule, ...]:
    """``exclude`` replaces the default excludes and ``extend-exclude`` adds to them (as in ruff);
    the file's patterns are relative to its directory, the command line's to the cwd."""
    file = config.values
    rules: list[ExcludeRule]
    if cli.get("exclude"):
        rules = [ExcludeRule(cwd, tuple(cli["exclude"]))]  # type: ignore[arg-type]
    elif "exclude" in file:
        rules = [ExcludeRule(config.root, tuple(file["exclude"]))]  # type: ignore[arg-type]
    else:
        rules = [ExcludeRule(config.root, DEFAULT_EXCLUDES)]
    if file.get("extend-exclude"):
        rules.append(ExcludeRule(config.root, tuple(file["extend-exclude"])))  # type: ignore[arg-type]
    if cli.get("extend-exclude"):
        rules.append(ExcludeRule(cwd, tuple(cli["extend-exclude"])))  # type: ignore[arg-type]
    return tuple(rule for rule in rules if rule.patterns)


def settings_config(
    paths: Sequence[str], config_file: Path | None, cwd: Path, stdin_filename: str | None
) -> FileConfig:
    """Find and load the configuration for a run: ``--config`` if given, else the nearest file
    above the first path (or the cwd)."""
    if config_file is not None:
        return load_config(config_file, explicit=True)
    start = cwd
    first = next((path for path in paths if path != "-"), None)
    if first is None and stdin_filename:
        first = stdin_filename
    if first is not None:
        candidate = cwd / first
        start = candidate if os.path.isdir(candidate) else candidate.parent
    found = find_config(start)
    if found is None:
        return FileConfig(path=None, root=cwd)
    return load_config(found)


def project_options(cli: Mapping[str, object], cwd: Path) -> Options:
    """The options of a command that lints nothing (``explain``, ``rule``, ``rules``): the
    nearest configuration of the working directory, under the command line's values."""
    return resolve_options(cli, settings_config((), None, cwd, None), cwd)
