"""Pattern rules as checks: a rule file's ``pattern:``/``any:``, ``where:`` and ``fix:``.

:func:`pattern_check` turns a rule spec into a :class:`PatternRule` subclass that the engine
treats like any check: its ``needles`` and ``ast_candidate`` are the prefilter, derived from
the same compiled patterns as its matching, so the prefilter cannot lose a finding. Pattern
rules do not visit the tree themselves: one :class:`PatternDispatcher` per file joins the
batched traversal and hands each node only to the patterns rooted at its type (indexed by the
called name for calls), so a pattern rule costs a dictionary lookup per node, not a walk.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import libcst as cst

from perflint.checks._helpers import code_at_indent, expr_type, short_code
from perflint.patterns import views
from perflint.patterns.compiled import AST, CST, Pattern, Side, compile_pattern
from perflint.patterns.syntax import PatternSyntaxError
from perflint.patterns.template import (
    NEEDS_PARENTS,
    NOTHING,
    Capture,
    Template,
    compile_template,
    cst_needs,
    precedence,
    render,
)
from perflint.patterns.where import Answer, Conditions, WhereError, ast_where, compile_where
from perflint.rule import AstFacts, FileContext, Rule
from perflint.scope import Scope
from perflint.types import Applicability, RuleSpec

PLACE_COUNTERS = ("loop", "function", "try")


class PatternRuleError(ValueError):
    """A rule file whose pattern, ``where:`` or ``fix:`` cannot be compiled."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


@dataclass(frozen=True)
class CompiledRule:
    patterns: tuple[Pattern, ...]
    conditions: Conditions
    template: Template | None
    #: ``needles`` for the prefilter: identifiers every alternative contains, longest first.
    needles: tuple[str, ...]
    #: Whether ``where:`` asks about enclosing code by pattern (the dispatcher keeps a stack).
    ancestors: bool

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(pattern.kind for pattern in self.patterns)


def compile_rule(spec: RuleSpec) -> CompiledRule:
    """Compile the pattern parts of ``spec``; ``PatternRuleError`` names the field at fault."""
    patterns = []
    for index, text in enumerate(spec.patterns):
        key = "pattern" if len(spec.patterns) == 1 and not spec.any_of else f"any[{index}]"
        try:
            patterns.append(compile_pattern(text))
        except PatternSyntaxError as error:
            raise PatternRuleError(key, str(error)) from None
    metavariables = frozenset.intersection(*(p.metavariables for p in patterns))
    bound_somewhere = frozenset.union(*(p.metavariables for p in patterns))
    try:
        conditions = compile_where(spec.where, bound_somewhere)
    except WhereError as error:
        raise PatternRuleError("where", str(error)) from None
    template = None
    if spec.fix_template is not None:
        sequences = frozenset.intersection(*(p.sequences for p in patterns))
        try:
            template = compile_template(spec.fix_template, metavariables, sequences)
        except PatternSyntaxError as error:
            raise PatternRuleError("fix", f"{error} (in every alternative)") from None
    for name in _message_names(spec.message) | _message_names(spec.fix_title):
        if name not in metavariables:
            raise PatternRuleError(
                "message", f"{{{name}}} is not a metavariable every pattern binds"
            )
    common = set(patterns[0].identifiers)
    for pattern in patterns[1:]:
        common &= set(pattern.identifiers)
    needles = tuple(sorted(common, key=lambda name: (-len(name), name)))
    ancestors = any(relation.pattern is not None for relation in conditions.inside) or any(
        relation.pattern is not None for relation in conditions.not_inside
    )
    return CompiledRule(tuple(patterns), conditions, template, needles, ancestors)


def _message_names(text: str) -> set[str]:
    return set(re.findall(r"\{([A-Z_][A-Z0-9_]*)\}", text))


_CHECKS: dict[int, tuple[RuleSpec, type[PatternRule]]] = {}


def pattern_check(spec: RuleSpec) -> type[PatternRule]:
    """The check class of a pattern rule, compiled once per spec."""
    cached = _CHECKS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    compiled = compile_rule(spec)
    types = tuple(
        sorted(
            {t for kind in compiled.kinds for t in views.AST_TYPES_OF_KIND[kind]},
            key=lambda t: t.__name__,
        )
    )
    check = type(
        f"Pattern_{spec.code}",
        (PatternRule,),
        {"compiled": compiled, "needles": compiled.needles, "ast_types": types},
    )
    _CHECKS[id(spec)] = (spec, check)
    return check


