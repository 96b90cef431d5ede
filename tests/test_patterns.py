"""The pattern language: compiling, matching on both trees alike, templates, rule files, and
pattern rules on a partial parse."""

from __future__ import annotations

import ast
import dataclasses
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from perflint.engine import libcst_parse, syntax
from perflint.engine.runner import lint_source
from perflint.rules.patterns import queues
from perflint.rules.patterns.compiled import AST, compile_pattern, spans
from perflint.rules.patterns.cst_views import CST
from perflint.rules.patterns.syntax import PatternSyntaxError
from perflint.types import Settings

# (pattern, code, whether it matches); each case is checked on CPython's ast and on libcst.
MATCHES = [
    ("sorted($X)[0]", "sorted(xs)[0]", True),
    ("sorted($X)[0]", "sorted( (a + b) )[0]", True),
    ("sorted($X)[0]", "(sorted(xs))[0]", True),
    ("sorted($X)[0]", "sorted(xs)[0x0]", True),  # the same constant, written otherwise
    ("sorted($X)[0]", "sorted(xs)[False]", False),  # False == 0, but not the same constant
    ("sorted($X)[0]", "sorted(xs, key=f)[0]", False),
    ("sorted($X)[0]", "sorted(xs)[0,]", False),  # a tuple index
    ("sorted($X)[0]", "sorted(xs)[1]", False),
    ("sorted($$$ARGS)[0]", "sorted(xs, key=f)[0]", True),
    ("sorted($$$ARGS)[0]", "sorted()[0]", True),
    ("f($$$A, key=$K)", "f(a, b, key=1)", True),
    ("f($$$A, key=$K)", "f(key=1)", True),
    ("f($$$A, key=$K)", "f(a, key=1, x=2)", True),  # a trailing $$$ takes keywords too
    ("f($A, key=$K)", "f(a, key=1, x=2)", False),
    ("f($A, key=$K, x=2)", "f(a, x=2, key=1)", True),  # keywords as a set
    ("f(**$M)", "f(**m)", True),
    ("f(**$M)", "f(m)", False),
    ("f($X, $X)", "f(a.b, a.b)", True),
    ("f($X, $X)", "f(a.b, (a . b))", True),  # formatting and parentheses aside
    ("f($X, $X)", "f(a.b, a.c)", False),
    ("f($_, $_)", "f(a, b)", True),  # wildcards need not agree
    ("$A.startswith($B) or $A.startswith($C)", "s.startswith('a') or s.startswith('b')", True),
    ("$A.startswith($B) or $A.startswith($C)", "s.startswith('a') or t.startswith('b')", False),
    # ``a or b or c`` is one BoolOp in ast; libcst nests it
    ("$A or $B", "a or b or c", False),
    ("$A or $B or $C", "a or b or c", True),
    ("$A or $B", "(a or b) or c", True),
    ("$A or $B", "a or (b or c)", True),
    ("$X == True", "x == True", True),
    ("$X is None", "x is None", True),
    ("$X is None", "x == None", False),
    ("len($X) == 0", "len(xs) == 0", True),
    ("len($X) == 0", "len(xs) == 0 == y", False),
    ('"".join($X)', '"" "".join(parts)', True),  # one constant in ast
    ('"".join($X)', 'f"".join(parts)', False),
    ("[$X for $X in $Y]", "[a for a in b]", True),
    ("[$X for $X in $Y]", "[a for b in c]", False),
    ("[$X for $X in $Y]", "[a for a in b if a]", False),
    ("{$K: $V for $K, $V in $D.items()}", "{k: v for k, v in d.items()}", True),
    ("map(lambda $P: $BODY, $XS)", "map(lambda x: x + 1, xs)", True),
    ("map(lambda $P: $P, $XS)", "map(lambda x: x, xs)", True),
    ("map(lambda $P: $P, $XS)", "map(lambda x: y, xs)", False),
    ("map(lambda $P: $BODY, $XS)", "map(lambda x=1: x, xs)", False),
    ("-$X", "-a", True),
    ("not $X", "not a", True),
    ("$X ** 0.5", "a ** 0.5", True),
    ("$X if $K in $D else $E", "d[k] if k in d else None", True),
    ("{**$A, **$B}", "{**a, **b}", True),
    ("dict($$$KW)", "dict(a=1, b=2)", True),
    ("[*$A]", "[*xs]", True),
    ("$X[len($X) - 1]", "xs[len(xs) - 1]", True),
    ("$X[::-1]", "xs[::-1]", True),
    ("$X[::-1]", "xs[:-1]", False),
    ("print($$$A, end='')", "print(a, b, end='')", True),
    ("await $X", "await f()", True),
]


