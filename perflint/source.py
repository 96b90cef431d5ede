"""Reading and writing source files: PEP 263 encodings, BOMs, newlines, atomic writes."""

from __future__ import annotations

import io
import os
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """A file that cannot be read or decoded; the message says why."""


@dataclass(frozen=True)
class SourceFile:
    text: str
    encoding: str  # as tokenize.detect_encoding names it, e.g. "utf-8-sig", "koi8-r"


def decode(data: bytes) -> SourceFile:
    """Decode source bytes as CPython would: BOM, then a PEP 263 coding cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(str(error)) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode as {encoding}: {error}") from None
    # Newlines are kept as they are: fixes edit this text and write it back unchanged elsewhere.
    return SourceFile(text=text, encoding=encoding)


def read_source(path: Path) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    return decode(data)


def encode(text: str, encoding: str) -> bytes:
    """Encode ``text`` back into the file's encoding (``utf-8-sig`` keeps its BOM)."""
    return text.encode(encoding)


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` (or create it) through a temporary file and a rename,
    keeping its mode; a reader sees the old file or the new one, never half of it."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".perflint", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
