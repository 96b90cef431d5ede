"""Compile one file and describe each of its functions, class bodies and module body as the
performance diff compares them: normalised bytecode, instruction totals and loops with their
instructions per iteration and what their bodies do.

Standard library only (run by ``disasm.py``, also as a script under another interpreter); it
calls ``compile()`` and reads the code objects, never runs them.

Normalised means that formatting, comments and docstrings change nothing: no offsets or line
numbers, no ``NOP`` (it only carries a line number), 3.13's two-in-one instructions (fused only
when both halves sit on one line) counted as the two they are, and a module's or class's
docstring store left out.  Comprehensions, generator expressions and lambdas belong to the
function they are written in (on 3.10 and 3.11 a comprehension is a code object of its own; on
3.12+ it is inlined): their loops join its loop tree where they stand.

Long because one pass describes a unit field by field (listing, totals, loops, what each loop
body calls) and the fields share the code-object walk; it runs under CPython 3.8-3.13 as part
of the standalone ``disasm.py`` script, with the standard library only.
"""

from __future__ import annotations

import builtins
import dis
import hashlib
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from perflint.evidence import bytecode as _bytecode
from perflint.evidence import stackfacts as _stackfacts

_CO_OPTIMIZED = 0x0001
_INLINE = (*_stackfacts.COMPREHENSIONS, _stackfacts.GENERATOR, "<lambda>")
#: 3.13's superinstructions, each two instructions fused when on one line.
_FUSED = {
    "LOAD_FAST_LOAD_FAST": ("LOAD_FAST", "LOAD_FAST"),
    "STORE_FAST_LOAD_FAST": ("STORE_FAST", "LOAD_FAST"),
    "STORE_FAST_STORE_FAST": ("STORE_FAST", "STORE_FAST"),
}
_GLOBAL_STORES = {dis.opmap[name] for name in ("STORE_GLOBAL", "DELETE_GLOBAL", "IMPORT_STAR") if name in dis.opmap}
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
#: 3.11 names a jump by its direction, which follows the layout: compare them without it.
_DIRECTION = re.compile(r"^(POP_JUMP)_(?:FORWARD|BACKWARD)(_IF_)|^(JUMP)_(?:FORWARD|BACKWARD|ABSOLUTE)(?= |$)")
_SELF_NAME = "<self>"


@dataclass
class _Loop:
    region: _bytecode.Region
    count: int | None
    branches: bool
    inside: set[int]
    line: int | None
    end_line: int | None
    kind: str
    order: tuple[int, ...] = ()
    parent: _Loop | None = None
    children: list[_Loop | _Code] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    depth: int = 0


@dataclass
class _Code:
    """One code object, analysed."""

    code: CodeType
    kind: str  # "module", "class", "function" or "inline"
    qualname: str
    listing: list[str]
    weight: int
    loops: list[_Loop]
    #: Facts of instructions outside every loop of this code object.
    top_facts: list[str]
    #: Inline code objects: (child, the loop holding its definition, the index defining it).
    inline: list[tuple[_Code, _Loop | None, int]] = field(default_factory=list)
    children: list[_Code] = field(default_factory=list)
    #: Names stored with STORE_NAME / DELETE_NAME (module level) and with STORE_GLOBAL.
    name_stores: set[str] = field(default_factory=set)
    global_stores: set[str] = field(default_factory=set)
    star_import: bool = False
    #: Unchanged on the other side (same qualname and compiled code): not analysed.
    skipped: bool = False


def _weight(ins_name: str) -> int:
    if ins_name == "NOP":
        return 0
    return 2 if ins_name in _FUSED else 1


def _texts(code_flow: _bytecode.Flow, index: int, labels: dict[int, str]) -> list[str]:
    """The normalised instruction(s) at ``index``: none for a NOP, two for a fused pair."""
    ins = code_flow.kept[index]
    if ins.opname == "NOP":
        return []
    if ins.opname in _FUSED and isinstance(ins.argval, tuple) and len(ins.argval) == 2:
        return [f"{op} {value}" for op, value in zip(_FUSED[ins.opname], ins.argval)]
    text = _bytecode.instruction_text(code_flow, index, labels)
    return [_DIRECTION.sub(lambda m: "".join(part or "" for part in m.groups()), text)]


