"""Time perflint over a large real tree next to the parsers it is built on.

Three measurements over the same files, with the same number of worker processes, each
repeated ``--runs`` times (medians reported):

* ``ast.parse``: CPython's C parser, the floor of anything that reads Python;
* ``libcst.parse_module``: libcst's parser, the floor of a linter that parses every file
  with libcst and visits the result;
* ``perflint``: the installed ``perflint`` command with every rule, run cold (a new process
  each run) on the explicit list of files (or ``lint_paths`` in this process with ``--api``).

``--warm`` instead measures the result cache: the tree is copied to a temporary folder and
linted once (cold, filling a cache there), then timed with nothing changed and with one
file changed (a different comment appended each run), beside perflint's start-up (a run on
an empty folder) and that file's own cost; it prints each figure against issue 13's goals
(warm <= 0.5 s; one file changed <= 0.5 s plus that file) and checks that the warm reports are
the cold one byte for byte.

``--profile`` instead runs perflint in this process, one file after another, and splits the
time between its phases (read, ``ast.parse``, prefilter, libcst parse, traversal, findings
and positions) and counts how many files and lines reach libcst.

Run ``python benchmarks/stdlib.py --help``; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import functools
import io
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path("/root/.pyenv/versions/3.12.1/lib/python3.12")


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: tuple[str, ...]
    lines: int
    #: Lines that are not blank: what libcst's share of the work is compared with.
    code_lines: int
    size: int


@dataclass(frozen=True)
class Timing:
    name: str
    #: (wall seconds, CPU seconds of this process and its children) per run.
    runs: list[tuple[float, float]]
    errors: int
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(wall for wall, _ in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(cpu for _, cpu in self.runs)


def _cpu_seconds() -> float:
    """CPU time of this process plus its children that have finished (workers, subprocesses)."""
    try:
        import resource
    except ImportError:  # not on Unix: this process only
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@contextmanager
def clock() -> Iterator[list[float]]:
    """Measure the with-block: the yielded list receives [wall seconds, CPU seconds]."""
    measured: list[float] = []
    wall, cpu = time.perf_counter(), _cpu_seconds()
    yield measured
    measured.extend((time.perf_counter() - wall, _cpu_seconds() - cpu))


def find_corpus(root: Path, include_site_packages: bool) -> Corpus:
    """Every ``.py`` file under ``root`` (sorted), without ``site-packages`` unless asked."""
    files = []
    lines = code_lines = size = 0
    for path in sorted(root.rglob("*.py")):
        if not path.is_file():
            continue
        if not include_site_packages and "site-packages" in path.relative_to(root).parts:
            continue
        data = path.read_bytes()
        files.append(str(path))
        lines += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        code_lines += sum(1 for line in data.splitlines() if line.strip())
        size += len(data)
    return Corpus(root, tuple(files), lines, code_lines, size)


def default_jobs() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


# -- the parse floors: one function per file, run in a process pool --------------------------
def _ast_parse(path: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(Path(path).read_bytes(), filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def _libcst_parse(path: str) -> bool:
    import libcst

    try:
        libcst.parse_module(Path(path).read_bytes())
    except (libcst.ParserSyntaxError, RecursionError, ValueError, UnicodeDecodeError):
        return False
    except Exception:  # noqa: BLE001 - a floor measurement must survive any file
        return False
    return True


def _import_libcst() -> None:
    import libcst  # noqa: F401 - importing in the worker keeps it out of the first file's time


Measured = tuple[tuple[float, float], int, int]  # ((wall, cpu), findings, file errors)


def time_pool(
    files: Sequence[str],
    work: Callable[[str], bool],
    jobs: int,
    initializer: Callable[[], None] | None = None,
) -> Measured:
    """Run ``work`` on every file with ``jobs`` processes (pool start included)."""
    chunksize = max(1, min(16, len(files) // (jobs * 8)))
    with clock() as measured:
        if jobs <= 1:
            results = [work(path) for path in files]
        else:
            with ProcessPoolExecutor(max_workers=jobs, initializer=initializer) as pool:
                results = list(pool.map(work, files, chunksize=chunksize))
    return (measured[0], measured[1]), 0, results.count(False)


# -- perflint ---------------------------------------------------------------------------------
def perflint_command() -> list[str]:
    """The installed ``perflint``: next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "perflint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("perflint")
    if found:
        return [found]
    return [sys.executable, "-m", "perflint"]


