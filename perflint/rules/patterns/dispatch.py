"""The one visitor that runs every pattern rule of a file inside the batched traversal.

It offers each node only to the rules with a pattern rooted at the node's type (and, for
calls, at the called name), with what the traversal knows there and the rule will need when
it decides: the scope, the block's indentation, whether a loop, function, try or class body
encloses it, the enclosing nodes (only for rules that ask ``inside:`` a pattern), how tightly
code must bind there (for parenthesising a fix), and what the node's value is used for
(``context:``). The cost of a pattern rule is this dispatch, not a walk of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import libcst as cst

from perflint.rules.api import FileContext
from perflint.rules.patterns import cst_views
from perflint.rules.patterns.cst_code import NEEDS_PARENTS, cst_needs
from perflint.rules.patterns.queues import QUEUE_ANCESTORS
from perflint.rules.patterns.rule import PLACES, Offer, PatternRule
from perflint.rules.patterns.spec import call_key
from perflint.rules.patterns.template import NOTHING

Visitor = Callable[[cst.CSTNode], None]

#: Node attributes whose code runs once per loop iteration, in a function, a try body, a
#: class body.
_PLACES: dict[str, tuple[tuple[str, str], ...]] = {
    "loop": (
        ("For", "body"), ("While", "body"), ("While", "test"), ("ListComp", "elt"),
        ("SetComp", "elt"), ("GeneratorExp", "elt"), ("DictComp", "key"),
        ("DictComp", "value"), ("CompFor", "ifs"), ("CompFor", "inner_for_in"),
    ),
    "function": (("FunctionDef", "body"), ("Lambda", "body")),
    "try": (("Try", "body"), ("TryStar", "body")),
    "class": (("ClassDef", "body"),),
}  # fmt: skip
assert set(_PLACES) == set(PLACES)


def _node_key(node: cst.CSTNode) -> str | None:
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


class PatternDispatcher(cst.BatchableCSTVisitor):
    """Offers each node to the pattern rules rooted at its type."""

    def __init__(self, rules: Sequence[PatternRule], context: FileContext) -> None:
        super().__init__()
        self.rules = list(rules)
        self.context = context
        self.counters = dict.fromkeys(PLACES, 0)
        self.skip: set[int] = set()  # libcst nodes that are no node of their own in ast
        self.imports = 0
        self.indents: list[str] = []
        self.stack: list[cst.CSTNode] = []  # enclosing nodes ``inside:`` patterns ask about
        self.needs: dict[int, int] = {}  # by id of a child expression, from its parent
        self.roles: dict[int, tuple[str, str | None]] = {}  # ``context:`` of child nodes
        self.imported: dict[tuple[int, str], set[str]] = defaultdict(set)
        self.loops: dict[int, object] = {}  # the loop of each ``for`` iterable
        #: By libcst type: (call key or None, rule), once per rule and key.
        self.index: dict[type[cst.CSTNode], list[tuple[str | None, PatternRule]]] = defaultdict(list)
        for rule in self.rules:
            for pattern in rule.compiled.patterns:
                for cst_type in cst_views.CST_TYPES_OF_KIND[pattern.kind]:
                    entry = (call_key(pattern), rule)
                    if entry not in self.index[cst_type]:
                        self.index[cst_type].append(entry)
        self.ancestor_types = {
            t
            for rule in self.rules
            for alternative in rule.compiled.alternatives
            for relation in (*alternative.conditions.inside, *alternative.conditions.not_inside)
            if relation.pattern is not None
            for t in cst_views.CST_TYPES_OF_KIND.get(relation.pattern.kind, ())
        }
        if any(
            test.needs_ancestors
            for rule in self.rules
            for alternative in rule.compiled.alternatives
            for _, test in alternative.conditions.tests
        ):
            self.ancestor_types |= set(QUEUE_ANCESTORS)  # loops and scopes, for ``queue:``
        self.templates = any(
            alternative.template is not None
            for rule in self.rules
            for alternative in rule.compiled.alternatives
        )
        self.want_roles = any(rule.compiled.context for rule in self.rules)

    # -- assembling the visitor methods ---------------------------------------------------------
    def get_visitors(self) -> Mapping[str, Visitor]:
        handlers: dict[str, list[Visitor]] = defaultdict(list)
        for place, attributes in _PLACES.items():
            for node_name, attribute in attributes:
                handlers[f"visit_{node_name}_{attribute}"].append(self._enter(place))
                handlers[f"leave_{node_name}_{attribute}"].append(self._leave(place))
        handlers["visit_Import"].append(self._import_in)
        handlers["visit_ImportFrom"].append(self._import_in)
        handlers["leave_Import"].append(self._import_out)
        handlers["leave_ImportFrom"].append(self._import_out)
        handlers["visit_IndentedBlock"].append(self._indent_in)
        handlers["leave_IndentedBlock"].append(self._indent_out)
        handlers["visit_BooleanOperation"].append(self._fold)
        if self.templates:
            for cst_type in NEEDS_PARENTS:
                handlers[f"visit_{cst_type.__name__}"].append(self._record_needs)
        if self.want_roles:
            for name in ("If", "While", "IfExp", "Assert", "CompIf", "UnaryOperation",
                         "BooleanOperation", "For", "CompFor", "Arg", "ListComp", "SetComp",
                         "GeneratorExp", "DictComp"):  # fmt: skip
                handlers[f"visit_{name}"].append(self._record_roles)
        for cst_type in self.index:
            handlers[f"visit_{cst_type.__name__}"].append(self._offer)
        # Last: a node is not its own ancestor.
        for cst_type in self.ancestor_types:
            handlers[f"visit_{cst_type.__name__}"].append(self.stack.append)
            handlers[f"leave_{cst_type.__name__}"].insert(0, self._pop)
        return {name: _chain(found) for name, found in handlers.items()}

    # -- what the traversal knows -----------------------------------------------------------------
    def _enter(self, place: str) -> Visitor:
        def enter(node: cst.CSTNode) -> None:
            self.counters[place] += 1

        return enter

    def _leave(self, place: str) -> Visitor:
        def leave(node: cst.CSTNode) -> None:
            self.counters[place] -= 1

        return leave

    def _import_in(self, node: cst.CSTNode) -> None:
        self.imports += 1  # dotted module names are Attribute nodes to libcst, not to ast
        scope = self.context.tracker.scope
        if scope is None or isinstance(node.names, cst.ImportStar):  # type: ignore[attr-defined]
            return
        owner = id(scope)
        prefix = ""
        if isinstance(node, cst.ImportFrom):
            if node.relative or node.module is None:
                return  # a module of the package itself: not a known module
            prefix = _dotted(node.module) + "."
        for alias in node.names:  # type: ignore[attr-defined]
            full = prefix + _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imported[(owner, alias.asname.name.value)].add(full)
            elif isinstance(node, cst.ImportFrom):
                self.imported[(owner, alias.name.value)].add(full)
            else:  # ``import a.b`` binds ``a``
                self.imported[(owner, full.split(".")[0])].add(full.split(".")[0])

    def _import_out(self, node: cst.CSTNode) -> None:
        self.imports -= 1

    def _indent_in(self, node: cst.CSTNode) -> None:
        assert isinstance(node, cst.IndentedBlock)
        module = self.context.module
        self.indents.append(node.indent if node.indent is not None else module.default_indent)

    def _indent_out(self, node: cst.CSTNode) -> None:
        self.indents.pop()

    def _pop(self, node: cst.CSTNode) -> None:
        self.stack.pop()

    def _fold(self, node: cst.CSTNode) -> None:
        assert isinstance(node, cst.BooleanOperation)
        if cst_views.is_folded_operand(node.left, node):
            self.skip.add(id(node.left))

    def _record_needs(self, node: cst.CSTNode) -> None:
        for child, needs in cst_needs(node):
            self.needs[id(child)] = needs

    def _record_roles(self, node: cst.CSTNode) -> None:
        test = ("test", None)
        if isinstance(node, (cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf)):
            self.roles[id(node.test)] = test
        elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            if self.roles.get(id(node)) == test:
                self.roles[id(node.expression)] = test
        elif isinstance(node, cst.BooleanOperation):
            if self.roles.get(id(node)) == test:
                self.roles[id(node.left)] = self.roles[id(node.right)] = test
        elif isinstance(node, (cst.For, cst.CompFor)):
            self.roles[id(node.iter)] = ("for-iter", None)
            if isinstance(node, cst.For):
                self.loops[id(node.iter)] = node
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            clause: cst.CompFor | None = node.for_in
            while clause is not None:
                self.loops[id(clause.iter)] = (node, clause)
                clause = clause.inner_for_in
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            self.roles[id(node.value)] = ("keyword", node.keyword.value)

    # -- offering ---------------------------------------------------------------------------------
    def _offer(self, node: cst.CSTNode) -> None:
        if id(node) in self.skip or self.imports or id(node) in self.context.separators:
            return
        key = _node_key(node)
        offered: set[int] = set()
        for want, rule in self.index[type(node)]:
            if (want is not None and want != key) or id(rule) in offered:
                continue
            offered.add(id(rule))
            rule.offer(
                Offer(
                    node=node,
                    scope=rule.scope,
                    indent="".join(self.indents),
                    places={place: count > 0 for place, count in self.counters.items()},
                    ancestors=tuple(reversed(self.stack)) if rule.compiled.ancestors else None,
                    needs=NOTHING
                    if isinstance(node, cst.BaseExpression) and node.lpar
                    else self.needs.get(id(node), 1),
                    context=self.roles.get(id(node)),
                    imports=self.imported,
                    loop=self.loops.get(id(node)),
                )
            )


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return node.value if isinstance(node, cst.Name) else ""


def _chain(handlers: list[Visitor]) -> Visitor:
    if len(handlers) == 1:
        return handlers[0]

    def run(node: cst.CSTNode) -> None:
        for handler in handlers:
            handler(node)

    return run
