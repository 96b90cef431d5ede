"""Measure every rule's own slow/fast examples on each CPython and print the README's table.

    python benchmarks/rule_speedups.py                       # python3.10 ... python3.13 on PATH
    python benchmarks/rule_speedups.py --python python3.12   # one interpreter
    python benchmarks/rule_speedups.py --write-rules         # also record the ratios in rules/*.yaml

Each interpreter runs in its own child process (``perflint.measure``): timeit, slow and fast
repeats interleaved, median per call.  Only perflint's shipped examples are run.  The machine is
shared and noisy: compare ratios from one run, never absolute times across runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perflint.measure import RuleTiming, measure_all_rules  # noqa: E402
from perflint.ruleset import builtin_rules  # noqa: E402

DEFAULT_PYTHONS = ("python3.10", "python3.11", "python3.12", "python3.13")


def _target(interpreter: str) -> str:
    match = re.search(r"3\.(\d+)", interpreter)
    return f"py3{match.group(1)}" if match else interpreter


def _cell(timing: RuleTiming) -> str:
    if not timing.timings:
        return "n/a"
    return " / ".join(f"{t.ratio:.2f}x" for t in timing.timings)


def _record(code: str, speedups: dict[str, str]) -> None:
    """Rewrite the ``speedup:`` mapping at the end of a rule's YAML file."""
    spec = next(spec for spec in builtin_rules() if spec.code == code)
    text = spec.source_file.read_text(encoding="utf-8")
    text = re.sub(r"\nspeedup:\n(?:  .*\n)*", "\n", text).rstrip("\n") + "\n"
    lines = ["speedup:"] + [f'  {target}: "{value}"' for target, value in sorted(speedups.items())]
    spec.source_file.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", help="interpreter(s) to measure on")
    parser.add_argument("--repeat", type=int, default=9, help="timed repeats per example")
    parser.add_argument("--write-rules", action="store_true", help="record ratios in rules/*.yaml")
    args = parser.parse_args()
    pythons = args.python or [p for p in DEFAULT_PYTHONS if shutil.which(p)]
    columns: list[tuple[str, dict[str, RuleTiming]]] = []
    for python in pythons:
        timings = measure_all_rules(python, repeat=args.repeat)
        columns.append((timings[0].interpreter, {t.code: t for t in timings}))
        print(f"measured on {timings[0].interpreter}", file=sys.stderr)
    header = "| rule | " + " | ".join(name for name, _ in columns) + " |"
    print(header)
    print("|" + "---|" * (len(columns) + 1))
    for spec in builtin_rules():
        cells = [_cell(by_code[spec.code]) for _, by_code in columns]
        print(f"| {spec.code} {spec.name} | " + " | ".join(cells) + " |")
        if args.write_rules:
            _record(
                spec.code,
                {
                    _target(name): _cell(by_code[spec.code])
                    for name, by_code in columns
                    if by_code[spec.code].timings
                },
            )
    print(
        "\nEach cell: how many times faster the rewrite ran, for each of the rule's examples "
        "in order (slow time / fast time, medians of interleaved timeit repeats); 'n/a' where "
        "an example has no timing harness.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
