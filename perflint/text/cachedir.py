"""A directory of small files perflint writes and reads back (the result cache), inside a tree
it does not trust: the repository being linted may have committed the directory, or put a
symbolic link, a FIFO or a huge file where an entry should be.

Every operation goes through a directory file descriptor: the cache directory is reached
from its base one component at a time, each opened with ``O_NOFOLLOW | O_DIRECTORY`` (a
symbolic link anywhere below the base is refused, never followed), and entries are opened,
written, renamed and removed relative to it (``dir_fd``), so nothing can be swapped in between
a check and its use. An entry is read only if it is a regular file, at most a size limit, and
written through a temporary file of this process in the same directory, renamed over its
name (``os.replace``): a reader sees a whole entry or none, and two runs sharing the
directory only ever replace each other's entries whole.

What is refused raises ``CacheRefused``, whose message says why (the caller warns once and
goes on without a cache). What an entry holds is the caller's business: it authenticates it.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | _CLOEXEC
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
#: errno of opening a symbolic link with O_NOFOLLOW (Linux and macOS: ELOOP; FreeBSD: EMLINK).
_LINK_ERRORS = (errno.ELOOP, errno.EMLINK)
#: The names this module writes: entries are the caller's, temporary files its own.
_NAME = re.compile(r"^(?!\.\.?$)[A-Za-z0-9._][A-Za-z0-9._-]{0,127}$")
TEMP_PREFIX = ".tmp-"
_TEMP = re.compile(r"^\.tmp-(?P<pid>[0-9]+)-[0-9a-f]{8}$")


class CacheRefused(Exception):
    """The cache directory (or something in it) cannot be used safely; the message says why."""


def supported() -> bool:
    """Whether this platform can open files relative to a directory without following links
    (POSIX); elsewhere (Windows) there is no cache."""
    return bool(_NOFOLLOW and _DIRECTORY) and os.open in os.supports_dir_fd and os.scandir in os.supports_fd


def _why(error: OSError) -> str:
    return error.strerror or str(error)


@dataclass(frozen=True)
class Listed:
    """One name of a directory, as ``lstat`` sees it (a link is a link, not its target)."""

    name: str
    size: int
    mtime: float
    regular: bool
    directory: bool


class Directory:
    """An open directory of the cache: everything in it is reached through its descriptor."""

    def __init__(self, fd: int, shown: str) -> None:
        self.fd = fd
        #: The path, for messages only (never opened by name again).
        self.shown = shown
        #: The modification time of the file ``read`` last read.
        self.read_mtime = 0.0

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def reach(cls, base: str, parts: tuple[str, ...], *, create: bool) -> Directory | None:
        """The directory ``base/parts...``: ``base`` is opened as it is (it is the user's
        choice, links and all), each of ``parts`` without following a link. None when a part
        is missing and ``create`` is false; ``CacheRefused`` when one is a link or not a
        directory, or cannot be created or opened."""
        if not supported():
            raise CacheRefused("this platform cannot open files without following symbolic links")
        try:
            fd = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.makedirs(base, exist_ok=True)
                fd = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
            except OSError as error:
                raise CacheRefused(f"cannot create {base}: {_why(error)}") from None
        except OSError as error:
            raise CacheRefused(f"cannot open {base}: {_why(error)}") from None
        current = cls(fd, base)
        for part in parts:
            try:
                child = current.child(part, create=create)
            finally:
                current.close()
            if child is None:
                return None
            current = child
        return current

    def child(self, name: str, *, create: bool) -> Directory | None:
        """The subdirectory ``name`` (never through a link); None if it is missing and
        ``create`` is false."""
        shown = os.path.join(self.shown, name)
        if create:
            try:
                os.mkdir(name, 0o755, dir_fd=self.fd)
            except FileExistsError:
                pass
            except OSError as error:
                raise CacheRefused(f"cannot create {shown}: {_why(error)}") from None
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=self.fd)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno in _LINK_ERRORS or self._is_link(name):
                raise CacheRefused(f"{shown} is a symbolic link: not followed") from None
            if error.errno == errno.ENOTDIR:
                raise CacheRefused(f"{shown} is not a directory") from None
            raise CacheRefused(f"cannot open {shown}: {_why(error)}") from None
        return Directory(fd, shown)

    def _is_link(self, name: str) -> bool:
        try:
            return stat.S_ISLNK(os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def read(self, name: str, limit: int) -> bytes | None:
        """The bytes of the regular file ``name``, or None if there is none or it holds more
        than ``limit`` bytes (nothing past the limit is read). ``CacheRefused`` if ``name`` is a
        symbolic link or not a regular file."""
        shown = os.path.join(self.shown, name)
        try:
            fd = os.open(name, _READ_FLAGS, dir_fd=self.fd)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno in _LINK_ERRORS or self._is_link(name):
                raise CacheRefused(f"{shown} is a symbolic link: not followed") from None
            raise CacheRefused(f"cannot read {shown}: {_why(error)}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise CacheRefused(f"{shown} is not a regular file")
            if info.st_size > limit:
                return None
            self.read_mtime = info.st_mtime
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, limit + 1 - total)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            return None if total > limit else b"".join(chunks)
        except OSError as error:
            raise CacheRefused(f"cannot read {shown}: {_why(error)}") from None
        finally:
            os.close(fd)

    def touch(self, name: str) -> None:
        """Set the modification time of ``name`` (not through a link) to now; errors ignored."""
        try:
            os.utime(name, dir_fd=self.fd, follow_symlinks=False)
        except (OSError, NotImplementedError):
            pass

    def write(self, name: str, data: bytes) -> None:
        """Write ``data`` as ``name``: a temporary file of this process here, renamed over the
        name (a link or file there is replaced, never written through). ``CacheRefused`` if
        it cannot be written."""
        if not _NAME.match(name):
            raise ValueError(f"not a cache file name: {name!r}")
        temp = f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            fd = os.open(temp, _WRITE_FLAGS, 0o600, dir_fd=self.fd)
        except OSError as error:
            raise CacheRefused(f"cannot write in {self.shown}: {_why(error)}") from None
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(temp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except OSError as error:
            self.remove(temp)
            raise CacheRefused(f"cannot write in {self.shown}: {_why(error)}") from None
        except BaseException:
            self.remove(temp)
            raise

    def write_if_missing(self, name: str, data: bytes) -> None:
        """Write ``name`` unless it exists as a regular file; ``CacheRefused`` if it is
        something else (a link, a directory)."""
        try:
            info = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            self.write(name, data)
            return
        except OSError as error:
            raise CacheRefused(f"cannot look at {os.path.join(self.shown, name)}: {_why(error)}") from None
        if not stat.S_ISREG(info.st_mode):
            what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            raise CacheRefused(f"{os.path.join(self.shown, name)} is {what}")

    def remove(self, name: str) -> bool:
        """Remove the file (or link: never its target) ``name``; False if it was not there or
        could not be removed."""
        try:
            os.unlink(name, dir_fd=self.fd)
        except OSError:
            return False
        return True

    def remove_directory(self, name: str) -> bool:
        try:
            os.rmdir(name, dir_fd=self.fd)
        except OSError:
            return False
        return True

    def listing(self) -> Iterator[Listed]:
        """Each name here, as ``lstat`` sees it; names that vanish while listed are left out."""
        try:
            entries = os.scandir(self.fd)
        except OSError:
            return
        with entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                yield Listed(
                    entry.name,
                    info.st_size,
                    info.st_mtime,
                    stat.S_ISREG(info.st_mode),
                    stat.S_ISDIR(info.st_mode),
                )


def stale_temp(name: str, mtime: float, now: float | None = None, age: float = 3600.0) -> bool:
    """Whether ``name`` is a temporary file of this module left by a run that is gone: its
    process is not alive, or it is older than ``age`` seconds."""
    match = _TEMP.match(name)
    if match is None:
        return False
    now = time.time() if now is None else now
    if now - mtime > age:
        return True
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False
