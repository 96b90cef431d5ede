"""A rule's own cases as its tests: for built-in rules (``tests/test_rules.py``) and for a
team's rule packs (``perflint rules test``) alike.

Every ``invalid`` case is flagged and, where it gives ``fixed``, fixed to exactly that code
with that applicability (and a second fix changes nothing); every ``valid`` case and every
example's fast code is not flagged; every example's slow code is; and the prefilter changes
nothing on any of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from perflint.engine.noqa import UNUSED_NOQA
from perflint.engine.runner import lint_source
from perflint.rules.registry import builtin_rules
from perflint.types import InvalidCase, RuleSpec, Settings


@dataclass(frozen=True)
class Case:
    """One test of one rule, named like ``PFL101-invalid-0``."""

    spec: RuleSpec
    kind: str  # "invalid", "valid", "example", "prefilter"
    index: int
    run: Callable[[], str | None]  # None when it passes, else what went wrong

    @property
    def id(self) -> str:
        return f"{self.spec.code}-{self.kind}-{self.index}"


def _settings(spec: RuleSpec, rule_paths: tuple[str, ...], **changes: object) -> Settings:
    target = spec.python[0] if spec.python else "py312"
    select: tuple[str, ...] = (spec.code,)
    if spec.code == UNUSED_NOQA:  # its cases are about the other rules' findings, where they apply
        select, target = tuple(rule.code for rule in builtin_rules()), spec.python[-1]
    settings = Settings(select=select, target_version=target, rule_paths=rule_paths)
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def _flagged(spec: RuleSpec, code: str, settings: Settings) -> list[str] | str:
    result = lint_source(code, "case.py", settings)
    if result.error is not None:
        return f"the case does not parse: {result.error.message}"
    return [finding.code for finding in result.findings if finding.code == spec.code]


def check_invalid(spec: RuleSpec, case: InvalidCase, rule_paths: tuple[str, ...] = ()) -> str | None:
    settings = _settings(spec, rule_paths)
    result = lint_source(case.code, "case.py", settings)
    if result.error is not None:
        return f"the case does not parse: {result.error.message}"
    mine = [finding for finding in result.findings if finding.code == spec.code]
    if not mine:
        return f"not flagged:\n{case.code}"
    fixable = [finding for finding in mine if finding.fix is not None]
    if case.fixed is None:
        return "the case declares no fix, but the rule offers one" if fixable else None
    if not fixable:
        return "the case declares a fix, but the rule offers none"
    kinds = {finding.fix.applicability for finding in fixable if finding.fix is not None}
    if kinds != {case.applicability}:
        return f"fix applicability {sorted(kinds)}, the case says {case.applicability!r}"
    fixed = lint_source(case.code, "case.py", dataclasses.replace(settings, fix=True, unsafe_fixes=True))
    if fixed.fixed_source != case.fixed:
        return f"fixed code differs:\n--- expected\n{case.fixed}--- got\n{fixed.fixed_source}"
    try:
        compile(case.fixed, "fixed.py", "exec", dont_inherit=True)
    except SyntaxError as error:
        return f"the expected fixed code does not compile: {error}"
    safe_only = lint_source(case.code, "case.py", dataclasses.replace(settings, fix=True))
    if (safe_only.fixed_source == case.fixed) != (case.applicability == "safe"):
        return "safe-only fixing does not match the declared applicability"
    again = lint_source(case.fixed, "case.py", dataclasses.replace(settings, fix=True, unsafe_fixes=True))
    if again.fixed or again.fixed_source != case.fixed:
        return "a second fix changes the fixed code again"
    return None


def check_not_flagged(spec: RuleSpec, code: str, rule_paths: tuple[str, ...] = ()) -> str | None:
    found = _flagged(spec, code, _settings(spec, rule_paths))
    if isinstance(found, str):
        return found
    return f"flagged code it must not flag:\n{code}" if found else None


def check_example(spec: RuleSpec, index: int, rule_paths: tuple[str, ...] = ()) -> str | None:
    example = spec.examples[index]
    slow = _flagged(spec, example.slow, _settings(spec, rule_paths))
    if isinstance(slow, str) or not slow:
        return slow if isinstance(slow, str) else f"the slow example is not flagged:\n{example.slow}"
    return check_not_flagged(spec, example.fast, rule_paths)


def check_prefilter(spec: RuleSpec, code: str, rule_paths: tuple[str, ...] = ()) -> str | None:
    settings = _settings(spec, rule_paths)
    with_filter = lint_source(code, "case.py", settings)
    without = lint_source(code, "case.py", dataclasses.replace(settings, prefilter=False))
    if with_filter.findings != without.findings:
        return f"the prefilter changes the findings of:\n{code}"
    return None


def cases(specs: Sequence[RuleSpec], rule_paths: tuple[str, ...] = ()) -> Iterator[Case]:
    """Every test of every rule, in rule order."""
    for spec in specs:
        for index, case in enumerate(spec.invalid):
            yield Case(spec, "invalid", index, _bind(check_invalid, spec, case, rule_paths))
        for index, code in enumerate(spec.valid):
            yield Case(spec, "valid", index, _bind(check_not_flagged, spec, code, rule_paths))
        for index in range(len(spec.examples)):
            yield Case(spec, "example", index, _bind(check_example, spec, index, rule_paths))
        codes = [case.code for case in spec.invalid] + list(spec.valid)
        for index, code in enumerate(codes):
            yield Case(spec, "prefilter", index, _bind(check_prefilter, spec, code, rule_paths))


def _bind(function: Callable[..., str | None], *args: object) -> Callable[[], str | None]:
    return lambda: function(*args)
