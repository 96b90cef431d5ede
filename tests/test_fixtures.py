"""Fixture files in ``tests/fixtures/``: real-looking code whose lines say what must be found.

A line ending in ``# PFL102`` (or ``# PFL101, PFL102``) must have a finding of that code starting
on it; ``# ok`` and unmarked lines must have none.  Each fixture is linted through the CLI with
its own rule plus every rule its markers name, and the full text report is compared with
``tests/snapshots/<fixture>.txt``.  To write the snapshots after a deliberate change, run
``PERFLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_fixtures.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from perflint.cli.main import cli
from perflint.rules.registry import rule_by_code

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("PERFLINT_UPDATE_SNAPSHOTS") == "1"

#: Fixtures linted for a target version other than their rule's lowest one.  A fixture named
#: ``PFL123_py312.py`` is linted for py312.
TARGET_VERSIONS = {"PFL105": "py310"}

_MARKER = re.compile(r"#\s*(?P<marks>ok|PFL\d{3}(?:\s*,\s*PFL\d{3})*)\s*$")
_FINDING = re.compile(r"^[^\s:][^:]*:(?P<row>\d+):(?P<col>\d+): (?P<code>PFL\d{3}) ", re.MULTILINE)
_NAME = re.compile(r"^(?P<code>PFL\d{3})(?:_(?P<target>py3\d+))?")


def expected_findings(text: str) -> set[tuple[int, str]]:
    """The (line, code) pairs the fixture's end-of-line markers declare."""
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.search(line)
        if match is None or match.group("marks") == "ok":
            continue
        for code in re.split(r"\s*,\s*", match.group("marks")):
            expected.add((number, code))
    return expected


def reported_findings(report: str) -> set[tuple[int, str]]:
    return {(int(match["row"]), match["code"]) for match in _FINDING.finditer(report)}


def fixture_arguments(path: Path) -> list[str]:
    """The CLI arguments a fixture is linted with."""
    match = _NAME.match(path.stem)
    assert match is not None, f"fixture {path.name} should be named after its rule, e.g. PFL101.py"
    code = match["code"]
    spec = rule_by_code(code)
    assert spec is not None, f"fixture {path.name}: there is no rule {code}"
    codes = {code} | {marked for _, marked in expected_findings(path.read_text(encoding="utf-8"))}
    target = match["target"] or TARGET_VERSIONS.get(code) or spec.python[0]
    return [
        path.name,
        "--select",
        ",".join(sorted(codes)),
        "--target-version",
        target,
        "--color",
        "never",
        "--jobs",
        "1",
        "--quiet",
    ]


def _fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("PFL*.py"))


def test_there_are_fixtures() -> None:
    assert any(path.stem == "PFL101" for path in _fixtures())


def test_markers_are_read() -> None:
    text = "a = 1\nfor x in y:  # PFL101\nb = 2  # ok\nc = 3  # PFL102, PFL103\n# PFL104 not at the end\n"
    assert expected_findings(text) == {(2, "PFL101"), (4, "PFL102"), (4, "PFL103")}


@pytest.mark.parametrize("path", _fixtures(), ids=lambda path: path.stem)
def test_fixture(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    monkeypatch.delenv("NO_COLOR", raising=False)
    expected = expected_findings(path.read_text(encoding="utf-8"))
    result = CliRunner().invoke(cli, fixture_arguments(path))
    assert result.exit_code == (1 if expected else 0), result.output
    report = result.stdout
    assert reported_findings(report) == expected, report

    snapshot = SNAPSHOTS / f"{path.stem}.txt"
    if UPDATE:
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(report, encoding="utf-8")
    assert snapshot.exists(), (
        f"no snapshot {snapshot.name}: run PERFLINT_UPDATE_SNAPSHOTS=1 pytest {Path(__file__).name} "
        "and review it"
    )
    assert report == snapshot.read_text(encoding="utf-8"), f"report differs from {snapshot.name}"