def _expression_cst(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


@pytest.mark.parametrize(
    "pattern,code,expected", MATCHES, ids=[f"{i}-{p}" for i, (p, _, _) in enumerate(MATCHES)]
)
def test_matches_alike_on_both_trees(pattern: str, code: str, expected: bool) -> None:
    if "await" in code:
        code_ast = ast.parse(f"async def f():\n    {code}\n").body[0].body[0].value  # type: ignore[attr-defined]
    else:
        code_ast = ast.parse(code, mode="eval").body
    compiled = compile_pattern(pattern)
    assert (compiled.match(code_ast, AST) is not None) is expected
    assert (compiled.match(_expression_cst(code), CST) is not None) is expected


STATEMENTS = [
    (
        "if $K in $D:\n    $V = $D[$K]\nelse:\n    $V = $E",
        "if k in d:\n    v = d[k]\nelse:\n    v = 0\n",
        True,
    ),
    (
        "if $K in $D:\n    $V = $D[$K]\nelse:\n    $V = $E",
        "if k in d: v = d[k]\nelse: w = 0\n",
        False,
    ),
    ("for $X in $Y:\n    $$$BODY", "for a in b:\n    x = 1; y = 2\n    z()\n", True),
    ("for $X in $Y:\n    $$$BODY", "async def f():\n  async for a in b:\n    pass\n", False),
    ("for $X in $Y:\n    $$$BODY\nelse:\n    $$$E", "for a in b:\n    pass\n", True),
    ("del $A, $B", "del a, b\n", True),
    ("del $A, $B", "del (a, b)\n", False),
    ("$X += 1", "x += 1\n", True),
    ("$X = $Y", "x = y = 1\n", False),
    ("try:\n    $$$B\nexcept KeyError:\n    $$$H", "try:\n    d[k]\nexcept KeyError:\n    pass\n", True),
    ("try:\n    $$$B\nexcept KeyError:\n    $$$H", "try:\n    d[k]\nexcept (KeyError):\n    pass\n", True),
    ("try:\n    $$$B\nexcept KeyError:\n    $$$H", "try:\n    d[k]\nexcept KeyError as e:\n    pass\n", False),
]


def _first_statement(code: str) -> tuple[ast.stmt, cst.CSTNode]:
    tree, module = ast.parse(code), cst.parse_module(code)
    first_ast = tree.body[0]
    first_cst: cst.CSTNode = module.body[0]
    if isinstance(first_ast, ast.AsyncFunctionDef):
        first_ast = first_ast.body[0]
        first_cst = first_cst.body.body[0]  # type: ignore[attr-defined]
    if isinstance(first_cst, cst.SimpleStatementLine):
        first_cst = first_cst.body[0]
    return first_ast, first_cst


@pytest.mark.parametrize(
    "pattern,code,expected", STATEMENTS, ids=[f"stmt-{i}" for i in range(len(STATEMENTS))]
)
def test_statement_patterns_match_alike(pattern: str, code: str, expected: bool) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.statement
    first_ast, first_cst = _first_statement(code)
    assert (compiled.match(first_ast, AST) is not None) is expected
    assert (compiled.match(first_cst, CST) is not None) is expected


@pytest.mark.parametrize(
    "pattern,problem",
    [
        ("$X", "besides metavariables"),
        ("$$$X", "stands for a list"),
        ("f($$$X)[$$$X]", "stands for a list"),
        ("$x + 1", "not a metavariable"),
        ("len", "bare name"),
        ("1", "bare constant"),
        ("f'{x}'.join($X)", "no JoinedStr"),
        ("import os", "no Import"),
        ("a = 1\n$$$B\nb = 2", "cannot hold $$$NAME between them"),
        ("$X.$Y", "cannot stand for an attribute name"),
        ("f($K=1)", "cannot stand for a keyword name"),
        ("f(x) $ 1", "not a metavariable"),
        ("f($X, $$$X)", "both as $X and as $$$X"),
    ],
)
def test_bad_patterns_are_explained(pattern: str, problem: str) -> None:
    with pytest.raises(PatternSyntaxError, match=problem.replace("$", r"\$")):
        compile_pattern(pattern)


def test_needles_and_builtins_come_from_the_pattern() -> None:
    compiled = compile_pattern("sorted($X, key=$K)[0].real")
    assert compiled.identifiers == ("sorted", "real", "key")
    assert compiled.builtins == {"sorted"}
    assert compiled.metavariables == {"X", "K"}


# -- whole rules, through the engine ----------------------------------------------------------

RULE = """\
code: ACME001
name: sorted-first
message: "`sorted({X})[0]` sorts everything to find the smallest item"
fix-title: "Use `min({X})`"
pattern: sorted($X)[0]
fix: min($X)
fix-safety: unsafe
why: Sorting costs O(n log n); min is one pass.
examples:
  - slow: "def f(xs):\\n    return sorted(xs)[0]\\n"
    fast: "def f(xs):\\n    return min(xs)\\n"
valid: []
invalid:
  - code: "y = sorted(xs)[0]\\n"
python: [py310, py311, py312, py313]
tags: [builtins]
references: []
"""


def _pack(tmp_path: Path, *rules: str) -> tuple[str, ...]:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    for index, text in enumerate(rules):
        (folder / f"rule{index}.yaml").write_text(text)
    return (str(folder),)


def _settings(paths: tuple[str, ...], codes: tuple[str, ...], **kw: object) -> Settings:
    return Settings(select=codes, target_version="py312", rule_paths=paths, **kw)  # type: ignore[arg-type]


def _fixed(source: str, settings: Settings) -> str:
    result = lint_source(source, "t.py", settings)
    assert result.fixed_source is not None
    return result.fixed_source


@pytest.mark.parametrize(
    "source,fixed",
    [
        ("y = sorted(xs)[0]\n", "y = min(xs)\n"),
        ("y = sorted( (a + b) )[0] * 2\n", "y = min(a + b) * 2\n"),
        ("y = -(sorted(xs))[0]\n", "y = -min(xs)\n"),
        ("sorted(xs)[0] = 1\n", "sorted(xs)[0] = 1\n"),  # not a read
        ("def f(sorted):\n    return sorted(xs)[0]\n", "def f(sorted):\n    return sorted(xs)[0]\n"),
        ("sorted = list\ny = sorted(xs)[0]\n", "sorted = list\ny = sorted(xs)[0]\n"),
        (
            "y = sorted([\n    1,\n    2,\n])[0]\n",
            "y = min([\n    1,\n    2,\n])\n",
        ),
    ],
)
def test_a_pattern_rule_finds_and_fixes(tmp_path: Path, source: str, fixed: str) -> None:
    settings = _settings(_pack(tmp_path, RULE), ("ACME001",), fix=True, unsafe_fixes=True)
    assert _fixed(source, settings) == fixed


def test_message_fills_in_the_capture(tmp_path: Path) -> None:
    settings = _settings(_pack(tmp_path, RULE), ("ACME001",))
    result = lint_source("y = sorted(a+b)[0]\n", "t.py", settings)
    (finding,) = result.findings
    assert finding.message == "`sorted(a+b)[0]` sorts everything to find the smallest item"
    assert finding.fix_title == "Use `min(a+b)`"
    assert finding.fix is not None and finding.fix.applicability == "unsafe"


def _rule(pattern: str, fix: str | None = None, where: str = "", code: str = "ACME002") -> str:
    lines = [
        f"code: {code}",
        "name: test-rule-" + code.lower(),
        'message: "flagged"',
        'fix-title: "rewrite"',
        f"pattern: {pattern!r}" if "\n" not in pattern else "pattern: |\n" + textwrap.indent(pattern, "  "),
    ]
    if fix is not None:
        lines.append(f"fix: {fix!r}" if "\n" not in fix else "fix: |\n" + textwrap.indent(fix, "  "))
    if where:
        lines.append("where:\n" + textwrap.indent(where, "  "))
    lines += [
        "fix-safety: safe",
        "why: test",
        "examples:\n  - slow: 'x = 1'\n    fast: 'x = 2'",
        "valid: []",
        "invalid: ['x = 1']",
        "python: [py310, py311, py312, py313]",
        "tags: []",
        "references: []",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "pattern,fix,source,fixed",
    [
        ("-abs($X)", "abs($X) * -1", "y = -abs(a + b)\n", "y = abs(a + b) * -1\n"),
        ("neg($X)", "-$X", "y = neg(a + b)\n", "y = -(a + b)\n"),
        ("neg($X)", "-$X", "y = neg(a ** b)\n", "y = -a ** b\n"),
        ("pw($X, $Y)", "$X ** $Y", "y = pw(-a, b)\n", "y = (-a) ** b\n"),
        ("pw($X, $Y)", "$X ** $Y", "y = pw(a, -b)\n", "y = a ** -b\n"),
        ("bits($X)", "$X.bit_count()", "y = bits(5)\n", "y = (5).bit_count()\n"),
        ("bits($X)", "$X.bit_count()", "y = bits(n)\n", "y = n.bit_count()\n"),
        ("bits($X)", "$X.bit_count()", "y = bits(a or b)\n", "y = (a or b).bit_count()\n"),
        ("first($X)", "$X[0]", "y = first(x for x in z)\n", "y = (x for x in z)[0]\n"),
        ("call($$$A)", "other($$$A, 1)", "y = call()\n", "y = other(1)\n"),
        ("call($$$A)", "other($$$A, 1)", "y = call(a, *c)\n", "y = other(a, *c, 1)\n"),
        # a positional argument after a keyword one does not compile: the fix is dropped
        ("call($$$A)", "other($$$A, 1)", "y = call(k=2)\n", "y = call(k=2)\n"),
        ("tup($X)", "[$X]", "y = tup((1, 2))\n", "y = [(1, 2)]\n"),
        ("w($X)", "$X or c", "y = f(w(a)) * 2\n", "y = f(a or c) * 2\n"),
        ("w($X)", "$X or c", "y = w(a) * 2\n", "y = (a or c) * 2\n"),
        ("w($X)", "lambda: $X", "y = w(a)(1)\n", "y = (lambda: a)(1)\n"),
    ],
)
def test_templates_parenthesise_by_precedence(
    tmp_path: Path, pattern: str, fix: str, source: str, fixed: str
) -> None:
    settings = _settings(_pack(tmp_path, _rule(pattern, fix)), ("ACME002",), fix=True)
    assert _fixed(source, settings) == fixed


def test_statement_templates_keep_indentation_and_strings(tmp_path: Path) -> None:
    pattern = "if $K in $D:\n    $V = $D[$K]\nelse:\n    $V = $E"
    rule = _rule(pattern, "$V = $D.get($K, $E)")
    settings = _settings(_pack(tmp_path, rule), ("ACME002",), fix=True)
    source = (
        "def f(d, k):\n"
        "    if k in d:\n"
        "        v = d[k]\n"
        "    else:\n"
        "        v = '''a\n"
        "b'''\n"
        "    return v\n"
    )
    assert _fixed(source, settings) == (
        "def f(d, k):\n    v = d.get(k, '''a\nb''')\n    return v\n"
    )


def test_statement_sequences_are_reindented(tmp_path: Path) -> None:
    rule = _rule("while True:\n    $$$BODY", "for _ in iter(int, 1):\n    $$$BODY")
    settings = _settings(_pack(tmp_path, rule), ("ACME002",), fix=True)
    source = "def f():\n    while True:\n        a()\n        if b:\n            s = '''x\n  y'''\n"
    assert _fixed(source, settings) == (
        "def f():\n    for _ in iter(int, 1):\n        a()\n        if b:\n            s = '''x\n  y'''\n"
    )


@pytest.mark.parametrize(
    "where,source,flagged",
    [
        ("X: {kind: Name}", "f(a)\nf(a.b)\nf(1)\n", [1]),
        ("X: {kind: [Name, Attribute]}", "f(a)\nf(a.b)\nf(1)\n", [1, 2]),
        ("X: {kind: str}", "f('a')\nf(f'{a}')\nf(b'a')\nf(1)\nf('a' 'b')\n", [1, 5]),
        ("X: {kind: [str, fstring]}", "f('a')\nf(f'{a}')\nf(b'a')\nf(1)\n", [1, 2]),
        ("X: {kind: implicit-concat}", "f('a')\nf('a' 'b')\nf(f'{a}' 'b')\n", [2, 3]),
        ("X: {kind: constant}", "f(1)\nf(-1)\nf(-a)\nf(None)\n", [1, 2, 4]),
        ("X: {kind: Keyword}", "f(k=1)\nf(**k)\nf(k)\n", []),
        ("X: {kind: GeneratorExp}", "f(x for x in y)\nf(await x for x in y)\n", [1]),
        ("X: {kind: int}", "f(1)\nf(True)\nf(1.5)\n", [1]),
        ("X: {kind: list}", "f([1])\nf([x for x in y])\nf((1,))\n", [1]),
        ("X: {kind: [list, ListComp]}", "f([1])\nf([x for x in y])\nf((1,))\n", [1, 2]),
        ("X: {builtin: [int]}", "f(int)\nf(str)\nint = 1\n", []),
        ("X: {builtin: true}", "f(len)\nf(a)\n", [1]),
        ("X: {not: 'len($_)'}", "f(len(a))\nf(a)\n", [2]),
        ("X: {has: 'len($_)'}", "f([len(a)])\nf(a)\n", [1]),
        ("X: {not-has: 'len($_)'}", "f([len(a)])\nf(a)\n", [2]),
        ("X: {not: {kind: Call}}", "f(g())\nf(a)\n", [2]),
        ("X: {regex: '^_'}", "f(_a)\nf(a)\n", [1]),
        ("X: {type: list}", "a = []\nb = ()\nf(a)\nf(b)\nf([1])\n", [3, 5]),
        ("X: {type: dict}", "a = {}\nb = dict(x=1)\nf(a)\nf(b)\n", [3, 4]),
        ("X: {binding: param}", "def g(a, b=1):\n    c = 2\n    f(a)\n    f(c)\n    f(d)\n", [3]),
        (
            "X: {binding: call}",
            "a = g()\nb = g().x[0]\nc = dict(g())\nd = e\nf(a)\nf(b)\nf(c)\nf(d)\nf(len)\n",
            [5, 6],
        ),
        ("X: {not: {binding: call}}", "a = g()\nf(a)\nf(b)\nf(a.b)\n", [3, 4]),
        ("X: {not: {binding: for}}", "from m import *\nfor a in b:\n    f(a)\nf(c)\n", []),
        ("inside: loop", "f(a)\nfor x in f(b):\n    f(c)\nwhile f(d):\n    pass\n[f(e) for e in f(g)]\n", [3, 4, 6]),
        ("not-inside: loop", "f(a)\nfor x in y:\n    f(c)\n", [1]),
        ("inside: function", "f(a)\ndef g():\n    f(b)\nh = lambda: f(c)\n", [3, 4]),
        ("inside: try", "try:\n    f(a)\nexcept E:\n    f(b)\nf(c)\n", [2]),
        ("inside: 'with $_: $$$_'", "with m:\n    f(a)\nf(b)\n", [2]),
        ("has: 'g($_)'", "f(g(1))\nf(h(1))\nf([g(2)])\n", [1, 3]),
        ("not-has: 'g($_)'", "f(g(1))\nf(h(1))\n", [2]),
        ("has: 'len($Y)'", "f(len(a))\nf(a)\n", [1]),
        ("has: 'len($X)'", "f(len(a))\nf(a)\n", []),  # $X is the whole argument
    ],
)
def test_where_conditions(tmp_path: Path, where: str, source: str, flagged: list[int]) -> None:
    settings = _settings(_pack(tmp_path, _rule("f($X)", where=where)), ("ACME002",))
    result = lint_source(source, "t.py", settings)
    assert result.error is None
    assert [finding.start.row for finding in result.findings] == flagged
    # The prefilter never drops what the rule would report.
    unfiltered = lint_source(source, "t.py", _settings(settings.rule_paths, ("ACME002",), prefilter=False))
    assert unfiltered.findings == result.findings


@pytest.mark.parametrize(
    "source,flagged",
    [
        pytest.param("q = [1]\nwhile q:\n    q.pop(0)\n    q.append(2)\n", [3], id="grown-in-loop"),
        pytest.param("q = list(x)\nfor y in z:\n    q.pop(0)\n", [3], id="not-a-display"),
        pytest.param("q = [1, 2]\nfor y in z:\n    q.pop(0)\n", [], id="display-only-shrinks"),
        pytest.param("q = [1, 2]\nfor y in z:\n    q.pop(0)\n    g(q)\n", [3], id="passed-on"),
        pytest.param("q = [1]\nfor y in z:\n    q.pop(0)\nr = q\n", [3], id="aliased"),
        pytest.param("q = [1]\nfor y in z:\n    q.pop(0)\n    q += [y]\n", [3], id="augmented"),
        pytest.param("q = [1]\nfor y in z:\n    q.pop(0)\n    q[:0] = [y]\n", [3], id="slice-assigned"),
        pytest.param("q = [1]\nfor y in z:\n    q.pop(0)\n    n = len(q)\n", [], id="read-by-len"),
        pytest.param("for y in z:\n    q = [y]\n    q.append(y)\n    q.pop(0)\n", [], id="fresh-per-iteration"),
        pytest.param(
            "for y in z:\n    q = [y]\n    while q:\n        q.pop(0)\n        q.append(1)\n", [4],
            id="fresh-outside-the-inner-loop",
        ),
        pytest.param("def f(q):\n    while q:\n        q.pop(0)\n", [3], id="parameter"),
        pytest.param("q = [1]\nq.append(2)\nq.pop(0)\n", [3], id="no-loop"),
    ],
)
def test_where_queue(tmp_path: Path, source: str, flagged: list[int]) -> None:
    """``queue: true``: the list keeps its length across the loop around the match."""
    settings = _settings(_pack(tmp_path, _rule("$X.pop(0)", where="X: {queue: true}")), ("ACME002",))
    result = lint_source(source, "t.py", settings)
    assert result.error is None
    assert [finding.start.row for finding in result.findings] == flagged
    unfiltered = lint_source(source, "t.py", _settings(settings.rule_paths, ("ACME002",), prefilter=False))
    assert unfiltered.findings == result.findings


# -- both trees agree on real code ------------------------------------------------------------

#: Patterns with no builtins and no conditions: on these the ast prefilter must find exactly the
#: nodes the libcst traversal reports.
AGREEMENT = [
    "$X.append($Y)",
    "$X.get($K, $D)",
    "$X.join($Y)",
    "$A.startswith($B) or $A.startswith($C)",
    "$A or $B",
    "$A and $B and $C",
    "$X is None",
    "$X == $Y",
    "not $X",
    "-$X",
    "$X + $Y",
    "$X % $Y",
    "$X[$I]",
    "$X[$A:$B]",
    "$X[$A, $B]",
    "[$E for $V in $I]",
    "{$K: $V for $_ in $I}",
    "$F($$$A, **$K)",
    "$F(*$A)",
    "$F($X, key=$K)",
    "$X if $C else $Y",
    "lambda $P: $B",
    "[$$$A]",
    "{$$$A}",
    "{**$A}",
    "$X.items()",
    "$X.keys()",
    "$X = $Y",
    "$X += $Y",
    "return $X",
    "if $C:\n    $$$B",
    "for $X in $Y:\n    $$$B",
    "while $C:\n    $$$B",
    "try:\n    $$$B\nexcept $E:\n    $$$H",
    "with $C as $V:\n    $$$B",
    "del $X",
    "raise $X from $Y",
    "$X: $T = $V",
    "yield $X",
    "await $X",
    "$X = $Y\n$Z = $W",
    "$X.append($A)\n$X.append($B)",
    "def $F($$$P):\n    $$$B",
    "class $C:\n    $$$B",
]


#: Code holding a match of every pattern above, and the shapes where the trees differ.
SHOWCASE = """\
async def f(a, b, *c, **d):
    xs.append(y); d.get(k, None); ",".join(parts)
    s.startswith("a") or s.startswith("b"); s.startswith("a") or s.startswith("b") or t
    (a or b) or (c and d and e)
    x is None; x == (yield z); not a; -a; a + b; "%s" % a
    x[i]; x[a:b]; x[a, b]; x[a:b, c]; x[1,]
    [e for v in i]; {k: v for _ in i}; f(a, *b, **k); f(*a); f(x, key=g)
    a if c else b; (lambda p: p); [1, 2]; {1, 2}; {**a}; x.items(); x.keys()
    x = y; x = y = z; x += 1; x.y: int = 3; x.z: int
    xs.append(1); xs.append(2); xs.append(3)
    class C:
        pass
    if c:
        pass
    for x in y:
        pass
    async for x in y:
        pass
    while c:
        pass
    try:
        pass
    except E:
        pass
    with c as v:
        pass
    del x, y[0]
    raise X from Y
    import a.b.c
    from a.b import c
    await g(h)


def g(x):
    return x
"""


def _ast_matches(pattern_text: str, tree: ast.AST, source: str) -> list[tuple[int, int]]:
    pattern = compile_pattern(pattern_text)
    lines = source.splitlines(keepends=True)
    found = []
    for node in ast.walk(tree):
        for _, _, span in spans([pattern], node, AST):
            first = span.first
            row = first.lineno
            line = lines[row - 1].encode("utf-8")
            column = len(line[: first.col_offset].decode("utf-8", "replace"))
            found.append((row, column + 1))
    return sorted(found)


def _sample_files(count: int) -> list[Path]:
    files = sorted(Path(ast.__file__).parent.glob("*.py"), key=lambda path: path.stat().st_size)
    step = max(1, len(files) // count)
    return files[::step][:count]


def test_ast_and_libcst_find_the_same_nodes(tmp_path: Path) -> None:
    """For patterns without builtins or conditions, CPython's ast finds exactly the nodes the
    libcst traversal reports: the prefilter's soundness, checked on real code."""
    codes = [f"ACME{100 + index}" for index in range(len(AGREEMENT))]
    rules = [_rule(pattern, code=code) for pattern, code in zip(AGREEMENT, codes)]
    settings = _settings(_pack(tmp_path, *rules), tuple(codes), prefilter=False)
    sources = [("showcase.py", SHOWCASE)] + [
        (str(path), path.read_text(encoding="utf-8")) for path in _sample_files(10)
    ]
    found_any = set()
    for name, source in sources:
        tree = ast.parse(source)
        result = lint_source(source, name, settings)
        assert result.error is None, name
        for pattern, code in zip(AGREEMENT, codes):
            reported = [(f.start.row, f.start.column) for f in result.findings if f.code == code]
            expected = _ast_matches(pattern, tree, source)
            if compile_pattern(pattern).kind in ("Tuple", "GeneratorExp"):
                # ast starts a parenthesised tuple at its parenthesis, libcst inside it
                reported = [(row, 0) for row, _ in reported]
                expected = [(row, 0) for row, _ in expected]
            assert sorted(reported) == expected, (name, pattern)
            if expected:
                found_any.add(pattern)
    assert found_any == set(AGREEMENT)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="x[*a] is 3.11 syntax")
def test_starred_subscripts_are_tuples_on_both_trees() -> None:
    pattern = compile_pattern("$X[$A, $B]")  # $A matches the starred item too
    assert pattern.match(ast.parse("x[*a, b]", mode="eval").body, AST) is not None
    assert pattern.match(cst.parse_expression("x[*a, b]"), CST) is not None
    starred = compile_pattern("$X[*$A, $B]")
    assert starred.match(ast.parse("x[*a, b]", mode="eval").body, AST) is not None
    assert starred.match(cst.parse_expression("x[*a, b]"), CST) is not None


# -- pattern rules on a partial parse ---------------------------------------------------------
# libcst sees only the statements the rules need (``perflint.engine.prefilter``): what a pattern rule
# reads beyond its candidate must be among them, and the ``pass`` standing for statements left
# out must match no pattern. Each case lints with and without the prefilter (which parses
# every statement) and asks for the same findings and fixed text; each is built to fail when
# the prefilter leaves out what the rule reads (the run's other statements, the module's
# imports or preamble, the lines before a loop) or when a pattern matches that ``pass``.


def _both(source: str, settings: Settings) -> tuple[list[tuple[str, int, int]], str | None]:
    """The findings (code, row, column) and fixed text, the same with and without the
    prefilter (asserted)."""
    results = [
        lint_source(source, "t.py", dataclasses.replace(settings, prefilter=prefilter))
        for prefilter in (True, False)
    ]
    found = [
        ([(f.code, f.start.row, f.start.column) for f in result.findings], result.fixed_source)
        for result in results
    ]
    assert all(result.error is None for result in results), [r.error for r in results]
    assert found[0] == found[1]
    return found[0]


RUN = _rule("$X = []\n$X.append($Y)", "$X = [$Y]", code="ACME101")
#: Matches nothing in any file: only a ``pass`` standing for left-out code would match it.
PASS_THEN_PRINT = _rule("pass\nprint($A)", code="ACME102")
PASS = _rule("pass", code="ACME103")
PRINT_TWO = _rule("print(2)", code="ACME104")
CLASS = _rule("class $C:\n    $$$BODY", code="ACME105")


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    pass\nout = []\nout.append(1)\n",
        "out = []\nout.append(1)\ndef f():\n    pass\n",
        "def f():\n    out = []\n    out.append(1)\nx = 1\n",
    ],
    ids=["module-run-after-def", "module-run-first", "run-in-function"],
)
def test_a_run_of_statements_is_matched_as_in_the_whole_file(tmp_path: Path, source: str) -> None:
    settings = _settings(_pack(tmp_path, RUN), ("ACME101",), fix=True)
    found, fixed = _both(source, settings)
    assert [code for code, _, _ in found] == [] and fixed is not None
    assert "out = [1]" in fixed