def _docstring_store(code_flow: _bytecode.Flow, kind: str) -> set[int]:
    """The ``LOAD_CONST 'doc'; STORE_NAME __doc__`` pair of a module or class body, and 3.13's
    ``LOAD_CONST LINE; STORE_NAME __firstlineno__`` of a class body."""
    if kind not in ("module", "class"):
        return set()
    kept = code_flow.kept
    found: set[int] = set()
    for index in range(len(kept) - 1):
        ins, nxt = kept[index], kept[index + 1]
        if ins.opname != "LOAD_CONST" or nxt.opname not in ("STORE_NAME", "STORE_GLOBAL"):
            continue
        if (nxt.argval == "__doc__" and isinstance(ins.argval, str)) or nxt.argval == "__firstlineno__":
            found |= {index, index + 1}
    return found


def _kind(code: CodeType, is_module: bool) -> str:
    if is_module:
        return "module"
    if code.co_name in _INLINE:
        return "inline"
    return "function" if code.co_flags & _CO_OPTIMIZED else "class"


def _qualname(code: CodeType, parent: _Code | None) -> str:
    """``co_qualname`` (3.11+); before 3.11 the same rule the compiler applies."""
    if parent is None:
        return "<module>"
    found = getattr(code, "co_qualname", None)
    if found:
        return str(found)
    if parent.kind == "module":
        return code.co_name
    joiner = "." if parent.kind == "class" else ".<locals>."
    return f"{parent.qualname}{joiner}{code.co_name}"


def cheap_key(code: CodeType) -> str:
    """A hash of the code object as compiled, without its name, line numbers and nested
    functions' bodies (its inline comprehensions' included): equal means unchanged, so the
    full analysis can be skipped (unequal may still be a change of layout only)."""
    digest = hashlib.sha256()
    for part in (code.co_code, getattr(code, "co_exceptiontable", b"")):
        digest.update(part)
        digest.update(b"\x00")
    numbers = (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags)
    names = (code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars)
    digest.update(repr((numbers, names)).encode("utf-8", "surrogatepass"))
    for const in code.co_consts:
        if isinstance(const, CodeType):
            text = cheap_key(const) if const.co_name in _INLINE else f"code {const.co_name}"
        else:
            text = _bytecode.stable_repr(const)
        digest.update(text.encode("utf-8", "surrogatepass") + b"\x00")
    return digest.hexdigest()[:32]


def _light_units(code: CodeType, parent: _Code | None, out: list[tuple[str, str]]) -> None:
    """(qualname, cheap key) of every unit in ``code``, without analysing any."""
    kind = _kind(code, parent is None)
    stand_in = _Code(code, kind, _qualname(code, parent), [], 0, [], [])
    if kind != "inline":
        out.append((stand_in.qualname, cheap_key(code)))
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _light_units(const, stand_in, out)


def _scan(
    analysed: _Code, kept: Sequence[dis.Instruction], owner: dict[int, _Loop], skip: frozenset[tuple[str, str]]
) -> None:
    """The names ``analysed`` binds globally, and its nested code objects, analysed (in a
    skipped unit, its inline code objects are only scanned, for the units nested in them)."""
    for index, ins in enumerate(kept):
        if ins.opname in ("STORE_NAME", "DELETE_NAME"):
            analysed.name_stores.add(str(ins.argval))
        elif ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL"):
            analysed.global_stores.add(str(ins.argval))
        analysed.star_import |= ins.opname == "IMPORT_STAR"
        if ins.opname == "LOAD_CONST" and isinstance(ins.argval, CodeType):
            child = _analyse(ins.argval, analysed, skip, light=analysed.skipped)
            if child.kind == "inline":
                analysed.inline.append((child, owner.get(index), index))
            else:
                analysed.children.append(child)


def _analyse(
    code: CodeType, parent: _Code | None, skip: frozenset[tuple[str, str]] = frozenset(), light: bool = False
) -> _Code:
    kind = _kind(code, parent is None)
    qualname = _qualname(code, parent)
    if (kind == "inline" and light) or (kind != "inline" and (qualname, cheap_key(code)) in skip):
        skipped = _Code(code, kind, qualname, [], 0, [], [], skipped=True)
        opcodes = set(code.co_code[0::2])  # 3.10+ wordcode: every other byte is an opcode
        if kind == "module" or opcodes & _GLOBAL_STORES:  # what a builtin's shadowing needs
            _scan(skipped, list(dis.get_instructions(code)), {}, skip)
        else:
            for const in code.co_consts:
                if isinstance(const, CodeType):
                    child = _analyse(const, skipped, skip, light=True)
                    if child.kind == "inline":
                        skipped.inline.append((child, None, 0))
                    else:
                        skipped.children.append(child)
        return skipped
    code_flow = _bytecode.canonical(_bytecode.flow(code))
    kept = code_flow.kept
    live = _bytecode.reachable(code_flow)
    labels = code_flow.labels
    lines = _bytecode.line_numbers(code_flow)
    dropped = _docstring_store(code_flow, kind)
    facts = _stackfacts.facts(code_flow)
    weights = [0 if i in dropped else _weight(ins.opname) for i, ins in enumerate(kept)]
    texts = [[] if i in dropped else _texts(code_flow, i, labels) for i in range(len(kept))]
    loops = _loops(code_flow, live, lines, weights, facts)
    owner: dict[int, _Loop] = {}
    for loop in loops:  # outermost first: inner loops overwrite
        for index in loop.inside:
            owner[index] = loop
    top_facts: list[str] = []
    callees, accumulators = facts.callee_loads, facts.accumulators
    for index in sorted(live):
        (owner[index].facts if index in owner else top_facts).extend(facts.of(index, callees, accumulators))
    for loop in loops:
        loop.body = [
            _bytecode.JUMP_LABEL.sub("to L", text)
            for index in range(loop.region.start, loop.region.end)
            for text in texts[index]
        ]
    analysed = _Code(
        code=code,
        kind=kind,
        qualname=qualname,
        listing=[text for group in texts for text in group],
        weight=sum(weights),
        loops=loops,
        top_facts=top_facts,
    )
    _scan(analysed, kept, owner, skip)
    return analysed


