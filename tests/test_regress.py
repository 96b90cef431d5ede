"""``perflint check --since REF`` / ``--staged`` on real temporary git repositories.

Each test builds a repository where main already has findings, changes it on a branch, and
checks that only the findings the change introduces are reported, that moved code is not
mistaken for new code, and that the user's working tree and index are left exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from perflint.changes.regress import regressions
from perflint.cli.main import cli
from perflint.types import Settings

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

OLD = """\
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
# The same two functions, reordered, with comments and blank lines added: nothing new.
MOVED = """\
# Helpers, reordered.


def join(words):
    # concatenate
    out = ""

    for k in range(len(words)):
        out += words[k]
    return out


def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result
"""
NEW_LOOP = """\


def weighted(values, factor):
    acc = 0
    for n in range(len(values)):
        acc += values[n] * factor
    return acc
"""
CLEAN = "def ok(nums):\n    return sum(nums)\n"


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main branch has two findings in ``pkg/core.py``, on branch ``work``."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (root / "pkg").mkdir()
    (root / "pkg" / "core.py").write_text(OLD)
    (root / "pkg" / "gone.py").write_text(OLD)
    (root / "pkg" / "clean.py").write_text(CLEAN)
    commit(root, "main")
    git(root, "switch", "-q", "-c", "work")
    monkeypatch.chdir(root)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--jobs", "1", "--format", "json", *args])


def reported(result: Result) -> list[tuple[str, str, str]]:
    """(path, code, message) of every finding in a JSON report."""
    return sorted(
        (item["filename"], item["code"], item["message"]) for item in json.loads(result.stdout)
    )


def snapshot(root: Path) -> tuple[str, dict[str, bytes], str]:
    """Status, every file's bytes, and the index: what a regression run must not change (its
    result cache, ignored by git, aside)."""
    files = {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.parts and ".perflint_cache" not in path.parts
    }
    return git(root, "status", "--porcelain"), files, git(root, "ls-files", "-s")


def test_only_the_new_loop_is_reported_when_old_code_moves(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP)
    commit(repo, "reorder and add weighted()")
    result = run("--since", "main")
    assert result.exit_code == 1, result.output
    findings = reported(result)
    assert [(path, code) for path, code, _ in findings] == [("pkg/core.py", "PFL101")]
    assert "values" in findings[0][2]
    # The whole file has three findings: the subtraction is what hides two of them.
    assert len(reported(run("pkg/core.py"))) == 3


def test_comments_inside_an_old_loop_do_not_make_it_new(repo: Path) -> None:
    commented = OLD.replace(
        "    for i in range(len(nums)):\n        result += nums[i]\n",
        "    for i in range(len(nums)):  # TODO: speed up\n"
        "        # add them up\n"
        "        result += nums[i]  # running total\n",
    )
    assert commented != OLD
    (repo / "pkg" / "core.py").write_text(commented)
    commit(repo, "comment the loop")
    result = run("--since", "main")
    assert result.exit_code == 0, result.output
    # A changed statement, though, is a new finding.
    (repo / "pkg" / "core.py").write_text(commented.replace("result += nums[i]", "result -= nums[i]"))
    assert [code for _, code, _ in reported(run("--since", "main"))] == ["PFL101"]


