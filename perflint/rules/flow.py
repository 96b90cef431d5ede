"""Whether a read of a name can see a binding: flow-sensitive name use inside a function.

A rule that turns ``for x in xs: out.append(f(x))`` into a comprehension stops binding ``x``
in the function; whether that matters depends on the reads of ``x`` that can run after the
loop and still find the loop's binding, not on whether ``x`` is spelled anywhere else.

Built on demand for the function a candidate sits in, from what the ``ScopeTracker``
recorded in the one traversal (``Scope.events``: which statement reads or binds which name),
and a walk over that function's *statements* (never its expressions): a small control-flow
graph whose nodes are statements (a ``for`` is three: its iterable, the test for a next item,
its target), with an edge from everything inside a ``try`` body to its handlers and
``finally``, and from a ``with`` body to after it where the context manager is one known to
suppress exceptions (``contextlib.suppress``, ``pytest.raises``, ``assertRaises``).

The answers are conservative: ``True`` ("a read may see it") whenever the graph cannot tell:
outside a function, for a name declared ``global``/``nonlocal``, a name a nested function,
lambda or class mentions (a closure may read it at any time), and in a function that calls
``locals()``, ``vars()``, ``dir()``, ``eval()`` or ``exec()``.  Within a statement, reads
are taken to come before binds (``x = x + 1`` reads ``x``).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from perflint.rules.scope import Scope

#: Builtins that read a function's local variables by name.
FRAME_READERS = frozenset({"locals", "vars", "dir", "eval", "exec"})

#: Context managers (by the last part of their name) that exist to swallow an exception.
SUPPRESSORS = frozenset(
    {"suppress", "raises", "assertRaises", "assertRaisesRegex", "assertRaisesRegexp",
     "assertWarns", "assertWarnsRegex", "ignore_errors"}
)  # fmt: skip


@dataclass(eq=False)
class _Node:
    """A statement (or part of one) of the graph; ``part`` selects its events."""

    owner: int = 0  # id of the statement whose events it holds; 0 for none
    part: str = "all"  # "all", "loads" (a for's iterable) or "stores" (a for's target)
    kills: bool = True  # whether its binds certainly happen (not a ``case`` pattern's)
    succ: list[_Node] = field(default_factory=list)
    raises: Sequence[_Node] = ()  # where an exception raised in it goes


@dataclass
class _Context:
    exit: _Node  # where a return goes (through finally)
    raises: Sequence[_Node]  # where an exception goes
    after_loop: _Node | None = None  # break
    loop_head: _Node | None = None  # continue


@dataclass(eq=False)
class _Loop:
    target: _Node
    body: set[int]  # ids of the nodes of the loop's body


class _Graph:
    """The control-flow graph of one function's statements."""

    def __init__(self, function: cst.FunctionDef) -> None:
        self.loops: dict[int, _Loop] = {}
        #: id of each statement -> the nodes built for it (a compound one: all inside it).
        self.spans: dict[int, list[_Node]] = {}
        self._created: list[list[_Node]] = []
        self.exit = _Node()
        context = _Context(exit=self.exit, raises=(self.exit,))
        self.entry = self._suite(function.body, self.exit, context)

    # -- building ---------------------------------------------------------------------------
    def _node(self, context: _Context, owner: int = 0, part: str = "all", kills: bool = True) -> _Node:
        node = _Node(owner, part, kills, raises=context.raises)
        for created in self._created:
            created.append(node)
        return node

    def _suite(self, suite: cst.BaseSuite | None, after: _Node, context: _Context) -> _Node:
        if suite is None:
            return after
        if isinstance(suite, cst.SimpleStatementSuite):
            return self._line(suite, suite.body, after, context)
        assert isinstance(suite, cst.IndentedBlock)
        return self._statements(suite.body, after, context)

    def _statements(
        self, body: Sequence[cst.BaseStatement], after: _Node, context: _Context
    ) -> _Node:
        node = after
        for statement in reversed(body):
            self._created.append([])
            node = self._statement(statement, node, context)
            self.spans[id(statement)] = self._created.pop()
        return node

    def _line(
        self,
        owner: cst.CSTNode,
        small: Sequence[cst.BaseSmallStatement],
        after: _Node,
        context: _Context,
    ) -> _Node:
        node = self._node(context, id(owner))
        node.succ = [after]
        for statement in small:
            if isinstance(statement, cst.Return):
                node.succ = [context.exit]
            elif isinstance(statement, cst.Raise):
                node.succ = list(context.raises)
            elif isinstance(statement, cst.Break) and context.after_loop is not None:
                node.succ = [context.after_loop]
            elif isinstance(statement, cst.Continue) and context.loop_head is not None:
                node.succ = [context.loop_head]
            else:
                continue
            break
        return node

    def _statement(self, statement: cst.BaseStatement, after: _Node, context: _Context) -> _Node:
        if isinstance(statement, cst.SimpleStatementLine):
            return self._line(statement, statement.body, after, context)
        if isinstance(statement, cst.If):
            return self._if(statement, after, context)
        if isinstance(statement, cst.For):
            return self._for(statement, after, context)
        if isinstance(statement, cst.While):
            return self._while(statement, after, context)
        if isinstance(statement, (cst.Try, cst.TryStar)):
            return self._try(statement, after, context)
        if isinstance(statement, cst.With):
            return self._with(statement, after, context)
        if isinstance(statement, cst.Match):
            return self._match(statement, after, context)
        node = self._node(context, id(statement))  # def, class: binds its name
        node.succ = [after]
        return node

    def _if(self, statement: cst.If, after: _Node, context: _Context) -> _Node:
        test = self._node(context, id(statement))
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            other = self._if(orelse, after, context)
        else:
            other = self._suite(orelse.body if orelse else None, after, context)
        test.succ = [self._suite(statement.body, after, context), other]
        return test

    def _for(self, statement: cst.For, after: _Node, context: _Context) -> _Node:
        self._created.append([])
        header = self._node(context, id(statement), "loads")
        head = self._node(context)
        target = self._node(context, id(statement), "stores")
        inner = _Context(context.exit, context.raises, after_loop=after, loop_head=head)
        body = self._suite(statement.body, head, inner)
        nodes = self._created.pop()
        orelse = self._suite(statement.orelse.body if statement.orelse else None, after, context)
        header.succ = [head]
        head.succ = [target, orelse]
        target.succ = [body]
        body_nodes = {id(node) for node in nodes} - {id(header), id(head), id(target)}
        self.loops[id(statement)] = _Loop(target, body_nodes)
        return header

    def _while(self, statement: cst.While, after: _Node, context: _Context) -> _Node:
        test = self._node(context, id(statement))
        inner = _Context(context.exit, context.raises, after_loop=after, loop_head=test)
        body = self._suite(statement.body, test, inner)
        orelse = self._suite(statement.orelse.body if statement.orelse else None, after, context)
        test.succ = [body, orelse]
        return test

    def _try(self, statement: cst.Try | cst.TryStar, after: _Node, context: _Context) -> _Node:
        outer = context
        if statement.finalbody is not None:
            # Past ``finally`` the code goes on, or returns, raises, breaks or continues.
            leave = self._node(context)
            leave.succ = [after, context.exit, *context.raises]
            leave.succ += [n for n in (context.after_loop, context.loop_head) if n is not None]
            final = self._suite(statement.finalbody.body, leave, context)
            after = final
            outer = _Context(final, (final,), after_loop=final, loop_head=final)
        handlers = []
        for handler in statement.handlers:
            node = self._node(outer, id(handler))
            node.succ = [self._suite(handler.body, after, outer)]
            handlers.append(node)
        orelse = self._suite(statement.orelse.body if statement.orelse else None, after, outer)
        inner = _Context(outer.exit, (*handlers, *outer.raises), outer.after_loop, outer.loop_head)
        return self._suite(statement.body, orelse, inner)

    def _with(self, statement: cst.With, after: _Node, context: _Context) -> _Node:
        items = self._node(context, id(statement))
        inner = context
        if any(_suppresses(item.item) for item in statement.items):
            inner = _Context(context.exit, (*context.raises, after), context.after_loop, context.loop_head)
        items.succ = [self._suite(statement.body, after, inner)]
        return items

    def _match(self, statement: cst.Match, after: _Node, context: _Context) -> _Node:
        subject = self._node(context, id(statement))
        following = after
        for case in reversed(statement.cases):
            node = self._node(context, id(case), kills=False)
            node.succ = [self._suite(case.body, after, context), following]
            following = node
        subject.succ = [following]
        return subject


