"""Source bytes to text and back: BOMs, PEP 263 coding cookies and newlines as they are."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """A file that cannot be read, decoded or encoded back; the message says why."""


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


def encode(text: str, encoding: str) -> bytes:
    """Encode ``text`` back into the file's encoding (``utf-8-sig`` keeps its BOM)."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise SourceError(f"the fixed code cannot be encoded as {encoding}") from None
