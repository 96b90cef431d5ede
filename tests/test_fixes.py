"""A fix edits exactly the text it found: each edit carries that text, and the fixer refuses an
edit that does not find it (reported as a dropped fix, the file left as it was there)."""

from __future__ import annotations

import dataclasses

import pytest

from perflint import Settings, lint_source
from perflint.fixes import apply_edits
from perflint.lines import LINE
from perflint.types import Edit, Finding, Fix, Location

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


def _merging_blank_rows(text: str, ranges: list[tuple[int, int]]) -> str:
    """Blanking as it was before rows were kept apart: a lone CR row followed by a blanked LF
    row reads as one CRLF, so libcst sees one row fewer than the file has."""
    lines = LINE.findall(text)
    for first, last in ranges:
        for index in range(first - 1, min(last, len(lines))):
            line = lines[index]
            lines[index] = line[len(line.rstrip("\r\n")) :]
    return "".join(lines)


def test_rows_that_disagree_drop_the_fix_instead_of_editing_the_wrong_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With rows shifted under the fixer (the bug the CR fix closed, put back here), the fix
    is dropped and reported: the row above is never edited."""
    monkeypatch.setattr("perflint.prefilter.blank_rows", _merging_blank_rows)
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
