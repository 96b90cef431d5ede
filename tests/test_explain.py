"""Bytecode explanations, checked against the real bytecode of every CPython 3.8-3.13 present.

Each version is reached through the subprocess path (``python=pythonX.Y``); a version is
skipped only when its interpreter is absent.  No timing is asserted.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from perflint import Settings, lint_source
from perflint.evidence import disasm as _disasm
from perflint.evidence.explain import (
    ExplainError,
    InterpreterNotFound,
    attach_explanations,
    build_explanation,
    diff_lines,
    disassemble,
    explain_example,
    function_source,
)
from perflint.evidence.measure import measure_rule, render_timing, timing_json
from perflint.evidence.page import explain_rule
from perflint.output.explanation import (
    explanation_json,
    per_iteration_line,
    render_explanation,
)
from perflint.output.opcodes import GLOSSES
from perflint.rules.registry import builtin_rules, rule_by_code
from perflint.types import Example, Explanation, FileResult, RuleSpec

VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")

# The seed article's example, verbatim.
SEED = '''\
# Slow function
def sum_of_squares_slow(nums:list)->int:
    total = 0
    for i in range(len(nums)):
        total += nums[i] ** 2 # access the array by index
    return total
'''
SEED_FAST = '''\
# Faster version
def sum_of_squares_fast(nums:list)->int:
    total = 0
    for num in nums: # Uses efficient iterator protocol
        total += num ** 2
    return total
'''


@cache
def _probe(version: str) -> str | None:
    command = f"python{version}"
    if shutil.which(command) is None:
        return None
    probe = subprocess.run(
        [command, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return command if probe.returncode == 0 and probe.stdout.strip() == version else None


def python(version: str) -> str:
    command = _probe(version)
    if command is None:
        pytest.skip(f"python{version} is not available")
    return command


def minor(version: str) -> int:
    return int(version.split(".")[1])


# -- helpers over a diff ------------------------------------------------------------------------
def marked(diff: tuple[str, ...], mark: str) -> list[str]:
    """Instructions (without indentation) of the diff lines marked ``-``, ``+`` or `` ``."""
    return [line[2:].strip() for line in diff if line[0] == mark and line[2:].startswith("  ")]


def split_at_loop(diff: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Diff lines before the first FOR_ITER, and from it to the first backward jump."""
    start = next(i for i, line in enumerate(diff) if "FOR_ITER" in line)
    end = next(
        i for i, line in enumerate(diff) if i > start and ("JUMP_BACKWARD" in line or "JUMP_ABSOLUTE" in line)
    )
    return list(diff[:start]), list(diff[start : end + 1])


def removed(lines: list[str]) -> list[str]:
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def added(lines: list[str]) -> list[str]:
    return [line[2:].strip() for line in lines if line.startswith("+ ")]


def call_ops(version: str) -> list[str]:
    if minor(version) <= 10:
        return ["CALL_FUNCTION", "CALL_FUNCTION"]
    if minor(version) == 11:
        return ["PRECALL", "CALL", "PRECALL", "CALL"]
    return ["CALL", "CALL"]


# Instructions one iteration runs (FOR_ITER .. backward jump), slow and fast.  Slow on 3.10:
# FOR_ITER STORE_FAST(i) LOAD_FAST(total) LOAD_FAST(nums) LOAD_FAST(i) BINARY_SUBSCR LOAD_CONST
# BINARY_POWER INPLACE_ADD STORE_FAST(total) JUMP_ABSOLUTE = 11; fast drops LOAD_FAST(i) and
# BINARY_SUBSCR and loads the item instead of the list.  3.13 fuses two loads into one.
SEED_COUNTS = {"3.8": (11, 9), "3.9": (11, 9), "3.10": (11, 9), "3.11": (11, 9), "3.12": (11, 9), "3.13": (10, 8)}


