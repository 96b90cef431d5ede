"""Name bindings and uses per scope, gathered during the one batched traversal.

libcst's ``ScopeProvider`` resolves every name of the file before a rule runs, and on
CPython's standard library it triples the cost of a lint run.  Rules only need to ask a few
questions about a few candidate nodes: is ``range`` here the builtin, what was ``seq`` bound
to, how often does ``i`` occur.  ``ScopeTracker`` runs as the first visitor of the batch and
keeps, per scope, the bindings (with the bound value where it is a plain ``name = value``)
and a count of name occurrences.  Rules keep a reference to the scope their candidate sits in
and ask their questions in ``Rule.finish``, once the whole file has been seen.

For the flow-sensitive questions of ``perflint.rules.flow`` each scope also keeps its name
*events* (which statement read, bound or deleted which name), and for ``perflint.rules.semantics``
the tracker keeps the ``try``/``with`` bodies the traversal is in (``Guard``) and each
function's ``hasattr``/``getattr`` probes.  All of it is recorded in the one traversal; the
questions are answered later, only for the few candidates that need them.

Long because ``ScopeTracker`` is one visitor, with a method for every binding form of Python
(assignments, parameters, imports, ``global``, comprehensions, ``match`` captures, ``except``
names, walrus) that must all feed the same scopes in the one traversal.
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

ScopeKind = Literal["module", "class", "function", "lambda", "comprehension"]
ExprContext = Literal["load", "store", "del"]
#: What a name event does: read, bind, read then bind (``x += 1``), or delete.
EventKind = Literal["load", "store", "aug", "del"]

BUILTIN_NAMES: frozenset[str] = frozenset(dir(builtins))


@dataclass(eq=False)
class Binding:
    kind: str  # "assign", "annassign", "augassign", "param", "import", "def", "class", ...
    value: cst.BaseExpression | None = None


@dataclass(eq=False)
class Scope:
    kind: ScopeKind
    node: cst.CSTNode
    parent: Scope | None
    children: list[Scope] = field(default_factory=list)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    #: Occurrences of each name in this scope (not in nested scopes), in any context.
    names: Counter[str] = field(default_factory=Counter)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    star_import: bool = False
    #: On the module scope: every name declared global or nonlocal anywhere in the file.
    declared: set[str] = field(default_factory=set)
    #: What the statements libcst did not parse add to ``count_refs`` and ``count`` (on the
    #: module scope, and that of a class with members left out; see ``perflint.rules.hidden``).
    hidden_refs: Counter[str] = field(default_factory=Counter)
    hidden_total: Counter[str] = field(default_factory=Counter)
    #: Names that a use in those statements may add items to (``perflint.rules.patterns.queues``).
    hidden_growing: frozenset[str] = frozenset()
    #: ``count_refs`` and ``count`` of every name at once, built on the first question.
    _tallies: tuple[Counter[str], Counter[str]] | None = field(default=None, repr=False)
    #: (id of the statement it sits in, name, kind) for each name occurrence, in visiting
    #: order; the statement is the innermost simple statement line, compound statement
    #: header, ``except`` clause or ``case`` holding the name.
    events: list[tuple[int, str, EventKind]] = field(default_factory=list)
    #: ``(receiver, attribute)`` for each ``hasattr(receiver, "attribute")`` or
    #: ``getattr(receiver, "attribute", ...)`` in this scope, receiver as dotted code.
    probes: set[tuple[str, str]] = field(default_factory=set)
    #: ``(receiver, class)`` for each ``isinstance(receiver, class)``, both as dotted code.
    isinstance_checks: set[tuple[str, str]] = field(default_factory=set)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def qualname(self) -> str:
        """``Outer.method`` for the functions and classes enclosing this scope."""
        parts = []
        scope: Scope | None = self
        while scope is not None:
            if isinstance(scope.node, (cst.FunctionDef, cst.ClassDef)):
                parts.append(scope.node.name.value)
            elif scope.kind == "lambda":
                parts.append("<lambda>")
            scope = scope.parent
        return ".".join(reversed(parts))

    def resolve(self, name: str) -> Scope | None:
        """The scope whose binding ``name`` refers to here, or None for a builtin/undefined."""
        if name in self.globals:
            return self.module if name in self.module.bindings else None
        scope: Scope | None = self
        first = True
        while scope is not None:
            # A class body's names are not visible from the functions nested in it.
            if (first or scope.kind != "class") and (
                name in scope.bindings or name in scope.nonlocals
            ):
                return scope
            first = False
            scope = scope.parent
        return None

    def is_builtin(self, name: str) -> bool:
        """True when ``name`` here is the builtin: bound nowhere on the way to the module."""
        return name in BUILTIN_NAMES and self.resolve(name) is None

    def count(self, name: str) -> int:
        """Occurrences of ``name`` in this scope and every scope nested in it."""
        return self._tally()[1][name]

    def count_refs(self, name: str) -> int:
        """Occurrences of ``name`` that refer to this scope's binding of it.

        Nested scopes that bind ``name`` themselves (and do not declare it global or
        nonlocal) hold a different variable and are not counted.
        """
        return self._tally()[0][name]

    def all_names(self) -> set[str]:
        return set(self._tally()[1])

    def _tally(self) -> tuple[Counter[str], Counter[str]]:
        """(``count_refs``, ``count``) of every name, for this scope and those nested in it.

        Built once, children first and without recursion, so that a thousand candidates of
        one module cost one walk of its scopes, not a thousand. Questions are asked once the
        traversal is over (in ``Rule.finish``), when the scopes are complete.
        """
        if self._tallies is None:
            order: list[Scope] = []
            stack = [self]
            while stack:
                scope = stack.pop()
                if scope._tallies is None:
                    order.append(scope)
                    stack.extend(scope.children)
            for scope in reversed(order):
                refs = scope.names + scope.hidden_refs
                total = scope.names + scope.hidden_total
                for child in scope.children:
                    child_refs, child_total = child._tally()
                    total.update(child_total)
                    shadowed = child.bindings.keys() - child.globals - child.nonlocals
                    for name, count in child_refs.items():
                        if name not in shadowed:
                            refs[name] += count
                scope._tallies = (refs, total)
        assert self._tallies is not None
        return self._tallies

    def bound_values(self, name: str) -> list[Binding] | None:
        """Every binding of ``name`` in the scope it resolves to, or None when unknowable.

        Unknowable: a builtin, a name declared ``global``/``nonlocal`` anywhere (another
        scope may rebind it), or a module with a star import.
        """
        scope = self.resolve(name)
        if scope is None or self.module.star_import:
            return None
        if name in scope.nonlocals or name in self.module.declared:
            return None
        return scope.bindings.get(name)


@dataclass(frozen=True, eq=False)
class Guard:
    """A ``try`` body (or a ``with`` body) the traversal is in, innermost first.

    The chain ends at the enclosing function or class: a handler outside it does not see
    the exceptions of code that runs when the function is called.
    """

    node: cst.Try | cst.TryStar | cst.With
    parent: Guard | None


def dotted(expr: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a name or attribute chain on a name, else None."""
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


