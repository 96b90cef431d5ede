"""Bytecode explanations: the flagged code's bytecode beside its rewrite's, on a chosen CPython.

The compiling is done by ``perflint/evidence/disasm.py``, in-process or, with ``python``, by running
that file with another interpreter (it compiles, never runs, the code).  This module turns its
answers into :class:`~perflint.types.Explanation` values (a diff and per-iteration instruction
counts) and into the text of ``perflint explain CODE``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from perflint.evidence import disasm as _disasm
from perflint.rules.registry import rule_by_code
from perflint.types import Example, Explanation, FileResult, Finding, RuleSpec, is_performance_rule

DISASM_SCRIPT = Path(_disasm.__file__)
_TIMEOUT = 120  # seconds; compiling a few snippets takes well under one


class ExplainError(Exception):
    """No explanation can be produced (the CLI reports it and exits 2)."""


class InterpreterNotFound(ExplainError):
    """``--python`` names no interpreter that exists."""


class InterpreterFailed(ExplainError):
    """The interpreter exists but could not run perflint's disassembler or timer."""


# -- interpreters ------------------------------------------------------------------------------
def resolve_interpreter(python: str) -> str:
    """The absolute path of the executable ``python`` names; else InterpreterNotFound.

    A name with a path separator is that file exactly (``./x`` is ``x`` in the working
    directory, never an ``x`` found on PATH); a bare name is looked up in PATH's absolute
    directories only, so neither the working directory (the linted repository, often) nor a
    relative PATH entry can supply it.
    """
    if os.sep in python or (os.altsep and os.altsep in python):
        path = os.path.abspath(os.path.expanduser(python))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    else:
        found = _on_path(python)
        if found:
            return found
    raise InterpreterNotFound(f"Python interpreter not found: {python!r}")


def _on_path(name: str) -> str | None:
    directories = [
        os.path.normcase(os.path.normpath(entry))
        for entry in os.environ.get("PATH", os.defpath).split(os.pathsep)
        if os.path.isabs(entry)
    ]
    if not directories:
        return None
    found = shutil.which(name, path=os.pathsep.join(directories))
    # shutil.which also looks in the working directory first on Windows: not that.
    if found is None or os.path.normcase(os.path.dirname(os.path.abspath(found))) not in directories:
        return None
    return os.path.abspath(found)


def interpreter_label(answer: dict[str, Any], python: str | None) -> str:
    """``"CPython 3.12.1 (python3.12)"``: what ran, and the command that named it."""
    command = python if python is not None else os.path.basename(sys.executable) or "python"
    return f"{answer['implementation']} {answer['version']} ({command})"


