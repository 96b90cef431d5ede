"""Applying fixes: each edit carries the text it replaces and the fixer refuses an edit that
does not find it (reported as a dropped fix, the file left as it was there); edits apply in
one linear pass, and a fix that breaks the file is found by halving, not by trying every fix
alone."""

from __future__ import annotations

import dataclasses

import pytest

from perflint import Settings, lint_source
from perflint.engine import fixes as fixes_module
from perflint.engine import libcst_parse, positions
from perflint.engine.fixes import apply_edits, fix_text
from perflint.engine.lint import Linted
from perflint.types import Edit, Finding, Fix, Location

SETTINGS = Settings(select=("PFL101",), fix=True)


def _loops(count: int) -> str:
    return "".join(
        f"def f{n}():\n    t{n} = (1, 2)\n    for i in range(len(t{n})):\n        print(t{n}[i])\n"
        for n in range(count)
    )


def _replacing(text: str, row: int, start: int, end: int, content: str) -> Finding:
    """A fix of the text from ``start`` to ``end`` on ``row`` of ``text``."""
    original = text.splitlines(keepends=True)[row - 1][start - 1 : end - 1]
    edit = Edit(Location(row, start), Location(row, end), content, original)
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
    first = _replacing(text, 1, 2, 4, "X")  # bc -> X
    overlapping = _replacing(text, 1, 3, 5, "Y")  # cd: overlaps the first
    second_line = _replacing(text, 2, 1, 2, "Z")  # g -> Z
    done = apply_edits(text, [second_line, overlapping, first])
    assert done.text == "aXdef\nZhijkl\n"
    assert done.applied == [first, second_line]


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


PFL102 = Settings(select=("PFL102",), fix=True)
SOURCE = "d = {}\nx = 'a string and more'\nfor k in d.keys():\n    print(k)\n"


def _finding(edit: Edit) -> Finding:
    return Finding(
        code="PFL102",
        name="dict-keys-call",
        message="m",
        path="t.py",
        start=edit.start,
        end=edit.end,
        fix=Fix("safe", "m", (edit,)),
    )


def test_edits_carry_the_text_they_replace() -> None:
    (finding,) = lint_source(SOURCE, "t.py", dataclasses.replace(PFL102, fix=False)).findings
    assert finding.fix is not None
    assert [edit.original for edit in finding.fix.edits] == ["d.keys()"]


@pytest.mark.parametrize(
    ("start", "end", "original"),
    [
        (Location(2, 10), Location(2, 18), "d.keys()"),  # one row early: the CR bug's symptom
        (Location(3, 10), Location(3, 18), "d.values()"),  # the right place, other text
        (Location(3, 10), Location(3, 10), "d.keys()"),  # a span of another length
    ],
    ids=["row-early", "other-text", "other-length"],
)
def test_an_edit_that_does_not_find_its_text_is_refused(
    start: Location, end: Location, original: str
) -> None:
    finding = _finding(Edit(start, end, "d", original))
    done = apply_edits(SOURCE, [finding])
    assert done.text == SOURCE and done.applied == [] and done.refused == [finding]


def test_an_edit_that_finds_its_text_is_applied() -> None:
    finding = _finding(Edit(Location(3, 10), Location(3, 18), "d", "d.keys()"))
    done = apply_edits(SOURCE, [finding])
    assert done.text == SOURCE.replace("d.keys()", "d") and done.refused == []


def test_rows_that_disagree_drop_the_fix_instead_of_editing_the_wrong_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With rows shifted under the fixer (each part libcst parsed apart placed one row early,
    and the positions' own comparison with the source turned off, so that the fixer's guard
    is the one left), the fix is dropped and reported: the row above is never edited.

    (Main's version of this test put back the lone-CR blanking bug; blanking is gone since
    libcst parses only the statements the rules need, so the rows are shifted directly.)"""
    real = libcst_parse.parse

    def shifted(source: str, statements: object) -> libcst_parse.Parsed:
        parsed = real(source, statements)  # type: ignore[arg-type]
        rows = {key: row - 1 for key, row in parsed.rows.items()}
        return dataclasses.replace(parsed, rows=rows)

    monkeypatch.setattr(libcst_parse, "parse", shifted)
    monkeypatch.setattr(positions._State, "_check", lambda self, value: None)
    source = (
        "def helper():\n    total = 1 + \\\r        2\n    return total\n\n"
        "def keys():\n    d = {}\n    x = 'a string and more'\n    for k in d.keys():\n"
        "        print(k)\n"
    )
    result = lint_source(source, "t.py", PFL102)
    assert result.fixed == 0
    assert result.fixed_source == source
    assert len(result.dropped_fixes) == 1
    assert "PFL102 fix dropped: the code it replaces is not at the position" in result.dropped_fixes[0]
