"""``perflint check --shard K/N`` and ``perflint merge``: N shards lint every file exactly once,
the same files wherever the tree is checked out, and their reports merge to the bytes of one
run's report, in every mergeable format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from perflint.cli.main import cli

SLOW_LOOP = "def total(nums):\n    out = 0\n    for i in range(len(nums)):\n        out += nums[i]\n    return out\n"
KEYS = "def names(d):\n    return [k for k in d.keys()]\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of a dozen modules: findings in most, a syntax error, a file over the size
    limit and a clean one."""
    root = tmp_path / "project"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.perflint]\nmax-file-size = "2kB"\n')
    for number in range(10):
        folder = root / "pkg" / ("sub" if number % 2 else "")
        (folder / f"m{number}.py").write_text(SLOW_LOOP + "\n\n" + KEYS * (number % 3))
    (root / "pkg" / "broken.py").write_text("def f(:\n")
    (root / "pkg" / "big.py").write_text("x = 1\n" * 500)
    (root / "pkg" / "clean.py").write_text("VALUE = 1\n")
    monkeypatch.chdir(root)
    return root


def _files(*args: str) -> list[str]:
    result = run("check", "--show-files", *args, ".")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_shards_cover_every_file_exactly_once(tree: Path, count: int) -> None:
    everything = _files()
    parts = [_files("--shard", f"{number}/{count}") for number in range(1, count + 1)]
    assert sorted(path for part in parts for path in part) == sorted(everything)
    assert sum(len(part) for part in parts) == len(everything) == 13
    if count > 1:
        assert sum(1 for part in parts if part) > 1  # a split, not everything in one shard


def test_a_file_stays_in_its_shard_wherever_the_tree_is(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = [_files("--shard", f"{number}/3") for number in (1, 2, 3)]
    elsewhere = tmp_path / "another" / "checkout"
    shutil.copytree(tree, elsewhere)
    monkeypatch.chdir(elsewhere)
    assert [_files("--shard", f"{number}/3") for number in (1, 2, 3)] == here


@pytest.mark.parametrize("output_format", ["json", "jsonl", "sarif"])
def test_the_shards_merge_to_the_report_of_one_run(tree: Path, output_format: str) -> None:
    common = ("check", "--exit-zero", "--output-format", output_format)
    whole = run(*common, ".")
    assert whole.exit_code == 2, whole.output  # pkg/broken.py cannot be analysed
    codes = []
    for number in (1, 2, 3):
        part = run(*common, "--shard", f"{number}/3", "--output-file", f"part{number}.out", ".")
        codes.append(part.exit_code)
    assert sorted(codes) == [0, 0, 2]  # the shard with pkg/broken.py says so
    merged = run("merge", "part1.out", "part2.out", "part3.out")
    assert merged.exit_code == 0, merged.output
    assert merged.stdout == whole.stdout
    if output_format == "sarif":
        (sarif_run,) = json.loads(merged.stdout)["runs"]
        ids = [rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]]
        assert len(ids) == len(set(ids)) and ids[0] == "PFL000"
        assert all(ids[result["ruleIndex"]] == result["ruleId"] for result in sarif_run["results"])
        notified = [note["message"]["text"] for note in sarif_run["invocations"][0]["toolExecutionNotifications"]]
        assert any("broken.py" in text for text in notified) and any("big.py" in text for text in notified)
    assert run("merge", "part3.out", "part1.out", "part2.out").stdout == whole.stdout  # any order


def test_merge_writes_a_file_but_never_over_a_part(tree: Path) -> None:
    for number in (1, 2):
        run("check", "--exit-zero", "--output-format", "json", "--shard", f"{number}/2", "--output-file", f"p{number}.json", ".")
    assert run("merge", "p1.json", "p2.json", "--output-file", "all.json").exit_code == 0
    assert Path("all.json").read_text() == run("check", "--exit-zero", "--output-format", "json", ".").stdout
    before = Path("p1.json").read_bytes()
    refused = run("merge", "p1.json", "p2.json", "--output-file", "p1.json")
    assert refused.exit_code != 0 and Path("p1.json").read_bytes() == before


def test_merge_refuses_parts_it_cannot_merge(tree: Path) -> None:
    run("check", "--exit-zero", "--output-format", "json", "--output-file", "a.json", ".")
    run("check", "--exit-zero", "--output-format", "sarif", "--output-file", "a.sarif", ".")
    mixed = run("merge", "a.json", "a.sarif")
    assert mixed.exit_code == 1 and "different formats" in mixed.output
    Path("notes.txt").write_text("not a report\n")
    junk = run("merge", "a.json", "notes.txt")
    assert junk.exit_code == 1 and "notes.txt" in junk.output
    assert run("merge", "missing.json").exit_code != 0


@pytest.mark.parametrize("value", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_a_usage_error(tree: Path, value: str) -> None:
    result = run("check", "--shard", value, ".")
    assert result.exit_code == 2 and "--shard" in result.output


def test_shard_goes_with_a_full_run_only(tree: Path) -> None:
    result = run("check", "--shard", "1/2", "--since", "HEAD", ".")
    assert result.exit_code == 2 and "--shard" in result.output
    result = run("check", "--shard", "1/2", "-")
    assert result.exit_code == 2 and "stdin" in result.output
