"""The performance diff's reading of bytecode, checked against the source on real code (a
sample of the standard library), on every CPython 3.8-3.13 present.

- Formatting, comments and docstrings change nothing: every unit of a file and of the same
  file re-laid out by ``ast.unparse`` (comments gone, lines joined and split) with every
  docstring rewritten has the same signature, totals and loops.
- Callees are named as written: the ``call`` facts of each function equal the dotted callees
  of its ``ast.Call`` nodes.
"""

from __future__ import annotations

import ast
import re
import sys
import sysconfig
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_explain import VERSIONS, python

from perflint.evidence.explain import disassemble

SAMPLE = (  # about 6,500 lines holding some 200 loops of every kind
    "textwrap.py", "difflib.py", "fnmatch.py", "csv.py", "heapq.py", "tokenize.py",
    "calendar.py", "graphlib.py", "pprint.py", "shlex.py", "json/decoder.py",
)
STDLIB = Path(sysconfig.get_paths()["stdlib"])
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def sources() -> list[tuple[str, str]]:
    return [(name, (STDLIB / name).read_text(encoding="utf-8")) for name in SAMPLE if (STDLIB / name).is_file()]


def compile_units(texts: list[tuple[str, str]], version: str | None) -> list[dict[str, Any]]:
    requests = [{"code": text, "mode": "units", "name": name} for name, text in texts]
    _, results = disassemble(requests, None if version is None else python(version))
    return results


def _redocumented(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    body[0].value.value = "Rewritten.\n\n    With another paragraph.\n    "
    return tree


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    return {
        unit["qualname"] + f"#{n}": (
            unit["signature"],
            unit["instructions"],
            [(loop["depth"], loop["count"], loop["facts"], loop["body"]) for loop in unit["loops"]],
        )
        for n, unit in enumerate(result["units"])
    }


@pytest.mark.parametrize("version", [None, *VERSIONS], ids=["running", *VERSIONS])
def test_layout_comments_and_docstrings_change_nothing(version: str | None) -> None:
    originals = sources()
    rewritten = [(name, ast.unparse(_redocumented(ast.parse(text)))) for name, text in originals]
    assert all(a != b for (_, a), (_, b) in zip(originals, rewritten))
    before, after = compile_units(originals, version), compile_units(rewritten, version)
    compared = 0
    for (name, _), old, new in zip(originals, before, after):
        if not (old["ok"] and new["ok"]):
            assert old["ok"] == new["ok"], name  # a file newer than this interpreter fails both
            continue
        assert comparable(old) == comparable(new), name
        compared += sum(len(unit["loops"]) for unit in old["units"])
    assert compared > 150  # loops compared, so the sample is not vacuous


# -- callees as written ----------------------------------------------------------------------------
def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


_SKIP = (ast.Try, ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match)
if hasattr(ast, "TryStar"):
    _SKIP = (*_SKIP, ast.TryStar)


def _checkable(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """No handler code (the facts follow normal control flow only), nothing nested that runs
    elsewhere, no ``super()`` (3.12 loads its attribute without a call) or mangled name, no
    code the compiler drops (``if 0 and ...:``) or copies (the exit of ``a < b < c``)."""
    for node in ast.walk(ast.Module(body=function.body, type_ignores=[])):
        if isinstance(node, _SKIP):
            return False
        if isinstance(node, ast.Compare) and len(node.ops) > 1:
            return False
        if isinstance(node, (ast.If, ast.IfExp)):
            test = node.test.values[0] if isinstance(node.test, ast.BoolOp) else node.test
            if isinstance(test, ast.Constant):
                return False
        if isinstance(node, ast.Name) and node.id == "super":
            return False
        if isinstance(node, ast.Attribute) and node.attr.startswith("__") and not node.attr.endswith("__"):
            return False
    return True


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Module-level functions and methods, by qualname."""
    out: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            out.extend(
                (f"{node.name}.{n.name}", n) for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
    return out


def _in_a_loop(text: str, minor: int) -> tuple[str, dict[str, Counter[str]]]:
    """The module with each checkable function's body inside a loop (so that every call of
    it is a fact of a loop), and the callees its source names, by qualname, as CPython 3.minor
    compiles them: 3.10+ compiles a ``while`` loop's test twice (at the top and at the bottom
    of the loop), 3.8 and 3.9 once; 3.8 builds a failing ``assert``'s error by calling the
    global ``AssertionError`` (3.9 added ``LOAD_ASSERTION_ERROR``), as ``raise
    AssertionError(msg)`` would, so its bytecode names that call."""
    tree = ast.parse(text)
    expected: dict[str, Counter[str]] = {}
    for qualname, function in _functions(tree):
        if not _checkable(function):
            continue
        names: Counter[str] = Counter()
        for statement in function.body:
            for node in ast.walk(statement):
                if isinstance(node, ast.Call) and (name := _dotted(node.func)) is not None:
                    names[name] += 1
                elif minor == 8 and isinstance(node, ast.Assert) and node.msg is not None:
                    names["AssertionError"] += 1
                elif minor >= 10 and isinstance(node, ast.While) and not isinstance(node.test, ast.Constant):
                    for inner in ast.walk(node.test):  # the test is compiled twice: top and bottom
                        if isinstance(inner, ast.Call) and (name := _dotted(inner.func)) is not None:
                            names[name] += 1
        expected[qualname] = names
        loop = ast.For(
            target=ast.Name("_perflint_i", ast.Store()),
            iter=ast.Name("_perflint_items", ast.Load()),
            body=function.body,
            orelse=[],
        )
        function.body = [loop]
    return ast.unparse(ast.fix_missing_locations(tree)), expected


@pytest.mark.parametrize("version", [None, *VERSIONS], ids=["running", *VERSIONS])
def test_callees_are_named_as_written(version: str | None) -> None:
    minor = sys.version_info[1] if version is None else int(version.split(".")[1])
    wrapped = [(name, *_in_a_loop(text, minor)) for name, text in sources()]
    results = compile_units([(name, text) for name, text, _ in wrapped], version)
    checked = 0
    for (name, _, expected), result in zip(wrapped, results):
        if not result["ok"]:
            continue
        for unit in result["units"]:
            qualname = unit["qualname"]
            if unit["kind"] != "function" or qualname not in expected or not unit["loops"]:
                continue
            calls = Counter(
                fact[len("call ") :]
                for loop in unit["loops"]
                for fact in loop["facts"]
                if fact.startswith("call ") and _DOTTED.match(fact[len("call ") :])
            )
            assert calls == expected[qualname], f"{name}: {qualname}"
            checked += sum(calls.values())
    assert checked > 600
