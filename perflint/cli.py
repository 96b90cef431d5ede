"""The ``perflint`` command: ``check`` (the default), ``explain`` and ``rules``.

Exit codes: 0 nothing found (or everything fixed), 1 findings remain, 2 a usage, configuration
or internal error, or a file that could not be read or parsed.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from perflint import __version__
from perflint.config import (
    COLOR_CHOICES,
    ConfigError,
    Options,
    lint_settings,
    parse_size,
    project_options,
    resolve_options,
    settings_config,
)
from perflint.discovery import Discovery, MissingPathError, discover_files, is_excluded
from perflint.engine import error_finding
from perflint.reporters import HUMAN_READABLE, ReportContext, formats, get_reporter
from perflint.reporters._diff import unified_diff
from perflint.reporters._printable import SafeClickException, echo, printable, safe_output
from perflint.reporters._style import Style
from perflint.reporters._summary import statistics, summary_lines
from perflint.perfdiff_cli import diff
from perflint.review_cli import review
from perflint.ruleset import all_rules, builtin_rules
from perflint.rules_cli import rules
from perflint.types import PYTHON_VERSIONS, FileResult, RuleSpec, Settings

STDIN = "-"
#: The formats whose ``--statistics`` are JSON (the others get a table).
STATISTICS_JSON = ("json", "jsonl")


class PerflintError(SafeClickException):
    """A usage, configuration or internal error: printed as ``Error: ...``, exit code 2."""


class _CheckByDefault(click.Group):
    """A group whose ``check`` subcommand is implied: ``perflint src`` is ``perflint check src``.

    Only an exact subcommand name is taken as one, so ``perflint ./rules`` lints a directory
    called ``rules``.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("-h", "--help", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)

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


#: Options given as comma-separated lists, possibly repeated.
_LIST_OPTIONS = ("select", "ignore", "extend_select", "exclude", "extend_exclude")


def _split(values: Sequence[str]) -> tuple[str, ...] | None:
    """``("PFL101,PFL102", "PFL2")`` -> ``("PFL101", "PFL102", "PFL2")``; None when not given."""
    items = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    return items or None


#: ``--rule-path``: a team's rule pack, beside the configuration's ``rule-paths``.
_RULE_PATH = click.option(
    "--rule-path",
    "rule_paths",
    multiple=True,
    type=click.Path(file_okay=False, path_type=str),
    help="A folder of rule files to load beside the built-in rules (repeatable).",
)


@cli.command()
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
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest pyproject.toml.",
)
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
    "--verbose", "-v", is_flag=True, help="Also print each path left out, and why, to stderr."
)
@_RULE_PATH
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
@click.option(
    "--python",
    envvar="PERFLINT_PYTHON",
    show_envvar=True,
    help="Interpreter whose bytecode --explain shows (default: the running one).",
)
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
    **given: Any,
) -> None:
    """Lint PATHS (files or directories; default: the current directory; '-' reads stdin)."""
    if since is not None and staged:
        raise click.UsageError("--since and --staged are alternatives: give one")
    if (since is not None or staged) and (STDIN in paths or given["fix"] or given["diff"]):
        raise click.UsageError(
            "--since and --staged lint files from git: no stdin, --fix or --diff"
        )
    paths = paths or (".",)
    cli_values: dict[str, object] = {
        key.replace("_", "-"): _split(value) if key in _LIST_OPTIONS else value
        for key, value in given.items()
    }
    cli_values["format"] = output_format
    cli_values["rule-paths"] = rule_paths or None
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
    run = _Run(options, verbose=verbose)
    if since is not None or staged:
        results = _regressions(since, paths, options, run.settings, cwd, staged=staged)
    else:
        results = run.lint(paths)
    if baseline_file is not None:
        results = _apply_baseline(results, baseline_file, quiet=bool(options.quiet))
    if options.explain or options.format == "markdown":  # a PR comment shows the bytecode
        results = _attach_explanations(results, options.python, all_rules(options.rule_paths))
    ctx.exit(run.report(results))


def _regressions(
    since: str | None,
    paths: Sequence[str],
    options: Options,
    settings: Settings,
    cwd: Path,
    *,
    staged: bool,
) -> list[FileResult]:
    from perflint.regress import GitError, regressions

    try:
        return regressions(
            since,
            paths,
            settings,
            cwd,
            staged=staged,
            exclude=options.exclude,
            force_exclude=options.force_exclude,
        )
    except GitError as error:
        raise PerflintError(str(error)) from None


def _apply_baseline(results: list[FileResult], path: Path, *, quiet: bool) -> list[FileResult]:
    from perflint.baseline import BaselineError, apply, load

    try:
        entries = load(path)
    except BaselineError as error:
        raise PerflintError(str(error)) from None
    kept, gone = apply(results, entries, path.resolve().parent)
    if gone and not quiet:
        noun = "entry is" if gone == 1 else "entries are"
        echo(
            f"{gone} baseline {noun} gone (fixed): rerun `perflint baseline` to tighten {path}",
            err=True,
        )
    return kept