_PROBES = frozenset({"hasattr", "getattr", "isinstance"})

_SCOPE_NODES: dict[type[cst.CSTNode], ScopeKind] = {
    cst.FunctionDef: "function",
    cst.Lambda: "lambda",
    cst.ClassDef: "class",
    cst.ListComp: "comprehension",
    cst.SetComp: "comprehension",
    cst.DictComp: "comprehension",
    cst.GeneratorExp: "comprehension",
}


@dataclass
class HiddenFacts:
    """The module scope's share of statements libcst did not parse (``perflint.rules.hidden``
    gathers them from CPython's tree)."""

    #: Module-level bindings, as ``ScopeTracker`` records them (values are stand-ins).
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    #: Occurrences ``Scope.count_refs`` of the module counts: those in nested scopes that bind
    #: the name themselves are another variable and left out.
    refs: Counter[str] = field(default_factory=Counter)
    #: Every occurrence, in any scope (what ``Scope.count`` of the module adds up).
    total: Counter[str] = field(default_factory=Counter)
    #: Names declared ``global`` or ``nonlocal`` anywhere.
    declared: set[str] = field(default_factory=set)
    star_import: bool = False
    #: The module-level code's ``hasattr``/``getattr`` probes and ``isinstance`` checks, as
    #: ``Scope.probes`` and ``Scope.isinstance_checks`` have them (with counts only).
    probes: set[tuple[str, str]] = field(default_factory=set)
    isinstance_checks: set[tuple[str, str]] = field(default_factory=set)
    #: Names a use may add items to (``perflint.rules.patterns.queues``), when a rule asks.
    growing: set[str] = field(default_factory=set)