def test_a_run_across_the_cut_between_pieces_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(syntax, "PIECE_SIZE", 200)
    filler = "".join(f"v{n} = {n}\n" for n in range(40))
    source = filler + "out = []\nout.append(1)\n" + filler.replace("v", "w")
    view = syntax.read(source, "t.py", want_ast=True)
    cuts = [piece.first_row for piece in view.pieces]
    row = source.splitlines().index("out.append(1)") + 1
    if row not in cuts:  # put the cut between the two statements of the run
        monkeypatch.setattr(syntax, "PIECE_SIZE", source.index("out.append(1)") - 1)
        view = syntax.read(source, "t.py", want_ast=True)
        assert row in [piece.first_row for piece in view.pieces]
    settings = _settings(_pack(tmp_path, RUN), ("ACME101",))
    found, _ = _both(source, settings)
    assert found == [("ACME101", row - 1, 1)]


def test_the_pass_standing_for_left_out_statements_matches_no_pattern(tmp_path: Path) -> None:
    # f and the module-level print(2) are kept (candidates), ``x = 0`` between them is not.
    source = "def f():\n    pass\n    print(1)\nx = 0\nprint(2)\ndef g():\n    pass\n"
    paths = _pack(tmp_path, PASS_THEN_PRINT, PASS, PRINT_TWO)
    found, _ = _both(source, _settings(paths, ("ACME102", "ACME103", "ACME104")))
    assert found == [
        ("ACME102", 2, 5),
        ("ACME103", 2, 5),
        ("ACME104", 5, 1),
        ("ACME103", 7, 5),
    ]


