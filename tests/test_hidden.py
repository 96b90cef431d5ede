"""``perflint.rules.hidden`` must tell the module scope what ``ScopeTracker`` would have told it.

For statements libcst never parses, the prefilter gives the scope model a summary built from
CPython's ``ast``. Over real code (a sample of the standard library) and over hand-written
cases of every binding form, the summary of a whole file must equal what ``ScopeTracker``
finds in libcst's tree of it: the module's bindings (kinds and value kinds), ``count_refs``
and ``count`` of every name, the declared names and star imports.
"""

from __future__ import annotations

import ast
import sys
import sysconfig
import textwrap
import warnings
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from perflint.rules.hidden import Summary
from perflint.rules.patterns.rule import binding_sort
from perflint.rules.scope import Scope, ScopeTracker
from perflint.rules.semantics import literal_kind, value_kind

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: libcst has names where ``ast`` has constants; no rule asks about them.
_CONSTANTS = {"True", "False", "None"}


def _tracker(source: str) -> Scope:
    tracker = ScopeTracker()
    cst.parse_module(source).visit(_Batched(tracker))
    assert tracker.module_scope is not None
    return tracker.module_scope


class _Batched(cst.CSTVisitor):
    """Run one batchable visitor on its own (as ``visit_batched`` would)."""

    def __init__(self, inner: cst.BatchableCSTVisitor) -> None:
        super().__init__()
        self.visitors = inner.get_visitors()

    def on_visit(self, node: cst.CSTNode) -> bool:
        method = self.visitors.get(f"visit_{type(node).__name__}")
        if method is not None:
            method(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        method = self.visitors.get(f"leave_{type(original_node).__name__}")
        if method is not None:
            method(original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        method = self.visitors.get(f"visit_{type(node).__name__}_{attribute}")
        if method is not None:
            method(node)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        method = self.visitors.get(f"leave_{type(original_node).__name__}_{attribute}")
        if method is not None:
            method(original_node)


def _kinds(scope: Scope, bindings: dict[str, list]) -> dict[str, Counter[tuple[object, ...]]]:  # type: ignore[type-arg]
    """What the rules read of each binding: its kind, its value's type, its ``binding:`` sort
    and whether it is a list display (``queue:``)."""
    return {
        name: Counter(
            (
                b.kind,
                literal_kind(b.value) or value_kind(b.value, scope),
                binding_sort(b, scope),
                isinstance(b.value, cst.List),
            )
            for b in found
        )
        for name, found in bindings.items()
    }


def _class_scopes(module: Scope) -> list[Scope]:
    """The scopes of the module's top-level classes."""
    assert isinstance(module.node, cst.Module)
    top = {id(statement) for statement in module.node.body}
    return [child for child in module.children if child.kind == "class" and id(child.node) in top]


def assert_same_classes(source: str, module: Scope) -> None:
    """What ``Summary.members`` tells a class scope, for each top-level class (all of its
    parts walked as if left out), equals the tracker's class scope."""
    classes = [node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)]
    for node, scope in zip(classes, _class_scopes(module), strict=True):
        header = [*node.decorator_list, *node.bases, *node.keywords, *getattr(node, "type_params", ())]
        parts = [*header, *node.body]
        facts = Summary(counts=True).members(parts)  # type: ignore[arg-type]
        assert _kinds(scope, facts.bindings) == _kinds(scope, scope.bindings), node.name
        names = (set(scope.all_names()) | set(facts.total)) - _CONSTANTS
        assert {n: facts.refs[n] for n in names} == {n: scope.count_refs(n) for n in names}
        assert {n: facts.total[n] for n in names} == {n: scope.count(n) for n in names}


def assert_same(source: str) -> None:
    module = _tracker(source)
    assert_same_classes(source, module)
    summary = Summary(counts=True)
    for statement in ast.parse(source).body:
        summary.statement(statement)
    facts = summary.finish()
    empty = Scope("module", cst.Module([]), None)
    assert _kinds(empty, facts.bindings) == _kinds(empty, module.bindings)
    names = (set(module.all_names()) | set(facts.total)) - _CONSTANTS
    assert {n: facts.refs[n] for n in names} == {n: module.count_refs(n) for n in names}
    assert {n: facts.total[n] for n in names} == {n: module.count(n) for n in names}
    assert facts.declared == module.declared
    assert facts.star_import == module.star_import
    assert (facts.probes, facts.isinstance_checks) == (module.probes, module.isinstance_checks)
    # Without counts (no module-level candidate), walking every definition that may declare
    # a name global, the bindings and declarations are the same.
    declares = ("global", "nonlocal")
    shallow = Summary(counts=False, descend=lambda node: any(w in ast.unparse(node) for w in declares))
    for statement in ast.parse(source).body:
        shallow.statement(statement)
    bare = shallow.finish()
    assert _kinds(empty, bare.bindings) == _kinds(empty, module.bindings)
    assert (bare.declared, bare.star_import) == (module.declared, module.star_import)


CASES = {
    "assignments": "a = 1\nb = c = []\nd, (e, *f) = g\nh: int = ()\ni: int\nj += 1\nk = [x for x in y]\n",
    "kinds": "s = 'x'\nb = b'x'\nt = f'{s}'\nu = {1}\nv = {}\nw = dict(a=1)\nx = list\ny = 'a' 'b'\nz = b'a' b'b'\n",
    "imports": "import a.b.c\nimport d as e\nfrom .f import g, h as i\nfrom . import j\nfrom k.l import *\n",
    "functions": "@dec(a)\ndef f(x, /, y=z, *args, k: T = v, **kw) -> R:\n    global g\n    g = 1\n    n = x\n    def inner():\n        nonlocal n\n        n = 2\n    return lambda q=w: q + y\n",
    "classes": "class C(Base, metaclass=M):\n    attr = value\n    def method(self):\n        return attr\n",
    "comprehensions": "r = [x for x in x if x]\ns = {k: v for k, v in d.items() for j in k}\nt = (a := b for b in c)\n",
    "control": "for i, j in pairs:\n    pass\nelse:\n    i = 0\nwhile w:\n    del w\nwith open(p) as (f, g), q:\n    pass\ntry:\n    pass\nexcept E as err:\n    raise\n",
    "match": "match p:\n    case Point(x=0, y=yy) as pt:\n        pass\n    case [a, *rest]:\n        pass\n    case {'k': v, **others}:\n        pass\n    case Color.RED | None:\n        pass\n",
    "walrus": "if (n := len(a)) > 1:\n    pass\nvalues = [(y := f(x)) for x in data]\nf = lambda: (z := 1)\n",
    "shadowing": "i = 0\ndef f():\n    i = 1\n    return i\ndef g():\n    return i\ndef h():\n    global i\n    i = 2\nclass K:\n    i = 3\n    def m(self):\n        return i\n",
    "fstrings": "name = 'x'\nmsg = f'{name!r:>{width}} {obj.attr} {other=}'\n",
    "calls": (
        "r = conn.execute(q)\ns = inspect(C).attrs\nt = search(t)[0]\nu = dict(p)\n"
        "v = dict(p).keys\nw = [x for x in y]\nz = [1, 2]\nlist = f\nk = list(g)\n"
    ),
    "numbers": "i = 1\nj = -2\nk = +3.5\nm = 1j\nn = True\no = -x\np = len(a)\nq = str(b)\nr = float\n",
    "probes": (
        "ok = hasattr(d, 'keys')\nf = lambda e: getattr(e.f, 'items', None)\n"
        "g = [isinstance(x, (Mapping, abc.Seq, *more)) for x in y]\nisinstance(h, b'k')\n"
        "getattr(*a, 'keys')\nhasattr(k=w, name='keys')\nhasattr(z, f'keys')\n"
        "@dec(hasattr(d, 'values'))\ndef fn(a=isinstance(d, D)):\n    return hasattr(d, 'copy')\n"
        "class K(base(hasattr(d, 'pop'))):\n    hasattr(d, 'get')\n"
    ),
}
if sys.version_info >= (3, 11):
    CASES["trystar"] = "try:\n    pass\nexcept* ValueError as group:\n    pass\n"


@pytest.mark.parametrize("source", list(CASES.values()), ids=list(CASES))
def test_summary_matches_the_scope_tracker(source: str) -> None:
    assert_same(textwrap.dedent(source))


@pytest.mark.skipif(not hasattr(ast, "TypeAlias"), reason="type statements need 3.12")
def test_type_statements() -> None:
    assert_same("type Alias[T: int] = list[T]\ndef f[U, *V, **W](x: U) -> U:\n    return x\n")


def test_a_file_that_differs_is_caught() -> None:
    # The comparison itself must be able to fail: a summary of a different file differs.
    summary = Summary(counts=True)
    for statement in ast.parse("i = 0\n").body:
        summary.statement(statement)
    assert summary.finish().refs["i"] != _tracker("i = 0\nprint(i)\n").count_refs("i")


def _sample() -> list[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)
    return [p for p in files[::25] if p.stat().st_size < 80_000]


@pytest.mark.slow
def test_summary_matches_the_scope_tracker_on_the_standard_library() -> None:
    checked = 0
    for path in _sample():
        try:
            source = path.read_text("utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(source)
            cst.parse_module(source)
        except (SyntaxError, UnicodeDecodeError, ValueError, cst.ParserSyntaxError, RecursionError):
            continue
        try:
            assert_same(source)
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from None
        checked += 1
    assert checked > 40
