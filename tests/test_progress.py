"""The progress line: on a terminal only, never with --quiet, rewritten in place and erased at
the end, without changing a report or the order of results."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perflint.cli.main import cli
from perflint.output import progress
from perflint.output.progress import Progress, wanted

SLOW = "def f(nums):\n    for i in range(len(nums)):\n        print(nums[i])\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_before_half_a_second_then_done_of_total_and_elapsed() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = Progress(40, stream, clock)
    bar.update(1)
    assert stream.getvalue() == ""  # a quick run shows nothing
    clock.now += 0.6
    bar.update(10)
    assert stream.getvalue() == "\r\x1b[2Kperflint: 10/40 files (25%), 0.6s"
    clock.now += 0.05
    bar.update(11)  # too soon to redraw
    assert stream.getvalue().count("\r") == 1
    clock.now += 61
    bar.update(40)
    assert stream.getvalue().endswith("\r\x1b[2Kperflint: 40/40 files (100%), 1m01s")
    bar.close()
    assert stream.getvalue().endswith("\x1b[2K")  # erased: the report starts on a clean line
    shown = stream.getvalue()
    bar.close()
    assert stream.getvalue() == shown


def test_a_quick_run_erases_nothing() -> None:
    stream = io.StringIO()
    with Progress(3, stream, Clock()) as bar:
        bar.update(3)
    assert stream.getvalue() == ""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_only_on_a_terminal_and_never_quiet_or_dumb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    assert wanted(Tty()) and not wanted(io.StringIO()) and not wanted(Tty(), quiet=True)
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(Tty())


def test_the_check_command_reports_progress_and_keeps_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(6):
        (tmp_path / f"m{number}.py").write_text(SLOW, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    plain = CliRunner().invoke(cli, ["check", "--jobs", "2", "--no-cache", "."])
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setattr("perflint.output.progress.wanted", lambda stream=None, quiet=False: not quiet)
    shown = CliRunner().invoke(cli, ["check", "--jobs", "2", "--no-cache", "."])
    assert shown.stdout == plain.stdout  # same findings, same order
    updates = [part for part in shown.stderr.split("\r\x1b[2K") if part.startswith("perflint: ")]
    assert [part.split(" files")[0] for part in updates] == [f"perflint: {n}/6" for n in range(1, 7)]
    # Erased before the summary, which is the plain run's (but for the time it took).
    summary = shown.stderr.split("\r\x1b[2K")[-1]
    assert summary.splitlines()[:-1] == plain.stderr.splitlines()[:-1] and summary.startswith("Found ")
    quiet = CliRunner().invoke(cli, ["check", "--jobs", "2", "-q", "."])
    assert "\x1b" not in quiet.stderr and quiet.stderr == ""


@pytest.mark.slow
def test_on_a_real_terminal_it_shows_and_goes(tmp_path: Path) -> None:
    """stderr a pseudo-terminal, stdout a pipe (``perflint check . > report.txt``)."""
    body = SLOW * 10
    for number in range(80):
        (tmp_path / f"m{number:03}.py").write_text(body.replace("f(", f"f{number}("), encoding="utf-8")
    primary, secondary = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    out = tmp_path.parent / "report.txt"
    with out.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "perflint", "check", "--jobs", "1", "."],
            cwd=tmp_path, stdout=sink, stderr=secondary, stdin=subprocess.DEVNULL, env=env,
        )
    os.close(secondary)
    terminal = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        terminal += chunk
    assert child.wait(60) == 1
    report = out.read_bytes()
    os.close(primary)
    text = terminal.decode()
    assert "perflint: " in text and "/80 files (" in text, text[:500]
    before_summary = text.split("Found ")[0]
    assert before_summary.endswith("\r\x1b[2K")  # erased before the summary
    assert b"\x1b" not in report and report.count(b"PFL101") == 80 * 10 * 2