def _suppresses(manager: cst.BaseExpression) -> bool:
    if not isinstance(manager, cst.Call):
        return False
    func = manager.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name in SUPPRESSORS


class _Events:
    """A function's name events grouped by statement, including comprehensions run there."""

    def __init__(self, scope: Scope) -> None:
        self.by_owner: dict[tuple[int, str], set[str]] = {}
        self._add(scope, own=True, bound=frozenset())
        #: Statements that call ``locals()`` and friends: they read every name.
        self.readers = {
            owner
            for owner, name in self.by_owner
            if name in FRAME_READERS and scope.is_builtin(name)
        }

    def _add(self, scope: Scope, own: bool, bound: frozenset[str]) -> None:
        for owner, name, kind in scope.events:
            if name in bound:
                continue  # the comprehension's own variable
            loads = kind != "store"  # "aug" reads first, "del" needs the binding
            # A key for every mention, even one that neither reads nor surely binds.
            kinds = self.by_owner.setdefault((owner, name), set())
            if loads:
                kinds.add("load")
            if kind in ("store", "aug") and own:
                kinds.add("store")
            if kind == "del":
                kinds.add("store")
        for child in scope.children:
            if child.kind == "comprehension":
                # A comprehension runs where it stands; its own variables are not ours.
                inner = bound | {n for n in child.bindings if n not in child.nonlocals}
                self._add(child, own=False, bound=frozenset(inner))

    def at(self, node: _Node, name: str) -> set[str]:
        if node.owner in self.readers and node.part != "stores":
            return {"load"}
        kinds = self.by_owner.get((node.owner, name))
        if not kinds or node.owner == 0:
            return set()
        if node.part == "loads":
            return kinds & {"load"}
        if node.part == "stores":
            return kinds & {"store"}
        return kinds