def check_command(jobs: int, target: str) -> list[str]:
    """``perflint check`` with every rule, JSON out, on the files it is given even if excluded."""
    return [
        *perflint_command(),
        "check",
        "--select",
        "ALL",
        "--target-version",
        target,
        "--jobs",
        str(jobs),
        "--format",
        "json",
        "--exit-zero",
        "--no-force-exclude",
    ]


def time_cli(files: Sequence[str], jobs: int, target: str) -> Measured:
    """One cold ``perflint check`` of ``files`` in a new process."""
    command = [*check_command(jobs, target), "--no-cache", *files]
    with clock() as measured:
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if (
        done.returncode not in (0, 2)
        or "internal error" in done.stderr
        or "Traceback" in done.stderr
    ):
        raise SystemExit(f"perflint failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    results = json.loads(done.stdout or "[]")
    errors = sum(1 for item in results if item["code"] == "PFL000")
    return (measured[0], measured[1]), len(results) - errors, errors


def time_api(files: Sequence[str], jobs: int, target: str) -> Measured:
    """``perflint.lint_paths`` in this process (rules already loaded after the first run)."""
    from perflint import Settings, lint_paths
    from perflint.rules.registry import builtin_rules

    settings = Settings(select=tuple(spec.code for spec in builtin_rules()), target_version=target)
    with clock() as measured:
        results = lint_paths(list(files), settings, jobs=jobs)
    findings = sum(len(result.findings) for result in results)
    return (measured[0], measured[1]), findings, sum(result.error is not None for result in results)


# -- profile: where a single process spends its time ------------------------------------------
class Phases:
    """Accumulated seconds per phase, filled by wrappers around perflint's internals."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.libcst_lines = 0

    def wrap(self, name: str, function: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(function)
        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


@contextmanager
def instrumented(phases: Phases) -> Iterator[list[str]]:
    """Patch perflint's phase functions with timers; yields the phases that could be patched."""
    from perflint.engine import batched, libcst_parse, runner, traversal
    from perflint.engine import lint as engine

    patched: list[tuple[object, str, object]] = []
    names: list[str] = []

    def patch(
        owner: object, attribute: str, phase: str, wrapper: Callable[..., object] | None = None
    ) -> None:
        original = getattr(owner, attribute, None)
        if original is None:
            return
        patched.append((owner, attribute, original))
        setattr(owner, attribute, wrapper or phases.wrap(phase, original))
        if phase not in names:
            names.append(phase)

    parse_module = libcst_parse.cst.parse_module

    def counting_parse(source: str, *args: object, **kwargs: object) -> object:
        # Chunks carry a three-line prefix of perflint's own; it is not the file's code.
        phases.libcst_lines += max(sum(1 for line in source.splitlines() if line.strip()) - 3, 0)
        return parse_module(source, *args, **kwargs)  # type: ignore[arg-type]

    patch(runner, "read_regular", "read + decode")
    patch(runner, "decode", "read + decode")
    patch(engine.syntax, "read", "CPython (ast.parse + compile)")
    patch(engine, "plan", "prefilter")
    patch(libcst_parse.cst, "parse_module", "libcst parse", phases.wrap("libcst parse", counting_parse))
    patch(batched, "visit_batched", "traversal (scopes + rules)")
    patch(traversal, "_to_findings", "findings + positions")
    try:
        yield names
    finally:
        for owner, attribute, original in reversed(patched):
            setattr(owner, attribute, original)


def profile(corpus: Corpus, target: str, top: int) -> None:
    from perflint import Settings
    from perflint.engine.runner import lint_file
    from perflint.rules.registry import builtin_rules

    settings = Settings(select=tuple(spec.code for spec in builtin_rules()), target_version=target)
    lint_file(corpus.files[0], settings)  # load the rules and their check modules first
    phases = Phases()
    findings = errors = 0
    with instrumented(phases) as names:
        started = time.perf_counter()
        for path in corpus.files:
            result = lint_file(path, settings)
            findings += len(result.findings)
            errors += result.error is not None
        total = time.perf_counter() - started
    print(
        f"profile: one process, {len(corpus.files)} files, {corpus.lines:,} lines, target {target}"
    )
    print(f"  {'phase':<28}{'seconds':>9}{'share':>8}{'calls':>8}")
    accounted = 0.0
    for name in names:
        seconds = phases.seconds.get(name, 0.0)
        accounted += seconds
        print(f"  {name:<28}{seconds:>9.2f}{seconds / total:>8.1%}{phases.calls.get(name, 0):>8}")
    print(
        f"  {'other (rule setup, I/O, ...)':<28}{total - accounted:>9.2f}{(total - accounted) / total:>8.1%}"
    )
    print(f"  {'total':<28}{total:>9.2f}")
    reached = phases.calls.get("prefilter", 0)
    print(
        f"  files reaching the prefilter: {reached} of {len(corpus.files)}"
        f" ({reached / len(corpus.files):.1%}); libcst chunks: {phases.calls.get('libcst parse', 0)};"
        f" non-blank lines libcst parsed: {phases.libcst_lines:,} of {corpus.code_lines:,}"
        f" ({phases.libcst_lines / max(corpus.code_lines, 1):.1%})"
    )
    print(f"  findings: {findings}, files with errors: {errors}")
    if top:
        # A second pass under cProfile (which slows everything down, so not timed above).
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [lint_file(path, settings) for path in corpus.files])
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
        print(stream.getvalue())