def _attach_explanations(
    results: list[FileResult], python: str | None, rules: Sequence[RuleSpec]
) -> list[FileResult]:
    from perflint.explain import ExplainError, attach_explanations

    try:
        return attach_explanations(results, python=python, rules=rules)
    except ExplainError as error:
        raise PerflintError(str(error)) from None


def _use_color(choice: str, stream: IO[str] | None) -> bool:
    if choice == "never":
        return False
    if choice == "always":
        return True  # an explicit request beats NO_COLOR, as no-color.org asks
    if os.environ.get("NO_COLOR"):
        return False
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


@dataclass
class _Run:
    """One ``perflint check`` run: lint, then report, then the exit code."""

    options: Options
    #: Print what discovery skips, and why, to stderr (``--verbose``).
    verbose: bool = False
    #: A file the run writes besides fixes (``perflint baseline --output``), by option name.
    baseline_output: str | None = None
    #: What ``--fix`` on stdin prints: the (fixed) code, in its own encoding.
    stdin_output: bytes | None = None

    @property
    def settings(self) -> Settings:
        return lint_settings(self.options)

    def lint(self, paths: Sequence[str]) -> list[FileResult]:
        options = self.options
        files = [path for path in paths if path != STDIN]
        try:
            found = (
                discover_files(files, options.exclude, force_exclude=options.force_exclude)
                if files
                else Discovery((), {})
            )
        except MissingPathError as error:
            names = ", ".join(repr(path) for path in error.paths)
            raise PerflintError(f"no such file or directory: {names}") from None
        if self.verbose:
            for skipped in found.skipped:
                echo(f"skipped {printable(skipped.path)}: {printable(skipped.reason)}", err=True)
        for option, path in self.outputs().items():
            _check_output(path, found.files, option)
        if files and not found.files and not found.refused and not options.quiet:
            echo("warning: no Python files found under the given paths", err=True)
        results = [
            FileResult(path=refused.path, error=error_finding(refused.path, refused.reason))
            for refused in found.refused
        ]
        results += _lint_files(list(found.files), self.settings, options.jobs, found.roots)
        if STDIN in paths:
            stdin_result = self.lint_stdin()
            if stdin_result is not None:
                results.append(stdin_result)
        return results

    def outputs(self) -> dict[str, str]:
        """The files this run will write, by the option that named them: none may be an input."""
        named = {"--output-file": self.options.output_file, "--output": self.baseline_output}
        return {option: str(path) for option, path in named.items() if path is not None}

    def lint_stdin(self) -> FileResult | None:
        from perflint.runner import lint_source
        from perflint.source import SourceError, decode, encode

        options = self.options
        name = options.stdin_filename
        data = _binary(sys.stdin).read()
        if options.force_exclude and name != STDIN and is_excluded(name, options.exclude):
            self.stdin_output = data
            return None
        if len(data) > options.max_file_size:
            from perflint.files import TooLarge

            self.stdin_output = data
            return FileResult(path=name, skipped=str(TooLarge(len(data), options.max_file_size)))
        try:
            source = decode(data)
        except SourceError:
            self.stdin_output = data
            return lint_source(data, name, self.settings)  # reports why it cannot be decoded
        result = lint_source(source.text, name, self.settings)
        if result.fixed and result.fixed_source is not None:
            try:
                self.stdin_output = encode(result.fixed_source, source.encoding)
            except SourceError:
                self.stdin_output = data
        else:
            self.stdin_output = data
        return result

    def report(self, results: list[FileResult]) -> int:
        """Write the findings (or diff, or statistics) and the summary; return the exit code."""
        options = self.options
        fix_stdin = options.fix and not options.diff and self.stdin_output is not None
        if fix_stdin:
            # The fixed code owns stdout; findings go to stderr (or --output-file).
            sys.stdout.flush()
            stdout = _binary(sys.stdout)
            stdout.write(self.stdin_output or b"")
            stdout.flush()
        diff = unified_diff(results) if options.diff else None
        if diff is not None:
            echo(diff, nl=False)
        else:
            self._write_findings(results, to_stderr=fix_stdin)
        if not options.quiet:
            style = Style(_use_color(options.color, sys.stderr))
            for line in summary_lines(
                results,
                fix=options.fix,
                diff=options.diff,
                unsafe_fixes=options.unsafe_fixes,
                style=style,
            ):
                echo(line, err=True, color=style.enabled)
        return self.exit_code(results, diff)

    def _write_findings(self, results: list[FileResult], *, to_stderr: bool) -> None:
        options = self.options
        stream = None if options.output_file else (sys.stderr if to_stderr else sys.stdout)
        color = (
            _use_color(options.color, stream)
            if options.output_file is None
            else options.color == "always"
        )
        if options.statistics:
            text = statistics(
                results,
                unsafe_fixes=options.unsafe_fixes,
                as_json=options.format in STATISTICS_JSON,
            )
        else:
            context = ReportContext(
                unsafe_fixes=options.unsafe_fixes,
                color=color,
                explain=options.explain,
                source=lambda result: result.source,
                rules=all_rules(options.rule_paths),
                docs_url=options.docs_url,
            )
            text = get_reporter(options.format)(results, context)
        human = options.format in HUMAN_READABLE or (
            options.statistics and options.format not in STATISTICS_JSON
        )
        if options.output_file is not None:
            if human:  # machine formats escape their data themselves
                text = safe_output(text, color=color)
            _write_output(str(options.output_file), text, [result.path for result in results])
            return
        (echo if human else click.echo)(text, nl=False, err=to_stderr, color=color)

    def exit_code(self, results: list[FileResult], diff: str | None) -> int:
        if any(result.error is not None for result in results):
            return 2
        if self.options.exit_zero:
            return 0
        if diff is not None:
            return 1 if diff else 0
        return 1 if any(result.findings for result in results) else 0


