"""Every rule's own YAML examples are its tests: slow/invalid code is flagged and fixed exactly,
fast/valid code is not flagged, and the prefilter never changes what is found
(``perflint.ruletests``, which ``perflint rules test`` runs on a team's rule packs)."""

from __future__ import annotations

import pytest

from perflint.ruleset import builtin_rules
from perflint.ruletests import Case, cases
from perflint.types import RuleSpec

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


#: The smallest speed-up, on every example, for a rule to list a version (see the README).
MEASURED_BAR = 1.05
TIMED = [spec for spec in RULES if any(example.stmt for example in spec.examples)]


def _figures(text: str) -> list[float]:
    return [float(item.strip().rstrip("x")) for item in text.split("/") if item.strip().rstrip("x")]


@pytest.mark.parametrize("spec", TIMED, ids=[spec.code for spec in TIMED])
@pytest.mark.parametrize("target", ["py38", "py39"])
def test_a_legacy_target_is_listed_only_where_every_example_measured_faster(spec: RuleSpec, target: str) -> None:
    """py38 and py39 were added with measurements: a rule lists them only where its recorded
    figures (one per timed example) are all at least 1.05x (benchmarks/rule_speedups.py)."""
    if target not in spec.python:
        return
    timed = sum(1 for example in spec.examples if example.stmt)
    figures = _figures(spec.speedup.get(target, ""))
    assert len(figures) == timed, f"{spec.code} lists {target} without a figure per example"
    assert min(figures) >= MEASURED_BAR, f"{spec.code} on {target}: {figures}"
