"""Applying fixes: linear in the number of edits, and a fix that breaks the file is found by
halving, not by trying every fix alone."""

from __future__ import annotations

import dataclasses

import pytest

from perflint import Settings
from perflint import fixes as fixes_module
from perflint.engine import Linted
from perflint.fixes import apply_edits, fix_text
from perflint.types import Edit, Finding, Fix, Location

SETTINGS = Settings(select=("PFL101",), fix=True)


def _loops(count: int) -> str:
    return "".join(
        f"def f{n}():\n    t{n} = (1, 2)\n    for i in range(len(t{n})):\n        print(t{n}[i])\n"
        for n in range(count)
    )


def _finding(row: int, start: int, end: int, content: str) -> Finding:
    edit = Edit(Location(row, start), Location(row, end), content)
    return Finding(
        code="PFL999",
        name="test",
        message="m",
        path="t.py",
        start=Location(row, start),
        end=Location(row, end),
        fix=Fix("safe", "fix", (edit,)),
    )


def test_edits_apply_in_one_pass_and_overlaps_wait() -> None:
    text = "abcdef\nghijkl\n"
    first = _finding(1, 2, 4, "X")  # bc -> X
    overlapping = _finding(1, 3, 5, "Y")  # cd: overlaps the first
    second_line = _finding(2, 1, 2, "Z")  # g -> Z
    fixed, applied = apply_edits(text, [second_line, overlapping, first])
    assert fixed == "aXdef\nZhijkl\n"
    assert applied == [first, second_line]


def test_thousands_of_fixes_are_applied() -> None:
    outcome = fix_text(_loops(2000), "t.py", SETTINGS)
    assert outcome.applied == 2000
    assert outcome.findings == [] and outcome.error is None
    expected = "".join(
        f"def f{n}():\n    t{n} = (1, 2)\n    for t{n}_item in t{n}:\n        print(t{n}_item)\n"
        for n in range(2000)
    )
    assert outcome.text == expected


@pytest.mark.parametrize("broken", [0, 17, 63])
def test_a_fix_that_breaks_the_file_is_dropped_alone(
    broken: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _loops(64)
    real_lint = fixes_module.lint
    calls = 0

    def lint(text: str, path: str, settings: Settings) -> Linted:
        # The fix of loop ``broken`` writes a stray bracket: that file no longer compiles.
        nonlocal calls
        calls += 1
        linted = real_lint(text, path, settings)
        spoiled = []
        for finding in linted.findings:
            if finding.fix is not None and f"t{broken}" in (finding.flagged_code or ""):
                edits = (*finding.fix.edits[:-1], dataclasses.replace(finding.fix.edits[-1], content="(("))
                finding = dataclasses.replace(finding, fix=dataclasses.replace(finding.fix, edits=edits))
            spoiled.append(finding)
        return dataclasses.replace(linted, findings=spoiled)

    monkeypatch.setattr(fixes_module, "lint", lint)
    outcome = fix_text(source, "t.py", SETTINGS)
    assert outcome.applied == 63
    assert len(outcome.dropped) == 1 and "fix dropped" in outcome.dropped[0]
    assert f"range(len(t{broken}))" in outcome.text
    assert outcome.text.count("range(len(") == 1
    compile(outcome.text, "t.py", "exec")
    # Halving: about 2 * log2(64) lints for the one bad fix, not one per fix.
    assert calls <= 20, calls
