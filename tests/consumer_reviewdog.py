"""What reviewdog does with rdjson / rdjsonl, as a test-side reader.

reviewdog decodes rdjson as one ``reviewdog.rdf.DiagnosticResult`` and rdjsonl as one
``reviewdog.rdf.Diagnostic`` per line, with Go's protojson, which fails the whole input on an
unknown field, a wrong type or an unknown enum name. The messages are rebuilt here from
reviewdog's ``proto/rdf/reviewdog.proto`` and read with protobuf's own (equally strict) JSON
parser. Suggestions are then applied the way reviewdog builds them: 1-based lines, 1-based
columns counted in UTF-8 bytes, exclusive ends, each suggestion replacing
``start_line[:start.column - 1] + text + end_line[end.column - 1:]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.message import Message

PACKAGE = "reviewdog.rdf"
#: Go's bufio.Scanner (reviewdog's rdjsonl reader) gives up, silently, on a longer line.
SCANNER_LIMIT = 64 * 1024

_FIELD = descriptor_pb2.FieldDescriptorProto
_SCALARS = {"string": _FIELD.TYPE_STRING, "int32": _FIELD.TYPE_INT32}

#: message -> fields as (name, number, type, repeated): reviewdog.proto, field for field.
MESSAGES: dict[str, tuple[tuple[str, int, str, bool], ...]] = {
    "DiagnosticResult": (
        ("diagnostics", 1, "Diagnostic", True),
        ("source", 2, "Source", False),
        ("severity", 3, "Severity", False),
    ),
    "Diagnostic": (
        ("message", 1, "string", False),
        ("location", 2, "Location", False),
        ("severity", 3, "Severity", False),
        ("source", 4, "Source", False),
        ("code", 5, "Code", False),
        ("suggestions", 6, "Suggestion", True),
        ("original_output", 7, "string", False),
        ("images", 8, "Image", True),
    ),
    "Location": (("path", 2, "string", False), ("range", 3, "Range", False)),
    "Range": (("start", 1, "Position", False), ("end", 2, "Position", False)),
    "Position": (("line", 1, "int32", False), ("column", 2, "int32", False)),
    "Suggestion": (("range", 1, "Range", False), ("text", 2, "string", False)),
    "Source": (("name", 1, "string", False), ("url", 2, "string", False)),
    "Code": (("value", 1, "string", False), ("url", 2, "string", False)),
    "Image": (("image_url", 1, "string", False), ("alt", 2, "string", False), ("caption", 3, "string", False)),
}
SEVERITIES = ("UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO")


def _field(name: str, number: int, kind: str, repeated: bool) -> descriptor_pb2.FieldDescriptorProto:
    field = _FIELD(name=name, number=number, json_name=_camel(name))
    field.label = _FIELD.LABEL_REPEATED if repeated else _FIELD.LABEL_OPTIONAL
    if kind in _SCALARS:
        field.type = _SCALARS[kind]
    else:
        field.type = _FIELD.TYPE_ENUM if kind == "Severity" else _FIELD.TYPE_MESSAGE
        field.type_name = f".{PACKAGE}.{kind}"
    return field


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def _classes() -> dict[str, type[Message]]:
    file = descriptor_pb2.FileDescriptorProto(
        name="perflint_tests/reviewdog.proto", package=PACKAGE, syntax="proto3"
    )
    severity = file.enum_type.add(name="Severity")
    for number, name in enumerate(SEVERITIES):
        severity.value.add(name=name, number=number)
    for message, fields in MESSAGES.items():
        file.message_type.add(name=message, field=[_field(*field) for field in fields])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
        for name in MESSAGES
    }


def parse_rdjson(text: str) -> list[dict[str, Any]]:
    """The diagnostics of an rdjson document, after reviewdog's strict decoding of it (raises
    ``json_format.ParseError`` where reviewdog would refuse the input)."""
    json_format.Parse(text, _classes()["DiagnosticResult"]())
    return json.loads(text).get("diagnostics", [])


def parse_rdjsonl(text: str) -> list[dict[str, Any]]:
    """The diagnostics of rdjsonl, one per line, each decoded as reviewdog does."""
    diagnostics = []
    for number, line in enumerate(text.splitlines(), 1):
        if len(line.encode("utf-8")) >= SCANNER_LIMIT:
            raise json_format.ParseError(f"line {number} is too long for reviewdog's line scanner")
        json_format.Parse(line, _classes()["Diagnostic"]())
        diagnostics.append(json.loads(line))
    return diagnostics


def _lines(source: bytes) -> list[bytes]:
    """``source``'s lines without their ``\\n``, as reviewdog gets them from a diff."""
    return source.split(b"\n")


def _column(lines: list[bytes], position: dict[str, int], what: str) -> int:
    """The 0-based byte offset of ``position`` in its line, checked as Go would slice it."""
    line, column = position["line"], position.get("column", 0)
    assert 1 <= line <= len(lines), f"{what}: line {line} is not in the file"
    content = lines[line - 1]
    offset = max(column - 1, 0)
    assert offset <= len(content), f"{what}: column {column} is past the end of line {line}"
    inside = offset < len(content) and 0x80 <= content[offset] < 0xC0  # a continuation byte
    assert not inside, f"{what}: column {column} of line {line} is inside a UTF-8 character"
    return offset


def check_ranges(source: bytes, diagnostics: Iterable[dict[str, Any]]) -> None:
    """Every location and suggestion range lies in ``source``, on character boundaries, with
    its start before its end."""
    lines = _lines(source)
    for diagnostic in diagnostics:
        spans = [("location", diagnostic["location"]["range"])]
        spans += [("suggestion", s["range"]) for s in diagnostic.get("suggestions", [])]
        for what, span in spans:
            start = (span["start"]["line"], _column(lines, span["start"], what))
            end = (span["end"]["line"], _column(lines, span["end"], what))
            assert start <= end, f"{what} range ends before it starts: {span}"


def apply_suggestion(lines: list[bytes], suggestion: dict[str, Any]) -> list[bytes]:
    """``lines`` with ``suggestion`` applied the way reviewdog builds a suggestion block."""
    start, end = suggestion["range"]["start"], suggestion["range"]["end"]
    first, last = start["line"], end["line"]
    head = lines[first - 1][: _column(lines, start, "suggestion")]
    tail = lines[last - 1][_column(lines, end, "suggestion") :]
    replaced = head + suggestion["text"].encode("utf-8") + tail
    return lines[: first - 1] + replaced.split(b"\n") + lines[last:]


def apply_all(source: bytes, diagnostics: Iterable[dict[str, Any]]) -> bytes:
    """``source`` with every suggestion of every diagnostic applied, last first (they must not
    overlap: reviewdog offers each on its own, and a reviewer accepts them one by one)."""
    suggestions = [s for diagnostic in diagnostics for s in diagnostic.get("suggestions", [])]
    key = lambda s: (s["range"]["start"]["line"], s["range"]["start"].get("column", 0))  # noqa: E731
    lines = _lines(source)
    previous: tuple[int, int] | None = None
    for suggestion in sorted(suggestions, key=key, reverse=True):
        end = suggestion["range"]["end"]
        if previous is not None:
            assert (end["line"], end.get("column", 0)) <= previous, "suggestions overlap"
        lines = apply_suggestion(lines, suggestion)
        previous = key(suggestion)
    return b"\n".join(lines)
