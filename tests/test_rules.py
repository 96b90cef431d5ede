"""Every rule's own YAML examples are its tests: slow/invalid code is flagged and fixed exactly,
fast/valid code is not flagged, and the prefilter never changes what is found."""

from __future__ import annotations

import dataclasses

import pytest

from perflint import Settings, lint_source
from perflint.ruleset import builtin_rules
from perflint.types import RuleSpec

RULES = builtin_rules()


def _settings(spec: RuleSpec, **changes: object) -> Settings:
    return dataclasses.replace(
        Settings(select=(spec.code,), target_version=spec.python[0]), **changes
    )


def _codes(spec: RuleSpec, code: str, **changes: object) -> list[str]:
    result = lint_source(code, "case.py", _settings(spec, **changes))
    assert result.error is None, result.error
    return [finding.code for finding in result.findings]


def _cases(kind: str) -> list[object]:
    params = []
    for spec in RULES:
        for index, case in enumerate(getattr(spec, kind)):
            params.append(pytest.param(spec, case, id=f"{spec.code}-{kind}-{index}"))
    return params


def _examples() -> list[object]:
    return [
        pytest.param(spec, example, id=f"{spec.code}-example-{index}")
        for spec in RULES
        for index, example in enumerate(spec.examples)
    ]


def test_every_rule_has_cases() -> None:
    assert {spec.code for spec in RULES} >= {"PFL101"}
    for spec in RULES:
        assert spec.valid and spec.invalid and spec.examples, spec.code


@pytest.mark.parametrize(("spec", "case"), _cases("invalid"))
def test_invalid_is_flagged_and_fixed_exactly(spec: RuleSpec, case) -> None:  # type: ignore[no-untyped-def]
    result = lint_source(case.code, "case.py", _settings(spec))
    assert result.error is None
    mine = [finding for finding in result.findings if finding.code == spec.code]
    assert mine, f"{spec.code} did not flag:\n{case.code}"
    fixable = [finding for finding in mine if finding.fix is not None]
    if case.fixed is None:
        assert not fixable, "the case declares no fix, but the rule offers one"
        return
    assert fixable, "the case declares a fix, but the rule offers none"
    assert {finding.fix.applicability for finding in fixable} == {case.applicability}
    fixed = lint_source(case.code, "case.py", _settings(spec, fix=True, unsafe_fixes=True))
    assert fixed.fixed_source == case.fixed
    compile(fixed.fixed_source, "fixed.py", "exec")
    # Safe-only fixing applies the fix exactly when it is safe.
    safe_only = lint_source(case.code, "case.py", _settings(spec, fix=True))
    assert (safe_only.fixed_source == case.fixed) == (case.applicability == "safe")
    # A second run finds nothing more to fix.
    again = lint_source(fixed.fixed_source, "case.py", _settings(spec, fix=True, unsafe_fixes=True))
    assert again.fixed == 0 and again.fixed_source == fixed.fixed_source


@pytest.mark.parametrize(("spec", "code"), _cases("valid"))
def test_valid_is_not_flagged(spec: RuleSpec, code: str) -> None:
    assert spec.code not in _codes(spec, code), f"{spec.code} flagged valid code:\n{code}"


@pytest.mark.parametrize(("spec", "example"), _examples())
def test_examples_slow_flagged_fast_not(spec: RuleSpec, example) -> None:  # type: ignore[no-untyped-def]
    assert spec.code in _codes(spec, example.slow)
    assert spec.code not in _codes(spec, example.fast)


@pytest.mark.parametrize(("spec", "case"), _cases("invalid") + _cases("valid"))
def test_prefilter_changes_nothing(spec: RuleSpec, case) -> None:  # type: ignore[no-untyped-def]
    code = case if isinstance(case, str) else case.code
    with_filter = lint_source(code, "case.py", _settings(spec))
    without = lint_source(code, "case.py", _settings(spec, prefilter=False))
    assert with_filter.findings == without.findings
