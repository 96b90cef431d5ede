"""A hostile repository's ``pyproject.toml`` cannot choose a program to run, a path to write, or
turn a report-only step into one that rewrites the checkout; a broken one is a one-line error.

Every case builds the attacker's repository in ``tmp_path`` and runs perflint on it the way CI
does (the action's own command lines are read from ``action.yml``)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from test_cli import UNSAFE  # PFL101 with an unsafe fix

import perflint.engine.runner
from perflint.cli.main import cli
from perflint.evidence.explain import resolve_interpreter

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def recorder(path: Path, marker: Path, word: str, then_python: bool = False) -> Path:
    """An executable that appends ``word`` to ``marker`` (and then, optionally, is Python)."""
    tail = f'exec "{sys.executable}" "$@"\n' if then_python else "exit 1\n"
    write(path, f'#!/bin/sh\necho {word} >> "{marker}"\n{tail}')
    path.chmod(0o755)
    return path


def action_script(name: str) -> str:
    """The bash script of the action's step ``name``."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [step for step in action["runs"]["steps"] if step.get("name") == name]
    return str(step["run"])


def action_step(name: str, **values: str) -> list[str]:
    """The perflint arguments of the action's step ``name``, its variables filled in."""
    (line,) = [line for line in action_script(name).splitlines() if line.startswith("perflint ")]
    for variable, value in values.items():
        line = line.replace(f"${{{variable}:-.}}", value).replace(f'"${variable}"', value)
    words = shlex.split(line)
    assert words[0] == "perflint" and "$" not in line, line
    return words[1:]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The attacker's checkout, as the working directory; a git repository with one commit."""
    root = tmp_path / "checkout"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("PERFLINT_PYTHON", raising=False)
    for args in (["init", "-q"], ["config", "user.email", "a@b.invalid"], ["config", "user.name", "a"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    write(root / "clean.py", "x = 1\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=root, check=True)
    return root


def sarif_step() -> list[str]:
    return action_step("Write SARIF", PERFLINT_SARIF="perflint.sarif", PERFLINT_PATHS=".")


# -- python: a program to run -------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, args",
    [
        ('explain = true\npython = "tools/evil.sh"', sarif_step()),
        ('python = "tools/evil.sh"', ["check", "--format", "markdown", "."]),
        ('python = "./tools/evil.sh"', ["check", "--explain", "--no-fix", "."]),
        ('python = "sh"', ["check", "--explain", "."]),
    ],
    ids=["action-sarif-step-with-explain", "markdown", "dot-slash", "bare-name"],
)
def test_config_cannot_choose_the_interpreter(repo: Path, table: str, args: list[str]) -> None:
    marker = repo.parent / "ran"
    recorder(repo / "tools" / "evil.sh", marker, "evil")
    write(repo / "pyproject.toml", f"[tool.perflint]\n{table}\n")
    write(repo / "app.py", UNSAFE)
    result = run(*args)
    assert not marker.exists()
    assert result.exit_code == 2
    assert "'python' cannot be set in a configuration file" in result.stderr
    assert "PERFLINT_PYTHON" in result.stderr


def test_explicit_config_file_cannot_choose_the_interpreter_either(repo: Path) -> None:
    write(repo / "perflint.toml", 'python = "tools/evil.sh"\n')
    result = run("check", "--config", "perflint.toml", "--explain", ".")
    assert result.exit_code == 2 and "'python' cannot be set" in result.stderr


@pytest.mark.parametrize(
    "python, path, ran",
    [
        ("./x", ["BIN"], "local"),
        ("evilpy", [".", "", "bin"], None),
        ("mypython", ["BIN"], "path"),
    ],
    ids=["dot-slash-is-that-file-not-one-on-path", "never-from-relative-path-entries", "bare-on-path"],
)
def test_which_program_python_names(
    repo: Path, monkeypatch: pytest.MonkeyPatch, python: str, path: list[str], ran: str | None
) -> None:
    """A path runs exactly that file; a bare name comes from PATH's absolute directories only
    (``.``, an empty entry or ``bin`` would point into the linted repository)."""
    marker, elsewhere = repo.parent / "ran", repo.parent / "bin"
    recorder(repo / "x", marker, "local", then_python=True)
    recorder(elsewhere / "x", marker, "path", then_python=True)
    recorder(elsewhere / "mypython", marker, "path", then_python=True)
    recorder(repo / "evilpy", marker, "cwd", then_python=True)
    recorder(repo / "bin" / "evilpy", marker, "relative", then_python=True)
    entries = [str(elsewhere) if entry == "BIN" else entry for entry in path]
    monkeypatch.setenv("PATH", os.pathsep.join([*entries, os.environ["PATH"]]))
    write(repo / "app.py", UNSAFE)
    result = run("check", "--explain", "--python", python, "app.py")
    if ran is None:
        assert result.exit_code == 2
        assert f"Python interpreter not found: {python!r}" in result.stderr
        assert not marker.exists()
        return
    assert result.exit_code == 1, result.output
    assert marker.read_text().split() == [ran]
    assert f"Bytecode on CPython {sys.version.split()[0]} ({python})" in result.stdout
    if python.startswith("./"):
        assert resolve_interpreter(python) == str(repo / "x")


def test_the_jobs_environment_may_choose_the_interpreter(repo: Path) -> None:
    marker = repo.parent / "ran"
    wrapper = recorder(repo.parent / "py", marker, "env", then_python=True)
    write(repo / "app.py", UNSAFE)
    result = run("check", "--explain", "app.py", env={"PERFLINT_PYTHON": str(wrapper)})
    assert result.exit_code == 1, result.output
    explained = run("explain", "PFL101", env={"PERFLINT_PYTHON": str(wrapper)})
    assert explained.exit_code == 0, explained.output
    assert marker.read_text().split() == ["env", "env"]


# -- output-file: a path to write ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["parent", "absolute", "victim"])
def test_config_cannot_choose_where_output_goes(repo: Path, where: str) -> None:
    victim = write(repo.parent / "victim.txt", "precious\n")
    target = {
        "parent": "../outside/report.json",
        "absolute": str(repo.parent / "abs" / "report.json"),
        "victim": "../victim.txt",
    }[where]
    write(repo / "pyproject.toml", f"[tool.perflint]\noutput-file = {json.dumps(target)}\n")
    write(repo / "app.py", UNSAFE)
    result = run("check", "--format", "json", ".")
    assert result.exit_code == 2
    assert "'output-file' cannot be set in a configuration file" in result.stderr
    assert victim.read_text() == "precious\n"
    assert not (repo.parent / "outside").exists() and not (repo.parent / "abs").exists()


# -- fix: report-only steps stay report-only ----------------------------------------------------


@pytest.fixture
def app(repo: Path) -> Path:
    """A file with an unsafe fix, in a repository whose configuration asks for every fix."""
    write(repo / "pyproject.toml", "[tool.perflint]\nfix = true\nunsafe-fixes = true\n")
    return write(repo / "app.py", UNSAFE)


def test_the_action_sarif_step_never_fixes(repo: Path, app: Path) -> None:
    result = run(*sarif_step())
    assert result.exit_code == 0, result.output
    assert app.read_text() == UNSAFE
    (sarif_run,) = json.loads((repo / "perflint.sarif").read_text())["runs"]
    assert [r["ruleId"] for r in sarif_run["results"]] == ["PFL101"]


def test_committed_file_names_never_become_options_of_the_sarif_step(repo: Path, app: Path) -> None:
    """With ``paths: "*"`` the shell would expand committed names such as ``--fix``."""
    for name in ("--fix", "--unsafe-fixes", "--output-file=app.py", "--config=evil.toml"):
        write(repo / name, "")
    write(repo / "evil.toml", "fix = true\n")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PERFLINT_PATHS": "* app.py",
        "PERFLINT_SARIF": "perflint.sarif",
    }
    script = action_script("Write SARIF")
    subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, timeout=300)
    assert app.read_text() == UNSAFE  # neither fixed nor overwritten with the report


