"""Time and peak memory of ``perflint check`` on one large file, by size and shape.

Each shape is a generator of realistic or adversarial Python of a given size: the standard
library concatenated, thousands of functions with findings, thousands of findings at module
level, one huge list or dict literal, deep nesting, long lines, a huge string, one huge
function, a huge class with one method that has a finding. Every file holds at least one
finding at module level (so that libcst and the rules have work to do, and nothing can be
skipped by the prefilter alone).

Each run is a new ``perflint`` process on one file (``--jobs 1``, every rule, target py310),
measured from outside: wall seconds and the peak resident memory of the process (``wait4``).
A run that exceeds ``--timeout`` seconds or ``--memory`` GB (an address-space limit) is
reported as such. ``--perflint`` chooses the command, so an older version can be measured by
the same script (see ``benchmarks/README.md``).

    python benchmarks/large_files.py                      # every shape, 1 2 5 10 20 MB
    python benchmarks/large_files.py --shapes nested functions --sizes 1 4 16
    python benchmarks/large_files.py --fix                # with --fix --unsafe-fixes too
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: A module-level finding: libcst must parse it, the prefilter cannot skip the file.
TRIGGER = "for i in range(len(DATA)):\n    print(DATA[i])\n"


def _fill(size: int, unit: Callable[[int], str]) -> Iterator[str]:
    written = index = 0
    while written < size:
        text = unit(index)
        written += len(text)
        index += 1
        yield text


@cache
def _stdlib_modules() -> tuple[str, ...]:
    """Standard-library modules that compile as they are and do not need to come first
    (no ``from __future__`` import), so that any concatenation of them compiles."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(root.glob("*.py")):
        try:
            text = path.read_text("utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, str(path), "exec", dont_inherit=True)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        if "__future__" not in text:
            found.append(text if text.endswith("\n") else text + "\n")
    return tuple(found)


def _function(index: int) -> str:
    return (
        f"def f{index}(nums):\n    total = 0\n    for j in range(len(nums)):\n"
        f"        total += nums[j]\n    out = []\n    for x in nums:\n        out.append(x)\n"
        "    return total, out\n\n"
    )


def _method(index: int) -> str:
    return f"    def m{index}(self, a, b):\n        c = a + b * {index}\n        return [c, self.x]\n\n"


SHAPES: dict[str, Callable[[int], Iterator[str]]] = {
    # Real code: few candidates, most statements left to the prefilter.
    "stdlib": lambda size: _fill(size, lambda i: _stdlib_modules()[i % len(_stdlib_modules())]),
    # A finding (two) in every function: libcst must read everything.
    "functions": lambda size: _fill(size, _function),
    # A finding every two lines at module level, each index used once.
    "module-findings": lambda size: _fill(
        size, lambda i: f"for k{i} in d{i}.keys():\n    print(k{i})\n"
    ),
    "list-literal": lambda size: iter(["DATA = [\n", *_fill(size, lambda i: f"    {i},\n"), "]\n"]),
    "dict-literal": lambda size: iter(
        ["DATA = {\n", *_fill(size, lambda i: f"    'k{i}': ({i}, 'v{i}'),\n"), "}\n"]
    ),
    # Many statements of 200 additions each (CPython compiles chains of a few thousand).
    "plus-chains": lambda size: _fill(size, lambda i: f"x{i} = a" + " + a" * 200 + "\n"),
    # Data nested 12 and 40 brackets deep (libcst's time grows with the square of depth).
    "nested-12": lambda size: iter(
        ["DATA = [\n", *_fill(size, lambda i: "    " + "[" * 12 + str(i) + "]" * 12 + ",\n"), "]\n"]
    ),
    "nested-40": lambda size: iter(
        ["DATA = [\n", *_fill(size, lambda i: "    " + "[" * 40 + str(i) + "]" * 40 + ",\n"), "]\n"]
    ),
    "long-lines": lambda size: _fill(
        size, lambda i: f"x{i} = [" + ", ".join(str(k) for k in range(2000)) + "]\n"
    ),
    "huge-string": lambda size: iter(
        ['DATA = """\n', *_fill(size, lambda i: "lorem ipsum dolor sit amet " * 3 + "\n"), '"""\n']
    ),
    # One function holding everything, with a finding: libcst must read it, in parts.
    "one-function": lambda size: iter(
        [
            "def big(nums):\n",
            *_fill(size, lambda i: f"    v{i} = nums[{i % 7}] * {i}\n"),
            "    for i in range(len(nums)):\n        print(nums[i])\n",
        ]
    ),
    # One class whose only finding sits in one of thousands of methods.
    "one-class": lambda size: iter(
        [
            "class Big:\n",
            *_fill(size, _method),
            "    def slow(self, nums):\n        for i in range(len(nums)):\n"
            "            print(nums[i])\n",
        ]
    ),
}


def generate(shape: str, megabytes: float, path: Path) -> int:
    """Write ``shape`` of about ``megabytes`` MB (plus the module-level finding) to ``path``."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("DATA = list(range(10))\n")
        for text in SHAPES[shape](int(megabytes * 1_000_000)):
            handle.write(text)
        handle.write(TRIGGER)
    return path.stat().st_size


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    status: str  # "ok", "timeout", "memory", or "exit N"
    findings: int = 0
    errors: tuple[str, ...] = ()


def _limit(gigabytes: float) -> Callable[[], None]:
    def limit() -> None:
        size = int(gigabytes * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return limit


def run(command: Sequence[str], timeout: float, memory_gb: float) -> Run:
    """Run ``command``; wall time and the child's peak RSS, from ``wait4``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=_limit(memory_gb)
        )
        status = "ok"
        deadline = started + timeout
        while True:
            pid, code, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, code, usage = os.wait4(process.pid, 0)
                status = "timeout"
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        peak = usage.ru_maxrss / 1024  # KB on Linux
        process.returncode = os.waitstatus_to_exitcode(code)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if status == "ok" and process.returncode not in (0, 1):
        status = "memory" if "MemoryError" in stderr or process.returncode < 0 else f"exit {process.returncode}"
    findings = 0
    errors: tuple[str, ...] = ()
    if status == "ok":
        try:
            items = json.loads(stdout or "[]")
        except json.JSONDecodeError:
            items = []
        findings = sum(1 for item in items if item["code"] != "PFL000")
        errors = tuple(item["message"] for item in items if item["code"] == "PFL000")
    return Run(seconds, peak, status, findings, errors)