def _check_output(path: str, inputs: Sequence[str], option: str = "--output-file") -> None:
    """A usage error if ``path`` is one of ``inputs`` (by name, symbolic link or hard link)."""
    from perflint.files import same_file

    clash = same_file(path, inputs)
    if clash is not None:
        raise PerflintError(f"{option} {path} is {clash}, a file being linted")


def _write_output(path: str, text: str, inputs: Sequence[str]) -> None:
    """Write a report to ``path`` (``--output-file``), never over one of the ``inputs``."""
    from perflint.files import FileRefused, write_output

    _check_output(path, inputs)
    try:
        write_output(path, text.encode("utf-8"))
    except FileRefused as error:
        raise PerflintError(str(error)) from None


def _binary(stream: IO[str]) -> IO[bytes]:
    return stream.buffer  # type: ignore[attr-defined,no-any-return]


def _lint_files(
    paths: list[str], settings: Settings, jobs: int | None, roots: Mapping[str, str]
) -> list[FileResult]:
    from perflint.runner import lint_paths

    return lint_paths(paths, settings, jobs, roots) if paths else []


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
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest pyproject.toml.",
)
def baseline(paths: tuple[str, ...], output: Path, config_file: Path | None) -> None:
    """Record the findings in PATHS (default: the current directory) in a baseline file, so
    that `perflint check --baseline FILE` reports only new ones."""
    from perflint.baseline import BaselineError, entries, write

    paths = paths or (".",)
    if STDIN in paths:
        raise click.UsageError("a baseline is made from files, not stdin")
    cwd = Path(os.getcwd())
    try:
        config = settings_config(paths, config_file, cwd, None)
        options = resolve_options({"fix": False}, config, cwd)  # a baseline records, never fixes
    except ConfigError as error:
        raise PerflintError(str(error)) from None
    run = _Run(options, baseline_output=str(output))
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
@click.option(
    "--python",
    envvar="PERFLINT_PYTHON",
    show_envvar=True,
    help="Interpreter whose bytecode to show (default: the running one).",
)
@click.option(
    "--measure",
    is_flag=True,
    help="Also time the rule's examples (runs them: they are perflint's own).",
)
@_RULE_PATH
def explain(code: str, python: str | None, measure: bool, rule_paths: tuple[str, ...]) -> None:
    """Explain rule CODE (a code like PFL101 or a name): why it is slow, the fix, the bytecode.

    A rule of a rule pack (`rule-paths` of the nearest pyproject.toml, or --rule-path) is
    explained too; only perflint's own rules can be --measure'd (timing runs the examples).
    """
    try:
        options = project_options({"rule-paths": rule_paths or None}, Path(os.getcwd()))
    except ConfigError as error:
        raise PerflintError(str(error)) from None
    wanted = code.upper()
    spec = next(
        (rule for rule in all_rules(options.rule_paths) if wanted in (rule.code, rule.name.upper())),
        None,
    )
    if spec is None:
        raise PerflintError(f"unknown rule {code!r}; `perflint rules` lists them")
    if measure and spec not in builtin_rules():
        raise PerflintError(
            f"{spec.code} comes from a rule pack: --measure runs a rule's examples, and only "
            "perflint's own rules are run"
        )
    from perflint.explain import ExplainError, explain_rule

    try:
        text = explain_rule(spec, python=python, measure=measure)
    except ExplainError as error:
        raise PerflintError(str(error)) from None
    echo(text, nl=False)


cli.add_command(review)
cli.add_command(rules)
cli.add_command(diff)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="perflint")
