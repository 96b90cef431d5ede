"""The page of ``perflint explain CODE``: a rule's text and examples, the bytecode diff of its
first example on a chosen CPython, and optionally its examples timed there."""

from __future__ import annotations

import textwrap

from perflint.evidence.explain import explain_example
from perflint.evidence.measure import measure_rule, render_timing
from perflint.output.explanation import COUNTS_NOTE, recorded_speedups, render_explanation
from perflint.output.fence import fence
from perflint.types import RuleSpec, is_performance_rule


def explain_rule(spec: RuleSpec, python: str | None = None, measure: bool = False) -> str:
    """The text of ``perflint explain CODE``: docs, examples, bytecode diff, optional timings."""
    lines = [f"# {spec.code} {spec.name}", "", spec.title + ".", "", spec.why.strip()]
    lines += ["", "## Fix safety", "", spec.fix_safety.strip(), "", "## Examples"]
    for number, example in enumerate(spec.examples, start=1):
        lines += ["", f"Example {number}, slow:", *fence(example.slow, "python")]
        lines += [f"Example {number}, fast:", *fence(example.fast, "python")]
    if is_performance_rule(spec.code):
        explanation = explain_example(spec.examples[0], python, spec)
        lines += ["", "## Bytecode (example 1)", "", *render_explanation(explanation), ""]
        lines += textwrap.wrap(COUNTS_NOTE, 96)
    if measure:
        lines += ["", "## Measured", "", *render_timing(measure_rule(spec, python))]
    if spec.speedup:
        lines += ["", "## Speed-ups recorded", ""]
        lines += ["How many times as fast each example's rewrite ran (benchmarks/rule_speedups.py):", ""]
        lines += recorded_speedups(spec)
    if spec.references:
        lines += ["", "## References", ""]
        lines += [f"- {reference}" for reference in spec.references]
    return "\n".join(lines) + "\n"