def perflint_command(given: str | None) -> list[str]:
    if given:
        return given.split()
    beside = Path(sys.executable).parent / "perflint"
    return [str(beside)] if beside.exists() else [shutil.which("perflint") or "perflint"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--sizes", nargs="*", type=float, default=[1, 2, 5, 10, 20], help="MB")
    parser.add_argument("--perflint", help="the command to measure (default: the installed one)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run (600)")
    parser.add_argument("--memory", type=float, default=8, help="GB of address space per run (8)")
    parser.add_argument("--fix", action="store_true", help="also time --fix --unsafe-fixes")
    parser.add_argument(
        "--extra", default="", help="more options for every run, e.g. a raised --max-file-size"
    )
    parser.add_argument(
        "--stop-after", type=float, default=300,
        help="skip the larger sizes of a shape once a run took longer than this (300 s)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    command = perflint_command(args.perflint)
    base = [*command, "check", "--select", "ALL", "--target-version", "py310", "--jobs", "1"]
    base += ["--format", "json", "--exit-zero", *args.extra.split()]
    print(f"perflint: {' '.join(command)}; CPython {sys.version.split()[0]}; load {os.getloadavg()[0]:.1f}")
    print(f"{'shape':<16}{'MB':>6}{'lines':>10}{'mode':>6}{'seconds':>10}{'peak MB':>10}  result")
    with tempfile.TemporaryDirectory(prefix="perflint-large-") as scratch:
        for shape in args.shapes:
            for megabytes in sorted(args.sizes):
                path = Path(scratch) / f"{shape}.py"
                size = generate(shape, megabytes, path)
                lines = path.read_bytes().count(b"\n")
                modes = [("lint", [])] + ([("fix", ["--fix", "--unsafe-fixes"])] if args.fix else [])
                slow = False
                for mode, extra in modes:
                    target = path
                    if mode == "fix":
                        target = Path(scratch) / f"{shape}-fix.py"
                        shutil.copyfile(path, target)
                    result = run([*base, *extra, str(target)], args.timeout, args.memory)
                    note = result.status
                    if result.status == "ok":
                        note = f"{result.findings} findings"
                        if result.errors:
                            note += f"; PFL000: {result.errors[0][:70]}"
                    print(
                        f"{shape:<16}{size / 1e6:>6.1f}{lines:>10,}{mode:>6}"
                        f"{result.seconds:>10.1f}{result.peak_mb:>10.0f}  {note}",
                        flush=True,
                    )
                    slow |= result.seconds > args.stop_after or result.status != "ok"
                if slow:
                    break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
