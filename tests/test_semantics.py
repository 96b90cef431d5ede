"""``perflint.rules.semantics``: the questions rules share, asked at a call ``here(expr)`` in code."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import libcst as cst
import pytest

from perflint.rules import semantics
from perflint.rules.scope import Guard, Scope, ScopeTracker


@dataclass
class _Here:
    scope: Scope
    guard: Guard | None
    expr: cst.BaseExpression


class _Finder(cst.BatchableCSTVisitor):
    """Records the scope, guard and argument of each ``here(...)`` call."""

    def __init__(self, tracker: ScopeTracker) -> None:
        super().__init__()
        self.tracker = tracker
        self.found: list[_Here] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "here":
            assert self.tracker.scope is not None
            self.found.append(_Here(self.tracker.scope, self.tracker.guard, node.args[0].value))


def here(code: str) -> _Here:
    module = cst.parse_module(textwrap.dedent(code))
    tracker = ScopeTracker()
    finder = _Finder(tracker)
    cst.visit_batched(module, [tracker, finder])
    (found,) = finder.found
    return found


KINDS = {
    "dict-literal": ("d = {}\nhere(d)", {"dict"}),
    "dict-comprehension": ("d = {k: 1 for k in ks}\nhere(d)", {"dict"}),
    "dict-call": ("d = dict(pairs)\nhere(d)", {"dict"}),
    "shadowed-dict": ("dict = OrderedDict\nd = dict(pairs)\nhere(d)", {None}),
    "two-bindings": ("d = {}\nd = load()\nhere(d)", {"dict", None}),
    "tuple-and-list": ("s = (1, 2)\ns = [3]\nhere(s)", {"tuple", "list"}),
    "bytes-is-no-str": ("s = b'x'\nhere(s)", {None}),
    "concatenated-bytes-are-no-str": ("s = b'x' B'y' b'z'\nhere(s)", {None}),
    "concatenated-str": ("s = 'x' f'{y}' 'z'\nhere(s)", {"str"}),
}


@pytest.mark.parametrize(("code", "kinds"), KINDS.values(), ids=KINDS.keys())
def test_possible_kinds(code: str, kinds: set[str | None]) -> None:
    found = here(code)
    assert isinstance(found.expr, cst.Name)
    assert semantics.possible_kinds(found.scope, found.expr.value) == kinds
    expected = next(iter(kinds)) if len(kinds) == 1 else None
    assert semantics.known_type(found.scope, found.expr.value) == expected
    assert semantics.may_be(found.scope, found.expr, "dict") == ("dict" in kinds)


def test_unknowable_names_have_no_kinds() -> None:
    found = here("def f(d):\n    global g\n    g = {}\n    here(g)\n")
    assert semantics.possible_kinds(found.scope, "g") is None


INSTANCE = {
    "self": ("class A:\n    def f(self):\n        here(self)\n", True),
    "other-name": ("class A:\n    def f(this):\n        here(this)\n", True),
    "alias": ("class A:\n    def f(self):\n        obj = self\n        here(obj)\n", True),
    "in-comprehension": ("class A:\n    def f(self):\n        [here(self) for x in y]\n", True),
    "second-parameter": ("class A:\n    def f(self, other):\n        here(other)\n", False),
    "alias-rebound": (
        "class A:\n    def f(self, o):\n        obj = self\n        obj = o\n        here(obj)\n",
        False,
    ),
    "plain-function": ("def f(self):\n    here(self)\n", False),
    "attribute": ("class A:\n    def f(self):\n        here(self.items)\n", False),
}


@pytest.mark.parametrize(("code", "expected"), INSTANCE.values(), ids=INSTANCE.keys())
def test_is_instance(code: str, expected: bool) -> None:
    found = here(code)
    assert semantics.is_instance(found.scope, found.expr) is expected


PROBES = {
    "hasattr": ('def f(E):\n    if hasattr(E, "keys"):\n        here(E)\n', True),
    "callable-getattr": ('def f(E):\n    if callable(getattr(E, "keys", None)):\n        here(E)\n', True),
    "getattr-is-not-none": ('def f(E):\n    k = getattr(E, "keys", None)\n    here(E)\n', True),
    "dotted": ('def f(s):\n    if hasattr(s.src, "keys"):\n        here(s.src)\n', True),
    "in-comprehension": ('def f(E):\n    [hasattr(E, "keys") for x in y]\n    here(E)\n', True),
    "other-attribute": ('def f(E):\n    if hasattr(E, "read"):\n        here(E)\n', False),
    "other-object": ('def f(E, F):\n    if hasattr(F, "keys"):\n        here(E)\n', False),
    "other-function": ('def g(E):\n    hasattr(E, "keys")\ndef f(E):\n    here(E)\n', False),
}


@pytest.mark.parametrize(("code", "expected"), PROBES.values(), ids=PROBES.keys())
def test_is_probed(code: str, expected: bool) -> None:
    found = here(code)
    assert semantics.is_probed(found.scope, found.expr, ("keys",)) is expected


CHECKED = {
    "own-class": ("def f(m):\n    if isinstance(m, (Headers, MultiDict)):\n        here(m)\n", True),
    "dotted-class": ("def f(m):\n    if isinstance(m, ds.Headers):\n        here(m)\n", True),
    "dict": ("def f(m):\n    if isinstance(m, dict):\n        here(m)\n", False),
    "mapping": ("def f(m):\n    if isinstance(m, abc.Mapping):\n        here(m)\n", False),
    "builtins": ("def f(m):\n    if isinstance(m, (list, str)):\n        here(m)\n", False),
}


@pytest.mark.parametrize(("code", "expected"), CHECKED.values(), ids=CHECKED.keys())
def test_checked_against_class(code: str, expected: bool) -> None:
    found = here(code)
    assert semantics.checked_against_class(found.scope, found.expr) is expected


CATCHES = {
    "named": ("try:\n    here(x)\nexcept AttributeError:\n    pass\n", True),
    "in-tuple": ("try:\n    here(x)\nexcept (KeyError, AttributeError) as e:\n    pass\n", True),
    "base-class": ("try:\n    here(x)\nexcept Exception:\n    pass\n", True),
    "bare": ("try:\n    here(x)\nexcept:\n    pass\n", True),
    "dotted": ("try:\n    here(x)\nexcept builtins.AttributeError:\n    pass\n", True),
    "computed": ("try:\n    here(x)\nexcept errors():\n    pass\n", True),
    "outer-try": (
        "try:\n    try:\n        here(x)\n    except KeyError:\n        pass\nexcept TypeError:\n    pass\n",
        True,
    ),
    "suppress": ("with suppress(AttributeError):\n    here(x)\n", True),
    "contextlib-suppress": ("with contextlib.suppress(TypeError):\n    here(x)\n", True),
    "unrelated": ("try:\n    here(x)\nexcept (KeyError, OSError):\n    pass\n", False),
    "sibling-class": ("try:\n    here(x)\nexcept LookupError:\n    pass\n", False),
    "in-handler": ("try:\n    pass\nexcept AttributeError:\n    here(x)\n", False),
    "in-else": ("try:\n    pass\nexcept AttributeError:\n    pass\nelse:\n    here(x)\n", False),
    "other-with": ("with open(p):\n    here(x)\n", False),
    "function-boundary": (
        "try:\n    def f():\n        here(x)\nexcept AttributeError:\n    pass\n",
        False,
    ),
}


@pytest.mark.parametrize(("code", "expected"), CATCHES.values(), ids=CATCHES.keys())
def test_catches(code: str, expected: bool) -> None:
    found = here(code)
    assert semantics.catches(found.guard, ("AttributeError", "TypeError")) is expected


def test_catches_lookup_error_for_key_error() -> None:
    found = here("try:\n    here(x)\nexcept LookupError:\n    pass\n")
    assert semantics.catches(found.guard, ("KeyError",))
    assert not semantics.catches(found.guard, ("TypeError",))


ELSEWHERE = {
    "method-result": ("def f(c):\n    r = c.execute(q)\n    here(r)\n", True),
    "loop-item": ("def f(rows):\n    for row in rows:\n        here(row)\n", True),
    "with-target": ("def f(p):\n    with open(p) as fh:\n        here(fh)\n", True),
    "parameter": ("def f(d):\n    here(d)\n", False),
    "literal": ("def f():\n    d = {}\n    here(d)\n", False),
    "subscript": ("def f(s):\n    d = s[0]\n    here(d)\n", False),
    "global": ("d = load()\ndef f():\n    here(d)\n", False),
}


@pytest.mark.parametrize(("code", "expected"), ELSEWHERE.values(), ids=ELSEWHERE.keys())
def test_from_elsewhere(code: str, expected: bool) -> None:
    found = here(code)
    assert semantics.from_elsewhere(found.scope, found.expr) is expected
