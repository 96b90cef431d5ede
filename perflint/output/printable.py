"""Text that is safe to print: nothing taken from a linted repository (its code, its file
names, a message that quotes them) can drive a terminal or a CI log.

Two layers, both here so that every human-readable output gets the same treatment:

- :func:`printable` for text from the repository placed inside a line (a path, a message, a
  line of code): every character that moves the cursor, starts an escape sequence, breaks the
  line or reorders what is displayed is shown as Python's escape for it (``\\x1b``, ``\\n``,
  ``\\u202e``).  That covers the C0 and C1 controls and DEL (ESC starts CSI colour and cursor
  sequences and OSC hyperlinks and window titles; U+009B is an 8-bit CSI on some terminals),
  the line and paragraph separators, the Unicode bidi controls of "Trojan Source"
  (CVE-2021-42574), and lone surrogates, which is what an undecodable byte in a file name
  becomes and which no stream can encode.
- :func:`safe_output` for a whole human-readable output as it is written out: a safety net
  that escapes any such character a reporter left (keeping line breaks, tabs, form feeds and,
  with colour on, perflint's own SGR colour codes), and a guard that no line starts with
  ``::``: the GitHub Actions runner trims a line's leading whitespace and runs any line that
  then starts with ``::`` as a workflow command, on stdout and stderr alike, and it breaks
  lines at a lone ``\\r`` too.

Machine-readable formats keep their data byte-faithful, written with their own escapes so the
text is safe to print all the same: :func:`json_escaped` and :func:`xml_escaped` (workflow
commands percent-encode line breaks after :func:`printable`).  Only a lone surrogate has no
faithful form for a strict consumer: :func:`well_formed` replaces it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import click

#: DEL, the C1 controls, ALM, LRM, RLM, the line and paragraph separators, the bidi embeddings,
#: overrides and isolates, and the surrogates: unsafe besides the C0 controls.
_NOT_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
#: Characters never printed as they are (see the module docstring).
UNSAFE = re.compile(f"[\x00-\x1f{_NOT_C0}]")

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_char(char: str) -> str:
    """Python's escape for one character: ``\\t``, ``\\n``, ``\\r``, ``\\xNN`` below U+0100,
    else ``\\uNNNN``."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """``text`` with every :data:`UNSAFE` character (except those in ``keep``) escaped, so it
    stays on one line and cannot drive a terminal."""
    return UNSAFE.sub(lambda match: match[0] if match[0] in keep else escape_char(match[0]), text)


_RAW_IN_JSON = re.compile(f"[{_NOT_C0}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(value: Any) -> Any:
    """JSON-ready data with each lone surrogate (an undecodable byte of a file name) replaced by
    U+FFFD: valid Unicode, as strict consumers require (reviewdog's protobuf JSON parser refuses
    the whole report over one ``\\udcff``; the file cannot be linked by such a name anyway)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {well_formed(key): well_formed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [well_formed(item) for item in value]
    return value


def json_escaped(text: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with each unsafe character JSON
    leaves raw (it escapes the C0 controls itself) written as a ``\\uNNNN`` escape: the same
    data for a JSON parser, safe to print."""
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def xml_escaped(text: str) -> str:
    """Serialized XML whose characters XML allows (the others must be replaced before) with
    each unsafe one written as a character reference, the same character for an XML parser.
    Line breaks inside text become references too, so no text from a file starts a line."""
    return UNSAFE.sub(lambda match: f"&#x{ord(match[0]):x};", text)


#: What safe_output looks at: CRLF (kept), SGR colour sequences (kept when colour is on) and
#: every unsafe character except tab, line feed and form feed (legal whitespace in Python code,
#: harmless to a terminal).
_SAFETY_NET = re.compile(f"\r\n|\x1b\\[[0-9;]*m|[\x00-\x08\x0b\x0d-\x1f{_NOT_C0}]")
#: A line the Actions runner would take for a workflow command: ``::`` after whitespace (what
#: .NET's ``TrimStart`` removes, plus a few invisible characters) and colour codes.
_COMMAND_START = re.compile(r"^((?:[\s\u180e\u200b\u2060\ufeff]|\x1b\[[0-9;]*m)*):(?=:)", re.M)


def _safety_net(color: bool) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        found = match[0]
        if found == "\r\n" or (color and len(found) > 1):
            return found
        if len(found) > 1:  # an SGR sequence while colour is off
            return escape_char("\x1b") + found[1:]
        return escape_char(found) + ("\n" if found == "\r" else "")

    return replace


def safe_output(text: str, *, color: bool = False) -> str:
    """A human-readable output made safe to write: stray control characters escaped (a lone
    ``\\r`` becomes ``\\r`` and a line break) and no line starting with ``::``: the first colon
    of such a line is written ``\\x3a``."""
    text = _SAFETY_NET.sub(_safety_net(color), text)
    return _COMMAND_START.sub(lambda match: f"{match[1]}\\x3a", text)


class SafeClickException(click.ClickException):
    """A ClickException (exit code 2) whose message, which may quote a file name or a key of a
    hostile configuration, is printed through :func:`safe_output`."""

    exit_code = 2

    def format_message(self) -> str:
        return safe_output(self.message)


def echo(text: str, *, err: bool = False, nl: bool = True, color: bool = False) -> None:
    """``click.echo`` of a human-readable ``text`` after :func:`safe_output`: the one way
    summaries, warnings, errors and reports reach a stream."""
    text = safe_output(text, color=color)
    encoding = getattr(sys.stderr if err else sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:  # a terminal that cannot show every character
        text = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    click.echo(text, err=err, nl=nl, color=color)
