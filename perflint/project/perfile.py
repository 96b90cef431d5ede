"""``per-file-ignores``: rules turned off for the files a glob matches, with ruff's semantics.

A pattern is matched twice, as ruff does: against the file's absolute path, after being
joined to its base (the directory of the configuration file that says it, or the working
directory for the command line) and normalised, and, as it is, against the file's name
alone. ``!`` in front negates it: the rules are ignored in the files it does *not* match.
The glob syntax is ruff's (the ``globset`` crate's defaults): ``*`` and ``?`` match any
characters, ``/`` included, ``**`` any number of directories (``a/**/b`` matches ``a/b``),
``[...]``/``[!...]`` a class and ``{a,b}`` either word; ``\\`` escapes the next character.
So ``"tests/*"`` covers every file below ``tests/``, and ``"test_*.py"`` every such file
anywhere.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

from perflint.types import PerFileIgnore


class GlobError(ValueError):
    """A pattern that is not a valid glob (the message says why)."""


#: Bounds on a pattern (a repository's configuration may be hostile): its length, and how
#: many plain globs its ``{a,b}`` and ``/**/`` stand for.
MAX_PATTERN = 1000
MAX_VARIANTS = 256

#: ("char", c), ("star", ""), ("globstar", ""), ("any", "") or ("class", body).
Token = tuple[str, str]


def _tokens(pattern: str) -> list[list[Token]]:
    """The pattern as token lists, one per way of reading its ``{a,b}`` alternations."""
    if len(pattern) > MAX_PATTERN:
        raise GlobError(f"{pattern[:40]!r}... is longer than {MAX_PATTERN} characters")
    variants: list[list[Token]] = [[]]
    choice: list[list[Token]] | None = None  # the alternatives of an open {...}
    index, size = 0, len(pattern)
    while index < size:
        char = pattern[index]
        if char == "{" or (choice is not None and char in ",}"):
            if char == "{":
                if choice is not None:
                    raise GlobError(f"{pattern!r} nests {{...}}")
                choice = [[]]
            elif char == ",":
                choice.append([])  # type: ignore[union-attr]
            else:
                variants = [[*done, *option] for done in variants for option in choice]  # type: ignore[union-attr]
                if len(variants) > MAX_VARIANTS:
                    raise GlobError(f"{pattern!r} has too many {{...}} alternatives")
                choice = None
            index += 1
            continue
        if char == "\\":
            if index + 1 == size:
                raise GlobError(f"{pattern!r} ends with an escape (\\)")
            token, index = ("char", pattern[index + 1]), index + 2
        elif pattern.startswith("**", index):
            token, index = ("globstar", ""), index + 2
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end < 0:
                raise GlobError(f"{pattern!r} has an unclosed [")
            token, index = ("class", pattern[index + 1 : end]), end + 1
        else:
            token = ("star", "") if char == "*" else ("any", "") if char == "?" else ("char", char)
            index += 1
        if choice is not None:
            choice[-1].append(token)
        else:
            variants = [[*done, token] for done in variants]
    if choice is not None:
        raise GlobError(f"{pattern!r} has an unclosed {{")
    return variants


def _globstars(tokens: list[Token]) -> list[list[Token]]:
    """``**`` as ruff (globset) reads it, in globs whose ``*`` already crosses ``/``: a
    ``/**/`` also stands for ``/`` (``a/**/b`` matches ``a/b``), a leading ``**/`` for
    nothing; every other ``**`` is ``*``."""
    out: list[list[Token]] = [[]]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token[0] != "globstar":
            out = [[*done, token] for done in out]
            index += 1
            continue
        before = index == 0 or tokens[index - 1] == ("char", "/")
        after = index + 1 < len(tokens) and tokens[index + 1] == ("char", "/")
        if before and after:  # "**/": no directory, or any number of them (then "*/")
            out = [option for done in out for option in (done, [*done, ("star", ""), ("char", "/")])]
            index += 2
        else:
            out = [[*done, ("star", "")] for done in out]
            index += 1
        if len(out) > MAX_VARIANTS:
            raise GlobError("too many ** in one pattern")
    return out


def _fnmatch_text(tokens: list[Token]) -> str:
    """Tokens as an ``fnmatch`` pattern (whose ``*`` crosses ``/``, as globset's does)."""
    out = []
    for kind, text in tokens:
        if kind == "star":
            out.append("*")
        elif kind == "any":
            out.append("?")
        elif kind == "class":
            out.append("[!" + text[1:] + "]" if text[:1] in ("!", "^") else "[" + text + "]")
        else:
            out.append(f"[{text}]" if text in ("*", "?", "[") else text)
    return "".join(out)


@lru_cache(maxsize=512)
def glob_matchers(pattern: str) -> tuple[re.Pattern[str], ...]:
    """Regular expressions whose union is the glob (see the module docstring); GlobError if
    it is malformed. ``fnmatch`` builds them, and its expressions match in linear time: a
    hostile ``*a*a*a*...b`` cannot make them backtrack for ever, as a plain ``.*a.*a.*b``
    would on a long path."""
    found: dict[str, re.Pattern[str]] = {}
    for variant in _tokens(pattern):
        for tokens in _globstars(variant):
            text = _fnmatch_text(tokens)
            if text not in found:
                found[text] = re.compile(fnmatch.translate(text))
            if len(found) > MAX_VARIANTS:
                raise GlobError(f"{pattern!r} stands for too many globs")
    return tuple(found.values())


def glob_match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the glob ``pattern`` as a whole."""
    return any(matcher.match(text) for matcher in glob_matchers(pattern))


def _escape_glob(text: str) -> str:
    """``text`` (a directory) with glob metacharacters escaped, to prefix a pattern with."""
    return re.sub(r"([\\*?\[\]{}])", r"\\\1", text)


def compile_ignores(
    mapping: Mapping[str, Sequence[str]], base: str, resolve: Callable[[Sequence[str]], tuple[str, ...]]
) -> tuple[PerFileIgnore, ...]:
    """``{pattern: selectors}`` as PerFileIgnores anchored at ``base``; ``resolve`` turns
    selectors into rule codes (and raises on unknown ones). GlobError for a bad pattern."""
    found = []
    for written, selectors in mapping.items():
        negated = written.startswith("!")
        pattern = written[1:] if negated else written
        if not pattern:
            raise GlobError(f"{written!r} is an empty pattern")
        absolute = os.path.normpath(os.path.join(_escape_glob(os.path.abspath(base)), pattern))
        absolute = absolute.replace(os.sep, "/")
        for glob in (pattern, absolute):
            glob_matchers(glob)  # fail now, naming the pattern
        found.append(PerFileIgnore(pattern, absolute, negated, resolve(selectors)))
    return tuple(found)


def matches(ignore: PerFileIgnore, path: str) -> bool:
    """Whether ``ignore`` applies to the file at ``path`` (relative to the working directory,
    or absolute): its name or its absolute path matches, or, negated, neither does."""
    absolute = os.path.abspath(path).replace(os.sep, "/")
    name = absolute.rsplit("/", 1)[-1]
    hit = glob_match(ignore.pattern, name) or glob_match(ignore.absolute, absolute)
    return hit != ignore.negated


def ignored_codes(path: str, ignores: Iterable[PerFileIgnore]) -> frozenset[str]:
    """The codes every matching entry of ``ignores`` turns off for ``path``."""
    return frozenset(code for ignore in ignores if matches(ignore, path) for code in ignore.codes)


def enabled_codes(path: str, select: Sequence[str], ignores: Sequence[PerFileIgnore]) -> tuple[str, ...]:
    """The codes of ``select`` left on for ``path`` by its per-file ignores (what the engine
    lints the file with, and what the result cache keys the file's entry by)."""
    if not ignores:
        return tuple(select)
    ignored = ignored_codes(path, ignores)
    return tuple(code for code in select if code not in ignored)


def matching(path: str, ignores: Iterable[PerFileIgnore]) -> list[PerFileIgnore]:
    """The entries of ``ignores`` that apply to ``path`` (for --verbose and --show-settings)."""
    return [ignore for ignore in ignores if matches(ignore, path)]

