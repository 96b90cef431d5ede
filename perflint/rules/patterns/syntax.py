"""The text of a pattern or fix template: metavariables in, Python code out.

``$X`` (one node), ``$$$ARGS`` (zero or more arguments, elements or statements), ``$_`` (one
node, not bound) and ``$$$_`` are replaced by plain identifiers so that CPython's parser can
read the pattern; the placeholders are recognised again when the pattern is compiled. A ``$``
inside a string literal is left alone.
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings
from dataclasses import dataclass

#: Metavariable names: upper case, digits and underscores (``$X``, ``$ITEMS``, ``$K2``).
_META = r"[A-Z_][A-Z0-9_]*"
_TOKEN = re.compile(
    r"""(?P<string>[rRbBuU]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))"""
    rf"|\$\$\$(?P<seq>{_META})(?P<form>:dict-items)?|\$(?P<one>{_META})|(?P<dollar>\$)"
)
#: ``($$$X)``, a parenthesised lone sequence where no call or subscript can be: a tuple display.
_TUPLE = re.compile(r"\(\s*(__pfl_seq_\w+)\s*\)")

#: Words after which ``(`` opens a parenthesised expression, not a call's arguments.
_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}

ONE = "__pfl_one_"
SEQ = "__pfl_seq_"
WILD = "_"


class PatternSyntaxError(ValueError):
    """A pattern or template that is not Python code with metavariables; says where."""


@dataclass(frozen=True)
class Placeholder:
    """What an identifier in the parsed text stands for."""

    name: str  # the metavariable's name, "_" for ``$_``/``$$$_``
    sequence: bool  # ``$$$NAME``
    #: In a fix, how a ``$$$`` capture is written out: "" (as it is) or "dict-items"
    #: (``a=1`` as ``"a": 1`` and ``(k, v)`` as ``k: v``).
    form: str = ""

    @property
    def wildcard(self) -> bool:
        return self.name == WILD


def substitute(text: str) -> tuple[str, dict[str, Placeholder], frozenset[int]]:
    """``text`` with every metavariable replaced by an identifier, what each stands for, and
    the offsets of the commas that make ``($$$X)`` a tuple.

    Each ``$_`` gets an identifier of its own (two wildcards need not match the same code).
    """
    placeholders: dict[str, Placeholder] = {}
    wildcards = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal wildcards
        if match.group("string") is not None:
            return match.group("string")
        if match.group("dollar") is not None:
            raise PatternSyntaxError(
                f"'$' at offset {match.start()} is not a metavariable: write $NAME (upper case), "
                "$$$NAME or $_"
            )
        sequence = match.group("seq") is not None
        name = match.group("seq") or match.group("one")
        form = "dict-items" if match.group("form") else ""
        if name == WILD:
            wildcards += 1
            identifier = f"{SEQ if sequence else ONE}_{wildcards}"
        else:
            identifier = f"{SEQ if sequence else ONE}{name}" + ("__dict_items" if form else "")
        placeholders[identifier] = Placeholder(name, sequence, form)
        return identifier

    substituted, commas = _tuples(_TOKEN.sub(replace, text))
    return substituted, placeholders, commas


def _tuples(text: str) -> tuple[str, frozenset[int]]:
    """``($$$X)`` -> ``($$$X,)`` where the parenthesis is no call's or subscript's, and the
    offsets of the commas added."""
    out: list[str] = []
    cursor = length = 0
    commas: set[int] = set()
    for found in _TUPLE.finditer(text):
        before = text[: found.start()].rstrip()
        word = re.search(r"\w+$", before)
        called = word is not None and word.group() not in _KEYWORDS
        if called or (before and before[-1] in ")]}\"'"):
            continue
        head = text[cursor : found.start()] + "(" + found.group(1)
        out += [head, ",)"]
        length += len(head)
        commas.add(length)
        length += 2
        cursor = found.end()
    return "".join(out) + text[cursor:], frozenset(commas)


@dataclass(frozen=True)
class Parsed:
    """A pattern's code parsed by CPython: one expression, or one or more statements."""

    text: str  # after substitution
    placeholders: dict[str, Placeholder]
    expression: ast.expr | None
    statements: tuple[ast.stmt, ...]
    #: Offsets in ``text`` of the commas added to make ``($$$X)`` a tuple.
    commas: frozenset[int] = frozenset()


def parse(text: str, what: str = "pattern") -> Parsed:
    """Parse ``text`` as an expression if it is one, else as statements."""
    stripped = _dedent(text.strip("\n"))
    source, placeholders, commas = substitute(stripped)
    lead = len(source) - len(source.lstrip())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expression = ast.parse(source.strip(), mode="eval").body
        except SyntaxError:
            expression = None
        if expression is not None:
            shifted = frozenset(offset - lead for offset in commas)
            return Parsed(source.strip(), placeholders, expression, (), shifted)
        try:
            module = ast.parse(source)
        except SyntaxError as error:
            raise PatternSyntaxError(
                f"{what} is not Python code: {error.msg} (line {error.lineno}, "
                f"column {error.offset})"
            ) from None
    if not module.body:
        raise PatternSyntaxError(f"{what} is empty")
    return Parsed(source, placeholders, None, tuple(module.body), commas)


def _dedent(text: str) -> str:
    lines = text.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines) + "\n"


def placeholder(identifier: str, placeholders: dict[str, Placeholder]) -> Placeholder | None:
    """What ``identifier`` stands for, or None when it is an ordinary name."""
    if identifier.startswith(("__pfl_one_", "__pfl_seq_")):
        return placeholders.get(identifier)
    return None
