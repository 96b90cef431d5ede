"""``perflint rules``: list the rules; ``validate``, ``test`` and ``docs`` for rule files.

A team's rule pack is a folder of ``*.yaml`` rule files (or the files themselves). Rule files
are data: a ``check:`` in them can only name one of perflint's own checks, so running these
commands on an untrusted pack runs none of its code (``rules test`` lints the rules' own
example code; it never runs it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from perflint.output.printable import SafeClickException, echo
from perflint.rules.registry import (
    RuleFileError,
    all_rules,
    builtin_rules,
    field_line,
    load_rule_file,
    rules_dir,
)
from perflint.types import RuleSpec


class RulesError(SafeClickException):
    exit_code = 2


def _files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            found.append(path)
        else:
            raise RulesError(f"no such rule file or folder: {str(path)!r}")
    return found


def _is_builtin(path: Path) -> bool:
    try:
        return path.resolve().parent == rules_dir().resolve()
    except OSError:
        return False


def _where(error: RuleFileError) -> str:
    line = field_line(error.path, error.field)
    return f"{error.path}:{line}" if line is not None else str(error.path)


def _load(paths: Sequence[Path]) -> tuple[list[RuleSpec], list[str]]:
    """The rules in ``paths`` (a file or a folder each), and one line per file that fails."""
    specs: list[RuleSpec] = []
    problems: list[str] = []
    for path in _files(paths):
        try:
            specs.append(load_rule_file(path, pack=not _is_builtin(path)))
        except RuleFileError as error:
            message = str(error).removeprefix(f"{error.path}: ").removeprefix(f"{error.path}")
            problems.append(f"{_where(error)}: {message.lstrip(': ')}")
    try:
        builtin = () if any(_is_builtin(spec.source_file) for spec in specs) else builtin_rules()
    except RuleFileError as error:  # a broken built-in rule: say which, then go on
        problems.append(f"{_where(error)}: {str(error).removeprefix(str(error.path)).lstrip(': ')}")
        builtin = ()
    taken = {spec.code: spec.source_file.resolve() for spec in builtin}
    for spec in specs:
        other = taken.get(spec.code)
        if other is not None and other != spec.source_file.resolve():
            problems.append(f"{spec.source_file}: {spec.code} is also defined in {other}")
        taken[spec.code] = spec.source_file.resolve()
    return specs, problems


def text_or_json(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--output-format text|json`` (``--format`` too) of the commands that describe rules."""
    return click.option(
        "--output-format", "--format", "output_format", type=click.Choice(["text", "json"]), default="text", help=help
    )


@click.group(invoke_without_command=True)
@text_or_json("Table or JSON.")
@click.option("--docs-url", metavar="URL", help="Where the rule pages are published (for the JSON 'url').")
@click.pass_context
def rules(ctx: click.Context, output_format: str, docs_url: str | None) -> None:
    """List every rule: code, name, fix availability, target versions, title (the rule packs
    of the nearest pyproject.toml too).

    `perflint rules validate|test|docs PATH...` check, test and document rule files.
    """
    if ctx.invoked_subcommand is not None:
        return
    from perflint.output.rules import rules_json, rules_table
    from perflint.project import ConfigError
    from perflint.project.options import project_options

    try:
        options = project_options({"docs-url": docs_url}, Path(os.getcwd()))
    except ConfigError as error:
        raise RulesError(str(error)) from None
    specs = all_rules(options.rule_paths)
    if output_format == "json":
        click.echo(rules_json(specs, options.docs_url), nl=False)
    else:
        echo(rules_table(specs), nl=False)


_PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


@rules.command()
@_PATHS
def validate(paths: tuple[Path, ...]) -> None:
    """Check rule files (PATHS: files or folders; default: the built-in rules): the schema
    of every key, that patterns and fixes parse, and that codes are unique."""
    specs, problems = _load(paths or (rules_dir(),))
    for problem in problems:
        echo(problem)
    if problems:
        echo(f"{len(problems)} rule file(s) with errors", err=True)
        raise click.exceptions.Exit(1)
    echo(f"{len(specs)} rule file(s) valid", err=True)


@rules.command()
@_PATHS
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
def test(paths: tuple[Path, ...], verbose: bool) -> None:
    """Run every rule's own cases (PATHS: files or folders; default: the built-in rules):
    `invalid` code is flagged and fixed to exactly its `fixed` code, `valid` code and fast
    examples are not flagged, slow examples are."""
    from perflint.engine.rule_cases import cases

    specs, problems = _load(paths or (rules_dir(),))
    if problems:
        for problem in problems:
            echo(problem)
        raise click.exceptions.Exit(1)
    folders = tuple(sorted({str(spec.source_file.parent.resolve()) for spec in specs if not _is_builtin(spec.source_file)}))
    try:
        all_rules(folders)
    except RuleFileError as error:
        raise RulesError(str(error)) from None
    passed = failed = 0
    for case in cases(specs, folders):
        problem = case.run()
        if problem is None:
            passed += 1
            if verbose:
                echo(f"{case.id} PASSED")
            continue
        failed += 1
        echo(f"{case.id} FAILED ({case.spec.source_file})")
        for line in problem.splitlines():
            echo(f"    {line}")
    summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
    echo(f"{'=' * 20} {summary} {'=' * 20}")
    if failed:
        raise click.exceptions.Exit(1)


@rules.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_PATHS
@click.option(
    "--readme",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Also rewrite the rule table between the rule-table markers in this file.",
)
def docs(directory: Path, paths: tuple[Path, ...], readme: Path | None) -> None:
    """Write a Markdown page per rule into DIRECTORY (CODE.md, and README.md listing them),
    for the rule files in PATHS (default: the built-in rules)."""
    from perflint.output.rule_docs import pages, with_readme_table

    specs, problems = _load(paths or (rules_dir(),))
    if problems:
        for problem in problems:
            echo(problem)
        raise click.exceptions.Exit(1)
    directory.mkdir(parents=True, exist_ok=True)
    ordered = sorted(specs, key=lambda spec: spec.code)
    for name, text in pages(ordered).items():
        (directory / name).write_text(text, encoding="utf-8")
    echo(f"wrote {len(specs)} rule page(s) to {directory}", err=True)
    if readme is not None:
        try:
            text = with_readme_table(readme.read_text(encoding="utf-8"), ordered)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise RulesError(f"{readme}: {error}") from None
        readme.write_text(text, encoding="utf-8")
        echo(f"wrote the rule table of {readme}", err=True)
