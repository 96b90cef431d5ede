"""Every rule's own YAML examples are its tests: slow/invalid code is flagged and fixed exactly,
fast/valid code is not flagged, and the prefilter never changes what is found
(``perflint.ruletests``, which ``perflint rules test`` runs on a team's rule packs)."""

from __future__ import annotations

import pytest

from perflint.ruleset import builtin_rules
from perflint.ruletests import Case, cases

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
