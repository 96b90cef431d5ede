"""Reading and writing an untrusted tree: only regular files, never through a link out of the
root (or into .git), never more than the limit; fixes written only over the file as it was read,
never through or over a hard link, with their temporary files cleaned up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from perflint import Settings
from perflint.engine.runner import lint_file
from perflint.text.files import (
    TEMP_SUFFIX,
    FileRefused,
    TooLarge,
    lint_root,
    read_regular,
    remove_stale_temps,
    write_output,
)

SAFE = "word = ('a', 'b')\nfor i in range(len(word)):\n    print(word[i])\n"
SAFE_FIXED = "word = ('a', 'b')\nfor word_item in word:\n    print(word_item)\n"
FIX = Settings(select=("PFL101",), fix=True)
CHECK = Settings(select=("PFL101",))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree (found by its .git) holding one file, with a secret beside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("TOKEN=s3cr3t\n")
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[http]\n\textraheader = AUTHORIZATION: basic s3cr3t\n")
    (root / "a.py").write_text(SAFE)
    return root


def _refusal(path: Path, root: Path | None = None, limit: int | None = None) -> str:
    with pytest.raises(FileRefused) as caught:
        read_regular(str(path), root=None if root is None else os.path.realpath(root), limit=limit)
    return str(caught.value)


# -- reading ------------------------------------------------------------------------------------


def test_a_regular_file_is_read(repo: Path) -> None:
    snapshot = read_regular(str(repo / "a.py"), root=lint_root(str(repo)), limit=1000)
    assert snapshot.data == SAFE.encode() and snapshot.path == os.path.realpath(repo / "a.py")


def test_a_link_inside_the_root_is_read_from_its_target(repo: Path) -> None:
    (repo / "pkg").mkdir()
    (repo / "pkg" / "link.py").symlink_to("../a.py")
    snapshot = read_regular(str(repo / "pkg" / "link.py"), root=lint_root(str(repo)))
    assert snapshot.path == os.path.realpath(repo / "a.py") and snapshot.data == SAFE.encode()


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("../outside/secret.txt", "a symbolic link to outside"),
        (".git/config", "a symbolic link into .git"),
        ("/etc/passwd", "a symbolic link to outside"),
    ],
    ids=["relative-out", "into-git", "absolute-out"],
)
def test_a_link_out_of_the_root_is_not_read(repo: Path, target: str, reason: str) -> None:
    (repo / "env.py").symlink_to(target)
    assert reason in _refusal(repo / "env.py", repo)


def test_a_link_through_a_linked_directory_out_of_the_root_is_not_read(repo: Path) -> None:
    (repo / "vendor").symlink_to(repo.parent / "outside", target_is_directory=True)
    assert "outside" in _refusal(repo / "vendor" / "secret.txt", repo)


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _link(target: str):  # type: ignore[no-untyped-def]
    def make(path: Path) -> Path:
        path.symlink_to(target)
        return path

    return make


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_fifo, "a FIFO"),
        (_socket, "a socket"),
        (_link("/dev/zero"), "a character device"),
        (_link("/dev/null"), "a character device"),
        (lambda path: (path.mkdir(), path)[1], "a directory"),
    ],
    ids=["fifo", "socket", "dev-zero-link", "dev-null-link", "directory"],
)
def test_what_is_not_a_regular_file_is_refused_without_opening_it(
    tmp_path: Path, make, kind: str  # type: ignore[no-untyped-def]
) -> None:
    path = make(tmp_path / "x.py")
    assert _refusal(path, tmp_path) == f"not a regular file ({kind}): not read"


def test_a_broken_link_says_so(tmp_path: Path) -> None:
    (tmp_path / "x.py").symlink_to("missing.py")
    assert _refusal(tmp_path / "x.py") == "broken symbolic link"


def test_a_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_bytes(b"x" * 1001)
    with pytest.raises(TooLarge) as caught:
        read_regular(str(tmp_path / "big.py"), limit=1000)
    assert caught.value.size == 1001
    assert str(caught.value) == "1 kB is over max-file-size (1 kB)"
    assert read_regular(str(tmp_path / "big.py"), limit=1001).size == 1001


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="needs Linux /proc")
def test_the_limit_holds_where_the_size_lies() -> None:
    """/proc files say they hold 0 bytes: reading stops at the limit all the same."""
    assert os.stat("/proc/self/environ").st_size == 0
    with pytest.raises(TooLarge, match="more than 8 bytes"):
        read_regular("/proc/self/environ", limit=8)


# -- the command line never shows what it was not asked to lint -------------------------------


@pytest.mark.parametrize("fmt", ["text", "concise", "markdown", "json", "sarif", "github"])
def test_no_report_shows_a_file_outside_the_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    from click.testing import CliRunner

    from perflint.cli.main import cli

    monkeypatch.chdir(repo)
    (repo / "env.py").symlink_to("../outside/secret.txt")
    (repo / "cfg.py").symlink_to(".git/config")
    done = CliRunner().invoke(cli, ["check", "--format", fmt, "-j", "1", "env.py", "cfg.py"])
    assert done.exit_code == 2
    assert "s3cr3t" not in done.stdout + done.stderr
    assert "env.py" in done.stdout and "cfg.py" in done.stdout


def test_special_files_named_on_the_command_line_neither_hang_nor_fill_memory(repo: Path) -> None:
    os.mkfifo(repo / "fifo.py")
    (repo / "zero.py").symlink_to("/dev/zero")
    done = subprocess.run(
        [sys.executable, "-m", "perflint", "check", "--format", "concise"]
        + ["fifo.py", "zero.py", "a.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "fifo.py:1:1: PFL000 not a regular file (a FIFO): not read" in done.stdout
    assert "zero.py:1:1: PFL000 not a regular file (a character device): not read" in done.stdout
    assert "a.py:2:1: PFL101" in done.stdout  # the rest of the run is reported


# -- writing fixes ------------------------------------------------------------------------------


def test_fixing_a_link_fixes_its_target_and_keeps_the_link(repo: Path) -> None:
    (repo / "link.py").symlink_to("a.py")
    result = lint_file(str(repo / "link.py"), FIX)
    assert result.fixed == 1 and result.error is None
    assert (repo / "link.py").is_symlink() and os.readlink(repo / "link.py") == "a.py"
    assert (repo / "a.py").read_text() == SAFE_FIXED


def test_a_hard_linked_file_is_not_fixed_and_keeps_its_findings(repo: Path) -> None:
    os.link(repo / "a.py", repo / "twin.py")
    result = lint_file(str(repo / "a.py"), FIX)
    assert result.error is not None and "2 hard links" in result.error.message
    assert [finding.code for finding in result.findings] == ["PFL101"]
    assert result.fixed == 0 and result.source == SAFE
    assert (repo / "a.py").read_text() == SAFE and (repo / "twin.py").read_text() == SAFE
    assert os.stat(repo / "a.py").st_ino == os.stat(repo / "twin.py").st_ino


def _meanwhile(monkeypatch: pytest.MonkeyPatch, action) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` after the fixes are made and before they are written."""
    from perflint.engine import runner

    encode = runner.encode

    def encode_then_act(text: str, encoding: str) -> bytes:
        action()
        return encode(text, encoding)

    monkeypatch.setattr(runner, "encode", encode_then_act)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda path: path.write_text(SAFE + "# edited\n"), "changed while being fixed"),
        (lambda path: path.write_text(SAFE.replace("'a'", "'z'")), "changed while being fixed"),
        (lambda path: path.unlink(), "deleted while being fixed: not re-created"),
        (
            lambda path: (path.unlink(), path.symlink_to("../outside/secret.txt")),
            "replaced while being fixed",
        ),
    ],
    ids=["appended", "same-size", "deleted", "swapped-for-a-link"],
)
def test_a_file_changed_while_being_fixed_is_not_overwritten(
    repo: Path, monkeypatch: pytest.MonkeyPatch, change, message: str  # type: ignore[no-untyped-def]
) -> None:
    path = repo / "a.py"
    _meanwhile(monkeypatch, lambda: change(path))
    before = path.read_text() if path.exists() else None
    result = lint_file(str(path), FIX)
    assert result.error is not None and message in result.error.message
    assert [finding.code for finding in result.findings] == ["PFL101"]
    assert before == SAFE
    if "deleted" in message:
        assert not os.path.lexists(path)
    elif path.is_symlink():
        assert (repo.parent / "outside" / "secret.txt").read_text() == "TOKEN=s3cr3t\n"
    else:
        assert path.read_text() != SAFE_FIXED
    assert not [name for name in os.listdir(repo) if name.endswith(TEMP_SUFFIX)]