def _loops(
    code_flow: _bytecode.Flow,
    live: set[int],
    lines: list[int | None],
    weights: list[int],
    facts: _stackfacts.Facts,
) -> list[_Loop]:
    """The code object's loops, outermost first, each with its parent among them."""
    found: list[_Loop] = []
    for region in _bytecode.loop_regions(code_flow, live):
        count, branches, inside = _bytecode.iteration(
            code_flow, region.heads, region.start, region.end, exits_branch=False, weights=weights
        )
        body_lines = [line for i in range(region.start, region.end) if (line := lines[i]) is not None]
        inside_lines = [line for i in inside if (line := lines[i]) is not None]
        head_line = lines[region.start] if region.kind == "for" else None
        kind = region.kind
        if kind == "for" and any(region.start - 3 <= b < region.start for b in facts.accumulators):
            kind = "comprehension"
        loop = _Loop(
            region=region,
            count=count,
            branches=branches,
            inside=inside,
            line=head_line or (min(body_lines) if body_lines else None),
            end_line=max(inside_lines) if inside_lines else None,
            kind=kind,
        )
        for outer in reversed(found):
            if outer.region.start <= region.start and region.end <= outer.region.end and outer.region != region:
                loop.parent = outer
                break
        found.append(loop)
    return found


# -- from analysed code objects to units -----------------------------------------------------------
def _splice(code: _Code, attach: _Loop | None, base: int, prefix: tuple[int, ...], tops: list[_Loop]) -> None:
    """Hang ``code``'s loops in its unit's loop tree: its outermost ones under ``attach`` (or
    at the top) at depth ``base``, and its inline code objects' loops under the loop that
    holds each of them.  ``prefix`` orders them among their siblings by where they stand."""
    for loop in code.loops:
        loop.order = (*prefix, loop.region.start)
        if loop.parent is not None:
            loop.depth = loop.parent.depth + 1
            loop.parent.children.append(loop)
            continue
        loop.depth = base
        if code.code.co_name == _stackfacts.GENERATOR:
            loop.kind = "generator"
        if attach is None:
            tops.append(loop)
        else:
            attach.children.append(loop)
            loop.parent = attach
    for child, holder, index in code.inline:
        where = holder if holder is not None else attach
        if child.code.co_name != "<lambda>" and where is not None:  # a lambda runs when called
            where.facts.extend(child.top_facts)
        depth = holder.depth + 1 if holder is not None else base
        _splice(child, where, depth, (*prefix, index), tops)


def _flatten(tops: list[_Loop]) -> list[_Loop]:
    """Preorder, children by position; each loop's facts gain one "loop" per child loop."""
    out: list[_Loop] = []

    def visit(loop: _Loop) -> None:
        out.append(loop)
        children = sorted((c for c in loop.children if isinstance(c, _Loop)), key=lambda c: c.order)
        loop.facts.extend("loop" for _ in children)
        loop.children = list(children)
        for child in children:
            visit(child)

    for top in sorted(tops, key=lambda loop: loop.order):
        visit(top)
    return out


def _listing(code: _Code) -> list[str]:
    lines = list(code.listing)
    for child, _, _ in code.inline:
        lines.append(f"code object {child.code.co_name}:")
        lines.extend(_listing(child))
    return lines


