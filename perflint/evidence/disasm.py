"""Compile code and return its normalised bytecode, for any CPython 3.8-3.13.

Run as ``pythonX.Y path/to/disasm.py`` with a JSON request on stdin, it answers in JSON on
stdout, so that ``perflint explain --python pythonX.Y`` shows that interpreter's bytecode.
Imported, :func:`disassemble` does the same in-process.  It uses the standard library only
and never runs the code it is given: it calls ``compile()`` and reads the code objects.

Request::

    {"sources": [{"code": "...", "mode": "function" | "module", "globals": ["range", ...]}
                 | {"code": "...", "mode": "units", "name": "path/of/file.py"}
                 | {"base": "..." | null, "head": "..." | null, "mode": "unit-pair", "name": ...}]}

``mode="function"`` compiles the code as the body of a function so that its names are locals
(``LOAD_FAST``) as in the function the code came from: every name it reads without binding
becomes a parameter, except the names in ``globals`` and the builtins, which stay globals.
``mode="module"`` compiles the code as it is (rule examples, which define functions).
``mode="units"`` compiles a whole file for ``perflint diff`` and answers as
``perflint/evidence/units.py`` describes (its functions, class and module bodies, and their loops);
``mode="unit-pair"`` (``"base"``, ``"head"``: the two versions, or null) does so for both
versions of a file at once, skipping the analysis of what did not change.

Answer::

    {"implementation": "CPython", "version": "3.12.1", "results": [
        {"ok": true, "wrapper": "def" | "async def" | null, "params": [...],
         "code_objects": [{"name": ..., "instructions": ["LOAD_FAST nums", ...],
                           "labels": [null, "L1", ...], "loops": [...]}]}
      | {"ok": false, "error": "SyntaxError: ..."}]}

Each instruction is ``"OPNAME argrepr"``: no offsets, line numbers or CACHE entries, jump
targets as labels (``to L2``) and code objects by name, so that two versions of the same code
can be diffed.  ``labels[i]`` names the jump target at instruction ``i``.  Each loop is
``{"head", "exit", "depth", "count", "branches"}``: the index of its ``FOR_ITER``, the index
its exit jumps to, how many loops enclose it (across nested code objects), the number of
instructions one iteration runs (``FOR_ITER`` to the backward jump, along the longest path
when the body branches; ``null`` when no path gets back to the loop head) and whether it
branches.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Run as a script, this file's directory would come first on sys.path (and could shadow
    # the standard library).  Its standard-library-only siblings are imported through stand-in
    # ``perflint`` and ``perflint.evidence`` packages, so no ``__init__`` of perflint runs.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
    import types as _types

    for _name, _path in (("perflint", os.path.dirname(_here)), ("perflint.evidence", _here)):
        _package = _types.ModuleType(_name)
        _package.__path__ = [_path]
        sys.modules[_name] = _package

import ast  # noqa: E402
import builtins  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import symtable  # noqa: E402
import textwrap  # noqa: E402
from types import CodeType  # noqa: E402
from typing import Any  # noqa: E402

from perflint.evidence import bytecode as _bytecode  # noqa: E402
from perflint.evidence import units as _units  # noqa: E402

#: Name of the function a snippet is compiled in; shown as SNIPPET_LABEL.
WRAPPER_NAME = "__perflint_snippet__"
SNIPPET_LABEL = "<snippet>"

def interpreter_version() -> dict[str, str]:
    return {"implementation": platform.python_implementation(), "version": platform.python_version()}


# -- compiling a snippet as a function body --------------------------------------------------
def _wrap(code: str, params: list[str], is_async: bool) -> str:
    body = textwrap.indent(textwrap.dedent(code), "    ") or "    pass"
    keyword = "async def" if is_async else "def"
    return f"{keyword} {WRAPPER_NAME}({', '.join(params)}):\n{body}\n"


def _parameters(source: str, keep_global: set[str]) -> list[str]:
    """The wrapper's parameters: the names the snippet's real enclosing function had bound.

    Every local of the snippet's top level (``total += ...`` reads ``total``, bound before
    the loop in the real code: as a parameter it is a plain ``LOAD_FAST``, not 3.12+'s
    ``LOAD_FAST_CHECK`` for a maybe-unbound local), and every name some scope reads without
    any enclosing scope binding it, except ``keep_global``.
    """
    (wrapper,) = symtable.symtable(source, "<snippet>", "exec").get_children()
    names = {symbol.get_name() for symbol in wrapper.get_symbols() if symbol.is_local()}
    pending = [wrapper]
    while pending:
        table = pending.pop()
        pending.extend(table.get_children())
        for symbol in table.get_symbols():
            if symbol.is_global() and not symbol.is_declared_global() and symbol.is_referenced():
                if symbol.get_name() not in keep_global:
                    names.add(symbol.get_name())
    return sorted(names)


def _compile_function(code: str, keep_global: list[str]) -> dict[str, Any]:
    first_error: SyntaxError | None = None
    for is_async in (False, True):  # ``await`` / ``async for`` need an ``async def``
        source = _wrap(code, [], is_async)
        try:
            compile(source, "<snippet>", "exec", dont_inherit=True)
        except SyntaxError as error:
            first_error = first_error or error
            continue
        params = _parameters(source, set(keep_global) | set(dir(builtins)))
        module = compile(_wrap(code, params, is_async), "<snippet>", "exec", dont_inherit=True)
        wrapper = next(
            const
            for const in module.co_consts
            if isinstance(const, CodeType) and const.co_name == WRAPPER_NAME
        )
        return {
            "ok": True,
            "wrapper": "async def" if is_async else "def",
            "params": params,
            "code_objects": _code_objects(wrapper, SNIPPET_LABEL, 0),
        }
    assert first_error is not None
    return _error(first_error)


def _compile_module(code: str) -> dict[str, Any]:
    source = textwrap.dedent(code)
    try:
        module = compile(source, "<example>", "exec", dont_inherit=True)
        tree = ast.parse(source)
    except SyntaxError as error:
        return _error(error)
    objects = _code_objects(module, "<module>", 0)
    # A module that only defines functions and classes adds nothing but MAKE_FUNCTION noise.
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    if all(isinstance(statement, definitions) for statement in tree.body):
        objects = [obj for obj in objects if obj["name"] != "<module>"]
    return {"ok": True, "wrapper": None, "params": [], "code_objects": objects}


def _error(error: SyntaxError) -> dict[str, Any]:
    where = f" (line {error.lineno})" if error.lineno else ""
    return {"ok": False, "error": f"{type(error).__name__}: {error.msg}{where}"}


# -- reading code objects --------------------------------------------------------------------
def _code_objects(code: CodeType, name: str, base_depth: int) -> list[dict[str, Any]]:
    """``code`` and every code object nested in it, depth first, each normalised."""
    code_flow = _bytecode.flow(code)
    labels = code_flow.labels
    rename = ((WRAPPER_NAME, SNIPPET_LABEL),)
    instructions = [
        _bytecode.instruction_text(code_flow, index, labels, rename) for index in range(len(code_flow.kept))
    ]
    loops = _loops(code_flow, base_depth)
    entry: dict[str, Any] = {
        "name": name,
        "instructions": instructions,
        "labels": [labels.get(index) for index in range(len(code_flow.kept))],
        "loops": loops,
    }
    result = [entry]
    for index, ins in enumerate(code_flow.kept):
        child = ins.argval
        if ins.opname == "LOAD_CONST" and isinstance(child, CodeType):
            inside = sum(1 for loop in loops if loop["head"] <= index < loop["exit"])
            child_name = child.co_name if name == "<module>" else f"{name}.{child.co_name}"
            result.extend(_code_objects(child, child_name, base_depth + inside))
    return result


def _loops(code_flow: _bytecode.Flow, base_depth: int) -> list[dict[str, Any]]:
    kept, targets = code_flow.kept, code_flow.targets
    heads = [(i, targets[i]) for i, ins in enumerate(kept) if ins.opname == "FOR_ITER"]
    loops = []
    for head, exit_ in heads:
        count, branches, _ = _bytecode.iteration(code_flow, (head,), head, exit_)
        depth = base_depth + sum(1 for h, e in heads if h < head < e)
        loops.append(
            {"head": head, "exit": exit_, "depth": depth, "count": count, "branches": branches}
        )
    return loops


# -- entry points ----------------------------------------------------------------------------
def disassemble(request: dict[str, Any]) -> dict[str, Any]:
    """Answer a request (see the module docstring) in this interpreter."""
    results = []
    for source in request["sources"]:
        mode = source.get("mode", "module")
        if mode == "function":
            results.append(_compile_function(source["code"], list(source.get("globals", ()))))
        elif mode == "units":
            results.append(_units.compile_units(source["code"], source.get("name", "<file>")))
        elif mode == "unit-pair":
            results.append(_units.compile_pair(source.get("base"), source.get("head"), source.get("name", "<file>")))
        else:
            results.append(_compile_module(source["code"]))
    answer: dict[str, Any] = dict(interpreter_version())
    answer["results"] = results
    return answer


def main() -> None:
    request = json.loads(sys.stdin.read())
    json.dump(disassemble(request), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
