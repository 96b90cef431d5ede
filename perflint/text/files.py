"""Reading and writing files of a tree perflint does not trust.

perflint reads only regular files (checked with ``stat`` before opening, so a FIFO, socket or
device is never opened, and with ``fstat`` after), never through a symbolic link that leads
outside the root being linted (or into its ``.git``: where the opened file really is comes from
``/proc/self/fd`` on Linux), never more than a size limit: it reads at most the limit + 1 bytes
(``/proc`` files report a size of 0), and opens without blocking.

It writes a fixed file through a temporary file and a rename, only if the file is still exactly
as it was read (same inode, size, mtime and content), and never a file with several hard links
(a rename would split them; writing in place could leave half a file). Temporary files carry
the writing process's id, so a later run removes the ones a killed run left and no others.
Reports and baselines are written beside their name and renamed over it: a symbolic link
there is replaced, never written through, and its directory may not lead out of its repository.

Long because it is one security boundary, reviewed as one: every open, ``stat``, read, rename
and removal perflint does in a tree it lints happens here.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass

#: How the names of perflint's temporary files end; ``.{name}.{pid}.{8 hex}`` comes before.
TEMP_SUFFIX = ".perflint-tmp"
_TEMP = re.compile(r"^\..+\.(?P<pid>[0-9]+)\.[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + "$")
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CHUNK = 1 << 20


class FileRefused(Exception):
    """A file perflint will not read or write; the message says why (it becomes a PFL000)."""


class TooLarge(FileRefused):
    """A file over the size limit: skipped, not read. ``size`` is at least its size in bytes."""

    def __init__(self, size: int, limit: int, exact: bool = True) -> None:
        held = f"{human_size(size)}" if exact else f"more than {human_size(limit)}"
        super().__init__(f"{held} is over max-file-size ({human_size(limit)})")
        self.size = size
        self.limit = limit


def human_size(size: int) -> str:
    """``5_000_000`` -> ``5 MB``, ``12_345_678`` -> ``12.3 MB``, ``999`` -> ``999 bytes``."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class Snapshot:
    """A file as it was read: where (its real path, links resolved), what, and which inode."""

    path: str
    data: bytes
    device: int
    inode: int
    size: int
    mtime_ns: int
    mode: int
    links: int


def within(path: str, root: str) -> bool:
    """True when ``path`` is ``root`` or below it (both absolute and normalised)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def outside_reason(real: str, root: str) -> str | None:
    """Why the real path ``real`` may not be read for a tree rooted at ``root`` (a real path),
    or None: it lies outside the root, or inside a ``.git`` directory (credentials live there)."""
    if not within(real, root):
        return f"a symbolic link to outside {root}"
    below = real[len(root.rstrip(os.sep)) + 1 :]  # relpath's answer, for a path within the root
    if ".git" in below.split(os.sep):
        return "a symbolic link into .git"
    return None


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is, from its ``st_mode``: "a FIFO", ..."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(mode: int) -> FileRefused:
    return FileRefused(f"not a regular file ({kind_of(mode)}): not read")


def _strerror(error: OSError) -> str:
    return error.strerror or str(error)


def read_regular(path: str, *, root: str | None = None, limit: int | None = None) -> Snapshot:
    """Read the regular file ``path``; with ``root`` (a real path), refuse it when it resolves
    outside the root or into ``.git``; with ``limit``, refuse it (``TooLarge``) when it holds more
    bytes. Raises ``FileRefused`` saying why; nothing is read from a refused file."""
    try:
        before = os.stat(path)
    except OSError as error:
        broken = error.errno == errno.ENOENT and os.path.islink(path)
        why = "broken symbolic link" if broken else f"cannot read: {_strerror(error)}"
        raise FileRefused(why) from None
    if not stat.S_ISREG(before.st_mode):
        raise _not_regular(before.st_mode)  # devices are not even opened: opening some acts
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as error:
        raise FileRefused(f"cannot read: {_strerror(error)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(info.st_mode)
        if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino):
            raise FileRefused("not read: it was replaced while being read")
        # Where the kernel says the opened file is: links resolved, and no directory swapped
        # for a link between resolving and opening can hide from it (Linux; else realpath).
        real = _opened_path(fd) or os.path.realpath(path)
        reason = None if root is None else outside_reason(real, root)
        if reason is not None:
            raise FileRefused(f"not read: {reason}")
        if limit is not None and info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        data = _read_at_most(fd, limit)
    except OSError as error:
        raise FileRefused(f"cannot read: {_strerror(error)}") from None
    finally:
        os.close(fd)
    return Snapshot(
        real,
        data,
        info.st_dev,
        info.st_ino,
        info.st_size,
        info.st_mtime_ns,
        info.st_mode,
        info.st_nlink,
    )


def _opened_path(fd: int) -> str | None:
    """The absolute path of the file open as ``fd``, from ``/proc/self/fd`` (None without it)."""
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    return opened if opened.startswith(os.sep) else None


def _read_at_most(fd: int, limit: int | None) -> bytes:
    """Everything ``fd`` holds, or TooLarge once it gives more than ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        want = _CHUNK if limit is None else min(_CHUNK, limit + 1 - total)
        chunk = os.read(fd, want)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            raise TooLarge(total, limit, exact=False)


