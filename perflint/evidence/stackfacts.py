"""What each instruction of a code object does that a reviewer would name: which callee it
calls, which global or attribute it loads, what it allocates, what it imports.

Standard library only (``disasm.py`` runs in any CPython 3.8-3.13, as a script too).  Callee
and receiver names come from a symbolic run of the value stack along the code's normal control
flow: each stack slot remembers the dotted name it holds as written (``self.cache.get``), so a
``CALL`` knows what it calls whatever the version's calling convention (3.10's
``LOAD_METHOD``/``CALL_METHOD``, 3.11's ``PRECALL``, 3.12's ``NULL|self`` and 3.13's
callable-then-NULL order).  Nothing is run: only ``dis`` reads the code.
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import CodeType

from perflint.evidence import bytecode as _bytecode

COMPREHENSIONS = {"<listcomp>": "list", "<setcomp>": "set", "<dictcomp>": "dict"}
GENERATOR = "<genexpr>"

_CALLS = frozenset(
    {"CALL", "CALL_FUNCTION", "CALL_FUNCTION_KW", "CALL_METHOD", "CALL_KW", "CALL_FUNCTION_EX"}
)
_BUILDS = {
    "BUILD_LIST": "list",
    "BUILD_SET": "set",
    "BUILD_MAP": "dict",
    "BUILD_CONST_KEY_MAP": "dict",
    "BUILD_STRING": "str",
    "BUILD_TUPLE": "tuple",
}
_NAME_LOADS = frozenset(
    {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "LOAD_DEREF", "LOAD_CLASSDEREF", "LOAD_CLOSURE"}
)
_GLOBAL_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})
_WITH = frozenset({"SETUP_WITH", "SETUP_ASYNC_WITH", "BEFORE_WITH", "BEFORE_ASYNC_WITH"})
_ACCUMULATE = {"LIST_APPEND": 1, "SET_ADD": 1, "MAP_ADD": 2}
# Instructions that only pop (their net stack effect is what they pop) ...
_POP_ONLY_PREFIXES = (
    "STORE_", "DELETE_", "POP_", "RETURN", "RAISE", "RERAISE", "PRINT_EXPR", "END_", "JUMP",
    "PRECALL", "COMPARE_AND_BRANCH",
)
_POP_ONLY_SUFFIXES = ("_EXTEND", "_UPDATE", "_MERGE", "_APPEND", "_ADD")
# ... and instructions that leave the stack alone (the others with a zero effect replace the top).
_NO_STACK_PREFIXES = (
    "NOP", "RESUME", "JUMP", "POP_BLOCK", "KW_NAMES", "SETUP_", "COPY_FREE_VARS", "MAKE_CELL",
    "EXTENDED_ARG", "CACHE", "RETURN_GENERATOR", "INTERPRETER_EXIT", "PRECALL", "ENTER_EXECUTOR",
)
_SHORT_CONSTANT = 20
_CALLEE_ORDER_313 = sys.version_info >= (3, 13)  # LOAD_GLOBAL pushes the callable, then NULL


@dataclass(frozen=True)
class Slot:
    """What one stack slot holds, as far as naming goes."""

    kind: str  # "name", "null", "self", "with", "code", "function", "build", "other"
    text: str = ""
    origin: int = -1  # the instruction that pushed it


_OTHER = Slot("other")


@dataclass
class Facts:
    """Per instruction index, the facts it contributes (kind, detail)."""

    at: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    #: Per call (or LIST_APPEND ...) index: the attribute load it calls (or the BUILD_* it
    #: appends to), kept per instruction so that a second visit replaces the first.
    callee_at: dict[int, int] = field(default_factory=dict)
    accumulator_at: dict[int, int] = field(default_factory=dict)

    @property
    def callee_loads(self) -> set[int]:
        """Instruction indexes whose attribute load is a callee (named by the call instead)."""
        return set(self.callee_at.values())

    @property
    def accumulators(self) -> set[int]:
        """BUILD_* instructions that start a comprehension's result (its LIST_APPEND goes there)."""
        return set(self.accumulator_at.values())

    def add(self, index: int, kind: str, detail: str = "") -> None:
        self.at.setdefault(index, []).append((kind, detail))

    def forget(self, index: int) -> None:
        self.at.pop(index, None)
        self.callee_at.pop(index, None)
        self.accumulator_at.pop(index, None)

    def of(self, index: int, callees: set[int], accumulators: set[int]) -> list[str]:
        """The facts of one instruction as short strings (``"call json.loads"``), given
        ``callee_loads`` and ``accumulators``."""
        out = []
        for kind, detail in self.at.get(index, ()):
            if kind == "attribute" and index in callees:
                continue
            if kind == "alloc" and index in accumulators:
                detail = f"{detail} comprehension"
            out.append(f"{kind} {detail}".rstrip())
        return out


