"""``benchmarks/peers.py`` on a tiny tree: every row is there, missing and skipped tools are
said so, and each tool's files with errors and findings are read from its own report.

No timing is asserted: the figures are measured in ``benchmarks/``, never in a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "peers.py"
RUFF_PERF = "ruff --select PERF"
RUFF_BROAD = "ruff --select PERF,C4,SIM,FURB,PIE,UP --preview"


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "loops.py").write_text("d = {}\nfor k in d.keys():\n    print(k)\n")  # PFL102, SIM118
    (root / "broken.py").write_text("def f(:\n    pass\n")
    (root / "sub" / "plain.py").write_text("x = 1\n")
    # Left out, as benchmarks/stdlib.py leaves site-packages out: a second broken file here
    # would make every "files with errors" 2.
    (root / "sub" / "site-packages").mkdir()
    (root / "sub" / "site-packages" / "vendored.py").write_text("def (:\n")
    return root


def run(*args: str) -> tuple[str, dict[tuple[str, str], list[str]]]:
    """The script's first line and its Markdown table, by (row name, processes)."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--markdown"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = {}
    for line in lines[3:]:
        if line.startswith("| "):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0], cells[1]] = cells[2:]
    return lines[0], rows


@pytest.mark.slow  # runs perflint, libcst and ruff: about 8 s of CPU
def test_rows_errors_and_findings(tmp_path: Path) -> None:
    first, rows = run(str(tree(tmp_path)), "--runs", "1", "--skip", "pylint", "--flake8", str(tmp_path / "none"))
    assert first.startswith("3 files, 6 lines")
    assert set(rows) == {
        ("ast.parse", "1"),
        ("ast.parse", "2"),
        ("libcst.parse_module", "2"),
        ("perflint --select ALL", "2"),
        (RUFF_PERF, "2"),
        (RUFF_BROAD, "2"),
        ("pylint + PyPI perflint plugin", "1"),
        ("flake8 + flake8-comprehensions (C4)", "2"),
    }
    # wall, CPU, RSS, files with errors, findings, / ast.parse x2, / ruff
    for floor in (("ast.parse", "1"), ("ast.parse", "2"), ("libcst.parse_module", "2")):
        assert rows[floor][3:5] == ["1", "-"], floor
    assert rows["ast.parse", "2"][5] == "1.00x"  # the ratios are to the 2-process floor
    assert rows["perflint --select ALL", "2"][3:5] == ["1", "1"]
    if rows[RUFF_PERF, "2"][0] != "not installed":
        assert rows[RUFF_PERF, "2"][3:5] == ["1", "0"]
        assert rows[RUFF_BROAD, "2"][3:5] == ["1", "1"]
        assert rows[RUFF_PERF, "2"][6] == "1.0x"
    assert rows["pylint + PyPI perflint plugin", "1"][0] == "skipped"
    assert rows["flake8 + flake8-comprehensions (C4)", "2"][0] == "not installed"
    assert set(rows["flake8 + flake8-comprehensions (C4)", "2"][1:]) == {"-"}


def test_a_run_over_the_timeout_is_killed_and_said_so(tmp_path: Path) -> None:
    skip = [arg for tool in ("libcst", "perflint", "ruff", "pylint", "flake8") for arg in ("--skip", tool)]
    _, rows = run(str(tree(tmp_path)), "--runs", "2", "--timeout", "0.001", *skip)
    assert rows["ast.parse", "1"][0] == "timed out after 0.001 s"
    assert rows["ast.parse", "2"][0] == "timed out after 0.001 s"
    assert rows["perflint --select ALL", "2"][0] == "skipped"
