"""The ``perflint`` command: ``check`` (the default), ``rule``, ``explain``, ``rules``,
``baseline``, ``diff`` and ``review``.

Exit codes: 0 nothing found (or everything fixed), 1 findings remain, 2 a usage, configuration
or internal error, or a file that could not be read or parsed.
"""

from __future__ import annotations

import importlib
import os
import traceback
from pathlib import Path
from typing import Any

import click

from perflint.cli.check import check
from perflint.cli.check_run import STDIN, PerflintError, Run
from perflint.cli.options import RULE_PATH_OPTION, config_option, python_option
from perflint.cli.rules import rules, text_or_json
from perflint.output.printable import echo
from perflint.project import ConfigError
from perflint.project.options import project_options, resolve_options, settings_config
from perflint.rules.registry import all_rules, builtin_rules
from perflint.types import RuleSpec
from perflint.version import __version__

#: Subcommands imported only when invoked (or listed by ``--help``): their module and name.
#: ``check`` (the default) and the light ones are imported with this module.
_LAZY = {
    "diff": ("perflint.cli.diff", "diff"),
    "merge": ("perflint.cli.merge", "merge_command"),
    "review": ("perflint.cli.review", "review"),
}


class _CheckByDefault(click.Group):
    """A group whose ``check`` subcommand is implied: ``perflint src`` is ``perflint check src``.

    Only an exact subcommand name is taken as one, so ``perflint ./rules`` lints a directory
    called ``rules``. The subcommands of ``_LAZY`` are imported when asked for.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in _LAZY and args[0] not in ("-h", "--help", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in _LAZY:
            module, attribute = _LAZY[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return self.commands.get(name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a bug in perflint: say so, with the traceback, and exit 2
            echo(traceback.format_exc(), err=True, nl=False)
            raise PerflintError(f"internal error: {error!r}") from error


@click.group(cls=_CheckByDefault, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="perflint", message="%(prog)s %(version)s"
)
def cli() -> None:
    """A performance-regression linter for Python that shows the bytecode behind every finding.

    `perflint PATH...` is short for `perflint check PATH...`; a directory named like a command
    is reached as `./NAME`.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=".perflint-baseline.json",
    show_default=True,
    help="The baseline file to write.",
)
@config_option()
def baseline(paths: tuple[str, ...], output: Path, config_file: Path | None) -> None:
    """Record the findings in PATHS (default: the current directory) in a baseline file, so
    that `perflint check --baseline FILE` reports only new ones."""
    from perflint.changes.baseline import BaselineError, entries, write

    paths = paths or (".",)
    if STDIN in paths:
        raise click.UsageError("a baseline is made from files, not stdin")
    cwd = Path(os.getcwd())
    try:
        config = settings_config(paths, config_file, cwd, None)
        options = resolve_options({"fix": False}, config, cwd)  # a baseline records, never fixes
    except ConfigError as error:
        raise PerflintError(str(error)) from None
    run = Run(options, baseline_output=str(output))
    results = run.lint(paths)
    broken = [result.path for result in results if result.error is not None]
    if broken:
        raise PerflintError(f"cannot lint {', '.join(broken)}: no baseline written")
    items = entries(results, output.resolve().parent)
    try:
        write(output, items)
    except BaselineError as error:
        raise PerflintError(str(error)) from None
    echo(f"wrote {len(items)} findings to {output}", err=True)


@cli.command()
@click.argument("code")
@python_option("whose bytecode to show")
@click.option(
    "--measure",
    is_flag=True,
    help="Also time the rule's examples (runs them: they are perflint's own).",
)
@RULE_PATH_OPTION
def explain(code: str, python: str | None, measure: bool, rule_paths: tuple[str, ...]) -> None:
    """Explain rule CODE (a code like PFL101 or a name): why it is slow, the fix, the bytecode.

    A rule of a rule pack (`rule-paths` of the nearest pyproject.toml, or --rule-path) is
    explained too; only perflint's own rules can be --measure'd (timing runs the examples).
    """
    try:
        options = project_options({"rule-paths": rule_paths or None}, Path(os.getcwd()))
    except ConfigError as error:
        raise PerflintError(str(error)) from None
    spec = _find_rule(code, options.rule_paths)
    if measure and spec not in builtin_rules():
        raise PerflintError(
            f"{spec.code} comes from a rule pack: --measure runs a rule's examples, and only "
            "perflint's own rules are run"
        )
    from perflint.evidence.explain import ExplainError
    from perflint.evidence.page import explain_rule

    try:
        text = explain_rule(spec, python=python, measure=measure)
    except ExplainError as error:
        raise PerflintError(str(error)) from None
    echo(text, nl=False)


def _find_rule(code: str, rule_paths: tuple[str, ...]) -> RuleSpec:
    wanted = code.upper()
    spec = next(
        (rule for rule in all_rules(rule_paths) if wanted in (rule.code, rule.name.upper())), None
    )
    if spec is None:
        raise PerflintError(f"unknown rule {code!r}; `perflint rules` lists them")
    return spec


@cli.command()
@click.argument("code", required=False)
@click.option("--all", "every", is_flag=True, help="Every rule's page, one after the other.")
@text_or_json("The page as Markdown text, or the rule as JSON.")
@RULE_PATH_OPTION
def rule(code: str | None, every: bool, output_format: str, rule_paths: tuple[str, ...]) -> None:
    """Print the documentation of rule CODE (a code like PFL101 or a name), as `ruff rule`:
    the page `perflint rules docs` writes. `perflint explain CODE` adds the bytecode."""
    from perflint.output.rule_docs import render_rule
    from perflint.output.rules import rule_json

    if (code is None) == (not every):
        raise click.UsageError("give a rule CODE or --all")
    try:
        options = project_options({"rule-paths": rule_paths or None}, Path(os.getcwd()))
    except ConfigError as error:
        raise PerflintError(str(error)) from None
    specs = list(all_rules(options.rule_paths)) if every else [_find_rule(str(code), options.rule_paths)]
    if output_format == "json":
        import json

        data: object = [rule_json(spec, options.docs_url) for spec in specs]
        click.echo(json.dumps(data if every else data[0], indent=2, ensure_ascii=False))  # type: ignore[index]
        return
    echo("\n".join(render_rule(spec) for spec in specs), nl=False)


cli.add_command(check)
cli.add_command(rules)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="perflint")