def test_a_fix_that_cannot_be_encoded_keeps_its_finding(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perflint.engine import runner
    from perflint.text.source import SourceError

    def refuse(text: str, encoding: str) -> bytes:
        raise SourceError(f"the fixed code cannot be encoded as {encoding}")

    monkeypatch.setattr(runner, "encode", refuse)
    result = lint_file(str(repo / "a.py"), FIX)
    assert result.error is not None and result.error.message == (
        "the fixed code cannot be encoded as utf-8"
    )
    assert [(f.code, f.start.row) for f in result.findings] == [("PFL101", 2)]
    assert result.source == SAFE and (repo / "a.py").read_text() == SAFE


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("source", [SAFE, "x = 1\n"], ids=["fixed-now", "nothing-to-fix"])
def test_temporary_files_of_a_killed_run_are_removed_and_no_others(repo: Path, source: str) -> None:
    from perflint.text import files

    files._cleaned.clear()  # another test of this process may have cleaned a directory so named
    (repo / "a.py").write_text(source)
    dead = repo / f".a.py.{_dead_pid()}.0123abcd{TEMP_SUFFIX}"
    alive = repo / f".a.py.{os.getppid()}.0123abcd{TEMP_SUFFIX}"
    other = repo / f".a.py.notapid{TEMP_SUFFIX}"
    for path in (dead, alive, other):
        path.write_text("half a file")
    assert lint_file(str(repo / "a.py"), CHECK).error is None
    assert dead.exists()  # a run that writes nothing removes nothing
    result = lint_file(str(repo / "a.py"), FIX)
    assert result.fixed == (source == SAFE)
    assert not dead.exists() and alive.exists() and other.exists()
    assert remove_stale_temps(str(repo)) == []  # once per directory and process


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
def test_a_temporary_file_of_an_exited_but_unreaped_process_is_removed(tmp_path: Path) -> None:
    """A killed run's workers may stay zombies (PID 1 in a container need not reap them)."""
    import time

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # exited, not yet waited for: a zombie
        with open(f"/proc/{child.pid}/stat") as handle:
            if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.05)
    left = tmp_path / f".a.py.{child.pid}.0123abcd{TEMP_SUFFIX}"
    left.write_text("half a file")
    try:
        assert remove_stale_temps(str(tmp_path)) == [str(left)]
    finally:
        child.wait()