def assert_seed_diff(explanation: Explanation, version: str, item: str = "num", seq: str = "nums") -> None:
    assert explanation.interpreter.startswith(f"CPython {version}.")
    before, loop = split_at_loop(explanation.diff)
    gone_before = removed(before)
    globals_ = [line for line in gone_before if line.startswith("LOAD_GLOBAL")]
    assert len(globals_) == 2
    assert "range" in globals_[0].split() and "len" in globals_[1].split()
    assert [line for line in gone_before if not line.startswith("LOAD_GLOBAL")] == call_ops(version)
    assert added(before) == []
    if minor(version) >= 13:
        # LOAD_FAST_LOAD_FAST pairs the accumulator with the list, then with the item.
        assert removed(loop) == ["STORE_FAST i", f"LOAD_FAST_LOAD_FAST total, {seq}", "LOAD_FAST i", "BINARY_SUBSCR"]
        assert added(loop) == [f"STORE_FAST {item}", f"LOAD_FAST_LOAD_FAST total, {item}"]
    else:
        assert removed(loop) == ["STORE_FAST i", f"LOAD_FAST {seq}", "LOAD_FAST i", "BINARY_SUBSCR"]
        assert added(loop) == [f"STORE_FAST {item}", f"LOAD_FAST {item}"]
    jump = "JUMP_ABSOLUTE" if minor(version) <= 10 else "JUMP_BACKWARD"
    assert loop[-1].split()[0] == jump and loop[-1].startswith("  ")  # the same jump in both
    assert (explanation.slow_per_iteration, explanation.fast_per_iteration) == SEED_COUNTS[version]
    assert explanation.per_iteration_branches is False


# -- the seed example on every interpreter -------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_seed_example_bytecode_diff(version: str) -> None:
    command = python(version)
    explanation = explain_example(Example(slow=SEED, fast=SEED_FAST), command)
    assert explanation.source == "rule-example"
    assert explanation.interpreter.endswith(f"({command})")
    assert_seed_diff(explanation, version)
    # The one-time setup and the per-iteration work are the only differences.
    assert marked(explanation.diff, " ")[-1] == "RETURN_VALUE"


@pytest.mark.parametrize("version", VERSIONS)
def test_seed_finding_explained_on_each_interpreter(version: str) -> None:
    command = python(version)
    result = lint_source(SEED, "seed.py", Settings(select=("PFL101",)))
    (finding,) = attach_explanations([result], command)[0].findings
    assert finding.explanation is not None
    assert finding.explanation.source == "finding"
    assert_seed_diff(finding.explanation, version)


def test_seed_finding_in_process_uses_the_users_own_code() -> None:
    result = lint_source(SEED, "seed.py", Settings(select=("PFL101",)))
    (explained,) = attach_explanations([result])
    (finding,) = explained.findings
    explanation = finding.explanation
    assert explanation is not None and explanation.source == "finding"
    assert explanation.slow_code == finding.flagged_code
    assert "# access the array by index" in explanation.slow_code
    assert explanation.fast_code.startswith("for num in nums:")
    assert explanation.interpreter.startswith(f"CPython {sys.version_info[0]}.{sys.version_info[1]}.")
    assert_seed_diff(explanation, f"{sys.version_info[0]}.{sys.version_info[1]}")
    # Only the explanation was added.
    assert dataclasses.replace(finding, explanation=None) == result.findings[0]


def test_finding_explanation_carries_the_users_names() -> None:
    code = (
        "def total_price(prices):\n"
        "    total = 0\n"
        "    for k in range(len(prices)):\n"
        "        total += prices[k] ** 2\n"
        "    return total\n"
    )
    result = lint_source(code, "shop.py", Settings(select=("PFL101",)))
    (explained,) = attach_explanations([result])
    (finding,) = explained.findings
    assert finding.explanation is not None and finding.explanation.source == "finding"
    _, loop = split_at_loop(finding.explanation.diff)

    def operands(lines: list[str]) -> set[str]:
        return {name.strip(",") for line in lines if line.startswith("LOAD_FAST") for name in line.split()[1:]}

    assert {"prices", "k"} <= operands(removed(loop))
    assert "price" in operands(added(loop))
    assert all("nums" not in line for line in finding.explanation.diff)