class _AstSegments:
    """Source text of one-line nodes, for ``regex:`` on CPython's ``ast``."""

    #: Kinds whose ``ast`` position and libcst code (parentheses removed) are the same text.
    KINDS = frozenset({"Name", "Attribute", "Call", "Subscript", "Constant"})

    def __init__(self, source: str | None) -> None:
        self.lines = source.splitlines() if source is not None else None

    def __call__(self, capture: Any) -> str | None:
        if self.lines is None or isinstance(capture, (list, str)) or not isinstance(capture, ast.expr):
            return None
        if AST.fields(capture)[0] not in self.KINDS or capture.lineno != capture.end_lineno:
            return None
        if capture.lineno > len(self.lines):
            return None
        line = self.lines[capture.lineno - 1].encode("utf-8")
        return line[capture.col_offset : capture.end_col_offset].decode("utf-8", "replace")


class PatternRule(Rule):
    """A rule given as patterns; subclasses are made by :func:`pattern_check`."""

    compiled: ClassVar[CompiledRule]

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        if isinstance(node, (ast.expr,)) and getattr(node, "ctx", None) is not None:
            if not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                return False
        where = ast_where(_AstSegments(getattr(facts, "source", None)))
        for pattern in cls.compiled.patterns:
            bindings = pattern.match(node, AST)
            if bindings is not None and cls.compiled.conditions.holds(bindings, node, where) is not False:
                return True
        return False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates: list[_Candidate] = []

    def offer(self, candidate: _Candidate) -> None:
        self.candidates.append(candidate)

    def finish(self) -> None:
        compiled = self.compiled
        for candidate in self.candidates:
            where = _CstWhere(candidate, self.context.module)
            if compiled.conditions.holds(candidate.bindings, candidate.node, where) is not True:
                continue
            self._report(candidate)

    def _report(self, candidate: _Candidate) -> None:
        compiled, node = self.compiled, candidate.node
        module = self.context.module
        messages = {
            name: short_code(_capture_code(module, value, candidate.indent))
            for name, value in candidate.bindings.items()
        }
        edits: list[tuple[cst.CSTNode, str]] = []
        rewritten: cst.CSTNode | None = None
        if compiled.template is not None:
            code = render(
                compiled.template,
                candidate.bindings,
                lambda value: _capture(module, value, candidate.indent),
                lambda statement, indent: _statement_code(module, statement, indent),
                candidate.indent,
                candidate.needs,
            )
            rewritten = _parse(code, candidate.pattern.statement)
            if rewritten is not None:
                edits.append((node, code))
        self.report(
            node,
            scope=candidate.scope,
            builtins=sorted(candidate.pattern.builtins | compiled.conditions.builtins),
            edits=edits,
            applicability=self.spec.applicability,
            flagged=node,
            rewritten=rewritten,
            **messages,
        )


def _parse(code: str, statement: bool) -> cst.CSTNode | None:
    try:
        if statement:
            return cst.parse_statement(code + "\n")
        return cst.parse_expression(code)
    except cst.ParserSyntaxError:
        return None  # the engine would drop the fix anyway: it must compile


def _strip(node: cst.CSTNode) -> cst.CSTNode:
    """The node without what belongs to its place: its own parentheses, a trailing comma."""
    changes: dict[str, Any] = {}
    parenthesised = isinstance(node, (cst.BaseExpression, cst.StarredElement)) and node.lpar
    if parenthesised and not (isinstance(node, cst.Tuple) and not node.elements):
        changes["lpar"], changes["rpar"] = [], []
    if isinstance(getattr(node, "comma", None), cst.Comma):
        changes["comma"] = cst.MaybeSentinel.DEFAULT
    if isinstance(node, cst.Arg):
        changes["whitespace_after_arg"] = cst.SimpleWhitespace("")
    if isinstance(getattr(node, "semicolon", None), cst.Semicolon):
        changes["semicolon"] = cst.MaybeSentinel.DEFAULT
    if not changes:
        return node
    try:
        return node.with_changes(**changes)
    except cst.CSTValidationError:  # code that needs its parentheses wherever it stands
        return node


def _capture_code(module: cst.Module, value: Any, indent: str) -> str:
    if isinstance(value, list):
        return ", ".join(_capture_code(module, item, indent) for item in value)
    if isinstance(value, str):
        return value
    if isinstance(value, views.CstTuple):
        return ", ".join(code_at_indent(module, _strip(e), indent) for e in value.elements)
    return code_at_indent(module, _strip(value), indent)


