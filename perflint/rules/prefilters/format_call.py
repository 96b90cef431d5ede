"""The prefilter side of ``perflint.rules.checks.format_call``: its rule's patterns
(``perflint.rules.patterns.candidates`` compiles them), and what the check's hook decides from
a format's value alone, which CPython's ``ast`` holds: the fields of a format, shared by both
sides."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Mapping
from typing import Any

from perflint.rules.patterns.candidates import PatternCandidates
from perflint.rules.patterns.compiled import Span

#: A ``%`` conversion spec perflint rewrites: ``%s``, ``%r``, ``%a``, or ``%%``; any other
#: spec (flags, width, precision, ``%d``, ``%(key)s``) converts differently from ``format()``.
_PERCENT = re.compile(r"%(.)", re.DOTALL)
_SIMPLE = {"s": "!s", "r": "!r", "a": "!a"}



def format_fields(text: str, count: int) -> list[tuple[str, int | None, str, str]] | None:
    """``str.format`` fields of ``text``: (literal text, argument index, conversion, spec),
    or None when a field is anything an f-string cannot say the same way."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    fields = []
    automatic = 0
    numbering: set[str] = set()
    for literal, name, spec, conversion in parsed:
        if name is None:
            fields.append((literal, None, "", ""))
            continue
        if name == "":
            index = automatic
            automatic += 1
            numbering.add("auto")
        elif name.isdigit():
            index = int(name)
            numbering.add("manual")
        else:
            return None  # a keyword field, or one with .attribute / [index] parts
        if len(numbering) > 1 or index >= count or "{" in (spec or ""):
            return None
        fields.append((literal, index, conversion or "", spec or ""))
    return fields


def percent_fields(text: str) -> list[tuple[str, str | None]] | None:
    """``%`` specs of ``text``: (literal text, conversion or None for ``%%``), or None when a
    spec is anything but ``%s``, ``%r``, ``%a`` and ``%%``."""
    fields: list[tuple[str, str | None]] = []
    cursor = 0
    literal = ""
    for found in _PERCENT.finditer(text):
        if found.start() < cursor:
            continue
        literal += text[cursor : found.start()]
        cursor = found.end()
        kind = found.group(1)
        if kind == "%":
            literal += "%"
            continue
        if kind not in _SIMPLE:
            return None
        fields.append((literal, _SIMPLE[kind]))
        literal = ""
    if "%" in text[cursor:]:
        return None  # a lone % at the end: a ValueError at run time
    fields.append((literal + text[cursor:], None))
    return fields


class FStringFromFormat(PatternCandidates):
    """Candidates are the pattern's matches whose format an f-string can say at all: see
    ``perflint.rules.checks.format_call``."""

    @classmethod
    def ast_hook(cls, index: int, bindings: Mapping[str, Any], span: Span) -> bool:
        # What the check's ``hook`` decides from the literal's value alone: a file whose formats are
        # all ``%d`` or ``{name}`` never reaches libcst for this rule. CPython's value of a
        # lone literal is the one ``hook`` evaluates (a concatenation ``hook`` drops anyway).
        literal = bindings.get("FMT")
        if not isinstance(literal, ast.Constant) or not isinstance(literal.value, str):
            return False
        if isinstance(span.node, ast.Call) or "ARGS" in bindings:
            count = len(bindings.get("ARGS", []))
            fields = format_fields(literal.value, count)
            used = {field_index for _, field_index, _, _ in fields or () if field_index is not None}
            return fields is not None and used == set(range(count))
        fields = percent_fields(literal.value)
        return fields is not None and sum(conversion is not None for _, conversion in fields) == 1