def test_a_pattern_rooted_at_a_class_is_found(tmp_path: Path) -> None:
    source = "import os\nclass A:\n    x = 1\ndef f():\n    class B:\n        y = 2\n"
    found, _ = _both(source, _settings(_pack(tmp_path, CLASS), ("ACME105",)))
    assert found == [("ACME105", 2, 1), ("ACME105", 5, 5)]


def test_a_module_condition_sees_the_modules_imports() -> None:
    source = "import re\nimport os\n\nX = 1\n\ndef f(xs):\n    for x in xs:\n        re.match('a+b', x)\n"
    found, _ = _both(source, Settings(select=("PFL326",), target_version="py312"))
    assert [code for code, _, _ in found] == ["PFL326"]


@pytest.mark.parametrize(
    "head,fixed_head",
    [
        (
            '"""Doc."""\nfrom __future__ import annotations\nX = 1\n',
            '"""Doc."""\nfrom __future__ import annotations\nimport operator\nX = 1\n',
        ),
        ('"""Doc."""\nimport operator\nX = 1\n', '"""Doc."""\nimport operator\nX = 1\n'),
        ("import sys\nX = 0\nimport os, operator\n", "import sys\nX = 0\nimport os, operator\n"),
    ],
    ids=["inserted-after-the-preamble", "imported-already", "imported-later"],
)
def test_a_fix_import_goes_where_the_whole_file_puts_it(head: str, fixed_head: str) -> None:
    tail = "\n\ndef f(xs):\n    return sorted(xs, key=lambda x: x[1])\n"
    settings = Settings(select=("PFL330",), target_version="py312", fix=True, unsafe_fixes=True)
    _, fixed = _both(head + tail, settings)
    assert fixed == fixed_head + tail.replace("lambda x: x[1]", "operator.itemgetter(1)")


