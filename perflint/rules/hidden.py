"""What the statements libcst never sees would have told the scope model.

``perflint.engine.prefilter`` hands libcst only the top-level statements that hold a candidate (and
what they need next to them). The rules still ask questions about the whole file: is
``range`` the builtin here, what was ``seq`` bound to, how often does ``i`` occur. This module
answers them for the statements left out, from CPython's ``ast``, the way
``perflint.rules.scope.ScopeTracker`` answers from libcst's tree: the same binding kinds, the same
occurrences (every name node libcst has, which includes parameters, imported names,
``global`` names, ``except ... as`` and match captures, but not attribute or keyword names),
and the same scopes (a function's decorators and defaults count inside it, a comprehension's
first iterable in the scope around it, a walrus binds outside its comprehensions).
``tests/test_hidden.py`` holds the two to the same answers over real code.

Only the module scope's view is kept: its bindings, and the occurrences ``Scope.count_refs``
and ``Scope.count`` of the module would add up from the hidden statements.

Long because it mirrors ``ScopeTracker`` binding form by binding form on CPython's tree;
``tests/test_hidden.py`` holds the two to the same answers, and they are easiest to compare
as two whole modules side by side.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Sequence

import libcst as cst

from perflint.rules.scope import Binding, HiddenFacts

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: Builtins whose call ``perflint.rules.semantics.value_kind`` knows the type of.
_CONSTRUCTORS = frozenset({"list", "tuple", "set", "dict", "str", "int", "float", "len"})
_PROBES = frozenset({"hasattr", "getattr", "isinstance"})
#: Expressions that open a scope or bind a name: every other one only holds names to count.
_SCOPED_EXPRESSIONS = frozenset({ast.Lambda, ast.NamedExpr, *_COMPREHENSIONS})


def standin(value: ast.expr | None) -> cst.BaseExpression | None:
    """A tiny libcst node of the same kind as ``value`` for ``literal_kind``/``value_kind``:
    a list, tuple, str, set or dict display, bytes, a number (signed), or a call of a builtin
    whose type ``value_kind`` knows by its name."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
        number = _number(value.operand)
        return cst.UnaryOperation(cst.Minus(), number) if number is not None else None
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, ast.List):
        return cst.List([])
    if isinstance(value, ast.ListComp):  # (``queues`` tells a display from a comprehension)
        name = cst.Name("_")
        return cst.ListComp(name, cst.CompFor(target=name, iter=name))
    if isinstance(value, ast.Tuple):
        return cst.Tuple([])
    if isinstance(value, ast.JoinedStr):
        return cst.SimpleString('""')
    if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
        return cst.SimpleString('b""' if isinstance(value.value, bytes) else '""')
    if isinstance(value, (ast.Set, ast.SetComp)):
        return cst.Set([cst.Element(cst.Integer("0"))])
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return cst.Dict([])
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        if value.func.id in _CONSTRUCTORS:
            return cst.Call(cst.Name(value.func.id))
    root = value
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    if isinstance(root, ast.Call):  # what a call returned, or a part of it (``binding: call``)
        return cst.Call(cst.Name("_"))
    return None


def _number(value: ast.expr | None) -> cst.BaseExpression | None:
    """``0`` or ``0.0`` for an int or float literal (not a bool, not imaginary)."""
    if isinstance(value, ast.Constant) and type(value.value) in (int, float):
        return cst.Integer("0") if type(value.value) is int else cst.Float("0.0")
    return None


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or attribute chain on a name, else None (``scope.dotted``)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _arguments(call: ast.Call) -> list[ast.expr]:
    """The values of a call's arguments in source order, as libcst's ``Call.args`` has them."""
    found: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    found.sort(key=lambda arg: (arg.lineno, arg.col_offset))
    return [arg.value if isinstance(arg, (ast.Starred, ast.keyword)) else arg for arg in found]


class _Scope:
    __slots__ = ("kind", "parent", "names", "bound", "globals", "nonlocals", "children", "bindings")

    def __init__(
        self, kind: str, parent: _Scope | None, bindings: dict[str, list[Binding]] | None = None
    ) -> None:
        self.kind = kind
        self.parent = parent
        #: The bindings with their kinds, for the scopes whose facts are kept.
        self.bindings = bindings
        self.names: Counter[str] = Counter()
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.children: list[_Scope] = []
        if parent is not None:
            parent.children.append(self)