def test_a_bug_with_one_file_is_its_error_and_the_run_goes_on(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perflint.engine import runner
    from perflint.engine.runner import lint_paths

    (repo / "b.py").write_text(SAFE)
    lint = runner.lint

    def explode_on_b(source: str, path: str, settings: Settings):  # type: ignore[no-untyped-def]
        if path.endswith("b.py"):
            raise RuntimeError("boom")
        return lint(source, path, settings)

    monkeypatch.setattr(runner, "lint", explode_on_b)
    a, b = lint_paths([str(repo / "a.py"), str(repo / "b.py")], CHECK, jobs=1)
    assert [finding.code for finding in a.findings] == ["PFL101"]
    assert b.error is not None and b.error.message == "internal error: RuntimeError('boom')"


# -- writing reports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["../outside/secret.txt", "../outside", "/"], ids=["file", "dir", "root"]
)
def test_a_report_replaces_a_link_instead_of_writing_through_it(repo: Path, target: str) -> None:
    (repo / "report.sarif").symlink_to(target)
    write_output(str(repo / "report.sarif"), b"{}\n")
    assert not (repo / "report.sarif").is_symlink()
    assert (repo / "report.sarif").read_bytes() == b"{}\n"
    assert (repo.parent / "outside" / "secret.txt").read_text() == "TOKEN=s3cr3t\n"


@pytest.mark.parametrize("inner", ["reports", "reports/deeper/still"], ids=["dir", "new-subdirs"])
def test_a_report_is_not_written_through_a_linked_directory_out_of_its_repository(
    repo: Path, inner: str
) -> None:
    (repo / "reports").symlink_to(repo.parent / "outside", target_is_directory=True)
    target = repo / inner / "perflint.sarif"
    with pytest.raises(FileRefused, match="its directory is a symbolic link to outside"):
        write_output(str(target), b"{}\n")
    assert sorted(os.listdir(repo.parent / "outside")) == ["secret.txt"]


def test_a_report_may_go_outside_when_the_command_line_says_so(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    write_output(str(tmp_path / "elsewhere" / "r.json"), b"[]\n")
    assert (tmp_path / "elsewhere" / "r.json").read_bytes() == b"[]\n"


def test_the_report_shows_the_text_that_was_linted(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file swapped for a link to a secret after linting: the code frame still shows what
    was linted, as no reporter reads a file again."""
    from click.testing import CliRunner

    from perflint.cli.main import cli
    from perflint.engine import runner

    monkeypatch.chdir(repo)
    lint_paths = runner.lint_paths

    def lint_then_swap(*args, **kwargs):  # type: ignore[no-untyped-def]
        results = lint_paths(*args, **kwargs)
        (repo / "a.py").unlink()
        (repo / "a.py").symlink_to("../outside/secret.txt")
        return results

    monkeypatch.setattr(runner, "lint_paths", lint_then_swap)
    done = CliRunner().invoke(cli, ["check", "--select", "PFL101", "a.py"])
    assert done.exit_code == 1
    assert "2 | for i in range(len(word)):" in done.stdout and "s3cr3t" not in done.stdout


def test_lint_paths_keeps_the_text_only_where_something_refers_to_it(repo: Path) -> None:
    from perflint.engine.runner import lint_paths

    (repo / "clean.py").write_text("x = 1\n")
    (repo / "broken.py").write_text("def f(:\n")
    paths = [str(repo / name) for name in ("a.py", "clean.py", "broken.py")]
    results = {Path(result.path).name: result for result in lint_paths(paths, CHECK, jobs=1)}
    assert results["a.py"].source == SAFE and results["broken.py"].source == "def f(:\n"
    assert results["clean.py"].source is None
