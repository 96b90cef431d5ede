"""What keeps the cost of one large file linear: structure, not timings (those are measured
in ``benchmarks/large_files.py``).

CPython reads a file in pieces of bounded size, libcst is handed chunks of bounded cost and
never the statements no rule needs, a module's name counts are tallied once for all the
questions the rules ask, and a reporter splits a file's source once, not once per finding.
"""

from __future__ import annotations

import random
from collections import Counter

import libcst as cst
import pytest

from perflint import Settings, lint_source
from perflint.engine import libcst_parse, prefilter, syntax
from perflint.output.formats import ReportContext, get_reporter
from perflint.rules.registry import builtin_rules
from perflint.rules.scope import Scope

ALL = Settings(select=tuple(spec.code for spec in builtin_rules()), target_version="py310")


def _functions(count: int) -> str:
    return "".join(
        f"def f{n}(nums):\n    for i in range(len(nums)):\n        print(nums[i])\n\n"
        for n in range(count)
    )


@pytest.fixture(autouse=True)
def small_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets a hundred times smaller, so that small files show the large ones' structure."""
    monkeypatch.setattr(syntax, "PIECE_SIZE", 2_000)
    monkeypatch.setattr(syntax, "RETAIN", 10_000)
    monkeypatch.setattr(libcst_parse, "CHUNK_COST", 3_000)
    monkeypatch.setattr(prefilter, "WHOLE_AST", 1_000)


def test_cpython_reads_a_large_file_in_bounded_pieces() -> None:
    source = _functions(2000)
    view = syntax.read(source, "big.py", want_ast=True)
    assert view.rejection is None
    assert len(view.pieces) > 20
    assert max(len(piece.text) for piece in view.pieces) < 2 * syntax.PIECE_SIZE
    assert "".join(piece.text for piece in view.pieces) == source
    assert sum(len(tree.body) for _, tree in view.trees()) == 2000


@pytest.fixture
def parsed_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text handed to libcst's parser."""
    texts: list[str] = []
    real = libcst_parse.cst.parse_module

    def recording(source: str, *args: object, **kwargs: object) -> cst.Module:
        texts.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(libcst_parse.cst, "parse_module", recording)
    return texts


def test_libcst_gets_chunks_of_bounded_cost(parsed_texts: list[str]) -> None:
    result = lint_source(_functions(600), "big.py", ALL)
    assert len(result.findings) == 600
    assert len(parsed_texts) > 10
    biggest_statement = libcst_parse.cost(_functions(1))
    assert max(map(libcst_parse.cost, parsed_texts)) <= libcst_parse.CHUNK_COST + biggest_statement


def test_a_large_statement_is_parsed_in_parts(parsed_texts: list[str]) -> None:
    body = "".join(f"    v{n} = nums[{n % 7}] * {n}\n" for n in range(2000))
    source = "def big(nums):\n" + body + "    for i in range(len(nums)):\n        print(nums[i])\n"
    result = lint_source(source, "big.py", ALL)
    assert [f.code for f in result.findings] == ["PFL101"]
    assert result.findings[0].start.row == 2002
    assert max(map(len, parsed_texts)) < 2 * libcst_parse.CHUNK_COST
    # The parts put together are the function libcst would have read from the whole file.
    view = syntax.read(source, "big.py", want_ast=True)
    from perflint.engine.prefilter import _everything

    whole = cst.parse_module(source).body[0]
    assert libcst_parse.parse(source, _everything(view, []).statements).module.body[0].deep_equals(whole)


def test_statements_no_rule_needs_never_reach_libcst(parsed_texts: list[str]) -> None:
    data = "DATA = [\n" + "".join(f"    [[{n}, 'x'], {{'k': {n}}}],\n" for n in range(3000)) + "]\n"
    source = data + "for i in range(len(DATA)):\n    print(DATA[i])\n"
    result = lint_source(source, "data.py", ALL)
    assert [f.code for f in result.findings] == ["PFL101"]
    assert sum(map(len, parsed_texts)) < 1000  # the loop, not the 90 KB of data


def _old_count_refs(scope: Scope, name: str) -> int:
    total = scope.names[name]
    for child in scope.children:
        if name in child.bindings and name not in child.globals | child.nonlocals:
            continue
        total += _old_count_refs(child, name)
    return total


def _old_count(scope: Scope, name: str) -> int:
    return scope.names[name] + sum(_old_count(child, name) for child in scope.children)


def test_name_counts_are_tallied_once_and_agree_with_the_walk() -> None:
    rng = random.Random(7)
    names = ["a", "b", "c", "d"]
    module = Scope("module", cst.Module([]), None)
    scopes = [module]
    for _ in range(300):
        parent = rng.choice(scopes)
        child = Scope(rng.choice(["function", "class", "comprehension"]), cst.Module([]), parent)
        parent.children.append(child)
        child.names.update(rng.choices(names, k=rng.randrange(4)))
        for name in rng.sample(names, rng.randrange(3)):
            child.bindings[name] = []
        if rng.random() < 0.1:
            child.globals.add(rng.choice(names))
        scopes.append(child)
    module.names.update(rng.choices(names, k=5))
    for scope in scopes:
        for name in names:
            assert scope.count_refs(name) == _old_count_refs(scope, name)
            assert scope.count(name) == _old_count(scope, name)
    assert all(scope._tallies is not None for scope in scopes)  # built once, kept


def test_a_reporter_splits_a_source_once_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from perflint.text import lines

    source = _functions(200)
    result = lint_source(source, "big.py", ALL)
    assert len(result.findings) == 200
    calls: Counter[str] = Counter()
    real = lines.split_lines

    def counting(text: str) -> list[str]:
        # (main's reporters also split each finding's own code and fix: small texts)
        if len(text) > len(source) // 2:
            calls[text[:20]] += 1
        return real(text)

    monkeypatch.setattr(lines, "split_lines", counting)
    lines.lines_of.cache_clear()
    context = ReportContext(source=lambda _: source)
    for name in ("text", "markdown"):
        output = get_reporter(name)([result], context)
        assert output.count("PFL101") >= 200
    assert sum(calls.values()) <= 2, calls


@pytest.mark.slow
def test_parts_put_together_are_libcsts_whole_parse_on_the_standard_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Budgets so small that nearly every statement is parsed as a stub and its bodies, and
    # every body in chunks: the module put together must equal libcst's parse of the file.
    import sysconfig
    import warnings
    from pathlib import Path

    from perflint.engine.prefilter import _everything

    monkeypatch.setattr(libcst_parse, "CHUNK_COST", 300)
    monkeypatch.setattr(prefilter, "WHOLE_AST", 150)
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    checked = 0
    for path in files[::40]:
        try:
            source = path.read_text("utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                whole = cst.parse_module(source)
        except (UnicodeDecodeError, cst.ParserSyntaxError, RecursionError, SyntaxError):
            continue
        view = syntax.read(source, str(path), want_ast=True)
        if view.rejection is not None or not whole.body:
            continue
        parts = libcst_parse.parse(source, _everything(view, []).statements).module
        assert len(parts.body) == len(whole.body), path
        # The first statement's leading lines are the module's header in a whole parse.
        first = whole.body[0].with_changes(leading_lines=())
        assert parts.body[0].with_changes(leading_lines=()).deep_equals(first), path
        for ours, theirs in zip(parts.body[1:], whole.body[1:]):
            assert ours.deep_equals(theirs), (path, parts.code_for_node(ours)[:200])
        checked += 1
    assert checked > 30