def _effect(ins: dis.Instruction, jump: bool) -> int:
    try:
        if ins.opcode < dis.HAVE_ARGUMENT:
            return dis.stack_effect(ins.opcode, jump=jump)
        return dis.stack_effect(ins.opcode, ins.arg or 0, jump=jump)
    except ValueError:  # an instruction the compiler never emits
        return 0


def _dotted(receiver: Slot, attribute: str) -> str:
    base = receiver.text if receiver.kind in ("name", "build") and receiver.text else "(...)"
    return f"{base}.{attribute}"


def _constant(value: object) -> Slot:
    if isinstance(value, CodeType):
        return Slot("code", value.co_name)
    text = _bytecode.stable_repr(value)
    return Slot("name" if len(text) <= _SHORT_CONSTANT else "other", text)


class _Run:
    """One symbolic pass over ``code_flow`` (see the module docstring)."""

    def __init__(self, code_flow: _bytecode.Flow) -> None:
        self.flow = code_flow
        self.facts = Facts()

    def run(self) -> Facts:
        """A worklist to a fixed point: where paths with different slots meet, the slot
        becomes unknown (``sep or " "`` is no ``sep``) and the code after is run again."""
        states: dict[int, list[Slot]] = {0: []}
        pending = [0]
        size = len(self.flow.kept)
        while pending:
            index = pending.pop()
            if not 0 <= index < size:
                continue
            before = states[index]
            self.facts.forget(index)
            after = self.step(index, list(before))
            for nxt in reversed(_bytecode.successors(self.flow, index)):
                if nxt == index + 1 and nxt != self.flow.targets.get(index):
                    arriving = after
                else:
                    arriving = self.jumped(index, before, after)
                if nxt not in states:
                    states[nxt] = arriving
                    pending.append(nxt)
                    continue
                merged = _merge(states[nxt], arriving)
                if merged != states[nxt]:
                    states[nxt] = merged
                    pending.append(nxt)
        return self.facts

    def jumped(self, index: int, before: list[Slot], after: list[Slot]) -> list[Slot]:
        """The stack where instruction ``index`` jumps to."""
        ins = self.flow.kept[index]
        taken, fallen = _effect(ins, True), _effect(ins, False)
        if taken == fallen:
            return after
        depth = max(0, len(before) + taken)
        kept = before[: min(depth, len(before))]
        return kept + [_OTHER] * (depth - len(kept))

    def step(self, index: int, stack: list[Slot]) -> list[Slot]:
        ins = self.flow.kept[index]
        name, effect = ins.opname, _effect(ins, False)

        def pop(count: int) -> list[Slot]:
            count = max(0, count)
            taken = stack[len(stack) - count :] if count else []
            del stack[len(stack) - len(taken) :]
            return [_OTHER] * (count - len(taken)) + taken

        def push(*slots: Slot) -> None:
            stack.extend(slots)

        facts = self.facts
        if name in _NAME_LOADS:
            push(Slot("name", str(ins.argval), index))
        elif name == "LOAD_FAST_LOAD_FAST":
            push(*(Slot("name", str(value), index) for value in ins.argval))
        elif name == "STORE_FAST_LOAD_FAST":
            pop(1)
            push(Slot("name", str(ins.argval[1]), index))
        elif name == "LOAD_FROM_DICT_OR_DEREF":
            pop(1)
            push(Slot("name", str(ins.argval), index))
        elif name in _GLOBAL_LOADS:
            pop(1 if name == "LOAD_FROM_DICT_OR_GLOBALS" else 0)
            facts.add(index, "global", str(ins.argval))
            slot = Slot("name", str(ins.argval), index)
            if effect == 2:
                push(*((slot, Slot("null")) if _CALLEE_ORDER_313 else (Slot("null"), slot)))
            else:
                push(slot)
        elif name in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_SUPER_ATTR"):
            popped = pop(3 if name == "LOAD_SUPER_ATTR" else 1)
            receiver = Slot("name", "super()") if name == "LOAD_SUPER_ATTR" else popped[-1]
            text = _dotted(receiver, str(ins.argval))
            facts.add(index, "attribute", text)
            pushed = effect + len(popped)
            push(Slot("name", text, index), *([Slot("self")] * (pushed - 1)))
        elif name == "PUSH_NULL":
            push(Slot("null"))
        elif name == "LOAD_CONST":
            push(_constant(ins.argval))
        elif name in _CALLS:
            self.call(index, pop(1 - effect), push)
        elif name == "BINARY_SUBSCR":
            container, _ = pop(2)
            text = f"{container.text}[...]" if container.kind == "name" else ""
            push(Slot("name", text, index) if text else _OTHER)
        elif name in _BUILDS:
            pop(1 - effect)
            facts.add(index, "alloc", _BUILDS[name])
            push(Slot("build", "", index))
        elif name in _ACCUMULATE:
            pop(_ACCUMULATE[name])
            depth = ins.arg or 0
            if 0 < depth <= len(stack) and stack[-depth].kind == "build":
                facts.accumulator_at[index] = stack[-depth].origin
        elif name == "MAKE_FUNCTION":
            code = next((slot for slot in pop(1 - effect) if slot.kind == "code"), None)
            code_name = code.text if code is not None else "<function>"
            if code_name == GENERATOR:
                facts.add(index, "alloc", "generator")
            elif code_name not in COMPREHENSIONS:
                facts.add(index, "alloc", f"function {code_name}")
            push(Slot("function", code_name, index))
        elif name == "SET_FUNCTION_ATTRIBUTE":
            function = pop(2)[-1]
            push(function)
        elif name == "IMPORT_NAME":
            pop(2)
            facts.add(index, "import", str(ins.argval) or ".")
            push(Slot("name", str(ins.argval), index))
        elif name == "SETUP_FINALLY":
            facts.add(index, "try")
        elif name in _WITH:
            pop(1)
            facts.add(index, "with")
            push(Slot("with"), *([_OTHER] * effect))
        elif name in ("DUP_TOP", "COPY"):
            depth = 1 if name == "DUP_TOP" else ins.arg or 1
            push(stack[-depth] if depth <= len(stack) else _OTHER)
        elif name == "DUP_TOP_TWO":
            push(*(stack[-2:] if len(stack) >= 2 else [_OTHER, _OTHER]))
        elif name in ("SWAP", "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N"):
            self.permute(name, ins.arg or 0, stack)
        elif name in ("UNPACK_SEQUENCE", "UNPACK_EX"):
            pop(1)
            push(*([_OTHER] * (effect + 1)))
        elif effect > 0:
            push(*([_OTHER] * effect))
        elif name.startswith(_POP_ONLY_PREFIXES) or name.endswith(_POP_ONLY_SUFFIXES):
            pop(-effect)
        elif effect == 0 and name.startswith(_NO_STACK_PREFIXES):
            pass
        else:  # takes its operands and leaves one new value (binary operators, GET_ITER, ...)
            pop(1 - effect)
            push(_OTHER)
        return stack

    def call(self, index: int, popped: Sequence[Slot], push: Callable[..., None]) -> None:
        callee = next((slot for slot in popped if slot.kind not in ("null", "self")), _OTHER)
        facts = self.facts
        result = _OTHER
        if callee.kind == "with" or (callee.kind == "function" and callee.text in (*COMPREHENSIONS, GENERATOR)):
            pass  # a ``with`` block's __exit__, or running a comprehension: facts of their own
        elif callee.kind == "name" and callee.text:
            facts.add(index, "call", callee.text)
            facts.callee_at[index] = callee.origin
            result = Slot("name", f"{callee.text}()", index)
        elif callee.kind == "function":
            facts.add(index, "call", callee.text)
        else:
            facts.add(index, "call", "(...)")
        push(result)

    @staticmethod
    def permute(name: str, arg: int, stack: list[Slot]) -> None:
        depth = {"ROT_TWO": 2, "ROT_THREE": 3, "ROT_FOUR": 4}.get(name, arg)
        if depth < 2:
            return
        while len(stack) < depth:
            stack.insert(0, _OTHER)
        if name == "SWAP":
            stack[-1], stack[-depth] = stack[-depth], stack[-1]
        else:  # ROT_*: the top moves down ``depth - 1`` places
            stack.insert(len(stack) - depth, stack.pop())


def _merge(known: list[Slot], arriving: list[Slot]) -> list[Slot]:
    if len(known) != len(arriving):
        return [_OTHER] * len(known)
    return [a if a == b else _OTHER for a, b in zip(known, arriving)]


def facts(code_flow: _bytecode.Flow) -> Facts:
    """The facts of every normally reachable instruction of one code object."""
    return _Run(code_flow).run()
