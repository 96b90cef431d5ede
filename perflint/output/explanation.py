"""Explanations for people: the bytecode diff with its counts, what they mean, the rule's
measured speed-up on that CPython, a gloss of each instruction that differs; as lines for the
text report and as JSON. ``perflint.evidence.page`` builds the page of ``perflint explain CODE``
from them."""

from __future__ import annotations

from perflint.output.opcodes import glossary
from perflint.types import Explanation, RuleSpec, version_order

#: Said once per report (and once by ``perflint explain``), where instruction counts appear.
COUNTS_NOTE = (
    "Instructions per loop iteration: the bytecode instructions CPython runs each time around "
    "the loop, from FOR_ITER to the jump back (along the longest path where the body "
    "branches). It is a count, not a time: instructions differ in cost (a CALL of a C function "
    "counts one however much it does, so list(xs) copying every item is one CALL), and a loop "
    "runs as often as its data says. The measured speed-ups are the times."
)


def _names(explanation: Explanation) -> tuple[str, str]:
    return ("flagged", "rewritten") if explanation.source == "finding" else ("slow", "fast")


def _count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def per_iteration_line(explanation: Explanation) -> str:
    slow_name, fast_name = _names(explanation)
    if explanation.slow_per_iteration is None and explanation.fast_per_iteration is None:
        return "No loop here: the difference is paid once each time this code runs."
    line = (
        f"Instructions per loop iteration (FOR_ITER to the jump back): "
        f"{_count(explanation.slow_per_iteration)} {slow_name}, "
        f"{_count(explanation.fast_per_iteration)} {fast_name}"
    )
    if explanation.per_iteration_branches:
        line += " (the body branches: counted along its longest path)"
    return line


def outside_loop_line(explanation: Explanation) -> str | None:
    """Where the rewrite saves work outside the loop (PFL104's copy before it, the calls of
    ``range(len(seq))``), the counts there; None when nothing outside the loop differs."""
    slow, fast = explanation.slow_outside_loop, explanation.fast_outside_loop
    if slow is None or fast is None or slow == fast:
        return None
    slow_name, fast_name = _names(explanation)
    return f"Instructions outside the loop (not repeated per iteration): {slow} {slow_name}, {fast} {fast_name}"


def speedup_line(explanation: Explanation) -> str | None:
    """The rule's recorded speed-up on the explanation's CPython, each figure labelled with
    the example it belongs to."""
    target = explanation.speedup_target
    if target is None:
        return None
    version = f"CPython 3.{target[3:]}"
    if not explanation.speedup:
        return f"Measured speed-up on {version}: none recorded for this rule."
    return f"Measured on {version}, the rewrite ran {labelled(explanation.speedup)} as fast (this rule's own examples, timeit)."


def labelled(figures: str) -> str:
    """``"1.28x / 1.70x"`` -> ``"1.28x (example 1) and 1.70x (example 2)"``."""
    items = [item.strip() for item in figures.split("/") if item.strip()]
    if len(items) == 1:
        return f"{items[0]} (example 1)"
    parts = [f"{item} (example {number})" for number, item in enumerate(items, start=1)]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def glossary_lines(explanation: Explanation, indent: str = "  ") -> list[str]:
    """``What the changed instructions do:`` and one line per instruction that differs."""
    found = glossary(explanation.diff)
    if not found:
        return []
    width = max(len(name) for name, _ in found)
    return ["What the changed instructions do:", *(f"{indent}{name:<{width}}  {gloss}" for name, gloss in found)]


def render_explanation(explanation: Explanation) -> list[str]:
    """Lines for the text reporter: a heading, the diff, the counts, the measured speed-up and
    the glossary (the counts' meaning, said once per report, is :data:`COUNTS_NOTE`)."""
    slow_name, fast_name = _names(explanation)
    what = "this finding" if explanation.source == "finding" else "the rule's example"
    lines = [f"Bytecode on {explanation.interpreter}, {what} (- {slow_name}, + {fast_name}):"]
    lines.extend(explanation.diff)
    lines.append(per_iteration_line(explanation))
    for extra in (outside_loop_line(explanation), speedup_line(explanation)):
        if extra is not None:
            lines.append(extra)
    lines.extend(glossary_lines(explanation))
    return lines


def explanation_json(explanation: Explanation) -> dict[str, object]:
    """The explanation as plain JSON data."""
    return {
        "interpreter": explanation.interpreter,
        "source": explanation.source,
        "slow_code": explanation.slow_code,
        "fast_code": explanation.fast_code,
        "slow_bytecode": list(explanation.slow_bytecode),
        "fast_bytecode": list(explanation.fast_bytecode),
        "diff": list(explanation.diff),
        "slow_per_iteration": explanation.slow_per_iteration,
        "fast_per_iteration": explanation.fast_per_iteration,
        "per_iteration_branches": explanation.per_iteration_branches,
        "slow_outside_loop": explanation.slow_outside_loop,
        "fast_outside_loop": explanation.fast_outside_loop,
        "speedup": explanation.speedup,
        "speedup_target": explanation.speedup_target,
        "glossary": [{"opname": name, "gloss": gloss} for name, gloss in glossary(explanation.diff)],
    }


def recorded_speedups(spec: RuleSpec) -> list[str]:
    """``- CPython 3.11: 1.28x (example 1) and 1.70x (example 2)``, oldest version first."""
    ordered = sorted(spec.speedup.items(), key=lambda item: _order(item[0]))
    return [f"- CPython 3.{target[3:]}: {labelled(value)}" for target, value in ordered]


def _order(target: str) -> int:
    try:
        return version_order(target)
    except ValueError:
        return 999
