"""One line of plain words for each CPython 3.8-3.13 instruction a bytecode diff can show.

``--explain`` lists, under a finding's diff, what each instruction that differs does, so a
reader who has never opened the ``dis`` documentation can follow why one side costs more.
The names are the ones ``dis`` prints (no specialised or instrumented variants: ``dis``
shows the base instruction); ``tests/test_opcodes.py`` checks that every instruction of each
CPython present has a gloss. Where a version changed what an instruction does, the gloss
says so. A gloss describes work, never time: how long an instruction takes depends on what
it works on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_OPERATORS = {
    "ADD": "+", "SUBTRACT": "-", "MULTIPLY": "*", "TRUE_DIVIDE": "/", "FLOOR_DIVIDE": "//",
    "MODULO": "%", "POWER": "**", "MATRIX_MULTIPLY": "@", "LSHIFT": "<<", "RSHIFT": ">>",
    "AND": "&", "OR": "|", "XOR": "^",
}  # fmt: skip

GLOSSES: dict[str, str] = {
    # Loading and storing names.
    "LOAD_FAST": "push a local variable (an index into the frame: the cheapest load)",
    "LOAD_FAST_CHECK": "push a local variable that may be unbound, checking that it is set (3.12+)",
    "LOAD_FAST_AND_CLEAR": "push a local and unbind it, saved around an inlined comprehension (3.12+)",
    "LOAD_FAST_LOAD_FAST": "push two local variables in one instruction (3.13+)",
    "STORE_FAST": "pop the top value into a local variable",
    "STORE_FAST_LOAD_FAST": "store a local, then push another, in one instruction (3.13+)",
    "STORE_FAST_STORE_FAST": "pop two values into two locals in one instruction (3.13+)",
    "STORE_FAST_MAYBE_NULL": "store a local that may hold nothing, after an inlined comprehension (a pseudo-instruction)",
    "DELETE_FAST": "unbind a local variable (`del x`)",
    "LOAD_GLOBAL": "push a global or builtin by name: a dict lookup in the module, then in builtins",
    "STORE_GLOBAL": "store into a module global by name (a dict store)",
    "DELETE_GLOBAL": "delete a module global by name",
    "LOAD_NAME": "push a name from the locals, globals or builtins dicts (module and class bodies)",
    "STORE_NAME": "store a name into the locals dict (module and class bodies)",
    "DELETE_NAME": "delete a name from the locals dict",
    "LOAD_DEREF": "push a variable shared with an inner or outer function (through its cell)",
    "STORE_DEREF": "store into a variable shared with an inner or outer function (its cell)",
    "DELETE_DEREF": "unbind a variable shared with an inner or outer function",
    "LOAD_CLASSDEREF": "push a closure variable from a class body, trying the class namespace first",
    "LOAD_CLOSURE": "push the cell of a variable an inner function will close over",
    "MAKE_CELL": "create the cell that holds a variable an inner function shares (3.11+)",
    "COPY_FREE_VARS": "copy the closure's cells into the frame when a function starts (3.11+)",
    "LOAD_FROM_DICT_OR_DEREF": "push a closure variable of a class body, from its namespace if set there (3.12+)",
    "LOAD_FROM_DICT_OR_GLOBALS": "push a name from a given dict, else the globals and builtins (3.12+)",
    "LOAD_LOCALS": "push the locals dict of a class body or module (3.12+)",
    "LOAD_CONST": "push a constant stored with the code (no lookup, no allocation)",
    "RETURN_CONST": "return a constant from the function (3.12+)",
    # Attributes and subscripts.
    "LOAD_ATTR": "look up an attribute (`obj.name`): the type's and the instance's dicts, descriptors",
    "LOAD_METHOD": "look up a method for the call that follows, without making a bound method (3.7-3.11)",
    "STORE_ATTR": "set an attribute (`obj.name = value`)",
    "DELETE_ATTR": "delete an attribute (`del obj.name`)",
    "LOAD_SUPER_ATTR": "look up an attribute through `super()` (3.12+)",
    "LOAD_SUPER_METHOD": "look up a method through `super()` (a 3.12+ compiler pseudo-instruction)",
    "LOAD_ZERO_SUPER_ATTR": "look up an attribute through `super()` without arguments (a pseudo-instruction)",
    "LOAD_ZERO_SUPER_METHOD": "look up a method through `super()` without arguments (a pseudo-instruction)",
    "BINARY_SUBSCR": "index into a container (`seq[i]`), dispatched on its type, bounds-checked",
    "STORE_SUBSCR": "store into a container (`seq[i] = value`)",
    "DELETE_SUBSCR": "delete from a container (`del seq[i]`)",
    "BINARY_SLICE": "slice a sequence (`seq[a:b]`), making a new one (3.12+)",
    "STORE_SLICE": "assign to a slice (`seq[a:b] = values`) (3.12+)",
    "BUILD_SLICE": "build a slice object for `seq[a:b:c]`",
    # Calls.
    "CALL": "call a function or method with the arguments on the stack (3.11+)",
    "CALL_FUNCTION": "call a function with positional arguments (3.8-3.10)",
    "CALL_FUNCTION_KW": "call a function with keyword arguments (3.8-3.10)",
    "CALL_FUNCTION_EX": "call a function with `*args` / `**kwargs` unpacking",
    "CALL_METHOD": "call the method LOAD_METHOD found (3.7-3.10)",
    "CALL_KW": "call a function with keyword arguments (3.13+)",
    "PRECALL": "prepare the call that follows, e.g. bind a method's self (3.11 only)",
    "KW_NAMES": "name the keyword arguments of the call that follows (3.11-3.12)",
    "PUSH_NULL": "push the empty slot a call's convention expects before the callable (3.11+)",
    "CALL_INTRINSIC_1": "run one of the interpreter's built-in helpers on one value (3.12+)",
    "CALL_INTRINSIC_2": "run one of the interpreter's built-in helpers on two values (3.12+)",
    "EXIT_INIT_CHECK": "check that a class's `__init__` returned None (3.13+)",
    # Building containers and strings.
    "BUILD_LIST": "allocate a new list from the values on the stack",
    "BUILD_TUPLE": "allocate a new tuple from the values on the stack",
    "BUILD_SET": "allocate a new set from the values on the stack (hashing each)",
    "BUILD_MAP": "allocate a new dict from the keys and values on the stack (hashing each key)",
    "BUILD_CONST_KEY_MAP": "allocate a new dict whose keys are a constant tuple",
    "BUILD_STRING": "join string pieces into a new string (an f-string)",
    "LIST_APPEND": "append to the list a comprehension builds",
    "SET_ADD": "add to the set a comprehension builds",
    "MAP_ADD": "add a key and value to the dict a comprehension builds",
    "LIST_EXTEND": "extend a list with an iterable (list displays, `[*a, *b]`) (3.9+)",
    "SET_UPDATE": "update a set with an iterable (`{*a, *b}`) (3.9+)",
    "DICT_UPDATE": "update a dict with a mapping (`{**a, **b}`) (3.9+)",
    "DICT_MERGE": "merge a mapping into call keyword arguments, refusing duplicates (3.9+)",
    "LIST_TO_TUPLE": "turn the list built for `*args` into a tuple (3.9-3.11)",
    "BUILD_LIST_UNPACK": "build a list from several iterables (`[*a, *b]`) (3.8)",
    "BUILD_TUPLE_UNPACK": "build a tuple from several iterables (3.8)",
    "BUILD_TUPLE_UNPACK_WITH_CALL": "build the `*args` tuple of a call from several iterables (3.8)",
    "BUILD_SET_UNPACK": "build a set from several iterables (3.8)",
    "BUILD_MAP_UNPACK": "build a dict from several mappings (`{**a, **b}`) (3.8)",
    "BUILD_MAP_UNPACK_WITH_CALL": "build the `**kwargs` dict of a call from several mappings (3.8)",
    "FORMAT_VALUE": "format a value for an f-string (`str()`/`repr()`/`format()`) (up to 3.12)",
    "FORMAT_SIMPLE": "format a value for an f-string without a format spec (3.13+)",
    "FORMAT_WITH_SPEC": "format a value for an f-string with a format spec (3.13+)",
    "CONVERT_VALUE": "apply `!s`, `!r` or `!a` to an f-string value (3.13+)",
    "UNPACK_SEQUENCE": "unpack an iterable into a fixed number of values (`a, b = pair`)",
    "UNPACK_EX": "unpack an iterable with a starred target (`a, *rest = items`)",
    # Operators and comparisons.
    "BINARY_OP": "a binary or in-place operator (`+`, `**`, `+=`, ...), dispatched on its operands' types (3.11+)",
    "UNARY_NEGATIVE": "the unary `-` operator",
    "UNARY_POSITIVE": "the unary `+` operator (up to 3.11)",
    "UNARY_NOT": "the `not` operator",
    "UNARY_INVERT": "the `~` operator",
    "TO_BOOL": "convert the top value to True or False, for a test (3.13+)",
    "COMPARE_OP": "a comparison (`<`, `==`, ...; before 3.9 also `in`, `is`)",
    "CONTAINS_OP": "an `in` / `not in` test: a hash lookup for a dict or set, a scan for a list (3.9+)",
    "IS_OP": "an `is` / `is not` test: compares identities, nothing else (3.9+)",
    "GET_LEN": "push the length of the top value (`match` statements)",
    # Iteration.
    "GET_ITER": "get an iterator from the iterable a loop walks (`iter(x)`)",
    "FOR_ITER": "the loop's head: take the next item from the iterator, or leave the loop when it is done",
    "END_FOR": "clean up after a `for` loop's iterator is exhausted (3.12+)",
    "GET_YIELD_FROM_ITER": "get the iterator a `yield from` delegates to",
    "GET_AITER": "get an asynchronous iterator (`async for`)",
    "GET_ANEXT": "ask an asynchronous iterator for its next item (`async for`)",
    "END_ASYNC_FOR": "end an `async for` loop when its iterator raises StopAsyncIteration",
    # Jumps.
    "JUMP_ABSOLUTE": "jump to an instruction: the jump back to a loop's head (up to 3.10)",
    "JUMP_FORWARD": "jump ahead unconditionally",
    "JUMP_BACKWARD": "jump back: the end of a loop's body, back to its head (3.11+)",
    "JUMP_BACKWARD_NO_INTERRUPT": "jump back without checking for signals (`await`'s loop) (3.11+)",
    "JUMP": "jump unconditionally (a compiler pseudo-instruction)",
    "JUMP_NO_INTERRUPT": "jump without checking for signals (a compiler pseudo-instruction)",
    "POP_JUMP_IF_TRUE": "pop a value and jump if it is true: an `if`/`while` test",
    "POP_JUMP_IF_FALSE": "pop a value and jump if it is false: an `if`/`while` test",
    "POP_JUMP_IF_NONE": "pop a value and jump if it is None (3.12+)",
    "POP_JUMP_IF_NOT_NONE": "pop a value and jump if it is not None (3.12+)",
    "POP_JUMP_FORWARD_IF_TRUE": "pop a value and jump ahead if it is true (3.11)",
    "POP_JUMP_FORWARD_IF_FALSE": "pop a value and jump ahead if it is false (3.11)",
    "POP_JUMP_FORWARD_IF_NONE": "pop a value and jump ahead if it is None (3.11)",
    "POP_JUMP_FORWARD_IF_NOT_NONE": "pop a value and jump ahead if it is not None (3.11)",
    "POP_JUMP_BACKWARD_IF_TRUE": "pop a value and jump back if it is true (3.11)",
    "POP_JUMP_BACKWARD_IF_FALSE": "pop a value and jump back if it is false (3.11)",
    "POP_JUMP_BACKWARD_IF_NONE": "pop a value and jump back if it is None (3.11)",
    "POP_JUMP_BACKWARD_IF_NOT_NONE": "pop a value and jump back if it is not None (3.11)",
    "JUMP_IF_TRUE_OR_POP": "jump keeping the value if it is true, else pop it: `or` (up to 3.11)",
    "JUMP_IF_FALSE_OR_POP": "jump keeping the value if it is false, else pop it: `and` (up to 3.11)",
    "JUMP_IF_NOT_EXC_MATCH": "jump if the exception does not match the `except` clause (3.9-3.10)",
    # Exceptions and with blocks.
    "SETUP_FINALLY": "enter a `try` block: push a handler on the block stack, every time (up to 3.10)",
    "SETUP_WITH": "enter a `with` block: call `__enter__` and push a handler (up to 3.10)",
    "SETUP_ASYNC_WITH": "enter an `async with` block's handler (up to 3.10)",
    "SETUP_CLEANUP": "mark where cleanup starts (a compiler pseudo-instruction: no work at run time)",
    "SETUP_ANNOTATIONS": "create `__annotations__` for a module or class body",
    "POP_BLOCK": "leave a `try`/`with` block: pop its handler from the block stack (up to 3.10)",
    "BEGIN_FINALLY": "start a `finally` block (3.8)",
    "END_FINALLY": "end a `finally` or `except` block, re-raising if needed (3.8)",
    "CALL_FINALLY": "run a `finally` block on the way out of a `try` (3.8)",
    "POP_FINALLY": "leave a `finally` block (3.8)",
    "WITH_CLEANUP_START": "start a `with` block's exit: call `__exit__` (3.8)",
    "WITH_CLEANUP_FINISH": "finish a `with` block's exit, swallowing the exception if asked (3.8)",
    "BEFORE_WITH": "enter a `with` block: call `__enter__`, keep `__exit__` (3.11+)",
    "BEFORE_ASYNC_WITH": "enter an `async with` block: call `__aenter__`",
    "WITH_EXCEPT_START": "call a `with` block's `__exit__` with the exception raised in it (3.9+)",
    "PUSH_EXC_INFO": "start an exception handler: save the current exception (3.11+)",
    "POP_EXCEPT": "leave an exception handler, restoring the previous exception",
    "CHECK_EXC_MATCH": "test whether the exception matches the `except` clause (3.11+)",
    "CHECK_EG_MATCH": "split an exception group for an `except*` clause (3.11+)",
    "PREP_RERAISE_STAR": "combine what `except*` clauses raised, to raise again (3.11)",
    "RERAISE": "raise the exception being handled again",
    "RAISE_VARARGS": "raise an exception (`raise`, `raise x`, `raise x from y`)",
    "LOAD_ASSERTION_ERROR": "push AssertionError for a failing `assert` (3.9+)",
    "CLEANUP_THROW": "handle an exception thrown into a `yield from`/`await` (3.12+)",
    # Functions, classes, generators.
    "MAKE_FUNCTION": "make a new function object from code (every time it runs: a closure or lambda)",
    "SET_FUNCTION_ATTRIBUTE": "give a new function its defaults, closure or annotations (3.13+)",
    "LOAD_BUILD_CLASS": "push `__build_class__`, which a `class` statement calls",
    "RETURN_VALUE": "return the top value from the function",
    "RETURN_GENERATOR": "create the generator or coroutine a generator function returns (3.11+)",
    "GEN_START": "start a generator, coroutine or async generator (3.10)",
    "YIELD_VALUE": "yield the top value to the generator's caller",
    "YIELD_FROM": "delegate to a sub-iterator (`yield from`, `await`) (up to 3.10)",
    "SEND": "send a value into a sub-iterator (`yield from`, `await`) (3.11+)",
    "END_SEND": "finish a `yield from` / `await` (3.12+)",
    "GET_AWAITABLE": "get the awaitable of an `await`",
    "ASYNC_GEN_WRAP": "wrap a value an async generator yields (3.11)",
    "RESUME": "the start of a function or a resumed generator: checks for signals and tracing (3.11+)",
    # Imports.
    "IMPORT_NAME": "import a module (a lookup in sys.modules when it is already imported)",
    "IMPORT_FROM": "take a name from the module just imported (`from m import name`)",
    "IMPORT_STAR": "`from m import *`: copy every public name into the namespace (up to 3.11)",
    # Pattern matching.
    "MATCH_CLASS": "test a `case Class(...)` pattern and pull out its attributes",
    "MATCH_MAPPING": "test whether the subject of a `match` is a mapping",
    "MATCH_SEQUENCE": "test whether the subject of a `match` is a sequence",
    "MATCH_KEYS": "look up a mapping pattern's keys in the subject",
    "COPY_DICT_WITHOUT_KEYS": "copy a matched dict without the pattern's keys (`**rest`) (3.10)",
    # Moving values on the stack.
    "POP_TOP": "discard the top value (e.g. a call's unused result)",
    "DUP_TOP": "duplicate the top value (up to 3.10)",
    "DUP_TOP_TWO": "duplicate the top two values (up to 3.10)",
    "ROT_TWO": "swap the top two values (up to 3.10)",
    "ROT_THREE": "move the top value down two places (up to 3.10)",
    "ROT_FOUR": "move the top value down three places (up to 3.10)",
    "ROT_N": "move the top value down several places (3.10)",
    "COPY": "push a copy of a value further down the stack (3.11+)",
    "SWAP": "swap the top value with one further down (3.11+)",
    "PRINT_EXPR": "print an expression's value (the interactive prompt only)",
    "NOP": "do nothing (it carries a line number)",
    "EXTENDED_ARG": "widen the next instruction's argument (not work of its own)",
    "CACHE": "room for the interpreter's caches (not an instruction; never run)",
    "RESERVED": "a placeholder the interpreter never runs",
    "INTERPRETER_EXIT": "leave the interpreter's loop (interpreter internals)",
    "ENTER_EXECUTOR": "enter code the interpreter has optimised (interpreter internals, 3.13+)",
}
for _name, _symbol in _OPERATORS.items():  # 3.11 folded them all into BINARY_OP
    GLOSSES[f"BINARY_{_name}"] = f"the `{_symbol}` operator, dispatched on its operands' types (up to 3.10)"
    GLOSSES[f"INPLACE_{_name}"] = f"the in-place `{_symbol}=` operator, dispatched on its operands' types (up to 3.10)"

_OPNAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def opname(instruction: str) -> str | None:
    """The instruction name of a listing line (``"LOAD_GLOBAL NULL + len"`` -> LOAD_GLOBAL)."""
    word = instruction.strip().split(" ", 1)[0]
    return word if _OPNAME.match(word) else None


def glossary(diff: Iterable[str]) -> list[tuple[str, str]]:
    """The instructions that differ in a bytecode diff (its ``-`` and ``+`` lines), each once
    in order of appearance, with their glosses (an unknown one says so)."""
    seen: dict[str, str] = {}
    for line in diff:
        if line[:1] not in ("-", "+"):
            continue
        name = opname(line[1:])
        if name is not None and name not in seen:
            seen[name] = GLOSSES.get(name, "an instruction this perflint has no description of")
    return list(seen.items())
