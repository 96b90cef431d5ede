"""The options of one run: the configuration file merged with the command line (which wins),
and the settings the engine lints with. Every command goes from options to settings here."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perflint.output.docs_url import check_docs_url
from perflint.project import ConfigError
from perflint.project.cache import DIRECTORY_NAME
from perflint.project.config import (
    COMMAND_LINE_ONLY,
    KEYS,
    STATISTICS_FORMATS,
    FileConfig,
    find_config,
    load_config,
    per_file_ignores,
)
from perflint.project.requires_python import target_from_requires_python
from perflint.project.selection import SelectionLayer, check_selectors, resolve_selection
from perflint.text.files import within, work_tree
from perflint.types import DEFAULT_MAX_FILE_SIZE, PerFileIgnore, Settings, current_target


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
    ".perflint_cache",
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
    #: The result cache's directory (absolute), or None: no cache (``--no-cache``).
    cache_dir: str | None = None
    #: The project root: linted paths are keyed relative to it, and no symbolic link below
    #: it is followed on the way to the cache (the configuration's folder, else the cwd).
    cache_root: str | None = None
    #: Why the configuration's ``cache-dir`` is not used (the run prints them as warnings).
    cache_warnings: tuple[str, ...] = ()


def resolve_options(cli: Mapping[str, object], config: FileConfig, cwd: Path) -> Options:
    """Merge command-line values (keyed like the file's keys; None = not given) over the file's."""
    unknown = set(cli) - set(KEYS) - set(COMMAND_LINE_ONLY) - {"diff", "stdin-filename", "no-cache"}
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
            check_selectors(selectors, option, rule_paths)  # type: ignore[arg-type]
    layers.append(SelectionLayer(cli_select, tuple(cli_extend), tuple(cli_ignore)))  # type: ignore[arg-type]

    target, target_from = _target(cli, config)

    output_format = str(pick("format", "text"))
    statistics = cli.get("statistics")
    if statistics is None:
        statistics = file.get("statistics", False) and output_format in STATISTICS_FORMATS
    output_file = cli.get("output-file")
    if cli.get("docs-url") is not None:
        try:
            check_docs_url(cli["docs-url"])
        except ValueError as error:
            raise ConfigError(f"--docs-url {error}") from None

    cache_dir, cache_warnings = _cache_dir(cli, config, cwd)
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
        cache_dir=cache_dir,
        cache_root=str(config.root),
        cache_warnings=cache_warnings,
    )


def _cache_dir(cli: Mapping[str, object], config: FileConfig, cwd: Path) -> tuple[str | None, tuple[str, ...]]:
    """The result cache's directory and why the configuration's choice was not taken:
    ``--no-cache`` (none), ``--cache-dir`` or ``PERFLINT_CACHE_DIR`` (relative to the cwd),
    the file's ``cache-dir`` (relative to the file, and only inside the project: the
    repository must not choose where perflint writes), else ``.perflint_cache`` in the
    project root."""
    if cli.get("no-cache"):
        return None, ()
    given = cli.get("cache-dir")
    if given:
        return os.path.normpath(os.path.join(cwd, str(given))), ()
    root = os.path.abspath(config.root)
    default = os.path.join(root, DIRECTORY_NAME)
    value = config.values.get("cache-dir")
    if value is None:
        return default, ()
    project = os.path.abspath(work_tree(root) or root)
    candidate = os.path.normpath(os.path.join(root, str(value)))
    inside = (
        not os.path.isabs(str(value))
        and within(candidate, project)
        and within(os.path.realpath(candidate), os.path.realpath(project))
    )
    if inside:
        return candidate, ()
    why = "is absolute" if os.path.isabs(str(value)) else f"leads outside the project ({project})"
    return default, (f"{config.path}: [tool.perflint] 'cache-dir' {str(value)!r} {why}: not used, the cache is in {default}",)


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