# -- the function wrapper ------------------------------------------------------------------------
LOCALS_SNIPPET = """\
for i in range(len(nums)):
    total += nums[i] * factor
    handle(total)
    print(total)
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_wrapper_makes_names_locals_except_builtins(version: str) -> None:
    _, (result,) = disassemble([function_source(LOCALS_SNIPPET, ("range", "len"))], python(version))
    assert result["ok"], result
    assert result["params"] == ["factor", "handle", "i", "nums", "total"]
    instructions = [ins for obj in result["code_objects"] for ins in obj["instructions"]]
    loaded_globals = {ins.split()[1] if ins.split()[1] != "NULL" else ins.split()[3]
                      for ins in instructions if ins.startswith("LOAD_GLOBAL")}
    assert loaded_globals == {"range", "len", "print"}
    assert not [ins for ins in instructions if ins.split()[0] in ("LOAD_NAME", "STORE_NAME", "STORE_GLOBAL")]
    fast_names = {name.strip(",") for ins in instructions if ins.startswith(("LOAD_FAST", "STORE_FAST"))
                  for name in ins.split()[1:]}
    assert {"nums", "factor", "handle", "total", "i"} <= fast_names
    # No maybe-unbound check: the real function bound ``total`` before the loop.
    assert not [ins for ins in instructions if ins.startswith("LOAD_FAST_CHECK")]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("snippet", "wrapper", "marker"),
    [
        pytest.param("for x in xs:\n    if x:\n        return x\n", "def", "RETURN_VALUE", id="return"),
        pytest.param("for x in xs:\n    yield x * 2\n", "def", "YIELD_VALUE", id="yield"),
        pytest.param("for x in xs:\n    await handle(x)\n", "async def", "GET_AWAITABLE", id="await"),
        pytest.param("async for x in xs:\n    total += x\n", "async def", "GET_ANEXT", id="async-for"),
    ],
)
def test_snippets_with_return_yield_await_compile(version: str, snippet: str, wrapper: str, marker: str) -> None:
    _, (result,) = disassemble([function_source(snippet)], python(version))
    assert result["ok"], result
    assert result["wrapper"] == wrapper
    instructions = [ins.split()[0] for obj in result["code_objects"] for ins in obj["instructions"]]
    assert marker in instructions


def test_snippet_that_cannot_compile_alone_is_an_error_result() -> None:
    _, (result,) = disassemble([function_source("nonlocal q\nfor x in q:\n    pass\n")])
    assert result == {"ok": False, "error": "SyntaxError: no binding for nonlocal 'q' found (line 2)"}


@pytest.mark.parametrize("version", VERSIONS)
def test_comprehension_is_a_separate_code_object_before_312(version: str) -> None:
    slow = "[nums[i] * nums[i] for i in range(len(nums))]\n"
    fast = "[num * num for num in nums]\n"
    label, (s, f) = disassemble([function_source(slow, ("range", "len")), function_source(fast)], python(version))
    explanation = build_explanation(label, "finding", slow, fast, s, f)
    headers = [line for line in explanation.slow_bytecode if line.startswith("code object")]
    if minor(version) <= 11:
        assert headers == ["code object <snippet>:", "code object <snippet>.<listcomp>:"]
    else:
        assert headers == []  # PEP 709 inlined comprehensions
    # Two subscripts and their loads leave the loop body on every version.
    assert removed(list(explanation.diff)).count("BINARY_SUBSCR") == 2
    # Slow: FOR_ITER STORE(i) [LOAD(nums) LOAD(i) BINARY_SUBSCR] x2 BINARY_OP LIST_APPEND JUMP;
    # 3.13 fuses STORE+LOAD and LOAD+LOAD pairs.
    expected = {"3.8": (11, 7), "3.9": (11, 7), "3.10": (11, 7), "3.11": (11, 7), "3.12": (11, 7), "3.13": (9, 6)}[version]
    assert (explanation.slow_per_iteration, explanation.fast_per_iteration) == expected


# -- PFL105's point: a try/except in a loop ------------------------------------------------------
TRY_IN_LOOP = "for x in xs:\n    try:\n        handle(x)\n    except ValueError:\n        pass\n"
LOOP_IN_TRY = "try:\n    for x in xs:\n        handle(x)\nexcept ValueError:\n    pass\n"


@pytest.mark.parametrize("version", VERSIONS)
def test_try_in_loop_sets_up_a_block_each_iteration_before_311(version: str) -> None:
    label, (slow, fast) = disassemble([function_source(TRY_IN_LOOP), function_source(LOOP_IN_TRY)], python(version))
    explanation = build_explanation(label, "finding", TRY_IN_LOOP, LOOP_IN_TRY, slow, fast)
    (loop,) = slow["code_objects"][0]["loops"]
    body = [ins.split()[0] for ins in slow["code_objects"][0]["instructions"][loop["head"] : loop["exit"]]]
    everything = [ins.split()[0] for ins in slow["code_objects"][0]["instructions"]]
    if minor(version) <= 10:
        assert "SETUP_FINALLY" in body and "POP_BLOCK" in body
        _, diff_loop = split_at_loop(explanation.diff)
        assert [line for line in removed(diff_loop) if line.startswith("SETUP_")] == ["SETUP_FINALLY to L2"]
        assert explanation.slow_per_iteration == explanation.fast_per_iteration + 2
    else:
        # 3.11+ zero-cost exceptions: a table, no instruction sets the handler up.
        assert not [name for name in everything if name.startswith("SETUP_") or name == "POP_BLOCK"]
        assert explanation.slow_per_iteration == explanation.fast_per_iteration + 1  # a NOP
    assert explanation.per_iteration_branches is False


# -- loops, branches, labels --------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_branching_body_is_counted_along_its_longest_path(version: str) -> None:
    slow = "for word in words:\n    if word in vocabulary.keys():\n        found += 1\n"
    fast = "for word in words:\n    if word in vocabulary:\n        found += 1\n"
    label, (s, f) = disassemble([function_source(slow), function_source(fast)], python(version))
    explanation = build_explanation(label, "finding", slow, fast, s, f)
    assert explanation.per_iteration_branches is True
    assert explanation.slow_per_iteration is not None and explanation.fast_per_iteration is not None
    # keys(): LOAD_ATTR/LOAD_METHOD + CALL (+ PRECALL on 3.11) more on the path through ``found += 1``.
    assert explanation.slow_per_iteration - explanation.fast_per_iteration == (3 if minor(version) == 11 else 2)
    assert "longest path" in per_iteration_line(explanation)


@pytest.mark.parametrize("version", VERSIONS)
def test_nested_loop_counts_the_innermost_changed_loop(version: str) -> None:
    slow = "for row in rows:\n    for i in range(len(row)):\n        total += row[i]\n"
    fast = "for row in rows:\n    for cell in row:\n        total += cell\n"
    label, (s, f) = disassemble([function_source(slow, ("range", "len")), function_source(fast)], python(version))
    explanation = build_explanation(label, "finding", slow, fast, s, f)
    depths = sorted(loop["depth"] for loop in s["code_objects"][0]["loops"])
    assert depths == [0, 1]
    # The inner loop: FOR_ITER STORE(i) LOAD(total) LOAD(row) LOAD(i) BINARY_SUBSCR add STORE(total)
    # JUMP; the outer one would count the inner loop's setup too.  3.13 fuses LOAD(total) LOAD(row).
    expected = (8, 6) if minor(version) >= 13 else (9, 7)
    assert (explanation.slow_per_iteration, explanation.fast_per_iteration) == expected


def test_labels_are_renamed_so_identical_jumps_match() -> None:
    slow = ("L1:", "  FOR_ITER to L3", "  POP_JUMP_IF_FALSE to L2", "L2:", "  JUMP_BACKWARD to L1", "L3:", "  RETURN_VALUE")
    fast = ("L1:", "  FOR_ITER to L2", "  JUMP_BACKWARD to L1", "L2:", "  RETURN_VALUE")
    assert diff_lines(slow, fast) == (
        "  L1:",
        "    FOR_ITER to L3",
        "-   POP_JUMP_IF_FALSE to L2",
        "- L2:",
        "    JUMP_BACKWARD to L1",
        "  L3:",
        "    RETURN_VALUE",
    )


# -- interpreters --------------------------------------------------------------------------------
def test_missing_interpreter_is_a_clear_error() -> None:
    spec = rule_by_code("PFL101")
    assert spec is not None
    with pytest.raises(InterpreterNotFound, match="python9.99-not-here"):
        explain_rule(spec, python="python9.99-not-here")
    with pytest.raises(InterpreterNotFound, match="/no/such/python"):
        attach_explanations([], python="/no/such/python")
    assert issubclass(InterpreterNotFound, ExplainError)


@pytest.mark.parametrize("version", [None, *VERSIONS], ids=["running", *VERSIONS])
def test_disasm_runs_as_a_plain_script_and_only_compiles(tmp_path: Path, version: str | None) -> None:
    """Every mode of the script (and so every module it imports: _bytecode, _stackfacts,
    _units) runs on each CPython, 3.8 and 3.9 included, and executes nothing."""
    interpreter = sys.executable if version is None else python(version)
    # Would print (and create a file) if it were executed or imported.
    canary = tmp_path / "ran"
    code = f"open({str(canary)!r}, 'w').close()\nfor i in range(3):\n    print(i)\n"
    function = "def f(xs):\n    while xs:\n        with g() as h:\n            yield [h(x) for x in xs.pop()]\n"
    sources = [
        {"code": code, "mode": "module"},
        {"code": "for x in xs:\n    total += x\n", "mode": "function", "globals": []},
        {"code": code + function, "mode": "units", "name": "a.py"},
        {"base": function, "head": function.replace("g()", "g(1)"), "mode": "unit-pair", "name": "a.py"},
    ]
    done = subprocess.run(
        [interpreter, "-I", str(Path(_disasm.__file__))],
        input=json.dumps({"sources": sources}),
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert answer["implementation"] == "CPython"
    assert version is None or answer["version"].startswith(f"{version}.")
    module, loop, units, pair = answer["results"]
    assert [obj["name"] for obj in module["code_objects"]] == ["<module>"]
    assert loop["ok"] and loop["code_objects"][0]["loops"][0]["count"] > 0
    assert units["ok"] and {unit["qualname"] for unit in units["units"]} >= {"<module>", "f"}
    assert pair["base"]["ok"] and pair["head"]["ok"], pair
    assert not canary.exists()


def test_attach_explanations_compiles_everything_in_one_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    source = SEED + "\ndef squares(nums):\n    return [nums[i] * nums[i] for i in range(len(nums))]\n"
    result = lint_source(source, "seed.py", Settings(select=("PFL101",)))
    assert len(result.findings) == 2
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    explained, empty = attach_explanations([result, FileResult(path="empty.py")], sys.executable)
    assert empty == FileResult(path="empty.py")
    assert len(calls) == 1
    assert all(f.explanation is not None and f.explanation.source == "finding" for f in explained.findings)


# -- fallbacks to the rule's example -------------------------------------------------------------
def test_finding_without_fix_or_uncompilable_code_uses_the_rule_example() -> None:
    result = lint_source(SEED, "seed.py", Settings(select=("PFL101",)))
    (finding,) = result.findings
    no_fix = dataclasses.replace(finding, fix=None)
    broken = dataclasses.replace(finding, flagged_code="nonlocal nums\n" + (finding.flagged_code or ""))
    (explained,) = attach_explanations([dataclasses.replace(result, findings=(no_fix, broken))])
    spec = rule_by_code("PFL101")
    assert spec is not None
    for explained_finding in explained.findings:
        explanation = explained_finding.explanation
        assert explanation is not None and explanation.source == "rule-example"
        assert explanation.slow_code == spec.examples[0].slow
        assert explanation.fast_code == spec.examples[0].fast


# -- output -------------------------------------------------------------------------------------
def test_render_and_json() -> None:
    result = lint_source(SEED, "seed.py", Settings(select=("PFL101",)))
    (explained,) = attach_explanations([result])
    explanation = explained.findings[0].explanation
    assert explanation is not None
    lines = render_explanation(explanation)
    assert lines[0].startswith(f"Bytecode on CPython {sys.version_info[0]}.{sys.version_info[1]}.")
    assert "this finding" in lines[0]
    diff_end = 1 + len(explanation.diff)
    assert lines[1:diff_end] == list(explanation.diff)
    slow, fast = SEED_COUNTS[f"{sys.version_info[0]}.{sys.version_info[1]}"]
    counts, outside, measured, heading, *glosses = lines[diff_end:]
    assert counts.endswith(f": {slow} flagged, {fast} rewritten")
    # range() and len() are looked up and called before the loop: that is outside it.
    assert re.fullmatch(r"Instructions outside the loop \(not repeated per iteration\): \d+ flagged, \d+ rewritten", outside)
    assert explanation.slow_outside_loop > explanation.fast_outside_loop  # type: ignore[operator]
    minor = sys.version_info[1]
    spec = rule_by_code("PFL101")
    assert spec is not None
    first, second = spec.speedup[f"py3{minor}"].split(" / ")
    assert measured == (
        f"Measured on CPython 3.{minor}, the rewrite ran {first} (example 1) and {second} (example 2) "
        "as fast (this rule's own examples, timeit)."
    )
    assert heading == "What the changed instructions do:"
    named = [line.split()[0] for line in glosses]
    assert "BINARY_SUBSCR" in named and "LOAD_GLOBAL" in named and len(named) == len(set(named))
    assert next(line for line in glosses if "BINARY_SUBSCR" in line).endswith(GLOSSES["BINARY_SUBSCR"])
    assert not any(line.startswith(("-", "+")) for line in (lines[0], *lines[diff_end:]))
    data = json.loads(json.dumps(explanation_json(explanation)))
    assert data["source"] == "finding"
    assert data["diff"] == list(explanation.diff)
    assert (data["slow_per_iteration"], data["fast_per_iteration"]) == (slow, fast)
    assert data["speedup"] == spec.speedup[f"py3{minor}"] and data["speedup_target"] == f"py3{minor}"
    assert {item["opname"] for item in data["glossary"]} == set(named)


def test_a_cost_outside_the_loop_is_counted_where_it_is() -> None:
    """PFL104 copies before the loop: the per-iteration counts are equal, the counts outside
    the loop are not, and the explanation says which."""
    spec = rule_by_code("PFL104")
    assert spec is not None
    explanation = explain_example(spec.examples[0], spec=spec)
    assert explanation.slow_per_iteration == explanation.fast_per_iteration
    assert explanation.slow_outside_loop is not None and explanation.fast_outside_loop is not None
    assert explanation.slow_outside_loop > explanation.fast_outside_loop
    lines = render_explanation(explanation)
    outside = f"Instructions outside the loop (not repeated per iteration): {explanation.slow_outside_loop} slow, {explanation.fast_outside_loop} fast"
    assert outside in lines


@pytest.mark.parametrize("version", VERSIONS)
def test_the_speed_up_shown_is_the_one_measured_on_that_cpython(version: str) -> None:
    spec = rule_by_code("PFL102")
    assert spec is not None
    explanation = explain_example(spec.examples[0], python(version), spec)
    target = "py3" + version.split(".")[1]
    assert explanation.speedup_target == target and explanation.speedup == spec.speedup[target]
    assert any(line.startswith(f"Measured on CPython {version}, the rewrite ran ") for line in render_explanation(explanation))


@pytest.mark.parametrize("spec", builtin_rules(), ids=lambda spec: spec.code)
def test_explain_every_rule(spec: RuleSpec) -> None:
    text = explain_rule(spec)
    assert text.startswith(f"# {spec.code} {spec.name}\n")
    assert "## Fix safety" in text and spec.examples[0].slow.splitlines()[0] in text
    if spec.code == "PFL001":  # about a comment: no bytecode
        assert "## Bytecode" not in text
        return
    bytecode = text.split("## Bytecode (example 1)\n", 1)[1]
    assert bytecode.splitlines()[1].startswith("Bytecode on CPython ")
    diff = [line for line in bytecode.splitlines() if line.startswith(("- ", "+ "))]
    assert diff, "the slow and fast examples compile to the same bytecode"
    words = " ".join(text.split())
    assert "It is a count, not a time" in " ".join(bytecode.split()) and words.count("It is a count, not a time") == 1
    # Each recorded figure is labelled with its example, oldest CPython first.
    recorded = text.split("## Speed-ups recorded\n", 1)[1].split("\n## ", 1)[0]
    listed = [line for line in recorded.splitlines() if line.startswith("- CPython")]
    assert [line.split(":")[0] for line in listed] == [
        f"- CPython 3.{target[3:]}" for target in sorted(spec.speedup, key=lambda t: int(t[3:]))
    ]
    assert all("(example 1)" in line for line in listed)


@pytest.mark.parametrize("version", VERSIONS)
def test_explain_rule_names_the_interpreter(version: str) -> None:
    command = python(version)
    spec = rule_by_code("PFL101")
    assert spec is not None
    text = explain_rule(spec, python=command)
    assert f"Bytecode on CPython {version}." in text
    assert f"({command}), the rule's example (- slow, + fast):" in text


# -- measuring (structure only, never the numbers) ----------------------------------------------
def _spec(examples: tuple[Example, ...]) -> RuleSpec:
    return RuleSpec(
        code="PFL999",
        name="test-rule",
        message="m",
        fix_title="f",
        why="w",
        examples=examples,
        valid=(),
        invalid=(),
        fix_safety="s",
        python=("py311",),
        tags=(),
        references=(),
        check="x.Y",
        source_file=Path("PFL999-test-rule.yaml"),
    )


def test_measure_binds_each_examples_function_to_the_name_stmt_calls() -> None:
    spec = _spec(
        (
            Example(
                slow="def double_slow(xs):\n    return [x * 2 for x in xs]\n",
                fast="def double_fast(xs):\n    return [x + x for x in xs]\n",
                setup="xs = list(range(10))",
                stmt="double(xs)",
            ),
            Example(slow="def f(): pass\n", fast="def g(): pass\n"),
            Example(slow="def f(): raise KeyError('boom')\n", fast="def g(): pass\n", setup="", stmt="f()"),
        )
    )
    timing = measure_rule(spec, repeat=1)
    assert timing.code == "PFL999"
    assert timing.interpreter.startswith("CPython ")
    (measured,) = timing.timings
    assert measured.example == 1 and measured.repeat == 1 and measured.number >= 1
    assert measured.slow > 0 and measured.fast > 0 and measured.ratio == measured.slow / measured.fast
    assert [number for number, _ in timing.skipped] == [2, 3]
    assert "KeyError: 'boom'" in timing.skipped[1][1]
    assert timing_json(timing)["skipped"] == [
        {"example": 2, "reason": "no timing harness (setup/stmt)"},
        {"example": 3, "reason": "KeyError: 'boom'"},
    ]
    lines = render_timing(timing)
    assert lines[0].startswith("On CPython ") and lines[1].startswith("Example 1: slow ")


def test_code_without_a_loop_has_no_per_iteration_count() -> None:
    slow, fast = "found = key in table.keys()\n", "found = key in table\n"
    label, (s, f) = disassemble([function_source(slow), function_source(fast)])
    explanation = build_explanation(label, "finding", slow, fast, s, f)
    assert (explanation.slow_per_iteration, explanation.fast_per_iteration) == (None, None)
    assert [line.split()[1] for line in explanation.diff if line.startswith("- ")][0] in ("LOAD_ATTR", "LOAD_METHOD")
    assert not [line for line in explanation.diff if line.startswith("+ ")]
    assert per_iteration_line(explanation).startswith("No loop here")
    assert per_iteration_line(explanation) in render_explanation(explanation)
