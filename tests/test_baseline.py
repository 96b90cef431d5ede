"""``perflint baseline`` and ``perflint check --baseline``: record, hide, and tighten."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from perflint.changes.baseline import Entry, apply, dumps, entries, load
from perflint.cli.main import cli
from perflint.engine.runner import lint_source
from perflint.types import Settings

TWO = """\
def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result


def join(words):
    out = ""
    for k in range(len(words)):
        out += words[k]
    return out
"""
EXTRA = """\


def weighted(values, factor):
    acc = 0
    for n in range(len(values)):
        acc += values[n] * factor
    return acc
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(TWO)
    (tmp_path / "src" / "b.py").write_text(TWO)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_baseline_file_is_sorted_and_complete(tree: Path) -> None:
    result = run("baseline")
    assert result.exit_code == 0, result.output
    document = json.loads((tree / ".perflint-baseline.json").read_text())
    assert document["version"] == 1
    rows = [(e["path"], e["context"], e["code"]) for e in document["findings"]]
    assert rows == [
        ("src/a.py", "join", "PFL101"),
        ("src/a.py", "total", "PFL101"),
        ("src/b.py", "join", "PFL101"),
        ("src/b.py", "total", "PFL101"),
    ]
    assert set(document["findings"][0]) == {"code", "path", "context", "fingerprint", "message"}
    assert len({e["fingerprint"] for e in document["findings"]}) == 4
    assert "wrote 4 findings" in result.output


def test_baseline_is_stable_across_line_shifts(tree: Path) -> None:
    assert run("baseline").exit_code == 0
    first = (tree / ".perflint-baseline.json").read_bytes()
    (tree / "src" / "a.py").write_text("# header\n\n\n" + TWO.replace("    ", "        "))
    assert run("baseline").exit_code == 0
    assert (tree / ".perflint-baseline.json").read_bytes() == first


def test_output_option(tree: Path) -> None:
    assert run("baseline", "--output", "conf/base.json", "src/a.py").exit_code == 0
    document = json.loads((tree / "conf" / "base.json").read_text())
    # Paths are relative to the baseline file's directory.
    assert {e["path"] for e in document["findings"]} == {"../src/a.py"}
    assert run("check", "--jobs", "1", "--baseline", "conf/base.json", "src/a.py").exit_code == 0


def test_round_trip_hides_old_and_reports_new(tree: Path) -> None:
    assert run("baseline").exit_code == 0
    clean = run("check", "--jobs", "1", "--baseline", ".perflint-baseline.json")
    assert clean.exit_code == 0, clean.output
    (tree / "src" / "a.py").write_text(TWO + EXTRA)
    result = run(
        "check", "--jobs", "1", "--format", "json", "--baseline", ".perflint-baseline.json"
    )
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)
    assert [(f["filename"], f["code"]) for f in found] == [("src/a.py", "PFL101")]
    assert "values" in found[0]["message"]
    assert "gone" not in result.stderr


def test_fixed_entries_are_reported_gone(tree: Path) -> None:
    assert run("baseline").exit_code == 0
    (tree / "src" / "a.py").write_text("def ok(nums):\n    return sum(nums)\n")
    result = run("check", "--jobs", "1", "--baseline", ".perflint-baseline.json")
    assert result.exit_code == 0, result.output
    assert "2 baseline entries are gone" in result.stderr
    (tree / "src" / "b.py").unlink()
    result = run("check", "--jobs", "1", "--baseline", ".perflint-baseline.json")
    assert "4 baseline entries are gone" in result.stderr


def test_entries_for_files_not_linted_are_not_gone(tree: Path) -> None:
    assert run("baseline").exit_code == 0
    result = run("check", "--jobs", "1", "--baseline", ".perflint-baseline.json", "src/a.py")
    assert result.exit_code == 0, result.output
    assert "gone" not in result.stderr


def test_entries_for_files_skipped_or_unreadable_now_are_not_gone(tree: Path) -> None:
    assert run("baseline").exit_code == 0
    (tree / "src" / "b.py").write_text(TWO + "#" * 3000 + "\n")  # now over the limit
    result = run("check", "--jobs", "1", "--max-file-size", "1kB", "--baseline", ".perflint-baseline.json")
    assert result.exit_code == 0, result.output
    assert "gone" not in result.stderr and "warning: skipped src/b.py" in result.stderr
    (tree / "src" / "b.py").write_text(TWO + "def broken(:\n")
    result = run("check", "--jobs", "1", "--baseline", ".perflint-baseline.json")
    assert result.exit_code == 2 and "gone" not in result.stderr


@pytest.mark.parametrize(
    "text", ["not json", '{"version": 99, "findings": []}', '{"version": 1, "findings": [{}]}']
)
def test_bad_baseline_is_an_error(tree: Path, text: str) -> None:
    (tree / "bad.json").write_text(text)
    result = run("check", "--baseline", "bad.json")
    assert result.exit_code == 2
    assert "bad.json" in result.output


def test_missing_baseline_is_an_error(tree: Path) -> None:
    result = run("check", "--baseline", "nope.json")
    assert result.exit_code == 2
    assert "nope.json" in result.output


def test_api_round_trip(tree: Path) -> None:
    result = lint_source(TWO, str(tree / "src" / "a.py"), Settings(select=("PFL101",)))
    items = entries([result], tree)
    path = tree / "base.json"
    path.write_text(dumps(list(reversed(items))))
    assert load(path) == items
    kept, gone = apply([result], items[:1], tree)
    assert gone == 0
    assert len(kept[0].findings) == 1
    assert kept[0].findings[0].context == items[1].context
    _, gone = apply([result], [*items, Entry("src/a.py", "PFL101", "x", "0" * 32, "")], tree)
    assert gone == 1


def test_baseline_file_is_written_whole_with_the_usual_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from perflint.changes.baseline import write

    monkeypatch.chdir(tmp_path)
    target = tmp_path / "sub" / ".perflint-baseline.json"
    write(target, [])
    assert json.loads(target.read_text())["findings"] == []
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