_DECIMAL = re.compile(r"[0-9_]+")


def _capture(module: cst.Module, value: Any, indent: str) -> Capture:
    code = _capture_code(module, value, indent)
    if isinstance(value, (str, cst.Arg, cst.BaseElement, cst.BaseDictElement)):
        return Capture(code, 99)  # an argument or element keeps its place as it is
    integer = isinstance(value, cst.Integer) and _DECIMAL.fullmatch(value.value) is not None
    return Capture(code, precedence(value, CST), integer)


def _statement_code(module: cst.Module, statement: cst.CSTNode, indent: str) -> str:
    code = code_at_indent(module, _strip(statement), indent)
    if isinstance(statement, cst.BaseSmallStatement):
        return indent + code
    return code.rstrip("\r\n")


@dataclass(eq=False)
class _Candidate:
    node: cst.CSTNode
    pattern: Pattern
    bindings: Mapping[str, Any]
    scope: Scope
    indent: str
    places: Mapping[str, bool]
    ancestors: tuple[cst.CSTNode, ...] | None
    #: How tightly code must bind where the match stands (see ``template.cst_needs``).
    needs: int


class _CstWhere:
    side: Side = CST

    def __init__(self, candidate: _Candidate, module: cst.Module) -> None:
        self.candidate = candidate
        self.module = module

    def code(self, capture: Any) -> str | None:
        return _capture_code(self.module, capture, "")

    def type_of(self, capture: Any) -> str | None | bool:
        if not isinstance(capture, cst.BaseExpression):
            return None
        return expr_type(self.candidate.scope, capture)

    def inside(self, place: str) -> Answer:
        return self.candidate.places[place]

    def ancestors(self) -> Sequence[Any] | None:
        return self.candidate.ancestors


#: libcst node types that open a loop body, a function body, a try body, by attribute.
_PLACES: dict[str, tuple[tuple[str, str], ...]] = {
    "loop": (
        ("For", "body"), ("While", "body"), ("While", "test"), ("ListComp", "elt"),
        ("SetComp", "elt"), ("GeneratorExp", "elt"), ("DictComp", "key"),
        ("DictComp", "value"), ("CompFor", "ifs"), ("CompFor", "inner_for_in"),
    ),
    "function": (("FunctionDef", "body"), ("Lambda", "body")),
    "try": (("Try", "body"), ("TryStar", "body")),
}  # fmt: skip