def read_bounded(path: str, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (links followed), at most ``limit``: for small
    files perflint reads beside the code (configuration, ignore files, baselines)."""
    return read_regular(path, limit=limit).data


# -- writing ----------------------------------------------------------------------------------


class FileChanged(FileRefused):
    """The file changed (or went) between reading it and writing its fixes back."""


def replace_contents(snapshot: Snapshot, data: bytes) -> None:
    """Write ``data`` over the file ``snapshot`` was read from: a temporary file beside it, then
    a rename, keeping its mode; only while it is exactly as read, and never a hard-linked file.
    Raises ``FileRefused`` (``FileChanged``) and leaves the file as it is."""
    if snapshot.links > 1:
        raise FileRefused(
            f"fixes not written: the file has {snapshot.links} hard links (replacing it would "
            "split them, writing in place could leave it half-written)"
        )
    directory, name = os.path.split(snapshot.path)
    remove_stale_temps(directory)
    try:
        temp = _write_temp(directory, name, data, stat.S_IMODE(snapshot.mode))
    except OSError as error:
        raise FileRefused(f"cannot write fixes: {_strerror(error)}") from None
    try:
        _check_unchanged(snapshot)
        os.replace(temp, snapshot.path)
    except BaseException as error:
        _unlink(temp)
        if isinstance(error, OSError):
            raise FileRefused(f"cannot write fixes: {_strerror(error)}") from None
        raise


def _write_temp(directory: str, name: str, data: bytes, mode: int) -> str:
    """A new temporary file in ``directory`` holding ``data`` on disk, with ``mode``; OSError
    (and no file left) if that fails."""
    temp = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if not hasattr(os, "fchmod"):
            os.chmod(temp, mode)
    except BaseException:
        _unlink(temp)
        raise
    return temp


def _check_unchanged(snapshot: Snapshot) -> None:
    """FileChanged unless ``snapshot.path`` is still the same regular file with the same bytes
    (a link, FIFO or other file put in its place is neither followed nor opened)."""
    try:
        if not stat.S_ISREG(os.lstat(snapshot.path).st_mode):
            raise FileChanged("replaced while being fixed: fixes not written")
        fd = os.open(snapshot.path, _READ_FLAGS | _NOFOLLOW)
    except FileNotFoundError:
        raise FileChanged("deleted while being fixed: not re-created") from None
    except OSError:
        raise FileChanged("replaced while being fixed: fixes not written") from None
    try:
        info = os.fstat(fd)
        same = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) == (
            snapshot.device,
            snapshot.inode,
            snapshot.size,
            snapshot.mtime_ns,
        ) and _read_at_most(fd, snapshot.size) == snapshot.data
    except TooLarge:
        same = False
    finally:
        os.close(fd)
    if not same:
        raise FileChanged("changed while being fixed: fixes not written")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


_cleaned: set[str] = set()


def remove_stale_temps(directory: str) -> list[str]:
    """Remove the temporary files a killed perflint left in ``directory`` (once per process):
    perflint's names whose process is gone, regular files owned by this user. Others stay."""
    if directory in _cleaned:
        return []
    _cleaned.add(directory)
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or _alive(int(match["pid"])):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a pid at all: leave its file alone
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """True for a process that has exited but was not reaped (a killed run's worker whose new
    parent does not reap, as PID 1 in some containers): it writes nothing any more."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False  # no /proc: kill(pid, 0) alone decides


def write_output(path: str, data: bytes) -> None:
    """Write a report or baseline to ``path``: a temporary file beside it renamed over it, so a
    symbolic link (or anything else) there is replaced, not written through. Directories are
    created as needed, but the directory may not lead out of the repository (or working
    directory) the path names through a symbolic link in it."""
    lexical = os.path.abspath(path)
    if os.path.isdir(lexical) and not os.path.islink(lexical):
        raise FileRefused(f"cannot write {path}: it is a directory")
    directory, name = os.path.split(lexical)
    reason = _directory_escapes(directory)
    if reason is not None:
        raise FileRefused(f"cannot write {path}: its directory is {reason}")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        raise FileRefused(f"cannot write {path}: {_strerror(error)}") from None
    try:
        info = os.lstat(lexical)
        mode = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else _new_file_mode()
    except OSError:
        mode = _new_file_mode()
    try:
        temp = _write_temp(directory, name, data, mode)
        try:
            os.replace(temp, lexical)
        except BaseException:
            _unlink(temp)
            raise
    except OSError as error:
        raise FileRefused(f"cannot write {path}: {_strerror(error)}") from None


def _directory_escapes(directory: str) -> str | None:
    """Why writing into ``directory`` (absolute) would leave the tree it lies in through a
    symbolic link, or None. The tree is the git work tree holding it, else the working directory
    when it lies inside that; a directory elsewhere is the command line's choice."""
    top = work_tree(directory)
    if top is None and within(directory, os.getcwd()):
        top = os.getcwd()
    if top is None:
        return None
    existing = directory
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    return outside_reason(os.path.realpath(existing), os.path.realpath(top))


def work_tree(directory: str) -> str | None:
    """The top of the git work tree holding ``directory`` (found by its ``.git`` entry: a
    directory, or a file in worktrees and submodules), or None."""
    current = directory
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def same_file(path: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that ``path`` names too (the same name, or a link or hard link to
    the same file), or None."""
    lexical = os.path.abspath(path)
    ids = _ids(lexical)
    for other in others:
        if os.path.abspath(other) == lexical or (ids and ids & _ids(other)):
            return other
    return None


def _ids(path: str) -> set[tuple[int, int]]:
    found = set()
    for stat_of in (os.stat, os.lstat):
        try:
            info = stat_of(path)
        except OSError:
            continue
        found.add((info.st_dev, info.st_ino))
    return found


def lint_root(path: str) -> str:
    """The root of the tree ``path`` (named on the command line) belongs to, as a real path:
    the top of the git work tree holding it, else the directory itself (or, for a file, the
    directory holding it). A symbolic link met inside it may lead anywhere in the root, never
    outside it. A named directory that is itself a link does not choose the root."""
    lexical = os.path.abspath(path)
    real_directory = os.path.isdir(lexical) and not os.path.islink(lexical)
    start = lexical if real_directory else os.path.dirname(lexical)
    return os.path.realpath(work_tree(start) or start)