def _weight_of(code: _Code) -> int:
    return code.weight + sum(_weight_of(child) for child, _, _ in code.inline)


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _shape(lines: list[str], name: str) -> list[str]:
    """``lines`` with the unit's own name (in a recursive call, its ``__qualname__``) masked,
    so that a renamed function or class compares equal to its old self."""
    return [_IDENTIFIER.sub(lambda m: _SELF_NAME if m.group(0) == name else m.group(0), line) for line in lines]


def _unit(code: _Code, resolve: dict[str, str]) -> dict[str, Any]:
    if code.skipped:
        same = "same:" + cheap_key(code.code)
        line = code.code.co_firstlineno
        return {"qualname": code.qualname, "kind": code.kind, "line": line, "instructions": 0,
                "signature": same, "shape": same, "loops": []}
    tops: list[_Loop] = []
    _splice(code, None, 0, (), tops)
    loops = _flatten(tops)
    index_of = {id(loop): n for n, loop in enumerate(loops)}
    listing = _listing(code)
    return {
        "qualname": code.qualname,
        "kind": code.kind,
        "line": code.code.co_firstlineno,
        "instructions": _weight_of(code),
        "signature": _digest(listing),
        "shape": _digest(_shape(listing, code.code.co_name)),
        "loops": [
            {
                "parent": index_of.get(id(loop.parent)) if loop.parent is not None else None,
                "line": loop.line,
                "end_line": loop.end_line,
                "depth": loop.depth,
                "kind": loop.kind,
                "count": loop.count,
                "branches": loop.branches,
                "facts": sorted(resolve.get(fact, fact) for fact in loop.facts),
                "body": loop.body,
            }
            for loop in loops
        ],
    }


def _walk(code: _Code) -> list[_Code]:
    """``code`` and every unit nested in it (a def inside a lambda or comprehension too)."""
    out = [code] if code.kind != "inline" else []
    for child in code.children:
        out.extend(_walk(child))
    for inline, _, _ in code.inline:
        out.extend(_walk(inline))
    return out


def _all_codes(code: _Code) -> list[_Code]:
    out = [code]
    for child in code.children:
        out.extend(_all_codes(child))
    for inline, _, _ in code.inline:
        out.extend(_all_codes(inline))
    return out


def _builtin_names(module: _Code, every: list[_Code]) -> dict[str, str]:
    """``"global len"`` -> ``"builtin len"`` for the builtins the module never rebinds."""
    if module.star_import:
        return {}
    bound = set(module.name_stores)
    for code in every:
        bound |= code.global_stores
    return {f"global {name}": f"builtin {name}" for name in dir(builtins) if name not in bound}


def _compiled(source: str, filename: str) -> CodeType | str:
    """The module's code object, or why it does not compile."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are noise here
            return compile(source, filename, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as error:
        where = getattr(error, "lineno", None)
        message = getattr(error, "msg", None) or str(error)
        return f"{type(error).__name__}: {message}" + (f" (line {where})" if where else "")


def _describe(module: CodeType, skip: frozenset[tuple[str, str]]) -> dict[str, Any]:
    try:
        analysed = _analyse(module, None, skip)
    except RecursionError:
        return {"ok": False, "error": "RecursionError: the code nests too deeply to analyse"}
    every = _walk(analysed)
    resolve = _builtin_names(analysed, _all_codes(analysed))
    return {"ok": True, "units": [_unit(code, resolve) for code in every]}


def compile_units(source: str, filename: str) -> dict[str, Any]:
    """Every unit of the file ``source`` (see the module docstring), or why it does not compile."""
    module = _compiled(source, filename)
    return {"ok": False, "error": module} if isinstance(module, str) else _describe(module, frozenset())


def compile_pair(base: str | None, head: str | None, filename: str) -> dict[str, Any]:
    """Both versions of one file: ``{"base": ..., "head": ...}`` as ``compile_units`` answers
    (None for a side that does not exist).  A unit found on both sides with the same qualname
    (unique on each) and the same compiled code is not analysed: its record says only that
    (``"signature": "same:..."``, no loops), which is all a comparison needs of it."""
    modules = {side: None if text is None else _compiled(text, filename) for side, text in (("base", base), ("head", head))}
    keys: dict[str, Counter[tuple[str, str]]] = {}
    for side, module in modules.items():
        found: list[tuple[str, str]] = []
        if isinstance(module, CodeType):
            _light_units(module, None, found)
        names = Counter(name for name, _ in found)
        keys[side] = Counter(pair for pair in found if names[pair[0]] == 1)
    skip = frozenset(keys["base"]) & frozenset(keys["head"])
    answer: dict[str, Any] = {}
    for side, module in modules.items():
        if module is None:
            answer[side] = None
        elif isinstance(module, str):
            answer[side] = {"ok": False, "error": module}
        else:
            answer[side] = _describe(module, skip)
    return answer