def test_no_fix_on_the_command_line_beats_the_config(app: Path) -> None:
    result = run("check", "--no-fix", ".")
    assert result.exit_code == 1 and app.read_text() == UNSAFE
    assert "app.py:3:5: PFL101" in result.stdout


@pytest.mark.parametrize("mode", ["--since", "--staged"])
def test_regression_modes_only_report_whatever_the_config_says(
    repo: Path, app: Path, mode: str
) -> None:
    subprocess.run(["git", "add", "app.py"], cwd=repo, check=True)
    result = run("check", *([mode, "HEAD"] if mode == "--since" else [mode]), "--format", "json")
    assert app.read_text() == UNSAFE
    assert [item["code"] for item in json.loads(result.stdout)] == ["PFL101"]  # not "fixed" away
    assert result.exit_code == 1


def test_baseline_records_and_never_fixes(repo: Path, app: Path) -> None:
    result = run("baseline", ".")
    assert result.exit_code == 0, result.output
    assert app.read_text() == UNSAFE
    assert len(json.loads((repo / ".perflint-baseline.json").read_text())["findings"]) == 1


def test_diff_writes_nothing_whatever_the_config_says(app: Path) -> None:
    result = run("check", "--diff", ".")
    assert result.exit_code == 1 and app.read_text() == UNSAFE
    assert "+    for num in nums:" in result.stdout


# -- jobs: processes ----------------------------------------------------------------------------


class _Pool(ThreadPoolExecutor):
    sizes: list[int] = []

    def __init__(self, max_workers: int, **kwargs: Any) -> None:
        self.sizes.append(max_workers)
        super().__init__(max_workers=max_workers)


