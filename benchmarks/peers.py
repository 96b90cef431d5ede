"""Time perflint next to its peers and the two parse floors, over one tree, in one run.

    python benchmarks/peers.py                        # CPython 3.12.1's standard library
    python benchmarks/peers.py --runs 3 --markdown    # the table for the README
    python benchmarks/peers.py --skip pylint PATH     # any tree, without the slowest peer

Every measurement is one cold process (a new interpreter or binary per run) over the same
files, found as ``benchmarks/stdlib.py`` finds them, in interleaved rounds so that a change of
machine load hits every tool alike; medians of ``--runs`` are reported:

* ``ast.parse`` of every file with 1 and with ``--jobs`` processes (the floor of anything
  that reads Python, and the floor the speed goal is a ratio of), ``libcst.parse_module`` of
  every file with ``--jobs`` processes (the floor of a linter that parses everything with
  libcst); both are ``stdlib.py``'s own functions, run in a child interpreter;
* perflint, ``perflint check --select ALL --jobs N``;
* ruff (``--isolated --no-cache``) with ``PERF`` and with a broader set of rule families
  that hold ruff's counterparts of perflint's rules (``RUFF_BROAD``, with ``--preview``);
* pylint with the PyPI ``perflint`` plugin (its W8xxx messages only), from a venv of its own
  (``--pylint``): the PyPI package is named ``perflint`` too, so it cannot share a venv with
  this one;
* flake8 with flake8-comprehensions (``C4``), from the same venv (``--flake8``).

Each run is started and waited for (``os.wait4``) by a small launcher interpreter: wall
seconds (the launcher's start-up, about 20 ms, included), CPU seconds of the process and every
worker it waited for, and the peak RSS of the largest of them (never less than the launcher's
own, about 10 MB). A tool that is not there is
reported "not installed"; a run over ``--timeout`` is killed and reported "timed out".
Every tool runs in an empty temporary directory with its configuration files ignored
(``--isolated``, ``--rcfile``), so nothing in the tree chooses a plugin to load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stdlib import (  # noqa: E402 - stdlib.py lives beside this script, not in a package
    DEFAULT_ROOT,
    _ast_parse,
    _import_libcst,
    _libcst_parse,
    find_corpus,
    perflint_command,
    time_pool,
)

PEERS_VENV = Path("/work/peers-venv")
#: ruff's rule families that hold its counterparts of perflint's rules (PERF, the C4
#: comprehension rules, SIM118 `in dict.keys()`, FURB's refurb rules such as FURB118/FURB171,
#: PIE's PIE802/PIE810, UP's UP018/UP032): a superset, so ruff does at least as much work.
RUFF_BROAD = "PERF,C4,SIM,FURB,PIE,UP"
#: Every message of the PyPI perflint plugin (perflint 0.8.1).
PYLINT_PLUGIN_CODES = ("W8101", "W8102", "W8201", "W8202", "W8204", "W8205", "W8401", "W8402", "W8403")
TOOLS = ("ast", "libcst", "perflint", "ruff", "pylint", "flake8")


@dataclass(frozen=True)
class Tool:
    """One row of the table: how to run it and how to read what it printed."""

    name: str
    key: str  # what --skip names
    processes: int
    command: tuple[str, ...] | None  # None: not installed
    #: stdout -> (findings or None where the tool reports none, files with errors)
    read: Callable[[str], tuple[int | None, int]]
    runs: int  # rounds it takes part in


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss: int  # bytes: the largest process of the run
    findings: int | None
    error_files: int


@dataclass(frozen=True)
class Row:
    tool: Tool
    runs: tuple[Run, ...]
    note: str = ""  # why there are no (more) runs: not installed, skipped, timed out, failed

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)


# -- reading each tool's report ---------------------------------------------------------------
def _split(items: Sequence[tuple[str, bool]]) -> tuple[int, int]:
    """(path, is an error) per message -> (findings, distinct files with an error)."""
    return sum(not error for _, error in items), len({path for path, error in items if error})


def read_floor(stdout: str) -> tuple[int | None, int]:
    return None, int(json.loads(stdout)["errors"])


def read_perflint(stdout: str) -> tuple[int | None, int]:
    return _split([(item["filename"], item["code"] == "PFL000") for item in json.loads(stdout or "[]")])


def read_ruff(stdout: str) -> tuple[int | None, int]:
    # A syntax error has the code "invalid-syntax" (null before ruff 0.12); E902 is a file it cannot read.
    return _split(
        [
            (item["filename"], item["code"] in (None, "invalid-syntax", "E902"))
            for item in json.loads(stdout or "[]")
        ]
    )


def read_pylint(stdout: str) -> tuple[int | None, int]:
    # E0001 is a syntax error; F messages (astroid-error, parse-error, ...) are files it gave up on.
    return _split(
        [
            (item["path"], item["message-id"] == "E0001" or item["message-id"].startswith("F"))
            for item in json.loads(stdout or "[]")
        ]
    )


def read_flake8(stdout: str) -> tuple[int | None, int]:
    items = [line.rsplit("\t", 1) for line in stdout.splitlines() if "\t" in line]
    return _split([(path, code in ("E999", "E902")) for path, code in items])


# -- the tools --------------------------------------------------------------------------------
def _installed(path: str | None) -> str | None:
    """``path`` if it names a program that exists (a name is looked up on PATH)."""
    if not path:
        return None
    if os.sep in path:
        return path if os.access(path, os.X_OK) and Path(path).is_file() else None
    return shutil.which(path)


def default_ruff() -> str | None:
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff")


def perflint_has_option(option: str) -> bool:
    """Whether the installed perflint knows ``option`` (``--no-cache`` once it has a cache)."""
    done = subprocess.run(
        [*perflint_command(), "check", "--help"], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    return option in done.stdout


def tools(args: argparse.Namespace, list_file: Path) -> list[Tool]:
    """Every row, in the order of a round; ``command`` is None where the program is missing."""
    me = (sys.executable, str(Path(__file__).resolve()))
    floor = (*me, "--floor-list", str(list_file))
    files = tuple(args.files)
    jobs = str(args.jobs)
    perflint = (*perflint_command(), "check", "--select", "ALL", "--target-version", args.target_version)
    perflint += ("--jobs", jobs, "--format", "json", "--exit-zero", "--no-force-exclude")
    if perflint_has_option("--no-cache"):
        perflint += ("--no-cache",)
    ruff = _installed(args.ruff)
    ruff_check = (ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json")
    pylint = _installed(args.pylint)
    flake8 = _installed(args.flake8)
    runs, slow_runs = args.runs, min(args.runs, args.pylint_runs)
    return [
        Tool("ast.parse", "ast", 1, (*floor, "--floor", "ast", "--jobs", "1"), read_floor, runs),
        Tool("ast.parse", "ast", args.jobs, (*floor, "--floor", "ast", "--jobs", jobs), read_floor, runs),
        Tool("libcst.parse_module", "libcst", args.jobs, (*floor, "--floor", "libcst", "--jobs", jobs), read_floor, runs),
        Tool("perflint --select ALL", "perflint", args.jobs, (*perflint, *files), read_perflint, runs),
        Tool("ruff --select PERF", "ruff", args.jobs, ruff and (*ruff_check, "--select", "PERF", *files), read_ruff, runs),
        Tool(
            f"ruff --select {RUFF_BROAD} --preview",
            "ruff",
            args.jobs,
            ruff and (*ruff_check, "--preview", "--select", RUFF_BROAD, *files),
            read_ruff,
            runs,
        ),
        Tool(
            "pylint + PyPI perflint plugin",
            "pylint",
            args.pylint_jobs,
            pylint
            and (
                pylint, "--rcfile", os.devnull, "--load-plugins", "perflint", "--disable", "all",
                "--enable", ",".join(PYLINT_PLUGIN_CODES), "--jobs", str(args.pylint_jobs),
                "--output-format", "json", "--persistent", "n", "--score", "n", *files,
            ),
            read_pylint,
            slow_runs,
        ),
        Tool(
            "flake8 + flake8-comprehensions (C4)",
            "flake8",
            args.jobs,
            flake8
            and (
                flake8, "--isolated", "--select", "C4,E999,E902", "--jobs", jobs,
                "--format", "%(path)s\t%(code)s", "--exit-zero", *files,
            ),
            read_flake8,
            runs,
        ),
    ]  # fmt: skip


# -- measuring one run ------------------------------------------------------------------------
#: Starts the command and waits for it with wait4, from a small interpreter of its own: Linux
#: keeps a process's peak RSS across exec, so a child forked by this (larger) process would
#: report at least this process's RSS. Writes "exit code, CPU seconds, peak RSS KiB" to argv[1].
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def measure(tool: Tool, timeout: float, cwd: Path) -> Run | str:
    """One run of ``tool`` in a new process group: its figures, or why there are none."""
    assert tool.command is not None
    with tempfile.TemporaryDirectory(prefix="perflint-peers-run-") as work:
        usage_file, out_file, err_file = (Path(work) / name for name in ("usage", "out", "err"))
        command = (sys.executable, "-I", "-S", "-c", LAUNCHER, str(usage_file), *tool.command)
        with out_file.open("wb") as out, err_file.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.Popen(
                command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
            )
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the launcher, the tool and its workers
                process.wait()
                return f"timed out after {timeout:g} s"
            wall = time.perf_counter() - started
        stdout = out_file.read_text(errors="replace")
        stderr = err_file.read_text(errors="replace")
        exit_code, cpu, rss = usage_file.read_text().split() if usage_file.exists() else ("?", "0", "0")
    try:
        findings, error_files = tool.read(stdout)
    except (ValueError, KeyError, TypeError):
        last = stderr.strip().splitlines()[-1:] or ["no output"]
        return f"failed (exit {exit_code}): {last[0][:200]}"
    return Run(wall, float(cpu), int(rss) * 1024, findings, error_files)


def measure_all(selected: Sequence[Tool], skipped: set[str], timeout: float) -> list[Row]:
    """Interleaved rounds: every tool once per round, until each has its runs."""
    runs: dict[int, list[Run]] = {index: [] for index in range(len(selected))}
    notes: dict[int, str] = {}
    for index, tool in enumerate(selected):
        if tool.key in skipped:
            notes[index] = "skipped"
        elif tool.command is None:
            notes[index] = "not installed"
    with tempfile.TemporaryDirectory(prefix="perflint-peers-") as cwd:
        for round_ in range(max((tool.runs for tool in selected), default=0)):
            for index, tool in enumerate(selected):
                if index in notes or round_ >= tool.runs:
                    continue
                result = measure(tool, timeout, Path(cwd))
                if isinstance(result, str):
                    notes[index] = result
                else:
                    runs[index].append(result)
    return [Row(tool, tuple(runs[index]), notes.get(index, "")) for index, tool in enumerate(selected)]


# -- the table --------------------------------------------------------------------------------
HEADER = ("", "processes", "wall s", "CPU s", "peak RSS MB", "files with errors", "findings", "/ ast.parse x2", "/ ruff PERF")


def table(rows: Sequence[Row], jobs: int) -> list[tuple[str, ...]]:
    """The cells of each row; ratios are of median wall times measured in this run."""
    floor = next((row for row in rows if row.tool.key == "ast" and row.tool.processes == jobs and row.runs), None)
    ruff = next((row for row in rows if row.tool.key == "ruff" and row.runs), None)
    cells = []
    for row in rows:
        if not row.runs:
            cells.append((row.tool.name, str(row.tool.processes), row.note, *["-"] * (len(HEADER) - 3)))
            continue
        wall = row.median("wall")
        last = row.runs[-1]
        findings = "-" if last.findings is None else f"{last.findings:,}"
        if len({(run.findings, run.error_files) for run in row.runs}) > 1:
            findings += " (varied)"
        cells.append(
            (
                row.tool.name + (f" ({row.note})" if row.note else ""),
                str(row.tool.processes),
                f"{wall:.2f}",
                f"{row.median('cpu'):.2f}",
                f"{row.median('rss') / 1e6:.0f}",
                f"{last.error_files:,}",
                findings,
                f"{wall / floor.median('wall'):.2f}x" if floor else "-",
                f"{wall / ruff.median('wall'):.1f}x" if ruff else "-",
            )
        )
    return cells


def render(cells: Sequence[Sequence[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|---|" + "---:|" * (len(HEADER) - 1)]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(row[column]) for row in (HEADER, *cells)) for column in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) if column == 0 else cell.rjust(width) for column, (cell, width) in enumerate(zip(row, widths)))
        for row in (HEADER, *cells)
    )


# -- the floors' child process ----------------------------------------------------------------
def floor_main(floor: str, jobs: int, list_file: Path) -> int:
    """Parse every file of the list with ``stdlib.py``'s floor function; print the errors."""
    files = json.loads(list_file.read_text(encoding="utf-8"))
    if floor == "ast":
        _, _, errors = time_pool(files, _ast_parse, jobs)
    else:
        _, _, errors = time_pool(files, _libcst_parse, jobs, _import_libcst)
    print(json.dumps({"errors": errors}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT, help=f"tree to lint (default: {DEFAULT_ROOT})")
    parser.add_argument("--runs", type=int, default=3, help="rounds; medians are reported (default: 3)")
    parser.add_argument("--jobs", type=int, default=2, help="processes, where a tool can use several (default: 2)")
    parser.add_argument("--target-version", default="py310", help="perflint's target; py310 enables every rule")
    parser.add_argument("--ruff", default=default_ruff(), help="ruff (default: beside this Python, else on PATH)")
    parser.add_argument("--pylint", default=str(PEERS_VENV / "bin" / "pylint"), help="pylint, in a venv with the PyPI perflint plugin (default: %(default)s)")
    parser.add_argument("--pylint-jobs", type=int, default=1, help="pylint's --jobs (default: 1)")
    parser.add_argument("--pylint-runs", type=int, default=1, help="rounds pylint takes part in, at most --runs (default: 1)")
    parser.add_argument("--flake8", default=str(PEERS_VENV / "bin" / "flake8"), help="flake8 with flake8-comprehensions (default: %(default)s)")
    parser.add_argument("--skip", action="append", default=[], choices=TOOLS, help="leave a tool out (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed (default: 1800)")
    parser.add_argument("--include-site-packages", action="store_true", help="also lint site-packages under ROOT")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--floor", choices=("ast", "libcst"), help=argparse.SUPPRESS)
    parser.add_argument("--floor-list", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)  # fmt: skip
    if args.floor:
        return floor_main(args.floor, args.jobs, args.floor_list)
    if not args.root.is_dir():
        parser.error(f"{args.root} is not a directory")
    corpus = find_corpus(args.root, args.include_site_packages)
    if not corpus.files:
        parser.error(f"no .py files under {args.root}")
    args.files = corpus.files
    with tempfile.TemporaryDirectory(prefix="perflint-peers-list-") as work:
        list_file = Path(work) / "files.json"
        list_file.write_text(json.dumps(corpus.files), encoding="utf-8")
        rows = measure_all(tools(args, list_file), set(args.skip), args.timeout)
    print(
        f"{len(corpus.files):,} files, {corpus.lines:,} lines, {corpus.size / 1e6:.1f} MB under {corpus.root};"
        f" CPython {sys.version.split()[0]}; median of {args.runs} run(s)"
        f" (pylint: {min(args.runs, args.pylint_runs)})"
    )
    print(render(table(rows, args.jobs), args.markdown))
    load = os.getloadavg()
    print(f"load average after the runs: {load[0]:.1f} (1 min), {load[2]:.1f} (15 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
