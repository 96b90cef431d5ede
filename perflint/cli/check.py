"""``perflint check``: its options and what each run mode does with them.

Besides reporting (``check_run.Run``), the command has the modes ruff's has: ``--show-files``
and ``--show-settings`` say what would be linted and how, ``--add-noqa`` writes a
``# noqa`` for every finding instead of reporting it. Each takes its files from the paths.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from perflint.cli.check_run import (
    STDIN,
    PerflintError,
    Run,
    apply_baseline,
    attach_explanations,
    regressions,
)
from perflint.cli.options import RULE_PATH_OPTION, config_option, python_option
from perflint.cli.show import files_text, settings_text
from perflint.output.formats import formats
from perflint.output.printable import echo, printable
from perflint.project import ConfigError
from perflint.project.config import COLOR_CHOICES, parse_size
from perflint.project.options import resolve_options, settings_config
from perflint.rules.registry import all_rules
from perflint.types import PYTHON_VERSIONS

#: Options given as comma-separated lists, possibly repeated.
_LIST_OPTIONS = ("select", "ignore", "extend_select", "exclude", "extend_exclude")


def _split(values: Sequence[str]) -> tuple[str, ...] | None:
    """``("PFL101,PFL102", "PFL2")`` -> ``("PFL101", "PFL102", "PFL2")``; None when not given."""
    items = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    return items or None


#: ``--rule-path``: a team's rule pack, beside the configuration's ``rule-paths``.
@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--select",
    multiple=True,
    help="Rules to enable: codes, prefixes, names or ALL (comma-separated).",
)
@click.option("--ignore", multiple=True, help="Rules to disable (comma-separated).")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option(
    "--fix/--no-fix", default=None, help="Apply safe fixes (and unsafe ones with --unsafe-fixes)."
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Also apply, and show as fixable, unsafe fixes.",
)
@click.option(
    "--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them."
)
@click.option(
    "--explain",
    is_flag=True,
    default=None,
    help="Show the bytecode of each finding beside its rewrite.",
)
@click.option(
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(formats()),
    envvar="PERFLINT_OUTPUT_FORMAT",
    show_envvar=True,
    help="Output format (default: text; --format is the same option).",
)
@click.option(
    "--output-file",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the findings to this file.",
)
@click.option(
    "--target-version",
    type=click.Choice(PYTHON_VERSIONS),
    help="The CPython version the code runs on.",
)
@config_option()
@click.option("--exit-zero", is_flag=True, default=None, help="Exit 0 even when findings remain.")
@click.option(
    "--statistics",
    is_flag=True,
    default=None,
    help="Count findings per rule instead of listing them.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Files linted in parallel (default: CPU count).",
)
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    help="Colour the output (auto: on a terminal without NO_COLOR).",
)
@click.option("--quiet", "-q", is_flag=True, default=None, help="Print findings only: no summary.")
@click.option(
    "--max-file-size",
    metavar="SIZE",
    help="Skip files larger than this (bytes, or e.g. 5MB, 512KiB; default 5MB).",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Also print the configuration, target and rules in force, each path left out (and why) "
    "and each file's per-file ignores, to stderr.",
)
@click.option(
    "--per-file-ignores",
    multiple=True,
    metavar="GLOB:CODE",
    help="Rules to disable in the files a glob matches, replacing the configuration's (comma-separated pairs).",
)
@click.option(
    "--extend-per-file-ignores",
    multiple=True,
    metavar="GLOB:CODE",
    help="Like --per-file-ignores, on top of the configuration's.",
)
@click.option(
    "--show-fixes/--no-show-fixes",
    default=None,
    help="Show each fix as a diff, and after --fix list the fixes applied.",
)
@click.option(
    "--shard",
    metavar="K/N",
    callback=lambda ctx, param, value: _shard(value),
    help="Lint only shard K of N: a stable split of the files by path, for a CI job matrix (merge the parts with `perflint merge`).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    default=None,
    help="Lint every file: neither read nor write the result cache.",
)
@click.option(
    "--cache-dir",
    metavar="DIR",
    envvar="PERFLINT_CACHE_DIR",
    show_envvar=True,
    help="Where the result cache is (default: .perflint_cache in the project root). Results are "
    "keyed by each file's content, perflint's version, the rules and the settings, and signed "
    "with a key outside the project (PERFLINT_CACHE_KEY, else ~/.cache/perflint/cache-key).",
)
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and exit.")
@click.option(
    "--show-settings", is_flag=True, help="Show the settings the first file would be checked with, and exit."
)
@click.option(
    "--add-noqa",
    is_flag=True,
    help="Add a `# noqa: CODE` to each line with a finding (instead of reporting it).",
)
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when files were fixed, even if no finding remains.",
)
@RULE_PATH_OPTION
@click.option(
    "--docs-url",
    metavar="URL",
    help="Where the rule pages are published: findings link there (default: no links).",
)
@click.option("--stdin-filename", help="The name to report for code read from stdin ('-').")
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Exclude files even when named explicitly.",
)
@click.option(
    "--exclude",
    multiple=True,
    help="Paths to skip, replacing the default excludes (gitignore-style globs).",
)
@click.option("--extend-exclude", multiple=True, help="Paths to skip on top of the excludes.")
@python_option("whose bytecode --explain shows")
@click.option(
    "--since",
    metavar="REF",
    help="Report only findings new since the merge-base of REF and HEAD (working tree included).",
)
@click.option(
    "--staged", is_flag=True, help="Report only findings the staged change adds (index vs HEAD)."
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Hide the findings listed in this baseline file (see `perflint baseline`).",
)
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[str, ...],
    config_file: Path | None,
    output_format: str | None,
    since: str | None,
    staged: bool,
    baseline_file: Path | None,
    verbose: bool,
    rule_paths: tuple[str, ...],
    show_files: bool,
    show_settings: bool,
    add_noqa: bool,
    exit_non_zero_on_fix: bool,
    per_file_ignores: tuple[str, ...],
    extend_per_file_ignores: tuple[str, ...],
    shard: tuple[int, int] | None,
    **given: Any,
) -> None:
    """Lint PATHS (files or directories; default: the current directory; '-' reads stdin)."""
    started = time.perf_counter()
    mode = _mode(paths, since, staged, given, show_files, show_settings, add_noqa, exit_non_zero_on_fix)
    if shard is not None and (since is not None or staged or STDIN in paths):
        raise click.UsageError("--shard splits the files of a full run: not with --since, --staged or stdin")
    paths = paths or (".",)
    cli_values: dict[str, object] = {
        key.replace("_", "-"): _split(value) if key in _LIST_OPTIONS else value
        for key, value in given.items()
    }
    cli_values["format"] = output_format
    cli_values["rule-paths"] = rule_paths or None
    cli_values["per-file-ignores"] = _pairs(per_file_ignores, "--per-file-ignores")
    cli_values["extend-per-file-ignores"] = _pairs(extend_per_file_ignores, "--extend-per-file-ignores")
    if mode == "add-noqa":  # it writes comments, never fixes
        cli_values["fix"] = False
    if since is not None or staged:  # they only report, whatever a configuration says
        cli_values["fix"] = False
    if given["max_file_size"] is not None:
        try:
            cli_values["max-file-size"] = parse_size(given["max_file_size"])
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--max-file-size") from None
    cwd = Path(os.getcwd())
    try:
        config = settings_config(paths, config_file, cwd, given["stdin_filename"])
        options = resolve_options(cli_values, config, cwd)
    except ConfigError as error:
        raise PerflintError(str(error)) from None
    run = Run(
        options,
        verbose=verbose,
        exit_non_zero_on_fix=exit_non_zero_on_fix,
        add_noqa=mode == "add-noqa",
        started=started,
        shard=shard,
    )
    if mode == "show-files":
        echo(files_text(run.discover(paths).files), nl=False)  # file names: through the safe layer
        ctx.exit(0)
    if mode == "show-settings":
        ctx.exit(_show_settings(run, paths))
    if mode == "add-noqa":
        ctx.exit(_add_noqa(run, paths))
    if since is not None or staged:
        results = regressions(since, paths, options, run.settings, cwd, staged=staged, cache=run.open_cache())
    else:
        results = run.lint(paths)
    if baseline_file is not None:
        results = apply_baseline(results, baseline_file, quiet=bool(options.quiet))
    if options.explain or options.format == "markdown":  # a PR comment shows the bytecode
        results = attach_explanations(results, options.python, all_rules(options.rule_paths))
    ctx.exit(run.report(results))


#: The options --show-files, --show-settings and --add-noqa stand instead of a report; each
#: takes files from the paths (no stdin, no git) and conflicts with these (as in ruff).
_NOT_WITH_MODES = ("fix", "diff", "statistics")


def _mode(
    paths: Sequence[str],
    since: str | None,
    staged: bool,
    given: dict[str, Any],
    show_files: bool,
    show_settings: bool,
    add_noqa: bool,
    exit_non_zero_on_fix: bool,
) -> str:
    """What the command does: "check", or one of the modes that replace the report; usage
    errors for options that cannot go together."""
    if since is not None and staged:
        raise click.UsageError("--since and --staged are alternatives: give one")
    if (since is not None or staged) and (STDIN in paths or given["fix"] or given["diff"]):
        raise click.UsageError("--since and --staged lint files from git: no stdin, --fix or --diff")
    if exit_non_zero_on_fix and given["exit_zero"]:
        raise click.UsageError("--exit-zero and --exit-non-zero-on-fix are opposites: give one")
    if given["show_fixes"] and given["diff"]:
        raise click.UsageError("--show-fixes and --diff both show the fixes: give one")
    modes = [name for name, on in (("show-files", show_files), ("show-settings", show_settings), ("add-noqa", add_noqa)) if on]
    if not modes:
        return "check"
    if len(modes) > 1:
        raise click.UsageError(f"--{modes[0]} and --{modes[1]} cannot be combined")
    clashes = [f"--{name.replace('_', '-')}" for name in _NOT_WITH_MODES if given[name]]
    if since is not None or staged:
        clashes.append("--since" if since is not None else "--staged")
    if STDIN in paths:
        clashes.append("stdin ('-')")
    if clashes:
        raise click.UsageError(f"--{modes[0]} cannot be combined with {', '.join(clashes)}")
    return modes[0]


def _pairs(values: Sequence[str], option: str) -> dict[str, list[str]] | None:
    """``("tests/*:PFL101,PFL102", "*.pyi:PFL1")`` -> ``{"tests/*": ["PFL101"], ...}``: ruff's
    ``GLOB:CODE`` pairs, comma-separated (a comma inside ``{a,b}`` belongs to the glob)."""
    found: dict[str, list[str]] = {}
    for value in values:
        for pair in _outside_braces(value):
            pattern, colon, code = pair.rpartition(":")
            if not colon or not pattern.strip() or not code.strip():
                raise click.BadParameter(f"{pair!r} is not GLOB:CODE", param_hint=option)
            found.setdefault(pattern.strip(), []).append(code.strip())
    return found or None


def _outside_braces(value: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def _show_settings(run: Run, paths: Sequence[str]) -> int:
    """``--show-settings``: the settings of the first file found (ruff's choice of file)."""
    found = run.discover(paths)
    if not found.files:
        raise PerflintError("--show-settings: no Python file found under the given paths")
    echo(settings_text(sorted(found.files)[0], run.options), nl=False)
    return 0


def _add_noqa(run: Run, paths: Sequence[str]) -> int:
    """``--add-noqa``: write a directive for each finding; say how many (exit 0, or 2 when a
    file could not be analysed or written)."""
    results = run.lint(paths)
    for result in results:
        if result.error is not None:
            echo(f"{printable(result.path)}: {printable(result.error.message)}", err=True)
        for message in result.dropped_fixes:
            echo(f"warning: {printable(message)}", err=True)
    added = sum(result.noqa_added for result in results)
    if not run.options.quiet:
        noun = "noqa directive" if added == 1 else "noqa directives"
        echo(f"Added {added} {noun}.", err=True)
    return 2 if any(result.error is not None for result in results) else 0


_SHARD = re.compile(r"^([0-9]{1,6})/([0-9]{1,6})$")


def _shard(value: str | None) -> tuple[int, int] | None:
    """``--shard K/N`` as ``(K, N)``, 1 <= K <= N."""
    if value is None:
        return None
    match = _SHARD.match(value.strip())
    if match is None or not 1 <= int(match[1]) <= int(match[2]):
        raise click.BadParameter(f"{value!r} is not K/N with 1 <= K <= N (e.g. 2/4)", param_hint="--shard")
    return int(match[1]), int(match[2])