@pytest.mark.parametrize("source", ["config", "command-line"])
def test_jobs_are_capped_at_the_cpu_count(
    repo: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setattr(perflint.engine.runner, "ProcessPoolExecutor", _Pool)
    monkeypatch.setattr(perflint.engine.runner, "default_jobs", lambda: 2)
    monkeypatch.setattr(_Pool, "sizes", [])
    for index in range(8):
        write(repo / f"m{index}.py", UNSAFE)
    if source == "config":
        write(repo / "pyproject.toml", "[tool.perflint]\njobs = 100000\n")
        result = run("check", ".")
    else:
        result = run("check", "--jobs", "100000", ".")
    assert result.exit_code == 1, result.output
    assert result.stdout.count("PFL101") == 8 * 2
    assert _Pool.sizes == [2]


# -- statistics: the shape of a machine-readable report -----------------------------------------


@pytest.mark.parametrize("output_format", ["sarif", "gitlab", "json"])
def test_config_statistics_leave_machine_reports_whole(repo: Path, output_format: str) -> None:
    write(repo / "pyproject.toml", "[tool.perflint]\nstatistics = true\n")
    write(repo / "app.py", UNSAFE)
    result = run("check", "--format", output_format, ".")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    found = document["runs"][0]["results"] if output_format == "sarif" else document
    assert len(found) == 1 and "count" not in found[0]
    table = run("check", ".")  # the console gets the counts the file asks for
    assert table.stdout.split() == ["1", "PFL101", "[", "]", "range-len-index"]


# -- what a hostile table can still print -------------------------------------------------------


def test_a_hostile_key_cannot_forge_a_workflow_command(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.perflint]\n"a\\n::error::forged\\u001b[2J" = 1\n')
    result = run("check", ".")
    assert result.exit_code == 2
    assert "'a\\n::error::forged\\x1b[2J'" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "\x1b" not in result.stderr


# -- unreadable configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'[tool.perflint]\nselect = ["\xff"]\n',
        b"# caf\xe9\n[tool.perflint]\n",
        "[tool.perflint]\n".encode("utf-16"),
        b"[tool.perflint]\nx = " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
    ],
    ids=["invalid-utf8", "latin-1", "utf-16", "nested-too-deeply"],
)
@pytest.mark.parametrize("where", ["here", "above", "explicit"])
def test_unreadable_pyproject_is_a_one_line_config_error(
    repo: Path, data: bytes, where: str
) -> None:
    config = write(repo / "pyproject.toml", data)
    write(repo / "sub" / "app.py", UNSAFE)
    args = {"here": ["."], "above": ["sub"], "explicit": ["--config", "pyproject.toml", "."]}[where]
    result = run("check", *args)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {config}: ")
    assert "internal error" not in line and "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["directory", "dev-zero-link", "fifo", "dangling-link"])
def test_what_is_not_a_regular_pyproject_is_passed_over(repo: Path, kind: str) -> None:
    write(repo / "pyproject.toml", '[tool.perflint]\nselect = ["PFL102"]\n')
    write(repo / "sub" / "app.py", UNSAFE)
    odd = repo / "sub" / "pyproject.toml"
    if kind == "directory":
        odd.mkdir()
    elif kind == "dev-zero-link":
        odd.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to(repo / "missing.toml")
    # A subprocess with a timeout: reading the FIFO or /dev/zero would hang this process.
    done = subprocess.run(
        [sys.executable, "-m", "perflint", "check", "sub"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # PFL102 only, from the real pyproject above
    assert "All checks passed!" in done.stderr


@pytest.mark.parametrize("target", ["outside", "git"])
def test_a_pyproject_linking_out_of_the_repository_is_not_read(repo: Path, target: str) -> None:
    secret = repo.parent / f"{repo.name}-settings.toml"
    if target == "git":
        (repo / ".git").mkdir(exist_ok=True)
        secret = repo / ".git" / "config.toml"
    secret.write_text('[tool.perflint]\nselect = ["PFL102"]\n# TOKEN=hunter2\n', encoding="utf-8")
    (repo / "pyproject.toml").unlink(missing_ok=True)
    (repo / "pyproject.toml").symlink_to(secret)
    result = run("check", ".")
    assert result.exit_code == 2
    assert "pyproject.toml: a symbolic link" in result.stderr and "not read" in result.stderr
    assert "hunter2" not in result.output + result.stderr


def test_a_pyproject_linking_inside_the_repository_is_read(repo: Path) -> None:
    (repo / "settings").mkdir()
    write(repo / "settings" / "perflint.toml", '[tool.perflint]\nselect = ["PFL102"]\n')
    (repo / "pyproject.toml").unlink(missing_ok=True)
    (repo / "pyproject.toml").symlink_to(Path("settings") / "perflint.toml")
    result = run("check", "-v", ".")
    assert result.exit_code in (0, 1), result.stderr
    assert "rules enabled: PFL102" in result.stderr