def test_nothing_new_exits_zero(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(MOVED)
    commit(repo, "reorder only")
    result = run("--since", "main")
    assert result.exit_code == 0, result.output
    assert reported(result) == []


def test_uncommitted_working_tree_change_counts(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP)  # not committed, not staged
    result = run("--since", "main")
    assert result.exit_code == 1, result.output
    assert [path for path, _, _ in reported(result)] == ["pkg/core.py"]


def test_untracked_new_file_reports_everything(repo: Path) -> None:
    (repo / "pkg" / "fresh.py").write_text(OLD)
    result = run("--since", "main")
    assert result.exit_code == 1, result.output
    assert [path for path, _, _ in reported(result)] == ["pkg/fresh.py", "pkg/fresh.py"]


def test_renamed_file_is_followed(repo: Path) -> None:
    git(repo, "mv", "pkg/core.py", "pkg/renamed.py")
    (repo / "pkg" / "renamed.py").write_text(MOVED + NEW_LOOP)
    commit(repo, "rename")
    result = run("--since", "main")
    assert result.exit_code == 1, result.output
    findings = reported(result)
    assert [path for path, _, _ in findings] == ["pkg/renamed.py"]
    assert "values" in findings[0][2]


def test_deleted_file_is_ignored(repo: Path) -> None:
    (repo / "pkg" / "gone.py").unlink()
    commit(repo, "delete")
    (repo / "pkg" / "core.py").unlink()  # also deleted in the working tree only
    result = run("--since", "main")
    assert result.exit_code == 0, result.output
    assert reported(result) == []


def test_binary_file_is_skipped(repo: Path) -> None:
    (repo / "pkg" / "blob.py").write_bytes(b"\x00\x01\x02 for i in range(len(x)): x[i]\n")
    result = run("--since", "main")
    assert result.exit_code == 0, result.output


@pytest.fixture
def secret(repo: Path) -> Path:
    """A file in .git (where actions/checkout keeps the job's token), written as Python."""
    path = repo / ".git" / "secret.py"
    path.write_text("TOKEN = 's3cr3t'\n" + OLD + NEW_LOOP)
    return path


@pytest.mark.parametrize(
    "how", ["committed", "staged", "untracked", "type-change"], ids=lambda how: how
)
def test_a_symbolic_link_is_never_followed(repo: Path, secret: Path, how: str) -> None:
    """git stores a link as the path it points to (mode 120000); reading the working tree's
    file would read whatever that is."""
    link = repo / "pkg" / ("core.py" if how == "type-change" else "env.py")
    if how == "type-change":
        link.unlink()
    link.symlink_to(secret)
    if how == "committed":
        commit(repo, "add a link")
    elif how == "staged":
        git(repo, "add", str(link))
    for args in (["--since", "main"], ["--staged"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert reported(result) == [] and "s3cr3t" not in result.output
    if how == "committed":  # perflint review reads the head commit
        head = git(repo, "rev-parse", "HEAD").strip()
        found = regressions("main", [], Settings(select=("PFL101",)), repo, head=head)
        assert [result.findings for result in found] == []


@pytest.mark.parametrize("args", [["--since", "main"], ["--staged"]], ids=["since", "staged"])
def test_a_file_over_max_file_size_is_skipped_not_read(repo: Path, args: list[str]) -> None:
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP + "#" * 2000 + "\n")
    git(repo, "add", "pkg/core.py")
    result = run(*args, "--max-file-size", "1kB")
    assert result.exit_code == 0, result.output
    assert reported(result) == []
    assert "warning: skipped pkg/core.py: 2.34 kB is over max-file-size (1 kB)" in result.stderr
    assert reported(run(*args)) != []


def test_merge_base_not_branch_tip(repo: Path) -> None:
    """Findings main gained after the branch left it are not subtracted from the branch."""
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP)
    commit(repo, "branch adds weighted()")
    git(repo, "switch", "-q", "main")
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP)
    commit(repo, "main adds it too")
    git(repo, "switch", "-q", "work")
    assert [path for path, _, _ in reported(run("--since", "main"))] == ["pkg/core.py"]


def test_working_tree_and_index_unchanged(repo: Path) -> None:
    git(repo, "mv", "pkg/gone.py", "pkg/moved.py")
    commit(repo, "rename")
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP)
    git(repo, "add", "pkg/core.py")
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP + "# unstaged edit\n")
    (repo / "pkg" / "untracked.py").write_text(CLEAN)
    before = snapshot(repo)
    head = git(repo, "rev-parse", "HEAD")
    assert run("--since", "main").exit_code == 1
    assert run("--staged").exit_code == 1
    assert snapshot(repo) == before
    assert git(repo, "rev-parse", "HEAD") == head


def test_staged_reports_only_what_the_index_adds(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP)
    git(repo, "add", "pkg/core.py")
    (repo / "pkg" / "unstaged.py").write_text(OLD)  # untracked: not part of the commit
    (repo / "pkg" / "clean.py").write_text(OLD)  # modified but not staged
    result = run("--staged")
    assert result.exit_code == 1, result.output
    findings = reported(result)
    assert [path for path, _, _ in findings] == ["pkg/core.py"]
    assert "values" in findings[0][2]


def test_staged_uses_the_index_text_not_the_working_tree(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(MOVED)
    git(repo, "add", "pkg/core.py")
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP)  # the new loop is unstaged
    result = run("--staged")
    assert result.exit_code == 0, result.output


def test_paths_limit_what_is_linted(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP)
    (repo / "other.py").write_text(OLD)
    assert [path for path, _, _ in reported(run("--since", "main", "pkg"))] == ["pkg/core.py"]


