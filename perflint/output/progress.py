"""The progress line on stderr while a long run lints: files done of the total, elapsed time.

Shown only when stderr is a terminal (not ``dumb``), never with ``--quiet``, and only once a
run has taken half a second (a quick run prints nothing extra). The line is rewritten in
place at most ten times a second and erased when the run is done, so the report that follows
starts on a clean line and nothing of it stays in a log.

Not click's ``progressbar``: it cannot erase itself (its last frame and a line break stay on
the terminal, above the findings) and it estimates the time left from the files done so far,
which on real trees (a few files hold most of the work) swings by minutes.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import IO

#: Seconds before the line first appears, and between two updates.
DELAY = 0.5
INTERVAL = 0.1
_ERASE = "\r\x1b[2K"


def wanted(stream: IO[str] | None = None, *, quiet: bool = False) -> bool:
    """Whether to show progress on ``stream`` (default: stderr)."""
    stream = stream if stream is not None else sys.stderr
    if quiet or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _elapsed(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{seconds:.1f}s"


class Progress:
    """``update(done)`` as files finish; ``close()`` erases the line (also as a context manager)."""

    def __init__(
        self, total: int, stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.shown_at: float | None = None

    def line(self, done: int, now: float) -> str:
        percent = 100 * done // self.total if self.total else 100
        text = f"perflint: {done}/{self.total} files ({percent}%), {_elapsed(now - self.started)}"
        width = shutil.get_terminal_size(fallback=(80, 24)).columns
        return text[: max(width - 1, 0)]  # a wrapped line could not be rewritten in place

    def update(self, done: int) -> None:
        now = self.clock()
        if now - self.started < DELAY:
            return
        if self.shown_at is not None and now - self.shown_at < INTERVAL and done < self.total:
            return
        self.shown_at = now
        self.stream.write(_ERASE + self.line(done, now))
        self.stream.flush()

    def close(self) -> None:
        if self.shown_at is not None:
            self.stream.write(_ERASE)
            self.stream.flush()
            self.shown_at = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