def run_json(python: str, args: Sequence[str], request: object, timeout: float | None) -> Any:
    """Run ``python -I ARGS`` with ``request`` as JSON on stdin; return its JSON answer.

    ``-I`` keeps the user's environment (PYTHONPATH, user site, the current directory) out of
    the child, which needs nothing but the standard library.
    """
    executable = resolve_interpreter(python)
    try:
        done = subprocess.run(
            [executable, "-I", *args],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InterpreterFailed(f"{python} could not be run: {error}") from None
    if done.returncode != 0:
        detail = "\n".join(done.stderr.strip().splitlines()[-20:]) or "no error output"
        raise InterpreterFailed(f"{python} failed (exit {done.returncode}):\n{detail}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise InterpreterFailed(f"{python} gave no readable answer: {done.stdout[:200]!r}") from None


def disassemble(sources: Sequence[dict[str, Any]], python: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Compile every source (``disasm`` request entries) in one go: (interpreter label, results)."""
    request = {"sources": list(sources)}
    if python is None:
        answer = _disasm.disassemble(request)
    else:
        answer = run_json(python, [str(DISASM_SCRIPT)], request, _TIMEOUT)
    return interpreter_label(answer, python), answer["results"]


def function_source(code: str, keep_global: Iterable[str] = ()) -> dict[str, Any]:
    """A request entry compiling ``code`` as a function body (see ``disasm``)."""
    return {"code": code, "mode": "function", "globals": sorted(keep_global)}


def module_source(code: str) -> dict[str, Any]:
    return {"code": code, "mode": "module"}


# -- from compiled code to an explanation ------------------------------------------------------
def listing(result: dict[str, Any]) -> tuple[str, ...]:
    """The lines shown for one compiled source: labels flush left, instructions indented.

    With more than one code object (a comprehension on 3.10/3.11, a nested function) each
    starts with a ``code object NAME:`` line.
    """
    objects = result["code_objects"]
    lines: list[str] = []
    for obj in objects:
        if len(objects) > 1:
            lines.append(f"code object {obj['name']}:")
        for label, instruction in zip(obj["labels"], obj["instructions"]):
            if label:
                lines.append(f"{label}:")
            lines.append(f"  {instruction}")
    return tuple(lines)


_LABEL_LINE = re.compile(r"^L(\d+):$")
_JUMP_LINE = re.compile(r"^(  [A-Z_0-9]+ to )L(\d+)$")


def _label_free(line: str) -> str:
    return _JUMP_LINE.sub(r"\1L", _LABEL_LINE.sub("L:", line))


def _sections(lines: Sequence[str]) -> list[int]:
    """For each line, which code object it belongs to (counting ``code object`` headers)."""
    section, out = 0, []
    for line in lines:
        section += line.startswith("code object ")
        out.append(section)
    return out


def _align_labels(slow: Sequence[str], fast: Sequence[str]) -> list[str]:
    """``fast`` with its jump labels renamed after the slow labels they correspond to.

    Labels are numbered by position, so one extra jump target renumbers every later label and
    would turn identical jumps into diff lines.  Lines are matched with labels ignored; a fast
    label whose definition matches a slow one takes its name, the others get unused numbers.
    """
    matcher = difflib.SequenceMatcher(
        a=[_label_free(line) for line in slow], b=[_label_free(line) for line in fast], autojunk=False
    )
    fast_sections = _sections(fast)
    rename: dict[tuple[int, str], str] = {}
    for a, b, size in matcher.get_matching_blocks():
        for i, j in zip(range(a, a + size), range(b, b + size)):
            old, new = _LABEL_LINE.match(fast[j]), _LABEL_LINE.match(slow[i])
            if old and new:
                rename[(fast_sections[j], old.group(1))] = new.group(1)
    numbers = [int(m.group(1)) for line in slow if (m := _LABEL_LINE.match(line))]
    fresh = max(numbers, default=0)
    for line, section in zip(fast, fast_sections):
        label = _LABEL_LINE.match(line)
        if label and (section, label.group(1)) not in rename:
            fresh += 1
            rename[(section, label.group(1))] = str(fresh)
    out = []
    for line, section in zip(fast, fast_sections):
        line = _LABEL_LINE.sub(lambda m: f"L{rename.get((section, m.group(1)), m.group(1))}:", line)
        line = _JUMP_LINE.sub(lambda m: f"{m.group(1)}L{rename.get((section, m.group(2)), m.group(2))}", line)
        out.append(line)
    return out


def diff_lines(slow: Sequence[str], fast: Sequence[str]) -> tuple[str, ...]:
    """Every line of both listings: ``-`` only slow, ``+`` only fast, two spaces for both.

    The fast listing's labels are renamed to match the slow one's (see ``_align_labels``).
    """
    fast = _align_labels(slow, fast)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=slow, b=fast, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(f"  {line}" for line in slow[a0:a1])
            continue
        out.extend(f"- {line}" for line in slow[a0:a1])
        out.extend(f"+ {line}" for line in fast[b0:b1])
    return tuple(out)


def _loops(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for obj in result["code_objects"]:
        for loop in obj["loops"]:
            body = obj["instructions"][loop["head"] : loop["exit"]]
            found.append({**loop, "body": body})
    return found


def loop_of_interest(
    slow: dict[str, Any], fast: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The loop to count in each version: the innermost one whose body the rewrite changed.

    Loops are paired in order (the rewrite keeps the loop structure); with no changed pair,
    the innermost loop.  A version without loops gets ``None``.
    """
    slow_loops, fast_loops = _loops(slow), _loops(fast)
    pairs = list(zip(slow_loops, fast_loops))
    if not pairs:
        pick = max(slow_loops or fast_loops, key=lambda loop: loop["depth"], default=None)
        return (pick, None) if slow_loops else (None, pick)
    changed = [pair for pair in pairs if pair[0]["body"] != pair[1]["body"]] or pairs
    return max(changed, key=lambda pair: pair[0]["depth"])  # max() keeps the first of a tie


def _outside(result: dict[str, Any], loop: dict[str, Any] | None) -> int | None:
    """Instructions of every code object of ``result`` but the counted loop's body."""
    if loop is None:
        return None
    total = sum(len(obj["instructions"]) for obj in result["code_objects"])
    return total - (loop["exit"] - loop["head"])


def target_of(interpreter: str) -> str | None:
    """``"CPython 3.11.7 (python3)"`` -> ``"py311"``: the target version of an interpreter."""
    found = re.search(r" 3\.(\d+)\.", interpreter)
    return f"py3{found.group(1)}" if found else None


def build_explanation(
    interpreter: str,
    source: Literal["finding", "rule-example"],
    slow_code: str,
    fast_code: str,
    slow: dict[str, Any],
    fast: dict[str, Any],
    spec: RuleSpec | None = None,
) -> Explanation:
    slow_listing, fast_listing = listing(slow), listing(fast)
    slow_loop, fast_loop = loop_of_interest(slow, fast)
    target = target_of(interpreter)
    return Explanation(
        interpreter=interpreter,
        source=source,
        slow_code=slow_code,
        fast_code=fast_code,
        slow_bytecode=slow_listing,
        fast_bytecode=fast_listing,
        diff=diff_lines(slow_listing, fast_listing),
        slow_per_iteration=slow_loop["count"] if slow_loop else None,
        fast_per_iteration=fast_loop["count"] if fast_loop else None,
        per_iteration_branches=any(loop is not None and loop["branches"] for loop in (slow_loop, fast_loop)),
        slow_outside_loop=_outside(slow, slow_loop),
        fast_outside_loop=_outside(fast, fast_loop),
        speedup=spec.speedup.get(target) if spec is not None and target is not None else None,
        speedup_target=target,
    )


def explain_example(example: Example, python: str | None = None, spec: RuleSpec | None = None) -> Explanation:
    """The bytecode of one of a rule's examples, slow vs fast (with ``spec``: and the rule's
    measured speed-up on that interpreter)."""
    interpreter, (slow, fast) = disassemble([module_source(example.slow), module_source(example.fast)], python)
    for result, which in ((slow, "slow"), (fast, "fast")):
        if not result["ok"]:
            raise ExplainError(f"the rule's {which} example does not compile: {result['error']}")
    return build_explanation(interpreter, "rule-example", example.slow, example.fast, slow, fast, spec)


# -- findings ---------------------------------------------------------------------------------
def _finding_sources(finding: Finding) -> tuple[dict[str, Any], dict[str, Any]] | None:
    if finding.fix is None or not finding.flagged_code or finding.rewritten_code is None:
        return None
    return (
        function_source(finding.flagged_code, finding.builtins),
        function_source(finding.rewritten_code, finding.builtins),
    )


def attach_explanations(
    results: list[FileResult], python: str | None = None, rules: Sequence[RuleSpec] = ()
) -> list[FileResult]:
    """``results`` with an explanation on every finding, all compiled in one interpreter call.

    A finding with a fix is explained by its own code and rewrite; one without a fix, or whose
    code does not compile on its own (``nonlocal``, say), by its rule's first example.
    """
    if python is not None:
        resolve_interpreter(python)  # a wrong --python is an error even with nothing to explain
    findings = [finding for result in results for finding in result.findings]
    if not findings:
        return list(results)
    sources: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def add(source: dict[str, Any]) -> int:
        key = json.dumps(source, sort_keys=True)
        if key not in index:
            index[key] = len(sources)
            sources.append(source)
        return index[key]

    own: dict[int, tuple[int, int]] = {}
    for finding in findings:
        if not is_performance_rule(finding.code):
            continue  # PFL001 is about a comment: no bytecode to show
        pair = _finding_sources(finding)
        if pair is not None:
            own[id(finding)] = (add(pair[0]), add(pair[1]))
    examples: dict[str, tuple[Example, int, int]] = {}
    specs: dict[str, RuleSpec] = {}
    for code in sorted({finding.code for finding in findings}):
        spec = next((rule for rule in rules if rule.code == code), None) or rule_by_code(code)
        if spec is not None and is_performance_rule(code):
            specs[code] = spec
            example = spec.examples[0]
            examples[code] = (example, add(module_source(example.slow)), add(module_source(example.fast)))
    interpreter, compiled = disassemble(sources, python)

    def explain(finding: Finding) -> Explanation | None:
        spec = specs.get(finding.code)
        if id(finding) in own:
            slow, fast = (compiled[i] for i in own[id(finding)])
            if slow["ok"] and fast["ok"]:
                assert finding.flagged_code is not None and finding.rewritten_code is not None
                return build_explanation(
                    interpreter, "finding", finding.flagged_code, finding.rewritten_code, slow, fast, spec
                )
        if finding.code in examples:
            example, slow_index, fast_index = examples[finding.code]
            slow, fast = compiled[slow_index], compiled[fast_index]
            if slow["ok"] and fast["ok"]:
                return build_explanation(interpreter, "rule-example", example.slow, example.fast, slow, fast, spec)
        return None

    return [
        dataclasses.replace(
            result,
            findings=tuple(
                dataclasses.replace(finding, explanation=explain(finding)) for finding in result.findings
            ),
        )
        for result in results
    ]
