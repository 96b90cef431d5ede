"""The hooks of ``.pre-commit-hooks.yaml`` work under the real ``pre-commit try-repo``.

``try-repo`` on a local path installs the repository's committed HEAD plus its *tracked*
changes: untracked files (a new rule, a new module) would be missing from a working tree
that is not committed yet. So the test snapshots the project's working tree (the files git
would commit: tracked and untracked-but-not-ignored) into a throwaway repository, commits it,
and runs ``try-repo`` on that. The result is the same from a clean clone in CI and from a
developer's tree with uncommitted work.

Each ``try-repo`` call builds the hook's environment afresh (pre-commit keeps it in a
temporary store that no option can share), pip-installing perflint and its dependencies from
pip's cache: a few seconds a call, so each call checks as much as it can.

``perflint-regressions`` runs on staged changes, as in a real commit: no ``--all-files``.
pre-commit stashes unstaged changes first, so the hook sees exactly what would be committed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perflint.rules.registry import rule_by_code
from perflint.types import InvalidCase

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600  # seconds; installing the hook's environment needs PyPI

SLOW = """\
def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result
"""
CLEAN = """\
def total(nums):
    return sum(nums)
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.network,
    pytest.mark.skipif(
        importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed"
    ),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _git_env(home: Path) -> dict[str, str]:
    """An environment where git and pre-commit see no user configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT"))
    }
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="perflint tests",
        GIT_AUTHOR_EMAIL="tests@perflint.invalid",
        GIT_COMMITTER_NAME="perflint tests",
        GIT_COMMITTER_EMAIL="tests@perflint.invalid",
        PRE_COMMIT_HOME=str(home / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def _commit_all(repo: Path, env: dict[str, str]) -> str:
    _git(repo, env, "init", "-q", "-b", "main")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "snapshot")
    return _git(repo, env, "rev-parse", "HEAD").strip()


def _wanted(name: str) -> bool:
    """Not a virtual environment, cache or build output (even where .gitignore misses it)."""
    parts = Path(name).parts
    return not any(
        part in {".git", "__pycache__", ".pytest_cache", "build", "dist"}
        or part.startswith((".venv", "venv", ".tox", ".nox"))
        or part.endswith(".egg-info")
        for part in parts
    )


def _project_files() -> list[str]:
    """The project's files as git would commit them (or every file, outside a git checkout)."""
    if (ROOT / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    else:
        names = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*")]
    return [name for name in names if _wanted(name) and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project's working tree committed to a fresh repository: (path, commit)."""
    if not (ROOT / ".pre-commit-hooks.yaml").is_file():
        pytest.skip("not running from a source checkout")
    repo = tmp_path_factory.mktemp("perflint-snapshot")
    for name in _project_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return repo, _commit_all(repo, _git_env(repo))


def _run_try_repo(
    snapshot: tuple[Path, str], repo: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo SNAPSHOT ARGS...`` in the user's repository ``repo``."""
    path, commit = snapshot
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(path), *args]
    command += ["--ref", commit, "--color", "never"]
    return subprocess.run(
        command,
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,
    )


def _try_repo(
    snapshot: tuple[Path, str], files: dict[str, str], workdir: Path, *hook: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Commit ``files`` to a new repository in ``workdir`` and run ``try-repo`` there."""
    repo = workdir / "user-repo"
    repo.mkdir()
    _write(repo, files)
    env = _git_env(workdir)
    _commit_all(repo, env)
    return _run_try_repo(snapshot, repo, env, *hook, "--all-files"), repo


def _write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")


def _safe_case() -> InvalidCase:
    """PFL101's first invalid example whose fix is safe, straight from its rule file."""
    spec = rule_by_code("PFL101")
    assert spec is not None
    return next(case for case in spec.invalid if case.applicability == "safe")


def _hook_block(output: str, hook_id: str) -> list[str]:
    """The lines pre-commit printed for one hook: its status line up to the next status line."""
    lines = output.splitlines()
    starts = [index for index, line in enumerate(lines) if line.endswith(("Passed", "Failed"))]
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        if lines[start + 1 : start + 2] == [f"- hook id: {hook_id}"]:
            return lines[start:end]
    raise AssertionError(f"no output for hook {hook_id}:\n{output}")


def test_both_hooks_on_slow_safe_and_clean_files(
    snapshot: tuple[Path, str], tmp_path: Path
) -> None:
    """``perflint`` fails naming the slow files; ``perflint-fix`` fixes the safe case only.

    A stub file is linted too (``types_or: [python, pyi]``); a text file is not.
    """
    safe = _safe_case()
    assert safe.fixed is not None
    files = {"slow.py": SLOW, "safe.py": safe.code, "clean.py": CLEAN}
    files |= {"stub.pyi": SLOW, "notes.txt": SLOW}
    done, repo = _try_repo(snapshot, files, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output

    check = _hook_block(done.stdout, "perflint")
    text = "\n".join(check)
    assert check[0].startswith("perflint.") and check[0].endswith("Failed"), text
    assert "slow.py:3:5: PFL101" in text, text
    assert any(line.startswith("safe.py:") and " PFL101 " in line for line in check), text
    assert "stub.pyi:3:5: PFL101" in text, text
    assert "clean.py" not in text and "notes.txt" not in text, text

    fix = _hook_block(done.stdout, "perflint-fix")
    text = "\n".join(fix)
    assert fix[0].startswith("perflint (fix).") and fix[0].endswith("Failed"), text
    assert "- files were modified by this hook" in fix, text
    # The safe fix is applied exactly; the unsafe one is reported and left alone.
    assert (repo / "safe.py").read_text(encoding="utf-8") == safe.fixed
    assert (repo / "slow.py").read_text(encoding="utf-8") == SLOW
    assert (repo / "clean.py").read_text(encoding="utf-8") == CLEAN
    assert "slow.py:3:5: PFL101" in text, text


def test_check_hook_passes_on_clean_code(snapshot: tuple[Path, str], tmp_path: Path) -> None:
    files = {"clean.py": CLEAN, "stub.pyi": "def total(nums: list[int]) -> int: ...\n"}
    done, _ = _try_repo(snapshot, files, tmp_path, "perflint")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    status = [line for line in done.stdout.splitlines() if line.startswith("perflint.")]
    assert len(status) == 1 and status[0].endswith("Passed"), output


# perflint-regressions: STATS is committed; STATS_MOVED moves its loop below a new function,
# re-indents it under an `if` and adds comments around it (nothing new); NEW_LOOP adds one.
STATS = """\
def total(seq):
    result = 0
    for i in range(len(seq)):
        result += seq[i]
    return result
"""
STATS_MOVED = '''\
"""Statistics helpers."""


def mean(seq):
    # The average of a non-empty sequence.
    return total(seq) / len(seq)


def total(seq):
    # The sum of an indexable sequence; 0 when it is empty.
    result = 0
    if seq:
        for i in range(len(seq)):
            result += seq[i]
    return result
'''
NEW_LOOP = """\


def weighted(values, factor):
    acc = 0
    for n in range(len(values)):
        acc += values[n] * factor
    return acc
"""
_FINDING = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):\d+: (?P<code>PFL\d+) ")


def _findings(lines: list[str]) -> list[tuple[str, int, str]]:
    """``(path, line, code)`` of each finding in a text report, in order."""
    found = (_FINDING.match(line) for line in lines)
    return [(m["path"], int(m["line"]), m["code"]) for m in found if m is not None]


def _line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line of ``text`` containing ``needle``."""
    (line,) = (n for n, row in enumerate(text.splitlines(), 1) if needle in row)
    return line


def _status(stdout: str, name: str) -> str:
    """The status line pre-commit printed for the hook called ``name``."""
    (line,) = (row for row in stdout.splitlines() if row.startswith(f"{name}."))
    return line


def _new_repo(workdir: Path) -> tuple[Path, dict[str, str]]:
    repo = workdir / "user-repo"
    repo.mkdir()
    env = _git_env(workdir)
    _git(repo, env, "init", "-q", "-b", "main")
    return repo, env


def test_regressions_hook_reports_only_the_staged_new_loop(
    snapshot: tuple[Path, str], tmp_path: Path
) -> None:
    """Moved, re-indented and commented old code passes; one new loop fails on its line only.

    The first run also has that new loop in the working tree, unstaged: pre-commit stashes it
    away, so the hook must not see it, and puts it back afterwards.
    """
    repo, env = _new_repo(tmp_path)
    _write(repo, {"stats.py": STATS})
    _git(repo, env, "add", "stats.py")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "old loop")
    _write(repo, {"stats.py": STATS_MOVED})
    _git(repo, env, "add", "stats.py")
    _write(repo, {"stats.py": STATS_MOVED + NEW_LOOP})  # not staged

    moved = _run_try_repo(snapshot, repo, env, "perflint-regressions")
    output = moved.stdout + moved.stderr
    assert moved.returncode == 0, output
    assert _status(moved.stdout, "perflint (regressions)").endswith("Passed"), output
    assert (repo / "stats.py").read_text(encoding="utf-8") == STATS_MOVED + NEW_LOOP

    _git(repo, env, "add", "stats.py")
    added = _run_try_repo(snapshot, repo, env, "perflint-regressions")
    output = added.stdout + added.stderr
    assert added.returncode == 1, output
    block = _hook_block(added.stdout, "perflint-regressions")
    assert block[0].endswith("Failed"), output
    new_line = _line_of(STATS_MOVED + NEW_LOOP, "for n in range(len(values))")
    assert _findings(block) == [("stats.py", new_line, "PFL101")], output


def test_regressions_hook_on_a_first_commit_sees_only_the_files_it_is_given(
    snapshot: tuple[Path, str], tmp_path: Path
) -> None:
    """With no HEAD yet every staged loop is new; pre-commit's file list bounds the report.

    ``--files`` stands for any filtering pre-commit does (a hook's ``files``/``exclude``,
    ``types_or``): ``other.py`` is staged with the same loop but is not handed to the hook.
    ``generated.py`` is handed to it but excluded in ``pyproject.toml``, which a named file
    escapes unless the hook forces excludes, as the ``perflint`` hook does.
    """
    repo, env = _new_repo(tmp_path)
    config = '[tool.perflint]\nextend-exclude = ["generated.py"]\n'
    files = {"stats.py": STATS, "other.py": STATS, "generated.py": STATS, "notes.txt": STATS}
    _write(repo, {**files, "pyproject.toml": config})
    _git(repo, env, "add", "-A")

    given = ["--files", "stats.py", "generated.py", "notes.txt"]
    done = _run_try_repo(snapshot, repo, env, "perflint-regressions", *given)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    block = _hook_block(done.stdout, "perflint-regressions")
    loop = _line_of(STATS, "for i in range")
    assert _findings(block) == [("stats.py", loop, "PFL101")], output


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the wheel of this working tree, as `pip --find-links` reads it."""
    outdir = tmp_path_factory.mktemp("wheelhouse")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return outdir


def test_the_readmes_repo_local_recipe_installs_perflint_by_its_name(wheelhouse: Path, tmp_path: Path) -> None:
    """The README's `.pre-commit-config.yaml`, as written, with pip finding
    `perflint-bytecode==VERSION` in the wheel built here (nothing is published yet); its
    dependencies come from the index as they would for a user."""
    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (config,) = [
        block for block in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in block
    ]
    (hook,) = yaml.safe_load(config)["repos"][0]["hooks"]
    assert hook["additional_dependencies"] == [f"perflint-bytecode=={_version()}"]
    repo = tmp_path / "user-repo"
    repo.mkdir()
    _write(repo, {"slow.py": SLOW, "clean.py": CLEAN, ".pre-commit-config.yaml": config})
    env = _git_env(tmp_path)
    env["PIP_FIND_LINKS"] = f"{wheelhouse} {env.get('PIP_FIND_LINKS', '')}".strip()
    _commit_all(repo, env)
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "slow.py:3:5: PFL101" in output and "clean.py" not in output, output
    _write(repo, {"slow.py": CLEAN})
    again = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT,
    )
    assert again.returncode == 0, again.stdout + again.stderr


def _version() -> str:
    found = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert found is not None
    return found.group(1)
