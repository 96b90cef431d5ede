"""When CPython and libcst disagree about a file, CPython decides.

perflint reads a file with CPython first (``perflint.engine.syntax``), and libcst only where a rule
needs it. A file the running CPython rejects is a PFL000 with CPython's own message and
position, also when libcst would read it (each case below is checked to be one libcst
accepts, or it would not be a disagreement). A file CPython accepts but libcst cannot read is
no PFL000 at all where no rule needs libcst, and otherwise a ``parser-limit`` PFL000 that
says it is perflint's limit, not a syntax error.
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap
import warnings

import libcst as cst
import pytest

from perflint import Settings, lint_source
from perflint.engine.lint import ERROR_NAME, PARSER_LIMIT
from perflint.rules.registry import builtin_rules
from perflint.types import current_target

ALL = Settings(select=tuple(spec.code for spec in builtin_rules()), fix=True)
#: A finding perflint would report (and fix) if it read the file.
CANDIDATE = "words = ('a', 'b')\nfor i in range(len(words)):\n    print(words[i])\n"

#: Files CPython rejects (on some version) and libcst reads; the running version decides.
CPYTHON_REJECTS = {
    "fstring-format-spec-too-deep": 'x = f"{a:{b:{c}}}"\n',
    "fstring-backslash-in-expression": "x = f\"{'\\n'.join(a)}\"\n",
    "fstring-nested-quotes": 'x = f"{"a"}"\n',
    "300-nested-parentheses": "x = " + "(" * 300 + "1" + ")" * 300 + "\n",
    "return-outside-function": "return 1\n",
    "return-in-class-body": "class A:\n    return 1\n",
    "break-outside-loop": "break\n",
    "continue-outside-loop": "continue\n",
    "yield-outside-function": "yield 1\n",
    "await-outside-function": "await x\n",
    "await-in-sync-function": "def f():\n    await x\n",
    "yield-from-in-async-function": "async def f():\n    yield from x\n",
    "async-comprehension-in-sync-function": "def f():\n    return [x async for x in y]\n",
    "nonlocal-at-module-level": "nonlocal x\n",
    "nonlocal-without-binding": "def f():\n    nonlocal y\n",
    "nonlocal-after-assignment": "def g():\n    x = 0\n    def f():\n        x = 1\n        nonlocal x\n",
    "global-after-assignment": "def f():\n    x = 1\n    global x\n",
    "annotated-global": "def f():\n    global x\n    x: int = 1\n",
    "future-braces": "from __future__ import braces\n",
    "unknown-future-feature": "from __future__ import nonsense\n",
    "future-import-not-first": "x = 1\nfrom __future__ import annotations\n",
    "duplicate-argument": "def f(a, a):\n    pass\n",
    "keyword-argument-repeated": "f(a=1, a=2)\n",
    "bytes-with-non-ascii": "x = b'\u00e9'\n",
    "unknown-unicode-name": "x = '\\N{NOT A REAL NAME}'\n",
    "starred-assignment-target-alone": "*a = 1\n",
    "assign-to-debug": "__debug__ = 1\n",
    "too-many-nested-blocks": "".join("    " * i + f"for i{i} in x:\n" for i in range(21))
    + "    " * 21
    + "pass\n",
    "match-capture-makes-rest-unreachable": "match p:\n    case x:\n        pass\n    case 1:\n        pass\n",
    "match-name-bound-twice": "match p:\n    case [a, a]:\n        pass\n",
    "break-in-except-star": "for x in y:\n    try:\n        pass\n    except* E:\n        break\n",
    "dict-unpacking-in-dict-comprehension": "x = {**a for a in b}\n",
    "iterable-unpacking-in-comprehension": "x = [*a for a in b]\n",
    "starred-return-alone": "def f():\n    return *a\n",
    "star-import-in-function": "def f():\n    from m import *\n",
    "unparenthesized-except-tuple": "try:\n    pass\nexcept A, B:\n    pass\n",
    "pep-695-generic-function": "def f[T](x: T) -> T:\n    return x\n",
    "type-statement": "type X = int\n",
}


def _cpython_error(source: str) -> SyntaxError | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "t.py", "exec", dont_inherit=True)
        except SyntaxError as error:
            return error
    return None


@pytest.mark.parametrize("source", list(CPYTHON_REJECTS.values()), ids=list(CPYTHON_REJECTS))
def test_a_file_cpython_rejects_is_cpythons_pfl000(source: str) -> None:
    text = CANDIDATE + source + CANDIDATE.replace("words", "names")
    expected = _cpython_error(text)
    if expected is None:
        pytest.skip(f"CPython {sys.version_info[:2]} accepts this")
    cst.parse_module(text)  # libcst reads it: the two parsers disagree
    result = lint_source(text, "t.py", ALL)
    assert result.error is not None
    assert result.error.name == ERROR_NAME
    assert result.error.message == f"{type(expected).__name__}: {expected.msg}"
    assert (result.error.start.row, result.error.start.column) == (expected.lineno, expected.offset)
    assert result.findings == () and result.fixed == 0


def test_the_rest_of_the_file_is_no_excuse() -> None:
    # The error is after a thousand good lines: CPython reads them in pieces, and the
    # error's row and message are the whole file's.
    good = "".join(f"def f{n}():\n    return {n}\n" for n in range(1000))
    text = good + "x = (1,\n" + good
    expected = _cpython_error(text)
    assert expected is not None
    result = lint_source(text, "t.py", ALL)
    assert result.error is not None
    assert result.error.message == f"SyntaxError: {expected.msg}"
    assert result.error.start.row == expected.lineno == 2001


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs a CPython older than 3.12")
def test_newer_syntax_than_the_running_cpython_is_read_by_libcst_and_said_so() -> None:
    source = "def first[T](items: list[T]) -> T:\n    return items[0]\n" + CANDIDATE
    settings = dataclasses.replace(ALL, target_version="py312")
    result = lint_source(source, "t.py", settings)
    assert result.error is None
    assert [finding.code for finding in result.findings] == []  # fixed
    assert result.fixed == 1
    assert len(result.notes) == 1 and "cannot parse this file" in result.notes[0]
    assert "py312" in result.notes[0]
    # With the running version as the target, CPython's verdict stands.
    current = lint_source(source, "t.py", dataclasses.replace(ALL, target_version=current_target()))
    assert current.error is not None and current.error.name == ERROR_NAME


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs a CPython older than 3.12")
def test_newer_target_and_a_file_libcst_rejects_too_is_cpythons_error() -> None:
    source = "x = (1,\n" + CANDIDATE
    settings = dataclasses.replace(ALL, target_version="py312")
    result = lint_source(source, "t.py", settings)
    expected = _cpython_error(source)
    assert expected is not None and result.error is not None
    assert result.error.name == ERROR_NAME
    assert result.error.message == f"SyntaxError: {expected.msg}"


#: Code CPython accepts and libcst cannot read (or cannot give back as it is).
LIBCST_CANNOT = {
    "parenthesized-annotated-assignment": "(pars): bool = True\n",
    "parenthesized-annotated-attribute": "(a.b): int = 1\n",
    "form-feed-in-indentation": "if x:\n    y = 1\n\x0c    z = 2\n",
}


@pytest.mark.parametrize("code", list(LIBCST_CANNOT.values()), ids=list(LIBCST_CANNOT))
def test_code_libcst_cannot_read_is_no_error_where_no_rule_needs_it(code: str) -> None:
    assert _cpython_error(code) is None
    text = code + "\ndef f():\n" + textwrap.indent(CANDIDATE, "    ")
    result = lint_source(text, "t.py", ALL)
    assert result.error is None
    assert result.fixed == 1 and "for word in words:" in (result.fixed_source or "")


#: The same next to (or in) the candidate: libcst must read it.
LIBCST_CANNOT_NEAR_CANDIDATE = {
    "parenthesized-annotated-assignment": (
        "def f():\n    (pars): bool = True\n" + textwrap.indent(CANDIDATE, "    "),
        2,
    ),
    "parenthesized-annotated-attribute": (
        "def f(a):\n    (a.b): int = 1\n" + textwrap.indent(CANDIDATE, "    "),
        2,
    ),
    # libcst reads the blocks as CPython does but gives the line back without its form feed:
    # every column on it would be off by one.
    "form-feed-in-indentation": (
        "def f():\n    words = ('a', 'b')\n    for i in range(len(words)):\n"
        "\x0c        print(words[i])\n",
        4,
    ),
}


@pytest.mark.parametrize(
    ("text", "row"), list(LIBCST_CANNOT_NEAR_CANDIDATE.values()), ids=list(LIBCST_CANNOT_NEAR_CANDIDATE)
)
def test_code_libcst_cannot_read_next_to_a_candidate_is_perflints_limit(text: str, row: int) -> None:
    assert _cpython_error(text) is None
    result = lint_source(text, "t.py", ALL)
    assert result.error is not None
    assert result.error.name == PARSER_LIMIT
    assert result.error.message.startswith("perflint's parser (libcst) cannot read this code")
    assert "SyntaxError" not in result.error.message
    assert result.error.start.row == row
    assert result.findings == () and result.fixed == 0


def test_libcst_limits_are_told_apart_from_syntax_errors_in_every_format() -> None:
    # The name is what machine-readable formats carry (JSON "name" is PFL000's kind).
    text = "def f():\n" + textwrap.indent("(pars): bool = True\n" + CANDIDATE, "    ")
    limit = lint_source(text, "t.py", ALL).error
    broken = lint_source("x = (\n", "t.py", ALL).error
    assert limit is not None and broken is not None
    assert (limit.code, broken.code) == ("PFL000", "PFL000")
    assert (limit.name, broken.name) == (PARSER_LIMIT, ERROR_NAME)
