"""Measure every rule's own slow/fast examples on each CPython and print the README's table.

    python benchmarks/rule_speedups.py                       # python3.10 ... python3.13 on PATH
    python benchmarks/rule_speedups.py --python python3.12   # one interpreter
    python benchmarks/rule_speedups.py --write-rules         # also record the ratios in rules/*.yaml
    python benchmarks/rule_speedups.py --runs 5 --python python3.8 --python python3.9

Each interpreter runs in its own child process (``perflint.evidence.measure``): timeit, slow and fast
repeats interleaved, median per call.  Only perflint's shipped examples are run.  The machine is
shared and noisy: compare ratios from one run, never absolute times across runs.  With
``--runs N`` each interpreter is measured N times (one after the other, interpreters taking
turns) and each example's ratio is the median of its N ratios.  ``--write-rules`` replaces
the measured versions' figures in each rule's ``speedup:`` and keeps the other versions'.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perflint.evidence.measure import RuleTiming, measure_all_rules  # noqa: E402
from perflint.rules.registry import builtin_rules  # noqa: E402
from perflint.types import version_order  # noqa: E402

DEFAULT_PYTHONS = ("python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13")


def _target(interpreter: str) -> str:
    match = re.search(r"3\.(\d+)", interpreter)
    return f"py3{match.group(1)}" if match else interpreter


def _ratios(runs: list[RuleTiming]) -> list[float]:
    """Each example's median ratio over the runs of one rule on one interpreter."""
    by_example: dict[int, list[float]] = {}
    for timing in runs:
        for example in timing.timings:
            by_example.setdefault(example.example, []).append(example.ratio)
    return [statistics.median(ratios) for _, ratios in sorted(by_example.items())]


def _cell(runs: list[RuleTiming]) -> str:
    ratios = _ratios(runs)
    return " / ".join(f"{ratio:.2f}x" for ratio in ratios) if ratios else "n/a"


def _record(code: str, speedups: dict[str, str]) -> None:
    """Set the measured versions' figures in the ``speedup:`` mapping at the end of a rule's
    YAML file, keeping the figures of the versions not measured now."""
    spec = next(spec for spec in builtin_rules() if spec.code == code)
    text = spec.source_file.read_text(encoding="utf-8")
    text = re.sub(r"\nspeedup:\n(?:  .*\n)*", "\n", text).rstrip("\n") + "\n"
    merged = {**spec.speedup, **speedups}
    ordered = sorted(merged.items(), key=lambda item: version_order(item[0]))
    lines = ["speedup:"] + [f'  {target}: "{value}"' for target, value in ordered]
    spec.source_file.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", help="interpreter(s) to measure on")
    parser.add_argument("--repeat", type=int, default=9, help="timed repeats per example")
    parser.add_argument("--write-rules", action="store_true", help="record ratios in rules/*.yaml")
    parser.add_argument("--runs", type=int, default=1, help="measurements per interpreter (median)")
    args = parser.parse_args()
    pythons = args.python or [p for p in DEFAULT_PYTHONS if shutil.which(p)]
    names: dict[str, str] = {}
    runs: dict[str, dict[str, list[RuleTiming]]] = {python: {} for python in pythons}
    for number in range(1, args.runs + 1):
        for python in pythons:
            timings = measure_all_rules(python, repeat=args.repeat)
            names[python] = timings[0].interpreter
            for timing in timings:
                runs[python].setdefault(timing.code, []).append(timing)
            print(f"run {number}/{args.runs}: measured on {names[python]}", file=sys.stderr)
    header = "| rule | " + " | ".join(names[python] for python in pythons) + " |"
    print(header)
    print("|" + "---|" * (len(pythons) + 1))
    for spec in builtin_rules():
        cells = [_cell(runs[python].get(spec.code, [])) for python in pythons]
        print(f"| {spec.code} {spec.name} | " + " | ".join(cells) + " |")
        if args.write_rules:
            _record(
                spec.code,
                {
                    _target(names[python]): _cell(runs[python][spec.code])
                    for python in pythons
                    if _ratios(runs[python].get(spec.code, []))
                },
            )
    print(
        "\nEach cell: how many times faster the rewrite ran, for each of the rule's examples "
        "in order (slow time / fast time, medians of interleaved timeit repeats; with --runs, "
        "the median of the runs); 'n/a' where an example has no timing harness.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