class ScopeTracker(cst.BatchableCSTVisitor):
    """Builds the scope tree and expression contexts for one module."""

    def __init__(
        self, hidden: HiddenFacts | None = None, classes: Mapping[int, HiddenFacts] | None = None
    ) -> None:
        """``hidden``: what the statements libcst did not parse tell the module scope;
        ``classes``: what the members left out of a class tell its scope, by class node."""
        super().__init__()
        self._hidden = hidden
        self._classes = classes or {}
        self.module_scope: Scope | None = None
        self.scope: Scope | None = None
        self.contexts: dict[int, ExprContext] = {}
        self._outer_iter: list[Scope] = []
        self._not_a_name: set[int] = set()
        self._bound_here: set[int] = set()
        self._augmented: set[int] = set()
        #: Ids of the statements being visited (see ``Scope.events``), innermost last.
        self._owners: list[int] = [0]
        #: The ``try``/``with`` bodies being visited; None starts a function or class.
        self._guards: list[Guard | None] = [None]

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        # libcst finds visitors by their ``__name__``, which misses the aliases below.
        return {name: getattr(self, name) for name in _TRACKER_VISITORS}

    # -- scopes -----------------------------------------------------------------------------
    def _push(self, kind: ScopeKind, node: cst.CSTNode) -> None:
        scope = Scope(kind, node, self.scope)
        if self.scope is not None:
            self.scope.children.append(scope)
        self.scope = scope

    def _pop(self) -> None:
        assert self.scope is not None
        self.scope = self.scope.parent

    def visit_Module(self, node: cst.Module) -> None:
        self._push("module", node)
        self.module_scope = self.scope
        assert self.module_scope is not None
        if self._hidden is not None:
            self._add_hidden(self.module_scope, self._hidden)
            self.module_scope.declared |= self._hidden.declared
            self.module_scope.star_import |= self._hidden.star_import

    @staticmethod
    def _add_hidden(scope: Scope, hidden: HiddenFacts) -> None:
        for name, bindings in hidden.bindings.items():
            scope.bindings.setdefault(name, []).extend(bindings)
        scope.hidden_refs = hidden.refs
        scope.hidden_total = hidden.total
        scope.probes |= hidden.probes
        scope.hidden_growing = frozenset(hidden.growing)
        scope.isinstance_checks |= hidden.isinstance_checks

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._owners.append(id(node))
        self._bind_name_node(node.name, Binding("def"))
        self._push("function", node)
        self._guards.append(None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._guards.pop()
        self._pop()
        self._owners.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._owners.append(id(node))
        self._bind_name_node(node.name, Binding("class"))
        self._push("class", node)
        self._guards.append(None)
        members = self._classes.get(id(node))
        if members is not None:
            assert self.scope is not None
            self._add_hidden(self.scope, members)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._guards.pop()
        self._pop()
        self._owners.pop()

    # -- statements: the owners of name events ------------------------------------------------
    def _own(self, node: cst.CSTNode) -> None:
        self._owners.append(id(node))

    def _disown(self, node: cst.CSTNode) -> None:
        self._owners.pop()

    visit_SimpleStatementLine = visit_SimpleStatementSuite = _own
    visit_If = visit_While = visit_Try = visit_TryStar = visit_With = visit_Match = _own
    visit_MatchCase = visit_ExceptStarHandler = _own
    # (one signature for many node types: libcst's typed stubs name each its own)
    leave_SimpleStatementLine = leave_SimpleStatementSuite = _disown  # type: ignore[assignment]
    leave_If = leave_For = leave_While = leave_Try = leave_TryStar = _disown  # type: ignore[assignment]
    leave_With = leave_Match = leave_MatchCase = _disown  # type: ignore[assignment]
    leave_ExceptHandler = leave_ExceptStarHandler = _disown  # type: ignore[assignment]

    # -- try/with bodies --------------------------------------------------------------------
    def _enter_guard(self, node: cst.Try | cst.TryStar | cst.With) -> None:
        self._guards.append(Guard(node, self._guards[-1]))

    def _leave_guard(self, node: cst.CSTNode) -> None:
        self._guards.pop()

    visit_Try_body = visit_TryStar_body = visit_With_body = _enter_guard
    leave_Try_body = leave_TryStar_body = leave_With_body = _leave_guard

    @property
    def guard(self) -> Guard | None:
        """The innermost ``try``/``with`` body being visited, within the current function."""
        return self._guards[-1]

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push("lambda", node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._push("comprehension", node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._push("comprehension", node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._push("comprehension", node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._push("comprehension", node)

    def visit_CompFor_iter(self, node: cst.CompFor) -> None:
        # A comprehension's outermost iterable is evaluated in the enclosing scope.
        scope = self.scope
        if scope is not None and scope.kind == "comprehension" and scope.parent is not None:
            if getattr(scope.node, "for_in", None) is node:
                self._outer_iter.append(scope)
                self.scope = scope.parent

    def leave_CompFor_iter(self, node: cst.CompFor) -> None:
        if self._outer_iter and getattr(self._outer_iter[-1].node, "for_in", None) is node:
            self.scope = self._outer_iter.pop()

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop()

    # -- names ------------------------------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        key = id(node)
        if key in self._not_a_name:
            return
        assert self.scope is not None
        if key in self._bound_here:
            # Counted where the binding lives (e.g. a def's name in the enclosing scope).
            return
        self.scope.names[node.value] += 1
        context = self.contexts.get(key, "load")
        kind: EventKind = "aug" if key in self._augmented else context
        self.scope.events.append((self._owners[-1], node.value, kind))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_a_name.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_a_name.add(id(node.keyword))

    def visit_Call(self, node: cst.Call) -> None:
        func, args = node.func, node.args
        if not isinstance(func, cst.Name) or len(args) < 2 or func.value not in _PROBES:
            return
        receiver = dotted(args[0].value)
        if receiver is None:
            return
        assert self.scope is not None
        scope = self.scope  # facts of a function: recorded on it, not on a comprehension
        while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
            scope = scope.parent
        second = args[1].value
        if func.value == "isinstance":
            classes = second.elements if isinstance(second, cst.Tuple) else [second]
            for element in classes:
                value = element.value if isinstance(element, cst.BaseElement) else element
                name = dotted(value)
                scope.isinstance_checks.add((receiver, name if name is not None else "?"))
        elif isinstance(second, cst.SimpleString):
            attribute = second.evaluated_value
            if isinstance(attribute, str):
                scope.probes.add((receiver, attribute))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        # ``import a.b`` binds ``a``; ``import a.b as c`` / ``from m import x as c`` bind ``c``.
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._bind(node.asname.name.value, Binding("import"))
            return
        root: cst.BaseExpression = node.name
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name):
            self._bind(root.value, Binding("import"))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            assert self.scope is not None
            self.scope.module.star_import = True

    def visit_Global(self, node: cst.Global) -> None:
        assert self.scope is not None
        names = [item.name.value for item in node.names]
        self.scope.globals.update(names)
        self.scope.module.declared.update(names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        assert self.scope is not None
        names = [item.name.value for item in node.names]
        self.scope.nonlocals.update(names)
        self.scope.module.declared.update(names)

    def visit_Param(self, node: cst.Param) -> None:
        self._bind(node.name.value, Binding("param"))

    # -- stores -----------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            value = node.value if len(node.targets) == 1 else None
            self._store(target.target, "assign", value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, "annassign", node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._augmented.add(id(node.target))
        self._store(node.target, "augassign", None)

    def visit_For(self, node: cst.For) -> None:
        self._owners.append(id(node))
        self._store(node.target, "for", None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._store(node.target, "for", None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._store(node.asname.name, "with", None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        # Walrus targets bind in the nearest scope that is not a comprehension.
        assert self.scope is not None
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        self.contexts[id(node.target)] = "store"
        if isinstance(node.target, cst.Name):
            scope.bindings.setdefault(node.target.value, []).append(Binding("walrus", node.value))

    def visit_Del(self, node: cst.Del) -> None:
        self._store(node.target, "del", None, context="del")

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._owners.append(id(node))
        if node.name is not None:
            self._store(node.name.name, "except", None)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._store(node.name, "match", None)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._store(node.name, "match", None)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self._store(node.rest, "match", None)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self._store(node.name, "type", None)

    def _store(
        self,
        target: cst.BaseExpression,
        kind: str,
        value: cst.BaseExpression | None,
        context: ExprContext = "store",
    ) -> None:
        self.contexts[id(target)] = context
        if isinstance(target, cst.Name):
            self._bind(target.value, Binding(kind, value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value, kind, None, context)
        elif isinstance(target, cst.StarredElement):
            self._store(target.value, kind, None, context)

    def _bind_name_node(self, name: cst.Name, binding: Binding) -> None:
        assert self.scope is not None
        self._bound_here.add(id(name))
        self.scope.names[name.value] += 1
        self.scope.events.append((self._owners[-1], name.value, "store"))
        self._bind(name.value, binding)

    def _bind(self, name: str, binding: Binding) -> None:
        assert self.scope is not None
        scope = self.scope
        if name in scope.globals:
            scope = scope.module
        scope.bindings.setdefault(name, []).append(binding)

    # -- queries ----------------------------------------------------------------------------
    def expr_context(self, node: cst.CSTNode) -> ExprContext:
        return self.contexts.get(id(node), "load")

    def is_variable(self, node: cst.Name) -> bool:
        """False for a name that is no variable: ``obj.attr``'s ``attr``, ``f(key=...)``'s
        ``key`` (known once the traversal has reached the node)."""
        return id(node) not in self._not_a_name


_TRACKER_VISITORS = tuple(
    name
    for name in dir(ScopeTracker)
    if name.startswith(("visit_", "leave_"))
    and not getattr(getattr(ScopeTracker, name), "_is_no_op", False)
)
