"""``perflint diff``: the change's own static performance diff, base vs head.

Exit codes: 0 (the diff informs, it does not fail the check), 1 when a ``--fail-on`` condition
holds, 2 a usage, git or interpreter error, or a changed file that could not be compiled.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from perflint.changes.perfdiff_compare import FailOn, failures, parse_fail_on
from perflint.cli.options import config_option, python_option
from perflint.output.perfdiff import FORMATS, render
from perflint.output.printable import SafeClickException, echo, safe_output


class DiffError(SafeClickException):
    """A usage, git, interpreter or configuration error (exit code 2)."""


def fail_rules(values: Sequence[str]) -> list[FailOn]:
    """The ``--fail-on`` values (repeated, comma-separated) parsed; BadParameter otherwise."""
    rules = []
    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            try:
                rules.append(parse_fail_on(item))
            except ValueError:
                raise click.BadParameter(
                    f"{item!r}: expected nested-loop, regression, loop-growth=N or loop-growth=N%",
                    param_hint="--fail-on",
                ) from None
    return rules


fail_on_option = click.option(
    "--fail-on",
    multiple=True,
    metavar="CONDITION",
    help="Exit 1 when the performance diff has: nested-loop, regression, loop-growth=N or "
    "loop-growth=N% (comma-separated).",
)


def report_failures(reasons: Sequence[str]) -> None:
    for reason in reasons:
        echo(f"fail: {reason}", err=True)


@click.command("diff")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--since", metavar="REF", help="Compare with the merge-base of REF and HEAD (default: HEAD).")
@click.option("--staged", is_flag=True, help="Compare the index with HEAD instead of the working tree.")
@python_option("whose bytecode to compare")
@click.option(
    "--output-format", "--format", "output_format", type=click.Choice(FORMATS), default="text", help="Output format."
)
@click.option(
    "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the diff to this file."
)
@fail_on_option
@config_option("Read excludes and rules from this file instead of the nearest pyproject.toml.")
def diff(
    paths: tuple[str, ...],
    since: str | None,
    staged: bool,
    python: str | None,
    output_format: str,
    output_file: Path | None,
    fail_on: tuple[str, ...],
    config_file: Path | None,
) -> None:
    """Show what the change does to the bytecode of each function it touches: instructions per
    loop iteration and what entered or left each loop, base vs head (PATHS limit the files;
    the code is compiled, never run)."""
    from perflint.changes.perfdiff import perf_diff
    from perflint.changes.regress import GitError
    from perflint.evidence.explain import ExplainError
    from perflint.project import ConfigError
    from perflint.project.options import lint_settings, resolve_options, settings_config

    if since is not None and staged:
        raise click.UsageError("--since and --staged are alternatives: give one")
    rules = fail_rules(fail_on)
    cwd = Path(os.getcwd())
    missing = [path for path in paths if not (cwd / path).exists()]
    if missing:
        raise DiffError(f"no such file or directory: {', '.join(map(repr, missing))}")
    try:
        options = resolve_options({}, settings_config(paths or (".",), config_file, cwd, None), cwd)
    except ConfigError as error:
        raise DiffError(str(error)) from None
    try:
        result = perf_diff(
            since,
            paths,
            cwd,
            staged=staged,
            python=python,
            exclude=options.exclude,
            force_exclude=options.force_exclude,
            settings=lint_settings(options, fixing=False),
        )
    except (GitError, ExplainError) as error:
        raise DiffError(str(error)) from None
    text = render(result, output_format)
    if output_file is not None:
        try:
            output_file.parent.mkdir(parents=True, exist_ok=True)
            output_file.write_text(text if output_format == "json" else safe_output(text), encoding="utf-8")
        except OSError as error:
            raise DiffError(f"cannot write {output_file}: {error.strerror or error}") from None
    elif output_format == "json":
        click.echo(text, nl=False)  # escaped by its reporter, and exact
    else:
        echo(text, nl=False)
    for problem in result.errors:
        echo(f"error: {problem.path}: not compared ({problem.side}: {problem.message})", err=True)
    reasons = failures(result.changes, rules)
    report_failures(reasons)
    if result.errors:
        raise click.exceptions.Exit(2)
    raise click.exceptions.Exit(1 if reasons else 0)
