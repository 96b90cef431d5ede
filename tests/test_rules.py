"""Every rule's own YAML examples are its tests: slow/invalid code is flagged and fixed exactly,
fast/valid code is not flagged, and the prefilter never changes what is found
(``perflint.engine.rule_cases``, which ``perflint rules test`` runs on a team's rule packs)."""

from __future__ import annotations

import re

import pytest

from perflint.engine.rule_cases import Case, cases
from perflint.rules.registry import builtin_rules
from perflint.types import RuleSpec, is_performance_rule, version_order

RULES = builtin_rules()
CASES = list(cases(RULES))


def test_every_rule_has_cases() -> None:
    assert {spec.code for spec in RULES} >= {"PFL101"}
    for spec in RULES:
        assert spec.valid and spec.invalid and spec.examples, spec.code


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_rule_case(case: Case) -> None:
    problem = case.run()
    assert problem is None, problem


def _figures(text: str) -> list[float]:
    return [float(number) for number in re.findall(r"(\d+(?:\.\d+)?)x", text)]


#: The speed-up every example must have measured on a target for the rule to apply there.
THRESHOLD = 1.05


#: The rules that claim a speed-up (PFL001-PFL099 are about perflint's own comments).
MEASURED = [spec for spec in RULES if is_performance_rule(spec.code)]


@pytest.mark.parametrize("spec", MEASURED, ids=[spec.code for spec in MEASURED])
def test_python_lists_follow_the_measured_speedups(spec: RuleSpec) -> None:
    """A rule applies to a CPython only where every one of its examples measured at least
    1.05x faster there (the figures ``benchmarks/rule_speedups.py --write-rules`` records)."""
    for target in spec.python:
        figures = _figures(spec.speedup.get(target, ""))
        assert figures, f"{spec.code} applies to {target} but has no speed-up recorded there"
        assert len(figures) == len(spec.examples), f"{spec.code} {target}: one figure per example"
        assert min(figures) >= THRESHOLD, f"{spec.code} {target}: {spec.speedup[target]}"
    for target, text in spec.speedup.items():
        figures = _figures(text)
        if target not in spec.python and figures and spec.applies_to(target) is False:
            below = spec.min_python is not None and version_order(target) < version_order(spec.min_python)
            assert below or min(figures) < THRESHOLD, (
                f"{spec.code} measured {text} on {target} but does not apply there"
            )
