"""A run killed with ``kill -9``: its workers exit by themselves, and the temporary files of the
fixes it was writing are removed by the next run (never a half-written source file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from perflint.text.files import TEMP_SUFFIX

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="reads process states from /proc"),
]

SAFE = "word = ('a', 'b')\nfor i in range(len(word)):\n    print(word[i])\n"
SAFE_FIXED = "word = ('a', 'b')\nfor word_item in word:\n    print(word_item)\n"


def _gone(pid: int) -> bool:
    """True when ``pid`` has exited (a zombie nobody reaps counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _wait_until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _tree(root: Path, count: int) -> list[Path]:
    root.mkdir()
    paths = [root / f"m{index:03}.py" for index in range(count)]
    for path in paths:
        path.write_text(SAFE)
    return paths


#: Runs perflint's process pool over the files in argv[1] with each file slowed down, and
#: prints the workers' process ids once they are all running.
POOL_SCRIPT = textwrap.dedent(
    """
    import multiprocessing, sys, threading, time
    multiprocessing.set_start_method("fork")
    from perflint.engine import runner
    from perflint.types import Settings

    real = runner.lint_file
    def slow(path, settings, root=None):
        time.sleep(0.3)
        return real(path, settings, root)
    runner.lint_file = slow

    def report():
        while len(multiprocessing.active_children()) < 2:
            time.sleep(0.05)
        print(*[child.pid for child in multiprocessing.active_children()], flush=True)
    threading.Thread(target=report, daemon=True).start()
    paths = sorted(str(p) for p in __import__("pathlib").Path(sys.argv[1]).glob("*.py"))
    runner.lint_paths(paths, Settings(select=("PFL101",)), jobs=2)
    """
)


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    _tree(tmp_path / "tree", 200)
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_SCRIPT, str(tmp_path / "tree")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and not any(_gone(pid) for pid in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _wait_until(lambda: all(_gone(pid) for pid in workers), 15), "workers outlived it"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers if "workers" in locals() else []:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


#: ``perflint check --fix`` with every write held open after its temporary file is complete.
FIX_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from perflint.text import files
    check = files._check_unchanged
    def held(snapshot):
        time.sleep(0.5)
        check(snapshot)
    files._check_unchanged = held
    from perflint.cli.main import main
    sys.argv = ["perflint", "check", "--fix", "-j", "2", sys.argv[1]]
    main()
    """
)


def _temps(root: Path) -> list[str]:
    return sorted(name for name in os.listdir(root) if name.endswith(TEMP_SUFFIX))


def test_a_fix_killed_mid_write_leaves_no_half_file_and_the_next_run_cleans_up(
    tmp_path: Path,
) -> None:
    paths = _tree(tmp_path / "tree", 40)
    killed = subprocess.Popen(
        [sys.executable, "-c", FIX_SCRIPT, str(tmp_path / "tree")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _wait_until(lambda: len(_temps(tmp_path / "tree")) >= 2, 60)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)  # the run and its workers at once
        killed.wait()
    left = _temps(tmp_path / "tree")
    assert left, "the kill was meant to leave temporary files"
    assert {path.read_text() for path in paths} <= {SAFE, SAFE_FIXED}  # old or new, never half
    again = subprocess.run(
        [sys.executable, "-m", "perflint", "check", "--fix", "-j", "2", str(tmp_path / "tree")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert _temps(tmp_path / "tree") == []
    assert {path.read_text() for path in paths} == {SAFE_FIXED}