def test_configured_excludes_apply(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[tool.perflint]\nextend-exclude = ["pkg/vendored"]\n'
    )
    (repo / "pkg" / "vendored").mkdir()
    (repo / "pkg" / "vendored" / "lib.py").write_text(OLD)
    (repo / "pkg" / "fresh.py").write_text(OLD)
    assert [path for path, _, _ in reported(run("--since", "main"))] == ["pkg/fresh.py"] * 2
    # Named explicitly it is linted, as in a normal run, unless --force-exclude.
    named = reported(run("--since", "main", "pkg/vendored/lib.py"))
    assert [path for path, _, _ in named] == ["pkg/vendored/lib.py"] * 2
    assert reported(run("--since", "main", "--force-exclude", "pkg/vendored/lib.py")) == []


def test_shallow_clone_without_merge_base_says_fetch_more(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP)
    commit(repo, "one")
    (repo / "pkg" / "clean.py").write_text(CLEAN + "\n")
    commit(repo, "two")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", repo.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    git(clone, "switch", "-q", "work")
    result = run("--since", "origin/main")
    assert result.exit_code == 2, result.output
    assert "shallow" in result.output and "fetch-depth: 0" in result.output


def test_unknown_ref_is_a_usage_error(repo: Path) -> None:
    result = run("--since", "no-such-branch")
    assert result.exit_code == 2
    assert "no-such-branch" in result.output


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run("--since", "main")
    assert result.exit_code == 2
    assert "git" in result.output


@pytest.mark.parametrize(
    "args", [["--since", "main", "--fix"], ["--staged", "-"], ["--since", "main", "--staged"]]
)
def test_incompatible_options(repo: Path, args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_from_a_subdirectory_paths_are_relative_to_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pkg" / "core.py").write_text(OLD + NEW_LOOP)
    (repo / "top.py").write_text(OLD)  # outside the cwd: not linted
    monkeypatch.chdir(repo / "pkg")
    assert [path for path, _, _ in reported(run("--since", "main"))] == ["core.py"]


def test_precommit_hook_entry_reports_only_the_staged_regression(repo: Path) -> None:
    """The ``perflint-regressions`` hook's entry, run as pre-commit runs it: on the staged file."""
    hooks_file = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"
    hooks = yaml.safe_load(hooks_file.read_text())
    hook = next(h for h in hooks if h["id"] == "perflint-regressions")
    assert hook.get("pass_filenames", True) is True
    command, *args = hook["entry"].split()
    assert command == "perflint"
    hook_run = [sys.executable, "-m", "perflint", *args, "pkg/core.py"]
    (repo / "pkg" / "core.py").write_text(MOVED)
    git(repo, "add", "pkg/core.py")
    clean = subprocess.run(hook_run, cwd=repo, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP)
    git(repo, "add", "pkg/core.py")
    done = subprocess.run(hook_run, cwd=repo, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("PFL101") >= 1 and "values" in done.stdout
    assert "nums" not in done.stdout and "words" not in done.stdout


def test_plain_mv_rename_is_followed_without_touching_the_index(repo: Path) -> None:
    """A rename not yet told to git (old file missing, new one untracked) is still paired."""
    (repo / "pkg" / "core.py").rename(repo / "pkg" / "plain.py")
    with (repo / "pkg" / "plain.py").open("a") as handle:
        handle.write(NEW_LOOP)
    before = snapshot(repo)
    result = run("--since", "main")
    assert result.exit_code == 1, result.output
    findings = reported(result)
    assert [path for path, _, _ in findings] == ["pkg/plain.py"]
    assert "values" in findings[0][2]
    assert snapshot(repo) == before


def test_untracked_files_in_a_repository_with_no_index_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "empty")
    (root / ".git" / "index").unlink()  # as in a repository where nothing was ever staged
    (root / "new.py").write_text(OLD)
    monkeypatch.chdir(root)
    assert [path for path, _, _ in reported(run("--since", "main"))] == ["new.py", "new.py"]
    assert not (root / ".git" / "index").exists()


def test_the_process_pool_finds_what_one_process_finds(repo: Path) -> None:
    (repo / "pkg" / "core.py").write_text(MOVED + NEW_LOOP)
    for name in ("a", "b", "c"):
        (repo / "pkg" / f"{name}.py").write_text(MOVED + NEW_LOOP)
    commit(repo, "three new modules")
    settings = Settings(select=("PFL101",))
    alone = regressions("main", [], settings, repo, jobs=1)
    pooled = regressions("main", [], settings, repo, jobs=2)
    assert pooled == alone
    counts = {result.path: len(result.findings) for result in pooled}
    assert counts == {"pkg/a.py": 3, "pkg/b.py": 3, "pkg/c.py": 3, "pkg/core.py": 1}