class Summary:
    """Walks hidden statements into one ``HiddenFacts``.

    ``counts=False`` records bindings and declarations only (all that questions about
    names in functions need); ``descend`` then says which function and class bodies to walk
    anyway (those that may declare a name ``global``).
    """

    def __init__(self, counts: bool, descend: Callable[[ast.stmt], bool] | None = None) -> None:
        self.counts = counts
        self.descend = descend
        self.facts = HiddenFacts()
        self.module = _Scope("module", None)

    # -- entry points -----------------------------------------------------------------------
    def statement(self, statement: ast.stmt) -> None:
        """A top-level statement left out."""
        self._walk(statement, self.module)

    def members(self, statements: Sequence[ast.stmt]) -> HiddenFacts:
        """Statements left out of the body of a class that libcst parses: what they tell the
        class scope (its bindings, and what its ``count_refs``/``count`` add up from them).
        What they tell the module (``global`` names) goes into the module's facts."""
        scope = _Scope("class", self.module, bindings={})
        for statement in statements:
            self._walk(statement, scope)
        facts = HiddenFacts(bindings=scope.bindings or {})
        if self.counts:
            facts.refs = _refs(scope)
            facts.total = _total(scope)
        return facts

    def finish(self) -> HiddenFacts:
        if self.counts:
            self.facts.refs = _refs(self.module)
            self.facts.total = _total(self.module)
        return self.facts

    # -- bindings ---------------------------------------------------------------------------
    def _bind(self, scope: _Scope, name: str, kind: str, value: ast.expr | None) -> None:
        if name in scope.globals:
            scope = self.module
        self._bind_in(scope, name, kind, value)

    def _bind_in(self, scope: _Scope, name: str, kind: str, value: ast.expr | None) -> None:
        scope.bound.add(name)
        if scope is self.module:
            self.facts.bindings.setdefault(name, []).append(Binding(kind, standin(value)))
        elif scope.bindings is not None:
            scope.bindings.setdefault(name, []).append(Binding(kind, standin(value)))

    def _store(self, scope: _Scope, target: ast.expr, kind: str, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self._bind(scope, target.id, kind, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._store(scope, element, kind, None)
        elif isinstance(target, ast.Starred):
            self._store(scope, target.value, kind, None)

    def _count(self, scope: _Scope, name: str) -> None:
        if self.counts:
            scope.names[name] += 1

    # -- the walk ---------------------------------------------------------------------------
    def _walk(self, root: ast.AST, scope: _Scope) -> None:
        """Pre-order, in source order, without recursion (hidden code may nest deeply)."""
        stack: list[tuple[ast.AST, _Scope]] = [(root, scope)]
        while stack:
            node, scope = stack.pop()
            children = self._visit(node, scope)
            stack.extend(reversed(children))

    def _visit(self, node: ast.AST, scope: _Scope) -> list[tuple[ast.AST, _Scope]]:
        """Record what ``node`` itself tells; return its children, each with its scope."""
        kind = type(node)
        if kind is ast.Constant:
            return []
        if kind is ast.Call and self.counts:
            self._probe(node, scope)  # type: ignore[arg-type]
        if kind is ast.Name:
            self._count(scope, node.id)  # type: ignore[attr-defined]
            return []
        if isinstance(node, ast.expr):
            if not self.counts:
                self._walruses(node, scope)
                return []
            if kind not in _SCOPED_EXPRESSIONS:
                return [(child, scope) for child in ast.iter_child_nodes(node)]
        if isinstance(node, (*_DEFS, ast.ClassDef)):
            return self._definition(node, scope)
        if isinstance(node, ast.Lambda):
            if not self.counts:
                return []
            inner = _Scope("lambda", scope)
            return [(node.args, inner), (node.body, inner)]
        if isinstance(node, _COMPREHENSIONS):
            return self._comprehension(node, scope)
        if isinstance(node, ast.arg):
            self._count(scope, node.arg)
            self._bind(scope, node.arg, "param", None)
            return [(node.annotation, scope)] if node.annotation is not None else []
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                self._count(scope, root)
                if alias.asname is not None:
                    self._count(scope, alias.asname)
                self._bind(scope, alias.asname or root, "import", None)
            return []
        if isinstance(node, ast.ImportFrom):
            return self._import_from(node, scope)
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                self._count(scope, name)
            (scope.globals if isinstance(node, ast.Global) else scope.nonlocals).update(node.names)
            self.facts.declared.update(node.names)
            return []
        self._stores(node, scope)
        return self._children(node, scope)

    def _definition(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: _Scope
    ) -> list[tuple[ast.AST, _Scope]]:
        self._count(scope, node.name)
        self._bind(scope, node.name, "class" if isinstance(node, ast.ClassDef) else "def", None)
        if not self.counts and not (self.descend is not None and self.descend(node)):
            return []
        inner = _Scope("class" if isinstance(node, ast.ClassDef) else "function", scope)
        parts: list[ast.AST] = [*node.decorator_list]
        if isinstance(node, ast.ClassDef):
            parts += [*node.bases, *node.keywords]
        else:
            parts.append(node.args)
            if node.returns is not None:
                parts.append(node.returns)
        parts += [*getattr(node, "type_params", ()), *node.body]
        return [(part, inner) for part in parts]

    def _comprehension(self, node: ast.expr, scope: _Scope) -> list[tuple[ast.AST, _Scope]]:
        assert isinstance(node, _COMPREHENSIONS)
        inner = _Scope("comprehension", scope)
        generators = node.generators
        # The outermost iterable is evaluated in the enclosing scope.
        children: list[tuple[ast.AST, _Scope]] = []
        if isinstance(node, ast.DictComp):
            children += [(node.key, inner), (node.value, inner)]
        else:
            children.append((node.elt, inner))
        for index, generator in enumerate(generators):
            self._store(inner, generator.target, "for", None)
            children.append((generator.target, inner))
            children.append((generator.iter, scope if index == 0 else inner))
            children += [(test, inner) for test in generator.ifs]
        return children

    def _import_from(self, node: ast.ImportFrom, scope: _Scope) -> list[tuple[ast.AST, _Scope]]:
        if node.module is not None:
            self._count(scope, node.module.split(".")[0])
        for alias in node.names:
            if alias.name == "*":
                self.facts.star_import = True
                continue
            self._count(scope, alias.name)
            if alias.asname is not None:
                self._count(scope, alias.asname)
            self._bind(scope, alias.asname or alias.name, "import", None)
        return []

    def _stores(self, node: ast.AST, scope: _Scope) -> None:
        """The bindings a statement or expression makes, as ``ScopeTracker`` records them."""
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._store(scope, target, "assign", node.value if len(node.targets) == 1 else None)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._store(scope, node.target, "annassign", node.value)
        elif isinstance(node, ast.AugAssign):
            self._store(scope, node.target, "augassign", None)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._store(scope, node.target, "for", None)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._store(scope, item.optional_vars, "with", None)
        elif isinstance(node, ast.NamedExpr):
            # Binds in the nearest scope that is not a comprehension (no ``global`` detour).
            owner = scope
            while owner.kind == "comprehension" and owner.parent is not None:
                owner = owner.parent
            assert isinstance(node.target, ast.Name)
            self._bind_in(owner, node.target.id, "walrus", node.value)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._store(scope, target, "del", None)
        elif isinstance(node, ast.Try):
            for handler in node.handlers:
                if handler.name is not None:
                    self._bind(scope, handler.name, "except", None)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            if node.name is not None:
                self._bind(scope, node.name, "match", None)
        elif isinstance(node, ast.MatchMapping):
            if node.rest is not None:
                self._bind(scope, node.rest, "match", None)
        elif type(node).__name__ == "TypeAlias":  # 3.12
            self._store(scope, node.name, "type", None)  # type: ignore[attr-defined]

    def _children(self, node: ast.AST, scope: _Scope) -> list[tuple[ast.AST, _Scope]]:
        """The children to walk, counting the names libcst has as nodes and ``ast`` as strings."""
        if isinstance(node, ast.ExceptHandler):
            if node.name is not None:
                self._count(scope, node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            if node.name is not None:
                self._count(scope, node.name)
        elif isinstance(node, ast.MatchMapping):
            if node.rest is not None:
                self._count(scope, node.rest)
        elif isinstance(node, ast.MatchClass):
            for name in node.kwd_attrs:
                self._count(scope, name)
        elif type(node).__name__ in ("TypeVar", "ParamSpec", "TypeVarTuple"):
            self._count(scope, node.name)  # type: ignore[attr-defined]
        return [(child, scope) for child in ast.iter_child_nodes(node)]

    def _probe(self, call: ast.Call, scope: _Scope) -> None:
        """A ``hasattr``/``getattr``/``isinstance`` call of the module's own code (lambdas and
        comprehensions in it included), as ``ScopeTracker.visit_Call`` records it."""
        while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
            scope = scope.parent
        func = call.func
        if scope is not self.module or not isinstance(func, ast.Name) or func.id not in _PROBES:
            return
        arguments = _arguments(call)
        if len(arguments) < 2:
            return
        receiver = dotted(arguments[0])
        if receiver is None:
            return
        second = arguments[1]
        if func.id == "isinstance":
            classes = second.elts if isinstance(second, ast.Tuple) else [second]
            for element in classes:
                value = element.value if isinstance(element, ast.Starred) else element
                name = dotted(value)
                self.facts.isinstance_checks.add((receiver, name if name is not None else "?"))
        elif isinstance(second, ast.Constant) and isinstance(second.value, str):
            # (a concatenated literal is no probe to libcst; to ``ast`` it is one string:
            # counting it as a probe only keeps a rule quiet)
            self.facts.probes.add((receiver, second.value))

    def _walruses(self, root: ast.expr, scope: _Scope) -> None:
        """Without counts an expression matters only for the walrus targets it binds in
        ``scope`` (through comprehensions, not through lambdas)."""
        stack: list[ast.AST] = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                self._bind_in(scope, node.target.id, "walrus", node.value)
            stack.extend(ast.iter_child_nodes(node))


def _refs(module: _Scope) -> Counter[str]:
    """``Scope.count_refs`` of the module, for every name at once (children first)."""
    order: list[_Scope] = []
    stack = [module]
    while stack:
        scope = stack.pop()
        order.append(scope)
        stack.extend(scope.children)
    below: dict[int, Counter[str]] = {}
    for scope in reversed(order):
        tally = Counter(scope.names)
        for child in scope.children:
            shadowed = child.bound - child.globals - child.nonlocals
            for name, count in below.pop(id(child)).items():
                if name not in shadowed:
                    tally[name] += count
        below[id(scope)] = tally
    return below[id(module)]


def _total(module: _Scope) -> Counter[str]:
    total: Counter[str] = Counter()
    stack = [module]
    while stack:
        scope = stack.pop()
        total.update(scope.names)
        stack.extend(scope.children)
    return total
