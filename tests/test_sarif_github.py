"""SARIF as GitHub code scanning ingests it: Microsoft's SARIF Multitool with GitHub's rule set.

The JSON schema (``tests/test_formats.py``) says a document is SARIF; GitHub's ingestion asks
more (every rule and notification descriptor needs a full description and help, ...), and an
upload that breaks those rules is refused or loses its alerts. ``sarif-multitool validate
--rule-kind "Gh;Sarif"`` checks GitHub's rules (GH1xxx, GH2xxx) and SARIF's own best practices.

The tool is an npm package with a native binary (``@microsoft/sarif-multitool``): ``.ci/run``
installs it and sets ``PERFLINT_SARIF_MULTITOOL``; locally, ``npm install --prefix DIR
@microsoft/sarif-multitool@5.7.0`` and point the variable at ``DIR`` (or at the binary). The
binary is run directly: the package's ``bin.js`` passes its arguments through a shell, where
the ``;`` of ``Gh;Sarif`` would end the command. Without the tool the test is skipped.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from perflint.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
ENV = "PERFLINT_SARIF_MULTITOOL"
#: Where .ci/run installs the tool when the variable is not set.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "perflint-ci" / "sarif-multitool"
_PLATFORM = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "linux")
_BINARY = Path("node_modules") / "@microsoft" / f"sarif-multitool-{_PLATFORM}" / "Sarif.Multitool"


def multitool() -> Path | None:
    """The Sarif.Multitool binary: ``$PERFLINT_SARIF_MULTITOOL`` (the binary, or the folder
    npm installed into), else the CI cache; None when neither has it."""
    given = os.environ.get(ENV)
    candidates = [Path(given), Path(given) / _BINARY] if given else [CACHE / _BINARY]
    return next((path for path in candidates if path.is_file() and os.access(path, os.X_OK)), None)


@pytest.fixture(scope="module")
def tool() -> Path:
    found = multitool()
    if found is None:
        pytest.skip(f"sarif-multitool is not installed (set {ENV}, see this module's docstring)")
    return found


def validate(tool: Path, document: Path, out: Path) -> list[str]:
    """The errors and warnings the Multitool reports on ``document``, one line each."""
    done = subprocess.run(
        [str(tool), "validate", str(document), "--rule-kind", "Gh;Sarif", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and out.is_file(), done.stdout + done.stderr
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    problems = []
    for run in log["runs"]:
        assert run.get("invocations", [{}])[0].get("executionSuccessful", True), done.stdout
        for result in run.get("results", []):
            if result.get("level", "warning") in ("error", "warning"):
                text = result["message"].get("text") or json.dumps(result["message"])
                problems.append(f"{result['ruleId']}: {text}")
    return problems


def sarif_of(paths: list[str], cwd: Path, *options: str) -> str:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["check", "--output-format", "sarif", "--exit-zero", *options, *paths])
    finally:
        os.chdir(previous)
    assert result.exit_code in (0, 2), result.output
    return result.stdout


def test_the_bundled_examples_pass_githubs_ingestion_rules(tool: Path, tmp_path: Path) -> None:
    # py310: every rule applies there, so every descriptor has a result to point at.
    document = tmp_path / "examples.sarif"
    document.write_text(sarif_of(["examples"], ROOT, "--target-version", "py310"), encoding="utf-8")
    assert json.loads(document.read_text())["runs"][0]["results"]
    assert validate(tool, document, tmp_path / "log.sarif") == []


def test_file_errors_skipped_files_and_links_pass_too(tool: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "examples" / "salesreport" / "stats.py", tree / "stats.py")
    (tree / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (tree / "huge.py").write_text("x = 1\n" * 1000, encoding="utf-8")
    (tree / "café ü.py").write_text((ROOT / "examples" / "salesreport" / "stats.py").read_text(), encoding="utf-8")
    document = tmp_path / "tree.sarif"
    text = sarif_of(["."], tree, "--max-file-size", "5000", "--docs-url", "https://docs.example.org/rules/")
    document.write_text(text, encoding="utf-8")
    run = json.loads(text)["runs"][0]
    levels = sorted(n["level"] for n in run["invocations"][0]["toolExecutionNotifications"])
    assert levels == ["error", "warning"]  # broken.py; huge.py over max-file-size
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {
        "broken.py", "stats.py", "caf%C3%A9%20%C3%BC.py"
    }
    assert validate(tool, document, tmp_path / "log.sarif") == []
