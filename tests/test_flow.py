"""``perflint.rules.flow``: whether a read can see a loop's binding, and whether code that goes on
after an exception reads a name.  Each case is a function whose first ``for`` loop (or the
statements marked ``# span``) is asked about."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from perflint.rules import flow
from perflint.rules.scope import Scope, ScopeTracker


def _parse(code: str) -> tuple[cst.Module, Scope]:
    module = cst.parse_module(textwrap.dedent(code))
    tracker = ScopeTracker()
    cst.visit_batched(module, [tracker])
    assert tracker.module_scope is not None
    function = next(child for child in tracker.module_scope.children if child.kind == "function")
    return module, function


class _Loops(cst.CSTVisitor):
    def __init__(self) -> None:
        self.loops: list[cst.For] = []

    def visit_For(self, node: cst.For) -> None:
        self.loops.append(node)


def _first_loop(module: cst.Module, binding: str = "x") -> cst.For:
    """The first loop whose target is ``binding``, else the first loop."""
    finder = _Loops()
    module.visit(finder)
    for loop in finder.loops:
        if isinstance(loop.target, cst.Name) and loop.target.value == binding:
            return loop
    return finder.loops[0]


SEEN = {
    "read-after": """
        def f(xs):
            for x in xs:
                pass
            return x
    """,
    "read-in-else": """
        def f(xs):
            for x in xs:
                pass
            else:
                print(x)
    """,
    "later-loop-may-be-empty": """
        def f(xs, ys):
            for x in xs:
                pass
            for x in ys:
                pass
            return x
    """,
    "one-branch-rebinds": """
        def f(xs, flag):
            for x in xs:
                pass
            if flag:
                x = 0
            return x
    """,
    "augmented": """
        def f(xs):
            for x in xs:
                pass
            x += 1
    """,
    "deleted": """
        def f(xs):
            for x in xs:
                pass
            del x
    """,
    "outer-loop-comes-back": """
        def f(groups):
            x = None
            for group in groups:
                print(x)
                for x in group:
                    pass
    """,
    "header-of-outer-loop": """
        def f(groups):
            while groups:
                for x in groups.pop():
                    pass
                groups = x
    """,
    "handler": """
        def f(xs):
            try:
                for x in xs:
                    work(x)
            except ValueError:
                print(x)
    """,
    "finally": """
        def f(xs):
            try:
                for x in xs:
                    work(x)
                return None
            finally:
                print(x)
    """,
    "closure": """
        def f(xs):
            for x in xs:
                pass
            x = 1
            return lambda: x
    """,
    "nested-def": """
        def f(xs):
            def g():
                return x
            for x in xs:
                pass
            x = 0
            return g
    """,
    "locals": """
        def f(xs):
            for x in xs:
                pass
            x = 0
            return locals()
    """,
    "comprehension-reads": """
        def f(xs):
            for x in xs:
                pass
            return [x + y for y in xs]
    """,
    "walrus-in-comprehension-is-no-binding": """
        def f(xs):
            for x in xs:
                pass
            [(x := y) for y in xs]
            return x
    """,
    "case-pattern-may-fail": """
        def f(xs, v):
            for x in xs:
                pass
            match v:
                case [x]:
                    pass
            return x
    """,
    "global": """
        def f(xs):
            global x
            for x in xs:
                pass
            x = 0
    """,
}

NOT_SEEN = {
    "never-read": """
        def f(xs):
            for x in xs:
                pass
            return 1
    """,
    "rebound-first": """
        def f(xs):
            for x in xs:
                pass
            x = 0
            return x
    """,
    "read-inside-later-loop": """
        def f(xs, ys):
            for x in xs:
                pass
            for x in ys:
                print(x)
    """,
    "both-branches-rebind": """
        def f(xs, flag):
            for x in xs:
                pass
            if flag:
                x = 0
            else:
                x = 1
            return x
    """,
    "read-before-only": """
        def f(xs, x):
            print(x)
            for x in xs:
                pass
            return None
    """,
    "returned-before": """
        def f(xs, flag):
            for x in xs:
                pass
            if flag:
                return 0
            x = 1
            return x
    """,
    "comprehension-own-variable": """
        def f(xs):
            for x in xs:
                pass
            return [x for x in xs]
    """,
    "handler-binds-it": """
        def f(xs):
            for x in xs:
                pass
            try:
                work()
            except ValueError as x:
                print(x)
    """,
    "shadowing-def": """
        def f(xs):
            for x in xs:
                pass
            def x():
                pass
            return x
    """,
    "attribute-and-keyword": """
        def f(xs, obj):
            for x in xs:
                pass
            return obj.x, dict(x=1)
    """,
    "locals-shadowed": """
        def f(xs, locals):
            for x in xs:
                pass
            x = 0
            return locals()
    """,
}


@pytest.mark.parametrize("code", SEEN.values(), ids=SEEN.keys())
def test_a_read_can_see_the_loop_binding(code: str) -> None:
    module, function = _parse(code)
    assert flow.loop_binding_read(function, _first_loop(module), ("x",), body=False)


@pytest.mark.parametrize("code", NOT_SEEN.values(), ids=NOT_SEEN.keys())
def test_no_read_can_see_the_loop_binding(code: str) -> None:
    module, function = _parse(code)
    assert not flow.loop_binding_read(function, _first_loop(module), ("x",), body=False)


def test_the_body_counts_only_when_asked() -> None:
    module, function = _parse(
        """
        def f(d):
            for k, v in d.items():
                print(v)
        """
    )
    loop = _first_loop(module)
    assert not flow.loop_binding_read(function, loop, ("v",), body=False)
    assert flow.loop_binding_read(function, loop, ("v",), body=True)


def test_outside_a_function_the_answer_is_conservative() -> None:
    module = cst.parse_module("for x in xs:\n    pass\n")
    tracker = ScopeTracker()
    cst.visit_batched(module, [tracker])
    assert tracker.module_scope is not None
    assert flow.loop_binding_read(tracker.module_scope, _first_loop(module), ("x",), body=False)


RAISED_SEEN = {
    "handler-returns-it": """
        def f(paths):
            try:
                out = []
                for p in paths:
                    out.append(read(p))
            except OSError:
                return out
    """,
    "handler-falls-through": """
        def f(paths):
            out = []
            try:
                for p in paths:
                    out.append(read(p))
            except OSError:
                pass
            return out
    """,
    "suppress": """
        def f(paths):
            with suppress(OSError):
                out = []
                for p in paths:
                    out.append(read(p))
            return out
    """,
    "pytest-raises": """
        def test(paths):
            with pytest.raises(OSError):
                out = []
                for p in paths:
                    out.append(read(p))
            assert out == []
    """,
    "continue-then-read": """
        def f(rows):
            out = None
            for row in rows:
                print(out)
                try:
                    out = []
                    for cell in row:
                        out.append(cell)
                except ValueError:
                    continue
    """,
    "finally-reads": """
        def f(paths):
            try:
                out = []
                for p in paths:
                    out.append(read(p))
            finally:
                print(out)
    """,
    "locals-after": """
        def f(paths):
            try:
                out = []
                for p in paths:
                    out.append(read(p))
            except OSError:
                return locals()
    """,
}

RAISED_NOT_SEEN = {
    "no-try": """
        def f(paths):
            out = []
            for p in paths:
                out.append(read(p))
            return out
    """,
    "handler-reraises": """
        def f(paths):
            try:
                out = []
                for p in paths:
                    out.append(read(p))
            except OSError as error:
                raise LoadError() from error
            return out
    """,
    "handler-rebinds": """
        def f(paths):
            try:
                out = []
                for p in paths:
                    out.append(read(p))
            except OSError:
                out = None
            return out
    """,
    "plain-with": """
        def f(paths):
            with lock:
                out = []
                for p in paths:
                    out.append(read(p))
            return out
    """,
    "handler-returns-other": """
        def f(paths):
            try:
                out = []
                for p in paths:
                    out.append(read(p))
            except OSError:
                return None
            return out
    """,
}


@pytest.mark.parametrize("code", RAISED_SEEN.values(), ids=RAISED_SEEN.keys())
def test_code_that_goes_on_after_a_raise_reads_it(code: str) -> None:
    module, function = _parse(code)
    loops = _Loops()
    module.visit(loops)
    loop = loops.loops[-1]  # the appending loop is the innermost
    assert flow.raised_past_read(function, [loop], ("out",))


@pytest.mark.parametrize("code", RAISED_NOT_SEEN.values(), ids=RAISED_NOT_SEEN.keys())
def test_no_code_after_a_raise_reads_it(code: str) -> None:
    module, function = _parse(code)
    assert not flow.raised_past_read(function, [_first_loop(module)], ("out",))


def test_statement_mentions_sees_comprehensions_and_lambdas() -> None:
    module, function = _parse(
        """
        def f(xs):
            a = [out for y in xs]
            b = lambda: item
            c = other
        """
    )
    body = module.body[0].body.body  # type: ignore[attr-defined]
    assert flow.statement_mentions(function, body[0], ("out",))
    assert flow.statement_mentions(function, body[1], ("item",))
    assert not flow.statement_mentions(function, body[2], ("out", "item"))