def test_a_module_imported_in_a_block_keeps_the_rule_quiet() -> None:
    # ``operator`` is bound, but not by a plain top-level import the fix could rely on.
    source = (
        "import sys\nif sys.version_info > (3,):\n    import operator\nX = 1\n\n"
        "def f(xs):\n    return sorted(xs, key=lambda x: x[1])\n"
    )
    settings = Settings(select=("PFL330",), target_version="py312", fix=True, unsafe_fixes=True)
    assert _both(source, settings) == ([], source)


def test_a_list_built_lines_before_its_loop_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(select=("PFL201",), target_version="py312", fix=True, unsafe_fixes=True)
    between = "".join(f"a{n} = {n}\n" for n in range(5))
    source = "def g():\n    pass\nout = []\n" + between + "for x in range(3):\n    out.append(x * 2)\n"
    _, fixed = _both(source, settings)
    assert fixed is not None and "out = [x * 2 for x in range(3)]" in fixed
    # The same with a cut between the list and the loop.
    monkeypatch.setattr(syntax, "PIECE_SIZE", source.index("a2 = 2"))
    assert len(syntax.read(source, "t.py", want_ast=True).pieces) > 1
    assert _both(source, settings)[1] == fixed


def test_a_module_level_probe_left_out_still_counts() -> None:
    # ``getattr(d, "keys", None)`` in a statement no rule needs: the module duck-types d,
    # so PFL102 stays quiet about ``d.keys()`` there, as it does on the whole file.
    source = (
        "d = load()\nok = getattr(d, 'keys', None) is not None\ndef f():\n    pass\n"
        "for k in d.keys():\n    print(k)\n"
    )
    found, _ = _both(source, Settings(select=("PFL102",), target_version="py312"))
    assert found == []