class PatternDispatcher(cst.BatchableCSTVisitor):
    """Hands each node to the pattern rules rooted at its type, with what they may ask."""

    def __init__(self, rules: Sequence[PatternRule], context: FileContext) -> None:
        super().__init__()
        self.rules = list(rules)
        self.context = context
        self.counters = dict.fromkeys(PLACE_COUNTERS, 0)
        self.skip: set[int] = set()  # libcst nodes that are no node of their own in ast
        self.store: set[int] = set()  # targets the scope tracker does not mark as stores
        self.imports = 0
        self.indents: list[str] = []
        self.stack: list[cst.CSTNode] = []  # enclosing nodes ``inside:`` patterns ask about
        #: By libcst type: (call key or None, rule, pattern).
        self.index: dict[type[cst.CSTNode], list[tuple[str | None, PatternRule, Pattern]]] = {}
        for rule in self.rules:
            for pattern in rule.compiled.patterns:
                for cst_type in views.CST_TYPES_OF_KIND[pattern.kind]:
                    self.index.setdefault(cst_type, []).append((_call_key(pattern), rule, pattern))
        self.ancestor_types = {t for rule in self.rules for t in _ancestor_types(rule)}
        self.needs: dict[int, int] = {}  # by id of a child expression, from its parent
        self.templates = any(rule.compiled.template is not None for rule in self.rules)

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        visitors: dict[str, Callable[[cst.CSTNode], None]] = {}
        for cst_type in self.index:
            visitors[f"visit_{cst_type.__name__}"] = self._visit
        for place, attributes in _PLACES.items():
            for node_name, attribute in attributes:
                visitors[f"visit_{node_name}_{attribute}"] = self._enter(place)
                visitors[f"leave_{node_name}_{attribute}"] = self._leave(place)
        visitors["visit_Import"] = visitors["visit_ImportFrom"] = self._import_in
        visitors["leave_Import"] = visitors["leave_ImportFrom"] = self._import_out
        visitors["visit_IndentedBlock"] = self._indent_in
        visitors["leave_IndentedBlock"] = self._indent_out
        visitors["visit_BooleanOperation"] = self._visit
        visitors["visit_AnnAssign"] = self._annotation
        if self.templates:
            for cst_type in NEEDS_PARENTS:
                name = f"visit_{cst_type.__name__}"
                visitors[name] = self._needs(visitors.get(name))
        for cst_type in self.ancestor_types:
            name = cst_type.__name__
            visitors[f"visit_{name}"] = self._push(visitors.get(f"visit_{name}"))
            visitors[f"leave_{name}"] = self._pop
        return visitors

    def _needs(self, previous: Callable[[cst.CSTNode], None] | None) -> Callable[[cst.CSTNode], None]:
        def record(node: cst.CSTNode) -> None:
            for child, needs in cst_needs(node):
                self.needs[id(child)] = needs
            if previous is not None:
                previous(node)

        return record

    def _enter(self, place: str) -> Callable[[cst.CSTNode], None]:
        def enter(node: cst.CSTNode) -> None:
            self.counters[place] += 1

        return enter

    def _leave(self, place: str) -> Callable[[cst.CSTNode], None]:
        def leave(node: cst.CSTNode) -> None:
            self.counters[place] -= 1

        return leave

    def _import_in(self, node: cst.CSTNode) -> None:
        self.imports += 1  # dotted module names are Attribute nodes to libcst, not to ast

    def _import_out(self, node: cst.CSTNode) -> None:
        self.imports -= 1

    def _indent_in(self, node: cst.CSTNode) -> None:
        assert isinstance(node, cst.IndentedBlock)
        module = self.context.module
        self.indents.append(node.indent if node.indent is not None else module.default_indent)

    def _indent_out(self, node: cst.CSTNode) -> None:
        self.indents.pop()

    def _annotation(self, node: cst.CSTNode) -> None:
        assert isinstance(node, cst.AnnAssign)
        self.store.add(id(node.target))  # ``x.y: int`` stores (ast says so) though nothing binds
        self._visit(node)

    def _push(self, previous: Callable[[cst.CSTNode], None] | None) -> Callable[[cst.CSTNode], None]:
        def push(node: cst.CSTNode) -> None:
            if previous is not None:
                previous(node)  # the node is not its own ancestor
            self.stack.append(node)

        return push

    def _pop(self, node: cst.CSTNode) -> None:
        self.stack.pop()

    def _visit(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.BooleanOperation) and views.is_folded_operand(node.left, node):
            self.skip.add(id(node.left))
        entries = self.index.get(type(node))
        if not entries or id(node) in self.skip or self.imports:
            return
        if isinstance(node, cst.BaseExpression) and (
            id(node) in self.store or self.context.tracker.expr_context(node) != "load"
        ):
            return
        key = _node_key(node)
        for want, rule, pattern in entries:
            if want is not None and want != key:
                continue
            bindings = pattern.match(node, CST)
            if bindings is None:
                continue
            rule.offer(
                _Candidate(
                    node=node,
                    pattern=pattern,
                    bindings=bindings,
                    scope=rule.scope,
                    indent="".join(self.indents),
                    places={place: count > 0 for place, count in self.counters.items()},
                    ancestors=tuple(reversed(self.stack)) if rule.compiled.ancestors else None,
                    needs=NOTHING if getattr(node, "lpar", None) else self.needs.get(id(node), 1),
                )
            )


def _ancestor_types(rule: PatternRule) -> set[type[cst.CSTNode]]:
    found: set[type[cst.CSTNode]] = set()
    for relation in (*rule.compiled.conditions.inside, *rule.compiled.conditions.not_inside):
        if relation.pattern is not None:
            found.update(views.CST_TYPES_OF_KIND[relation.pattern.kind])
    return found


def _call_key(pattern: Pattern) -> str | None:
    """For a call pattern, the name or attribute it calls (``sorted``, ``startswith``)."""
    if pattern.kind != "Call":
        return None
    func = dict(pattern.tree.fields)["func"]
    if getattr(func, "kind", None) == "Name":
        return str(dict(func.fields)["id"])
    if getattr(func, "kind", None) == "Attribute":
        return str(dict(func.fields)["attr"])
    return None


def _node_key(node: cst.CSTNode) -> str | None:
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


__all__ = ["PatternDispatcher", "PatternRule", "PatternRuleError", "compile_rule", "pattern_check"]
