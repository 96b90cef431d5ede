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

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

from perflint.types import PerFileIgnore


class GlobError(ValueError):
    """A pattern that is not a valid glob (the message says why)."""


def glob_regex(pattern: str) -> str:
    """The regular expression of a glob (see the module docstring); GlobError if malformed."""
    out: list[str] = []
    index, size = 0, len(pattern)
    in_alternation = False
    while index < size:
        char = pattern[index]
        if char == "\\":
            if index + 1 == size:
                raise GlobError(f"{pattern!r} ends with an escape (\\)")
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if pattern.startswith("**", index):
            before = index == 0 or pattern[index - 1] == "/"
            after = index + 2 == size or pattern[index + 2] == "/"
            if before and after and index + 2 < size:  # "**/": zero or more directories
                if index == 0:
                    out.append("(?:.*/)?")
                else:
                    out[-1:] = ["(?:/|/.*/)"]  # the "/" before joins: a/**/b matches a/b
                index += 3
                continue
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end < 0:
                raise GlobError(f"{pattern!r} has an unclosed [")
            body = pattern[index + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            escaped = "".join("\\" + c if c in "\\^]" else c for c in body)
            out.append(f"[{'^' if negate else ''}{escaped}]")
            index = end + 1
            continue
        elif char == "{":
            if in_alternation:
                raise GlobError(f"{pattern!r} nests {{...}}")
            in_alternation = True
            out.append("(?:")
        elif char == "}" and in_alternation:
            in_alternation = False
            out.append(")")
        elif char == "," and in_alternation:
            out.append("|")
        else:
            out.append(re.escape(char))
        index += 1
    if in_alternation:
        raise GlobError(f"{pattern!r} has an unclosed {{")
    return "".join(out)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(glob_regex(pattern), re.S)


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
            _compiled(glob)  # fail now, naming the pattern
        found.append(PerFileIgnore(pattern, absolute, negated, resolve(selectors)))
    return tuple(found)


def matches(ignore: PerFileIgnore, path: str) -> bool:
    """Whether ``ignore`` applies to the file at ``path`` (relative to the working directory,
    or absolute): its name or its absolute path matches, or, negated, neither does."""
    absolute = os.path.abspath(path).replace(os.sep, "/")
    name = absolute.rsplit("/", 1)[-1]
    hit = bool(_compiled(ignore.pattern).fullmatch(name) or _compiled(ignore.absolute).fullmatch(absolute))
    return hit != ignore.negated


def ignored_codes(path: str, ignores: Iterable[PerFileIgnore]) -> frozenset[str]:
    """The codes every matching entry of ``ignores`` turns off for ``path``."""
    return frozenset(code for ignore in ignores if matches(ignore, path) for code in ignore.codes)


def matching(path: str, ignores: Iterable[PerFileIgnore]) -> list[PerFileIgnore]:
    """The entries of ``ignores`` that apply to ``path`` (for --verbose and --show-settings)."""
    return [ignore for ignore in ignores if matches(ignore, path)]

