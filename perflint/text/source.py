"""Source bytes to text and back: BOMs, PEP 263 coding cookies, and which codecs perflint accepts.

The cookie is written by whoever wrote the file, and Python's codec registry holds more than
text encodings. A codec is accepted only when it is a text encoding that decodes printable ASCII
and ASCII whitespace to themselves (so perflint, a reviewer and CPython read the same code: not
``utf-7`` or ``hz``, where ``+`` and ``~`` start escapes, nor EBCDIC or ``utf-16``) and, for this
file, re-encoding the decoded text gives its bytes back (so a fix changes only what it edits:
not ``unicode_escape``, which turns each line break into a ``\\n``). Anything else is a file
error that names the encoding, never an exception out of the run.
"""

from __future__ import annotations

import io
import tokenize
import warnings
from dataclasses import dataclass
from functools import cache

#: Encodings that decode strictly and always give the same bytes back (no check needed).
_ROUND_TRIP = ("utf-8", "utf-8-sig")
#: Printable ASCII and ASCII whitespace: what an accepted codec must read as itself.
_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r\x0c"


class SourceError(Exception):
    """A file that cannot be read, decoded or encoded back; the message says why."""


@dataclass(frozen=True)
class SourceFile:
    text: str
    encoding: str  # as tokenize.detect_encoding names it, e.g. "utf-8-sig", "koi8-r"


@cache
def codec_problem(encoding: str) -> str | None:
    """Why perflint does not accept ``encoding`` for source files, or None."""
    try:
        b"x".decode(encoding)
    except LookupError:
        return f"encoding {encoding!r} is not a text encoding"
    except Exception:  # a codec the file chose: any failure is a refusal
        pass
    expected = _ASCII.decode("ascii")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unicode_escape warns about `\]`
            whole = _ASCII.decode(encoding)
            each = "".join(bytes([byte]).decode(encoding) for byte in _ASCII)
    except Exception:
        whole = each = ""
    if whole != expected or each != expected:
        return f"encoding {encoding!r} does not read ASCII text as itself"
    return None


def decode(data: bytes) -> SourceFile:
    """Decode source bytes as CPython would (BOM, then a PEP 263 cookie, else UTF-8), if the
    codec is one perflint accepts; SourceError saying why not otherwise."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(str(error)) from None
    problem = codec_problem(encoding)
    if problem is not None:
        raise SourceError(f"{problem}: not linted")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = data.decode(encoding)
    except Exception as error:  # UnicodeError, ValueError, ... from any codec
        raise SourceError(f"cannot decode as {encoding}: {error}") from None
    if encoding not in _ROUND_TRIP and _encoded(text, encoding) != data:
        raise SourceError(
            f"encoding {encoding!r} does not give this file's bytes back when its text is "
            "encoded again: not linted"
        )
    # Newlines are kept as they are: fixes edit this text and write it back unchanged elsewhere.
    return SourceFile(text=text, encoding=encoding)


def _encoded(text: str, encoding: str) -> bytes | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return text.encode(encoding)
    except Exception:
        return None


def encode(text: str, encoding: str) -> bytes:
    """``text`` in the file's encoding (``utf-8-sig`` keeps its BOM), checked to read back as
    exactly ``text``; SourceError if it cannot be encoded or would read back otherwise."""
    data = _encoded(text, encoding)
    if data is None:
        raise SourceError(f"the fixed code cannot be encoded as {encoding}")
    try:
        same = decode(data).text == text
    except SourceError:
        same = False
    if not same:
        raise SourceError(f"the fixed code would not read back the same in {encoding}")
    return data
