"""Time a rule's own slow and fast examples with ``timeit`` on a chosen CPython.

Only perflint's shipped rule examples are run, never user code, and always in a child
interpreter (``python -I``) so that perflint's own imports do not disturb the timings.

Convention for an example's timing harness: the ``slow`` (or ``fast``) code is run first and
defines the function; ``setup`` builds the data; ``stmt`` calls the function by a neutral name
(``sum_of_squares(nums)``).  When the code does not define the name ``stmt`` calls, the first
function it defines is bound to that name, so ``sum_of_squares_slow`` and
``sum_of_squares_fast`` both answer to ``sum_of_squares``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from perflint.evidence.explain import interpreter_label, run_json
from perflint.types import RuleSpec

#: Default number of timed repeats per example; the median is reported.
REPEAT = 7

# Runs in the child interpreter: standard library only, any CPython 3.8+.
_HARNESS = r"""
import ast, json, platform, statistics, sys, timeit

def called_name(stmt):
    for node in ast.walk(ast.parse(stmt)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id
    return None

def namespace(code, stmt):
    ns = {"__name__": "__perflint_example__"}
    exec(compile(code, "<example>", "exec"), ns)
    name = called_name(stmt)
    if name is not None and name not in ns:
        functions = [n.name for n in ast.parse(code).body
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if functions:
            ns[name] = ns[functions[0]]
    return ns

def measure(item):
    timers = [timeit.Timer(item["stmt"], item["setup"], globals=namespace(item[kind], item["stmt"]))
              for kind in ("slow", "fast")]
    number, _ = timers[0].autorange()  # calls per repeat: at least 0.2 s of the slow code
    times = ([], [])
    for _ in range(item["repeat"]):  # interleaved, so drift affects both alike
        for timer, sink in zip(timers, times):
            sink.append(timer.timeit(number) / number)
    return {"slow": statistics.median(times[0]), "fast": statistics.median(times[1]),
            "number": number, "repeat": item["repeat"]}

def main():
    request = json.loads(sys.stdin.read())
    results = []
    for item in request["items"]:
        try:
            results.append(measure(item))
        except Exception as error:  # a broken example is reported, the others still run
            results.append({"error": f"{type(error).__name__}: {error}"})
    json.dump({"implementation": platform.python_implementation(),
               "version": platform.python_version(), "results": results}, sys.stdout)

main()
"""


@dataclass(frozen=True)
class ExampleTiming:
    """Median seconds per call of one example's slow and fast code."""

    example: int  # 1-based, as numbered in ``perflint explain``
    slow: float
    fast: float
    number: int  # calls per timed repeat
    repeat: int

    @property
    def ratio(self) -> float:
        """How many times faster the fast code is."""
        return self.slow / self.fast


@dataclass(frozen=True)
class RuleTiming:
    code: str
    interpreter: str
    timings: tuple[ExampleTiming, ...]
    #: Examples not timed: no setup/stmt, or the example failed (with the reason).
    skipped: tuple[tuple[int, str], ...] = ()


def measure_rules(
    specs: Sequence[RuleSpec], python: str | None = None, repeat: int = REPEAT
) -> list[RuleTiming]:
    """Time every example of every rule on one interpreter, in one child process.

    For benchmark scripts (``python`` defaults to the interpreter running perflint).
    """
    items: list[dict[str, Any]] = []
    owners: list[tuple[int, int]] = []  # (spec index, example number) per item
    skipped: dict[int, list[tuple[int, str]]] = {index: [] for index in range(len(specs))}
    for spec_index, spec in enumerate(specs):
        for number, example in enumerate(spec.examples, start=1):
            if example.setup is None or example.stmt is None:
                skipped[spec_index].append((number, "no timing harness (setup/stmt)"))
                continue
            items.append(
                {"slow": example.slow, "fast": example.fast, "setup": example.setup,
                 "stmt": example.stmt, "repeat": repeat}
            )
            owners.append((spec_index, number))
    answer = run_json(python or sys.executable, ["-c", _HARNESS], {"items": items}, None)
    interpreter = interpreter_label(answer, python)
    timings: dict[int, list[ExampleTiming]] = {index: [] for index in range(len(specs))}
    for (spec_index, number), result in zip(owners, answer["results"]):
        if "error" in result:
            skipped[spec_index].append((number, result["error"]))
            continue
        timings[spec_index].append(
            ExampleTiming(number, result["slow"], result["fast"], result["number"], result["repeat"])
        )
    return [
        RuleTiming(spec.code, interpreter, tuple(timings[index]), tuple(sorted(skipped[index])))
        for index, spec in enumerate(specs)
    ]


def measure_all_rules(python: str | None = None, repeat: int = REPEAT) -> list[RuleTiming]:
    """Every built-in rule's examples on one interpreter (for ``benchmarks/``)."""
    from perflint.rules.registry import builtin_rules

    return measure_rules(builtin_rules(), python, repeat)


def measure_rule(spec: RuleSpec, python: str | None = None, repeat: int = REPEAT) -> RuleTiming:
    """Time one rule's examples (``perflint explain CODE --measure``)."""
    return measure_rules([spec], python, repeat)[0]


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def render_timing(timing: RuleTiming) -> list[str]:
    lines = [f"On {timing.interpreter}, timeit, median of repeats, per call:"]
    for t in timing.timings:
        lines.append(
            f"Example {t.example}: slow {_duration(t.slow)}, fast {_duration(t.fast)}, "
            f"{t.ratio:.2f}x ({t.repeat} repeats of {t.number} calls)"
        )
    lines.extend(f"Example {number}: not timed: {reason}" for number, reason in timing.skipped)
    return lines


def timing_json(timing: RuleTiming) -> dict[str, object]:
    return {
        "code": timing.code,
        "interpreter": timing.interpreter,
        "examples": [
            {"example": t.example, "slow_seconds": t.slow, "fast_seconds": t.fast,
             "ratio": t.ratio, "number": t.number, "repeat": t.repeat}
            for t in timing.timings
        ],
        "skipped": [{"example": number, "reason": reason} for number, reason in timing.skipped],
    }