def test_separators_are_known_to_the_rules() -> None:
    parsed = libcst_parse.parse("a = 1\n", None)
    assert parsed.separators == frozenset()



def test_a_regex_reads_the_rows_cpython_counts() -> None:
    # ``\x1c`` breaks a line for ``str.splitlines`` but not for CPython: a regex on the ast
    # read the row below the capture's (``super(`` there) and dropped the finding.
    source = 'x = "\x1cABCDsuper()"\ny = abcdefgh.__len__()\n'
    found, _ = _both(source, Settings(select=("PFL322",), target_version="py312"))
    assert found == [("PFL322", 2, 5)]


@pytest.mark.parametrize(
    "grows",
    ["q.append(3)", "q += [3]", "q[:] = [3, 4]", "keep(q)", "alias = q", "keep(*q)", "print(q)"],
)
def test_a_queue_grown_by_a_statement_left_out_is_still_a_queue(grows: str) -> None:
    source = f"q = [1, 2]\n{grows}\ndef f():\n    while q:\n        q.pop(0)\n"
    found, _ = _both(source, Settings(select=("PFL311",), target_version="py312"))
    # (``q += [3]`` binds q again: no longer a name bound only to lists)
    assert len(found) == (0 if grows in ("print(q)", "q += [3]") else 1)


def test_what_grows_a_list_reads_alike_on_both_trees() -> None:
    """``queues.ast_growing`` (for the statements libcst does not parse) names exactly the
    names libcst's tree has a growing use of, over a sample of the standard library."""
    for path in _sample_files(40):
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
            module = cst.parse_module(source)
        except (SyntaxError, cst.ParserSyntaxError):
            continue
        found: set[str] = set()
        stack: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None]] = [(module, None, None)]
        while stack:
            node, parent, grandparent = stack.pop()
            if isinstance(node, cst.Name) and parent is not None and queues._grows(node, parent, grandparent):
                found.add(node.value)
            stack.extend((child, node, parent) for child in node.children)
        # (libcst has None, True and False as names: never a list's)
        assert queues.ast_growing(tree.body) == found - {"None", "True", "False"}, path