# -- warm: the result cache -------------------------------------------------------------------
#: issue 13's goals for a warm run, in seconds: nothing changed; one file changed (plus that file).
WARM_GOAL = 0.5


def _timed_run(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[tuple[float, float], str]:
    with clock() as measured:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode not in (0, 2) or "Traceback" in done.stderr or "not using the cache" in done.stderr:
        raise SystemExit(f"perflint failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return (measured[0], measured[1]), done.stdout


def _changed_file(corpus: Corpus, cold_report: str) -> str:
    """A typical file to change: of the files with a finding, the one of median size."""
    flagged = sorted({item["filename"] for item in json.loads(cold_report or "[]")})
    candidates = [path for path in corpus.files if os.path.relpath(path, corpus.root) in flagged] or list(corpus.files)
    by_size = sorted(candidates, key=lambda path: (os.path.getsize(path), path))
    return by_size[len(by_size) // 2]


def _file_alone(path: Path, target: str, runs: int) -> float:
    """The median seconds ``lint_file`` takes on ``path`` in this process, rules loaded."""
    from perflint import Settings
    from perflint.engine.runner import lint_file
    from perflint.rules.registry import builtin_rules

    settings = Settings(select=tuple(spec.code for spec in builtin_rules()), target_version=target)
    lint_file(str(path), settings)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        lint_file(str(path), settings)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


_FOUND = re.compile(r"^found [0-9,]+ files? to check in ([0-9.]+)(ms|s)$", re.M)
_CACHED = re.compile(r"^cache .*: [0-9,]+ of .* \(([0-9.]+)(ms|s) in all\)$", re.M)


def _warm_phases(command: Sequence[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Discovery's and the cache's seconds in one warm run, as its ``--verbose`` lines say."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    found = {}
    for name, pattern in (("discovery", _FOUND), ("cache lookups", _CACHED)):
        match = pattern.search(done.stderr)
        if match:
            found[name] = float(match[1]) / (1000 if match[2] == "ms" else 1)
    return found


def warm(corpus: Corpus, jobs: int, target: str, runs: int) -> int:
    """Fill a cache, then time runs with nothing changed and with one file changed."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="perflint-warm-") as scratch:
        tree = Path(scratch) / "tree"
        relative = [os.path.relpath(path, corpus.root) for path in corpus.files]
        for name in relative:
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(corpus.root / name, tree / name)
        cache_dir = Path(scratch) / "cache"
        env = {**os.environ, "PERFLINT_CACHE_KEY": "benchmarks/stdlib.py --warm, a key of its own"}
        env["XDG_CACHE_HOME"] = str(Path(scratch) / "xdg")
        cached = [*check_command(jobs, target), "--cache-dir", str(cache_dir)]
        command = [*cached, *relative]
        cold, cold_report = _timed_run(command, tree, env)
        (tree / "empty").mkdir()
        start_up, nothing, one = [], [], []
        same = True
        changed = _changed_file(corpus, cold_report)
        changed_relative = os.path.relpath(changed, corpus.root)
        original = (tree / changed_relative).read_bytes()
        for index in range(runs):
            run, _ = _timed_run([*cached, "empty"], tree, env)
            start_up.append(run)
            run, report = _timed_run(command, tree, env)
            nothing.append(run)
            same = same and report == cold_report
            (tree / changed_relative).write_bytes(original + f"\n# benchmark change {index}\n".encode())
            run, report = _timed_run(command, tree, env)
            one.append(run)
            (tree / changed_relative).write_bytes(original)
        alone = _file_alone(tree / changed_relative, target, max(runs, 3))
        at = command.index("check") + 1
        phases = _warm_phases([*command[:at], "-v", *command[at:]], tree, env)
        entries = [path for path in cache_dir.rglob("*") if path.is_file()]
        cache_bytes = sum(path.stat().st_size for path in entries)

    def median(measured: list[tuple[float, float]], part: int = 0) -> float:
        return statistics.median(item[part] for item in measured)

    base = median(start_up)
    warm_s, one_s = median(nothing), median(one)
    one_goal = WARM_GOAL + alone
    print(
        f"warm: {len(corpus.files):,} files, {corpus.lines:,} lines under {corpus.root} (a copy)"
        f"; {jobs} process(es); median of {runs} run(s); target {target}"
    )
    print(f"  {'':<44}{'wall s':>8}{'CPU s':>8}  goal")
    print(f"  {'cold, filling the cache':<44}{cold[0]:>8.2f}{cold[1]:>8.2f}")
    print(
        f"  {'warm, nothing changed':<44}{warm_s:>8.2f}{median(nothing, 1):>8.2f}"
        f"  <= {WARM_GOAL:.2f}: {'met' if warm_s <= WARM_GOAL else 'NOT met'} ({warm_s / WARM_GOAL:.2f}x the goal)"
    )
    print(
        f"  {'warm, one file changed':<44}{one_s:>8.2f}{median(one, 1):>8.2f}"
        f"  <= {WARM_GOAL:.2f} + {alone:.2f} (that file) = {one_goal:.2f}: {'met' if one_s <= one_goal else 'NOT met'}"
    )
    print(f"  {'start-up (check of an empty folder)':<44}{base:>8.2f}{median(start_up, 1):>8.2f}")
    print(f"  {'warm apart from start-up':<44}{warm_s - base:>8.2f}{'':>8}  (discovery, reading and hashing every file, the cache, the report)")
    print(f"  {'one file changed apart from start-up':<44}{one_s - base:>8.2f}")
    if phases:
        print("  within a warm run (its --verbose lines): " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in phases.items()))
    print(f"  changed file: {changed_relative} ({os.path.getsize(changed):,} bytes; {alone:.3f} s alone, in-process)")
    print(f"  cache: {len(entries):,} files, {cache_bytes / 1e6:.1f} MB; warm reports identical to the cold one: {'yes' if same else 'NO'}")
    print("  runs (wall/CPU seconds):")
    for name, measured in (("start-up", start_up), ("warm", nothing), ("one changed", one)):
        print(f"    {name}: " + ", ".join(f"{wall:.2f}/{cpu:.2f}" for wall, cpu in measured))
    return 0 if same else 1


# -- report -----------------------------------------------------------------------------------
def report(corpus: Corpus, jobs: int, timings: Sequence[Timing], floor: Timing | None) -> None:
    print(
        f"{len(corpus.files):,} files, {corpus.lines:,} lines, {corpus.size / 1e6:.1f} MB under {corpus.root}"
        f"; {jobs} process(es); median of {len(timings[0].runs)} run(s)"
    )
    print(
        f"  {'':<22}{'seconds':>9}{'CPU s':>8}{'files/s':>9}{'lines/s':>10}"
        f"{'/ libcst':>10}{'CPU / libcst':>14}  errors"
    )
    for timing in timings:
        median = timing.median
        ratio = f"{median / floor.median:.2f}" if floor is not None else "-"
        cpu_ratio = f"{timing.cpu / floor.cpu:.2f}" if floor is not None else "-"
        print(
            f"  {timing.name:<22}{median:>9.2f}{timing.cpu:>8.1f}{len(corpus.files) / median:>9.0f}"
            f"{corpus.lines / median:>10,.0f}{ratio:>10}{cpu_ratio:>14}  {timing.errors}  {timing.note}"
        )
    print("  runs (wall/CPU seconds):")
    for timing in timings:
        runs = ", ".join(f"{wall:.2f}/{cpu:.1f}" for wall, cpu in timing.runs)
        print(f"    {timing.name}: {runs}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load is not None:
        print(f"  load average after the runs: {load[0]:.1f} (1 min), {load[2]:.1f} (15 min)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "root",
        nargs="?",
        type=Path,
        default=DEFAULT_ROOT,
        help=f"tree to lint (default: {DEFAULT_ROOT})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs of each measurement; the median is reported (default: 3)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="processes (default: CPU count, as perflint)",
    )
    parser.add_argument(
        "--target-version",
        default="py310",
        help="perflint's target; py310 enables every rule (default: py310)",
    )
    parser.add_argument(
        "--api", action="store_true", help="time perflint.lint_paths in-process instead of the CLI"
    )
    parser.add_argument(
        "--include-site-packages", action="store_true", help="also lint site-packages under ROOT"
    )
    parser.add_argument(
        "--only-perflint", action="store_true", help="skip the ast and libcst floors"
    )
    parser.add_argument(
        "--profile", action="store_true", help="break one in-process run down by phase instead"
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="measure the result cache instead: nothing changed, one file changed (on a copy of the tree)",
    )
    parser.add_argument(
        "--top", type=int, default=0, help="with --profile: also print the N costliest functions"
    )
    args = parser.parse_args(argv)

    root = args.root if args.root.is_dir() else None
    if root is None:
        import sysconfig

        root = Path(sysconfig.get_paths()["stdlib"])
        print(
            f"{args.root} not found; using this interpreter's standard library {root}",
            file=sys.stderr,
        )
    corpus = find_corpus(root, args.include_site_packages)
    if not corpus.files:
        parser.error(f"no .py files under {root}")
    if args.profile:
        profile(corpus, args.target_version, args.top)
        return 0
    if args.warm:
        return warm(corpus, args.jobs, args.target_version, args.runs)

    measure = time_api if args.api else time_cli
    perflint: list[tuple[float, float]] = []
    ast_runs: list[tuple[float, float]] = []
    cst_runs: list[tuple[float, float]] = []
    ast_errors = cst_errors = findings = file_errors = 0
    # Interleave the measurements so that a change of machine load hits all three alike.
    for _ in range(args.runs):
        if not args.only_perflint:
            run, _, ast_errors = time_pool(corpus.files, _ast_parse, args.jobs)
            ast_runs.append(run)
            run, _, cst_errors = time_pool(corpus.files, _libcst_parse, args.jobs, _import_libcst)
            cst_runs.append(run)
        run, findings, file_errors = measure(corpus.files, args.jobs, args.target_version)
        perflint.append(run)
    name = "perflint (lint_paths)" if args.api else "perflint (CLI, cold)"
    timings = [Timing(name, perflint, file_errors, f"{findings} findings")]
    floor = None
    if not args.only_perflint:
        floor = Timing("libcst.parse_module", cst_runs, cst_errors)
        timings = [Timing("ast.parse", ast_runs, ast_errors), floor, *timings]
    report(corpus, args.jobs, timings, floor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
