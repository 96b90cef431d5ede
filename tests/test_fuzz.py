"""Fuzzing perflint: generated and mutated programs, held to the oracles of ``tests/fuzzing.py``.

The normal suite runs a few seconds of it. ``PERFLINT_FUZZ=N`` runs N examples per strategy
(``pytest -m fuzz``); ``python tests/fuzzing.py --programs 20000 --files 500`` is the long
run, which records every problem instead of stopping at the first.
"""

from __future__ import annotations

import os
import random

import pytest
from fuzzing import TARGETS, hypothesmith_programs, mutated, problems, rule_programs, stdlib_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("PERFLINT_FUZZ", "0")) or None
FUZZ = settings(
    max_examples=EXAMPLES or 25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES is None,  # the normal suite is reproducible
)


@FUZZ
@given(rule_programs(), st.sampled_from(TARGETS))
def test_programs_that_trigger_the_rules(text: str, target: str) -> None:
    assert problems(text, target) == []


@settings(FUZZ, max_examples=EXAMPLES or 10)
@given(hypothesmith_programs(), st.sampled_from(TARGETS))
def test_grammar_generated_programs(text: str, target: str) -> None:
    assert problems(text, target) == []


@pytest.mark.parametrize("seed", range(int(os.environ.get("PERFLINT_FUZZ_FILES", "4"))))
def test_mutated_standard_library_files(seed: int) -> None:
    files = stdlib_files()
    path = files[random.Random(seed).randrange(len(files))]
    text = mutated(path, seed)
    assert problems(text, TARGETS[seed % len(TARGETS)]) == [], path


def test_the_oracles_catch_a_broken_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    # The oracles must be able to fail: a fix that writes the wrong text is caught.
    import dataclasses

    import fuzzing

    from perflint.engine import runner

    real = runner.fix_text

    def broken(text: str, path: str, settings):  # type: ignore[no-untyped-def]
        outcome = real(text, path, settings)
        return dataclasses.replace(outcome, text=outcome.text.replace("for ", "for(", 1))

    monkeypatch.setattr(runner, "fix_text", broken)
    text = "words = ('a', 'b')\nfor i in range(len(words)):\n    print(words[i])\n"
    found = fuzzing.problems(text, TARGETS[0])
    assert any("does not compile" in problem for problem in found), found
