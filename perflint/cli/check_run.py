"""One ``perflint check`` run once its options are known: find the files, lint them (with a
progress line on a terminal), report, and decide the exit code.

Exit codes: 0 nothing found (or everything fixed), 1 findings remain (or, with
``--exit-non-zero-on-fix``, something was fixed), 2 a usage, configuration or internal error,
or a file that could not be read or parsed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from perflint.engine.lint import error_finding
from perflint.output.diff import unified_diff
from perflint.output.formats import HUMAN_READABLE, ReportContext, get_reporter
from perflint.output.printable import SafeClickException, echo, printable, safe_output
from perflint.output.style import Style
from perflint.output.summary import duration, fix_summary, plural, statistics, summary_lines
from perflint.project.discovery import Discovery, MissingPathError, discover_files, is_excluded
from perflint.project.options import Options, lint_settings
from perflint.project.perfile import matching
from perflint.project.shards import in_shard
from perflint.rules.registry import all_rules
from perflint.types import FileResult, RuleSpec, Settings

if TYPE_CHECKING:
    from perflint.project.cache import ResultCache

STDIN = "-"
#: The formats whose ``--statistics`` are JSON (the others get a table).
STATISTICS_JSON = ("json", "jsonl")
#: The formats ``--show-fixes`` adds to (its fix diffs and its list of fixes applied).
SHOWS_FIXES = ("text", "concise")


class PerflintError(SafeClickException):
    """A usage, configuration or internal error: printed as ``Error: ...``, exit code 2."""


def use_color(choice: str, stream: IO[str] | None) -> bool:
    if choice == "never":
        return False
    if choice == "always":
        return True  # an explicit request beats NO_COLOR, as no-color.org asks
    if os.environ.get("NO_COLOR"):
        return False
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


@dataclass
class Run:
    """One ``perflint check`` run: lint, then report, then the exit code."""

    options: Options
    #: ``--verbose``: what is configured, what discovery skips (and why), per-file ignores
    #: and timings, on stderr.
    verbose: bool = False
    #: A file the run writes besides fixes (``perflint baseline --output``), by option name.
    baseline_output: str | None = None
    #: ``--exit-non-zero-on-fix``: exit 1 when something was fixed, even with nothing left.
    exit_non_zero_on_fix: bool = False
    #: ``--add-noqa``: each file gets a directive for each of its findings.
    add_noqa: bool = False
    #: What ``--fix`` on stdin prints: the (fixed) code, in its own encoding.
    stdin_output: bytes | None = None
    started: float = field(default_factory=time.perf_counter)
    #: ``--shard K/N``: lint only shard K of N of the files (``(K, N)``).
    shard: tuple[int, int] | None = None

    @property
    def settings(self) -> Settings:
        settings = lint_settings(self.options)
        return dataclasses.replace(settings, add_noqa=True) if self.add_noqa else settings

    def say(self, text: str) -> None:
        """A ``--verbose`` line on stderr."""
        if self.verbose:
            echo(text, err=True)

    def discover(self, paths: Sequence[str]) -> Discovery:
        """The files under ``paths`` (not stdin) the run lints."""
        options = self.options
        files = [path for path in paths if path != STDIN]
        began = time.perf_counter()
        try:
            found = (
                discover_files(files, options.exclude, force_exclude=options.force_exclude)
                if files
                else Discovery((), {})
            )
        except MissingPathError as error:
            names = ", ".join(repr(path) for path in error.paths)
            raise PerflintError(f"no such file or directory: {names}") from None
        if self.shard is not None:
            found = in_shard(found, self.shard)
            self.say(f"shard {self.shard[0]} of {self.shard[1]}")
        for skipped in found.skipped:
            self.say(f"skipped {printable(skipped.path)}: {printable(skipped.reason)}")
        self.say(f"found {plural(len(found.files), 'file')} to check in {duration(time.perf_counter() - began)}")
        return found

    def describe(self) -> None:
        """``--verbose``: the configuration, target and rules in force."""
        if not self.verbose:
            return
        options = self.options
        where = printable(str(options.config_path)) if options.config_path else "none found: the defaults"
        self.say(f"configuration: {where}")
        self.say(f"target version: {options.target_version} (from {printable(options.target_from)})")
        rules = [spec for spec in all_rules(options.rule_paths) if spec.code in options.select]
        applying = [spec.code for spec in rules if spec.applies_to(options.target_version)]
        self.say(f"rules enabled: {', '.join(applying) or 'none'}")
        idle = [spec.code for spec in rules if spec.code not in applying]
        if idle:
            self.say(f"rules selected that do not apply to {options.target_version}: {', '.join(idle)}")

    def lint(self, paths: Sequence[str]) -> list[FileResult]:
        options = self.options
        self.describe()
        found = self.discover(paths)
        for option, path in self.outputs().items():
            check_output(path, found.files, option)
        files = [path for path in paths if path != STDIN]
        if files and not found.files and not found.refused and not options.quiet and self.shard is None:
            echo("warning: no Python files found under the given paths", err=True)
        if self.verbose:
            for path in found.files:
                for ignore in matching(path, options.per_file_ignores):
                    pattern = ("!" if ignore.negated else "") + ignore.pattern
                    codes = ", ".join(ignore.codes)
                    self.say(f"{printable(path)}: per-file-ignores {printable(pattern)} turn off {codes}")
        results = [
            FileResult(path=refused.path, error=error_finding(refused.path, refused.reason))
            for refused in found.refused
        ]
        results += self.lint_files(list(found.files), found.roots)
        if STDIN in paths:
            stdin_result = self.lint_stdin()
            if stdin_result is not None:
                results.append(stdin_result)
        return results

    def lint_files(self, paths: list[str], roots: Mapping[str, str]) -> list[FileResult]:
        """The results of ``paths`` in path order: from the cache where it has them (decided
        here, before any worker starts), the rest linted."""
        from perflint.output.progress import Progress, wanted

        if not paths:
            return []
        settings, jobs = self.settings, self.options.jobs

        def lint(missing: list[str], done: Callable[[int], None] | None) -> list[tuple[FileResult, str | None]]:
            from perflint.engine.runner import lint_paths_read  # the engine: only for a miss

            return lint_paths_read(missing, settings, jobs, roots, done)

        cache = self.open_cache()
        with Progress(len(paths)) if wanted(quiet=self.options.quiet) else contextlib.nullcontext() as shown:
            update = shown.update if shown is not None else None
            if cache is None:
                return [result for result, _ in lint(paths, update)]
            began = time.perf_counter()
            results = cache.lint(paths, roots, lint, update)
        counts = cache.counts
        self.say(
            f"cache {printable(cache.directory)}: {counts.hits} of {plural(len(paths), 'file')} from the "
            f"cache, {counts.written} written ({duration(time.perf_counter() - began)} in all)"
        )
        return results

    def open_cache(self) -> ResultCache | None:
        """The result cache of this run, or None (``--no-cache``, or it cannot be used: then
        one warning says why)."""
        options = self.options
        for warning in options.cache_warnings:
            self.warn(warning)
        if options.cache_dir is None:
            return None
        from perflint.project.cache import ResultCache

        root = options.cache_root or os.getcwd()
        return ResultCache.open(options.cache_dir, root, self.settings, self.warn)

    def warn(self, text: str) -> None:
        """A warning on stderr (not with ``--quiet``)."""
        if not self.options.quiet:
            echo(f"warning: {printable(text)}", err=True)

    def outputs(self) -> dict[str, str]:
        """The files this run will write, by the option that named them: none may be an input."""
        named = {"--output-file": self.options.output_file, "--output": self.baseline_output}
        return {option: str(path) for option, path in named.items() if path is not None}

    def lint_stdin(self) -> FileResult | None:
        from perflint.engine.runner import lint_source
        from perflint.text.source import SourceError, decode, encode

        options = self.options
        name = options.stdin_filename
        data = _binary(sys.stdin).read()
        if options.force_exclude and name != STDIN and is_excluded(name, options.exclude):
            self.stdin_output = data
            return None
        if len(data) > options.max_file_size:
            from perflint.text.files import TooLarge

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
            style = Style(use_color(options.color, sys.stderr))
            for line in summary_lines(
                results,
                fix=options.fix,
                diff=options.diff,
                unsafe_fixes=options.unsafe_fixes,
                style=style,
                seconds=time.perf_counter() - self.started,
            ):
                echo(line, err=True, color=style.enabled)
        return self.exit_code(results, diff)

    def _write_findings(self, results: list[FileResult], *, to_stderr: bool) -> None:
        options = self.options
        stream = None if options.output_file else (sys.stderr if to_stderr else sys.stdout)
        color = (
            use_color(options.color, stream)
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
                show_fixes=options.show_fixes and not options.fix,
            )
            text = get_reporter(options.format)(results, context)
            if options.show_fixes and options.format in SHOWS_FIXES:
                applied = fix_summary(results, Style(color))
                if applied:
                    text += "\n".join(applied) + "\n\n"
        human = options.format in HUMAN_READABLE or (
            options.statistics and options.format not in STATISTICS_JSON
        )
        if options.output_file is not None:
            if human:  # machine formats escape their data themselves
                text = safe_output(text, color=color)
            write_report(str(options.output_file), text, [result.path for result in results])
            return
        (echo if human else click.echo)(text, nl=False, err=to_stderr, color=color)

    def exit_code(self, results: list[FileResult], diff: str | None) -> int:
        if any(result.error is not None for result in results):
            return 2
        if self.options.exit_zero:
            return 0
        if diff is not None:
            return 1 if diff else 0
        if self.exit_non_zero_on_fix and any(result.fixed for result in results):
            return 1
        return 1 if any(result.findings for result in results) else 0


def regressions(
    since: str | None,
    paths: Sequence[str],
    options: Options,
    settings: Settings,
    cwd: Path,
    *,
    staged: bool,
    cache: ResultCache | None = None,
) -> list[FileResult]:
    """``--since``/``--staged``: the findings the change introduces (both sides through the
    result ``cache``, which is closed after)."""
    from perflint.changes.regress import GitError, regressions

    try:
        return regressions(
            since,
            paths,
            settings,
            cwd,
            staged=staged,
            exclude=options.exclude,
            jobs=options.jobs,
            force_exclude=options.force_exclude,
            cache=cache,
        )
    except GitError as error:
        raise PerflintError(str(error)) from None
    finally:
        if cache is not None:
            cache.close()


def apply_baseline(results: list[FileResult], path: Path, *, quiet: bool) -> list[FileResult]:
    from perflint.changes.baseline import BaselineError, apply, load

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


def attach_explanations(
    results: list[FileResult], python: str | None, rules: Sequence[RuleSpec]
) -> list[FileResult]:
    from perflint.evidence.explain import ExplainError, attach_explanations

    try:
        return attach_explanations(results, python=python, rules=rules)
    except ExplainError as error:
        raise PerflintError(str(error)) from None


def check_output(path: str, inputs: Sequence[str], option: str = "--output-file") -> None:
    """A usage error if ``path`` is one of ``inputs`` (by name, symbolic link or hard link)."""
    from perflint.text.files import same_file

    clash = same_file(path, inputs)
    if clash is not None:
        raise PerflintError(f"{option} {path} is {clash}, a file being linted")


def write_report(path: str, text: str, inputs: Sequence[str]) -> None:
    """Write a report to ``path`` (``--output-file``), never over one of the ``inputs``."""
    from perflint.text.files import FileRefused, write_output

    check_output(path, inputs)
    try:
        write_output(path, text.encode("utf-8"))
    except FileRefused as error:
        raise PerflintError(str(error)) from None


def _binary(stream: IO[str]) -> IO[bytes]:
    return stream.buffer  # type: ignore[attr-defined,no-any-return]