@dataclass(eq=False)
class _Function:
    graph: _Graph
    events: _Events


_functions: weakref.WeakKeyDictionary[Scope, _Function] = weakref.WeakKeyDictionary()


def _function(scope: Scope) -> _Function | None:
    if scope.kind != "function" or not isinstance(scope.node, cst.FunctionDef):
        return None
    found = _functions.get(scope)
    if found is None:
        found = _Function(_Graph(scope.node), _Events(scope))
        _functions[scope] = found
    return found


def _opaque(scope: Scope, names: Collection[str]) -> bool:
    """True when something the graph cannot follow may read one of ``names``."""
    if any(name in scope.globals or name in scope.nonlocals for name in names):
        return True
    if _reads_frame(scope):
        return True
    return any(_closure_mentions(child, name) for child in scope.children for name in names)


def _reads_frame(scope: Scope) -> bool:
    """Whether ``scope`` (or a scope in it) uses ``locals()``, ``eval()`` ... the builtins."""
    return any(scope.count(reader) and scope.is_builtin(reader) for reader in FRAME_READERS)


def _closure_mentions(scope: Scope, name: str) -> bool:
    """Whether ``scope`` (a child) or a scope inside it can read the parent's ``name`` late."""
    if name in scope.bindings and name not in scope.nonlocals | scope.globals:
        return False  # its own variable (a comprehension's target, a parameter ...)
    if scope.kind != "comprehension" and scope.names[name]:
        return True
    return any(_closure_mentions(child, name) for child in scope.children)


def _reaches_read(
    function: _Function,
    starts: Iterable[_Node],
    names: Collection[str],
    skip: Collection[int] = (),
) -> bool:
    """Whether a read of one of ``names`` is reachable from ``starts`` before a binding of it.

    Nodes whose id is in ``skip`` are passed through as if they had no events.
    """
    for name in names:
        seen: set[int] = set()
        stack = list(starts)
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            kinds = set() if id(node) in skip else function.events.at(node, name)
            if "load" in kinds:
                return True
            stack.extend(node.raises)  # an exception may come before the binding
            if not ("store" in kinds and node.kills):
                stack.extend(node.succ)
    return False


def loop_binding_read(scope: Scope, loop: cst.For, names: Collection[str], *, body: bool) -> bool:
    """Whether a read of one of ``names`` may see a value bound by ``loop``'s target.

    ``body=False`` leaves the loop's own body out (the rule has vetted the uses there);
    with ``body=True`` a read in the body counts too.  Conservative: True when unsure.
    """
    function = _function(scope)
    if function is None or _opaque(scope, names):
        return True
    info = function.graph.loops.get(id(loop))
    if info is None:
        return True
    # The header stays in: an outer loop coming back re-evaluates the iterable.
    skip = set() if body else info.body
    starts = [*info.target.succ, *info.target.raises]
    return _reaches_read(function, starts, names, skip)


def raised_past_read(scope: Scope, statements: Sequence[cst.CSTNode], names: Collection[str]) -> bool:
    """Whether, when one of ``statements`` raises, code that goes on may read one of ``names``.

    For a rewrite that no longer binds ``names`` before those statements run: a handler (or
    a suppressing ``with``) that lets the function go on would see the difference.
    Closures are not followed here (the caller decides on them); a statement calling
    ``locals()`` or friends reads every name.
    """
    function = _function(scope)
    if function is None:
        return True
    if any(name in scope.globals or name in scope.nonlocals for name in names):
        return True
    inside: set[int] = set()
    for statement in statements:
        inside |= {id(node) for node in function.graph.spans.get(id(statement), ())}
    starts = [
        target
        for statement in statements
        for node in function.graph.spans.get(id(statement), ())
        for target in node.raises
        if id(target) not in inside
    ]
    return _reaches_read(function, starts, names)


def statement_mentions(scope: Scope, statement: cst.CSTNode, names: Collection[str]) -> bool:
    """Whether a simple statement line of ``scope`` (or a comprehension in it) uses one of
    ``names``; nested functions and lambdas count as uses (they may run any time)."""
    owner = id(statement)
    return _mentions_in(scope, owner, names)


def _mentions_in(scope: Scope, owner: int, names: Collection[str]) -> bool:
    if any(event[0] == owner and event[1] in names for event in scope.events):
        return True
    return any(
        _mentions_in(child, owner, names)
        for child in scope.children
        if child.kind in ("lambda", "comprehension")
    )
