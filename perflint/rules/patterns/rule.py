"""Pattern rules as checks: a rule file's ``pattern:``/``any:``, ``where:``, ``fix:``.

:func:`pattern_check` turns a rule spec into a :class:`PatternRule` subclass that the engine
treats like any check: its ``needles`` and ``ast_candidate`` are the prefilter, derived from
the same compiled patterns as its matching, so the prefilter cannot lose a finding. Pattern
rules do not visit the tree themselves: one :class:`~perflint.rules.patterns.dispatch.PatternDispatcher`
per file joins the batched traversal and offers each rule only the nodes its patterns are
rooted at; the rule decides in ``finish``, once the scopes are complete.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import libcst as cst

from perflint.rules.api import AstFacts, Before, Rule
from perflint.rules.codegen import code_at_indent, short_code
from perflint.rules.patterns import views
from perflint.rules.patterns.compiled import (
    AST,
    BUILTIN_NAMES,
    CST,
    Pattern,
    Side,
    Span,
    compile_pattern,
    spans,
)
from perflint.rules.patterns.queues import used_as_queue
from perflint.rules.patterns.syntax import PatternSyntaxError
from perflint.rules.patterns.template import (
    Capture,
    RenderError,
    Template,
    compile_template,
    cst_needs,
    precedence,
    render,
)
from perflint.rules.patterns.where import Answer, Conditions, WhereError, ast_where, compile_where
from perflint.rules.scope import Binding, Scope
from perflint.rules.semantics import expr_type, value_kind
from perflint.text.lines import split_lines
from perflint.types import Applicability, RuleSpec

#: Where an ``inside:`` place starts, counted by the dispatcher.
PLACES = ("loop", "function", "try", "class")


class PatternRuleError(ValueError):
    """A rule file whose pattern, ``where:`` or ``fix:`` cannot be compiled."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


@dataclass(frozen=True)
class CompiledAlternative:
    pattern: Pattern
    conditions: Conditions  # the rule's and the alternative's
    template: Template | None
    applicability: Applicability | None  # None: no fix (``fix-safety: none``)
    safe_when: Conditions | None
    #: Names that must be the builtins where the match stands: the pattern's, those of the
    #: positive relations' patterns and those the fix writes.
    builtins: frozenset[str]


@dataclass(frozen=True)
class CompiledRule:
    alternatives: tuple[CompiledAlternative, ...]
    #: ``needles`` for the prefilter: identifiers every alternative contains, longest first.
    needles: tuple[str, ...]
    fix_imports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Asked for every node the prefilter and the traversal offer: computed once.
        patterns = tuple(alternative.pattern for alternative in self.alternatives)
        object.__setattr__(self, "patterns", patterns)
        object.__setattr__(self, "kinds", frozenset(pattern.kind for pattern in patterns))
        object.__setattr__(
            self, "ancestors", any(a.conditions.ancestors for a in self.alternatives)
        )
        object.__setattr__(self, "context", any(a.conditions.context for a in self.alternatives))
        object.__setattr__(self, "call_keys", _call_keys(patterns))

    #: The alternatives' patterns; the kinds they are rooted at; whether ``where:`` asks about
    #: enclosing code by pattern, or about ``context:``; and the names and methods the call
    #: patterns call when every one calls a fixed one (``sorted(...)``, ``$X.join(...)``).
    patterns: tuple[Pattern, ...] = field(init=False)
    kinds: frozenset[str] = field(init=False)
    ancestors: bool = field(init=False)
    context: bool = field(init=False)
    call_keys: frozenset[str] | None = field(init=False)


def _call_keys(patterns: Sequence[Pattern]) -> frozenset[str] | None:
    keys = set()
    for pattern in patterns:
        if pattern.kind != "Call":
            continue
        key = call_key(pattern)
        if key is None:
            return None
        keys.add(key)
    return frozenset(keys)


def compile_rule(spec: RuleSpec) -> CompiledRule:
    """Compile the pattern parts of ``spec``; ``PatternRuleError`` names the field at fault."""
    assert spec.pattern is not None
    compiled: list[tuple[str, Pattern]] = []
    for index, alternative in enumerate(spec.pattern.alternatives):
        key = f"any[{index}]" if spec.pattern.any_of else "pattern"
        try:
            compiled.append((key, compile_pattern(alternative.pattern)))
        except PatternSyntaxError as error:
            raise PatternRuleError(key, str(error)) from None
    everything = frozenset().union(*(pattern.metavariables for _, pattern in compiled))
    common = frozenset.intersection(*(pattern.metavariables for _, pattern in compiled))
    names = frozenset().union(*(pattern.names for _, pattern in compiled))
    rule_where = _where(spec.pattern.where, everything, "where", names)
    alternatives = []
    for (key, pattern), alternative in zip(compiled, spec.pattern.alternatives):
        conditions = rule_where.merged(
            _where(alternative.where, pattern.metavariables, f"{key}.where", pattern.names)
        )
        safety = alternative.fix_safety or spec.fix_safety
        fix = alternative.fix if alternative.fix is not None else spec.pattern.fix
        template = None
        if safety != "none" and fix is not None:
            try:
                template = compile_template(fix, pattern.metavariables, pattern.sequences)
            except PatternSyntaxError as error:
                field = f"{key}.fix" if alternative.fix is not None else "fix"
                raise PatternRuleError(field, str(error)) from None
        safe_when_data = alternative.safe_when if alternative.safe_when is not None else spec.pattern.safe_when
        safe_when = _where(_bound_only(safe_when_data, pattern.metavariables), pattern.metavariables, "safe-when") if safe_when_data is not None else None
        writes = template.names & BUILTIN_NAMES if template is not None else frozenset()
        alternatives.append(
            CompiledAlternative(
                pattern=pattern,
                conditions=conditions,
                template=template,
                applicability=None if safety == "none" else safety,  # type: ignore[arg-type]
                safe_when=safe_when,
                builtins=pattern.builtins | conditions.builtins | writes,
            )
        )
    for name in _message_names(spec.message) | _message_names(spec.fix_title):
        if name not in common and name not in ("MATCH", "FIX"):
            raise PatternRuleError("message", f"{{{name}}} is not a metavariable every pattern binds")
    needles = set(compiled[0][1].identifiers)
    for _, pattern in compiled[1:]:
        needles &= set(pattern.identifiers)
    return CompiledRule(
        alternatives=tuple(alternatives),
        needles=tuple(sorted(needles, key=lambda name: (-len(name), name))),
        fix_imports=spec.pattern.fix_imports,
    )


def _where(
    data: object, metavariables: frozenset[str], field: str, names: frozenset[str] = frozenset()
) -> Conditions:
    try:
        return compile_where(data, metavariables, names)
    except WhereError as error:
        raise PatternRuleError(field, str(error)) from None


def _bound_only(data: object, metavariables: frozenset[str]) -> object:
    """``safe-when`` keys naming a metavariable the alternative does not bind are ignored."""
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if str(key).lstrip("$") in metavariables or key in ("inside", "not-inside", "has", "not-has", "context")}


def _message_names(text: str) -> set[str]:
    return set(re.findall(r"\{([A-Z_][A-Z0-9_]*)\}", text))


_CHECKS: dict[int, tuple[RuleSpec, type[PatternRule]]] = {}


def pattern_check(spec: RuleSpec, base: type[PatternRule] | None = None) -> type[PatternRule]:
    """The check class of a pattern rule, compiled once per spec; ``base``: the check that
    a rule combining ``check:`` with ``pattern:`` names (its ``hook`` refines each match)."""
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
    runs = [pattern.length for pattern in compiled.patterns if pattern.kind == "Statements"]
    conditions = [
        found
        for alternative in compiled.alternatives
        for found in (alternative.conditions, alternative.safe_when)
        if found is not None
    ]
    check = type(
        f"Pattern_{spec.code}",
        (base or PatternRule,),
        {
            "compiled": compiled,
            "needles": compiled.needles,
            "ast_types": types,
            "ast_call_keys": compiled.call_keys,
            # What the prefilter must let libcst see besides the candidates (see ``Rule``).
            "module_imports": bool(compiled.fix_imports) or any(c.modules for c in conditions),
            "module_preamble": bool(compiled.fix_imports),
            "module_run": max(runs, default=0),
            "module_growth": any(t.needs_ancestors for c in conditions for _, t in c.tests),
        },
    )
    _CHECKS[id(spec)] = (spec, check)
    return check


class _AstSegments:
    """Source text of one-line nodes, for ``regex:`` on CPython's ``ast`` (the file's lines are
    split once, when a regex first asks)."""

    #: Kinds whose ``ast`` position and libcst code (parentheses removed) are the same text.
    KINDS = frozenset({"Name", "Attribute", "Call", "Subscript", "Constant"})

    def __init__(self, source: str | None) -> None:
        self.source = source
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str] | None:
        if self._lines is None and self.source is not None:
            self._lines = split_lines(self.source)  # rows as CPython counts them
        return self._lines

    def __call__(self, capture: Any) -> str | None:
        if self.source is None or isinstance(capture, (list, str)) or not isinstance(capture, ast.expr):
            return None
        if AST.fields(capture)[0] not in self.KINDS or capture.lineno != capture.end_lineno:
            return None
        lines = self.lines
        assert lines is not None
        if capture.lineno > len(lines):
            return None
        line = lines[capture.lineno - 1].encode("utf-8")
        return line[capture.col_offset : capture.end_col_offset].decode("utf-8", "replace")


def span_items(span: Span, side: Side) -> list[Any]:
    """The nodes a match covers: the node's children for a node (``has:`` looks below it),
    the operands or statements of a run themselves."""
    if span.first is span.last and span.first is span.node:
        return views.children(side.fields(span.node)[1])
    kind, fields = side.fields(span.node)
    items = fields["values"] if kind == "BoolOp" else next(
        (block for block in side.blocks(span.node) if any(item is span.first for item in block)), []
    )
    start = next(i for i, item in enumerate(items) if item is span.first)
    end = next(i for i, item in enumerate(items) if item is span.last)
    return list(items[start : end + 1])


@dataclass(eq=False)
class Offer:
    """A node offered to a rule, with what the traversal knew there."""

    node: cst.CSTNode
    scope: Scope
    indent: str
    places: Mapping[str, bool]
    ancestors: tuple[cst.CSTNode, ...] | None
    needs: int  # how tightly code must bind where the node stands (template.cst_needs)
    context: tuple[str, str | None] | None
    #: What the file's imports bind: (id of the scope, name) -> module names (filled while
    #: the traversal goes on; complete when the rule decides).
    imports: Mapping[tuple[int, str], set[str]]
    #: For ``context: for-iter``: the loop whose iterable the node is (a ``For``, or the
    #: comprehension and its ``CompFor``).
    loop: Any = None


@dataclass(frozen=True)
class Accept:
    """A hook's answer for a match it keeps: the fix's code (None: the template's) and
    applicability (None: the rule's)."""

    fix: str | None = None
    applicability: Applicability | None = None


class PatternRule(Rule):
    """A rule given as patterns; subclasses are made by :func:`pattern_check`.

    A rule file may name a subclass in ``check:`` beside its ``pattern:``: its :meth:`hook`
    is then asked about every match that the patterns and ``where:`` let through.
    """

    compiled: ClassVar[CompiledRule]

    def hook(self, index: int, bindings: Mapping[str, Any], span: Span, offer: Offer) -> Accept | None:
        """Keep a match (``Accept``, perhaps with a fix of its own) or drop it (None); ``index``
        is the alternative's, ``offer`` what the traversal knew where it stands. The default
        keeps every match with the template's fix."""
        return Accept()

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        # A call of a name or method no pattern calls is never asked: ``ast_call_keys``.
        segments = getattr(facts, "pattern_segments", None)
        if segments is None:
            segments = _AstSegments(getattr(facts, "source", None))
            facts.pattern_segments = segments  # type: ignore[attr-defined]
        where = ast_where(segments)
        alternatives = cls.compiled.alternatives

        def accept(index: int, bindings: Mapping[str, Any], span: Span) -> bool:
            conditions = alternatives[index].conditions
            return conditions.holds(bindings, span_items(span, AST), where) is not False

        return any(True for _ in spans(cls.compiled.patterns, node, AST, accept))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offers: list[Offer] = []

    def offer(self, offer: Offer) -> None:
        self.offers.append(offer)

    def finish(self) -> None:
        alternatives = self.compiled.alternatives
        separators = self.context.separators
        for offer in self.offers:
            where = _CstWhere(offer, self.context.module)

            def accept(index: int, bindings: Mapping[str, Any], span: Span) -> bool:
                items = span_items(span, CST)
                if separators and span.first is not span.last:
                    # A run through a ``pass`` standing for statements left out is no run
                    # of the file.
                    if any(id(item) in separators for item in items):
                        return False
                conditions = alternatives[index].conditions
                return conditions.holds(bindings, items, where) is True

            for index, bindings, span in spans(self.compiled.patterns, offer.node, CST, accept):
                answer = self.hook(index, bindings, span, offer)
                if answer is not None:
                    self._report(offer, alternatives[index], bindings, span, where, answer)

    def _report(
        self,
        offer: Offer,
        alternative: CompiledAlternative,
        bindings: Mapping[str, Any],
        span: Span,
        where: _CstWhere,
        answer: Accept,
    ) -> None:
        module = self.context.module
        whole = span.first is span.last
        target: Any = span.first if whole else (span.first, span.last)
        fix_code = answer.fix
        edits: list[tuple[Any, str]] = []
        rewritten: cst.CSTNode | None = None
        applicability: Applicability = (
            answer.applicability or alternative.applicability or self.spec.applicability
        )
        fixes = alternative.template is not None or fix_code is not None
        imports = self._imports(offer.scope) if fixes else []
        if imports is None:
            return  # the module the fix needs is another name here: the advice does not apply
        if fixes:
            needs = offer.needs if not span.partial else _operand_needs(span.node)
            if fix_code is None and alternative.template is not None:
                fix_code = _render(alternative.template, bindings, module, offer.indent, needs, span.node)
            if fix_code is not None:
                rewritten = _parse(fix_code, alternative.pattern.statement)
            if rewritten is not None and not _loses_comments(span, fix_code):
                edits.append((target, fix_code))
                if imports:  # one insertion, in the order the rule lists them
                    anchor = imports[0][1]
                    edits.append((Before(anchor), "".join(f"import {name}\n" for name, _ in imports)))
            if alternative.safe_when is not None and alternative.safe_when.holds(
                bindings, span_items(span, CST), where
            ) is True:
                applicability = "safe"
            if imports and edits:
                # A new import runs that module when this one is imported and changes what
                # `import this` loads (a test of a package's import cost sees it): never safe.
                applicability = "unsafe"
        matched = _matched_code(module, span, offer.indent)
        messages = {name: short_code(_capture_code(module, value, offer.indent)) for name, value in bindings.items()}
        messages["MATCH"] = short_code(matched)
        messages["FIX"] = short_code(fix_code) if fix_code is not None else ""
        self.report(
            span.first,
            end_node=None if whole else span.last,
            scope=offer.scope,
            builtins=sorted(alternative.builtins),
            edits=edits,
            applicability=applicability,
            flagged=_flagged(module, span, matched, alternative.pattern.statement),
            rewritten=rewritten,
            **messages,
        )

    def _imports(self, scope: Scope) -> list[tuple[str, cst.CSTNode]] | None:
        """The ``import NAME`` edits the fix needs (before which statement), or None when a
        module it needs is bound to something else."""
        found: list[tuple[str, cst.CSTNode]] = []
        body = list(self.context.module.body)
        for name in self.compiled.fix_imports:
            owner = scope.resolve(name)
            module_scope = scope.module
            if owner is not None and owner is not module_scope:
                return None  # a local of that name hides the module
            if _imports_module(body, name):
                continue
            if name in module_scope.bindings:
                return None
            anchor = _first_after_preamble(body)
            if anchor is None:
                return None
            found.append((name, anchor))
        return found


def call_key(pattern: Pattern) -> str | None:
    """For a call pattern, the name or attribute it calls (``sorted``, ``startswith``)."""
    if pattern.kind != "Call":
        return None
    func = pattern.tree.field("func")  # type: ignore[union-attr]
    if getattr(func, "kind", None) == "Name":
        return str(func.field("id"))
    if getattr(func, "kind", None) == "Attribute":
        return str(func.field("attr"))
    return None


def _operand_needs(chain: cst.CSTNode) -> int:
    return max((needs for _, needs in cst_needs(chain)), default=1)


def _render(
    template: Template,
    bindings: Mapping[str, Any],
    module: cst.Module,
    indent: str,
    needs: int,
    root: cst.CSTNode,
) -> str | None:
    try:
        return render(template, bindings, _CstCaptures(module, indent, root), indent, needs)
    except RenderError:
        return None


def _imports_module(body: Sequence[cst.CSTNode], name: str) -> bool:
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == name and alias.asname is None:
                        return True
    return False


def _first_after_preamble(body: Sequence[cst.CSTNode]) -> cst.CSTNode | None:
    """The first statement after the module docstring and the ``__future__`` imports."""
    for index, statement in enumerate(body):
        if index == 0 and _is_docstring(statement):
            continue
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, cst.ImportFrom)
            and isinstance(small.module, cst.Name)
            and small.module.value == "__future__"
            for small in statement.body
        ):
            continue
        return statement
    return None


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _parse(code: str, statement: bool) -> cst.CSTNode | None:
    try:
        if statement:
            return cst.parse_module(code + "\n")
        return cst.parse_expression(code)
    except cst.ParserSyntaxError:
        return None  # the engine would drop the fix anyway: it must compile


def _matched_code(module: cst.Module, span: Span, indent: str) -> str:
    if span.first is span.last:
        return _capture_code(module, span.first, indent)
    items = span_items(span, CST)
    if isinstance(span.node, cst.BooleanOperation):
        operator = " or " if isinstance(span.node.operator, cst.Or) else " and "
        return operator.join(_capture_code(module, item, indent) for item in items)
    return "\n".join(_statement_code(module, item, "") for item in items)


def _flagged(module: cst.Module, span: Span, matched: str, statement: bool) -> cst.CSTNode | None:
    if span.first is span.last:
        return span.first
    return _parse(matched, statement)


class _CommentFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


def _comments(nodes: Sequence[Any]) -> list[str]:
    finder = _CommentFinder()
    for node in nodes:
        if isinstance(node, cst.CSTNode):
            node.visit(finder)
    return finder.found


def _loses_comments(span: Span, fix_code: str) -> bool:
    """Whether the fix would delete a comment of the code it replaces."""
    if span.first is span.last:
        replaced = _comments([span.first])
    elif isinstance(span.node, cst.BooleanOperation):
        replaced = _comments([span.node])
    else:
        replaced = _comments(_run_lines(span))
    if not replaced:
        return False
    kept = Counter(_comment_texts(fix_code))
    kept.subtract(Counter(replaced))
    return any(count < 0 for count in kept.values())


def _comment_texts(code: str) -> list[str]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


def _run_lines(span: Span) -> list[cst.CSTNode]:
    """The lines of a run of statements, without the first's leading lines and the last's
    end-of-line comment (both stay where they are)."""
    block = span.node
    body = list(getattr(block, "body", ()))
    lines: list[cst.CSTNode] = []
    inside = False
    for line in body:
        smalls = list(line.body) if isinstance(line, cst.SimpleStatementLine) else [line]
        starts = any(small is span.first for small in smalls)
        ends = any(small is span.last for small in smalls)
        if starts:
            inside = True
            line = line.with_changes(leading_lines=()) if hasattr(line, "leading_lines") else line
        if inside:
            if ends and isinstance(line, cst.SimpleStatementLine):
                line = line.with_changes(trailing_whitespace=cst.TrailingWhitespace())
            lines.append(line)
        if ends:
            break
    return lines


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
    if isinstance(value, views.CstStarred):
        return "*" + code_at_indent(module, _strip(value.value), indent)
    if isinstance(value, cst.BaseSmallStatement):
        return _statement_code(module, value, "")
    return code_at_indent(module, _strip(value), indent)


_DECIMAL = re.compile(r"[0-9_]+")


class _CstCaptures:
    """How captures from libcst's tree are written out into a fix; ``root`` is the node the
    match is in (where the captures' argument lists and displays are found)."""

    def __init__(self, module: cst.Module, indent: str, root: cst.CSTNode) -> None:
        self.module = module
        self.indent = indent
        self.root = root

    def _code(self, node: cst.CSTNode) -> str:
        return code_at_indent(self.module, node, self.indent)

    def expression(self, node: Any) -> Capture:
        code = _capture_code(self.module, node, self.indent)
        if isinstance(node, (str, cst.Arg, cst.BaseElement, cst.BaseDictElement, views.CstStarred)):
            return Capture(code, 99)  # an argument or element keeps its place as it is
        if isinstance(node, cst.Tuple) and not node.elements:
            return Capture(code, 99)  # ``()`` keeps its parentheses
        integer = isinstance(node, cst.Integer) and _DECIMAL.fullmatch(node.value) is not None
        return Capture(
            code,
            precedence(node, CST),
            integer=integer,
            generator=isinstance(node, cst.GeneratorExp),
            binary=isinstance(node, cst.BinaryOperation),
        )

    def statement(self, node: Any, indent: str) -> str:
        return _statement_code(self.module, node, indent)

    def inside(self, node: Any) -> str | None:
        """The code between a comprehension's or display's brackets, as written (a generator
        that is a call's only argument: between the call's parentheses)."""
        if isinstance(node, cst.GeneratorExp) and not node.lpar:
            call = _call_of(self.root, node)
            if call is None:
                return self._code(node)
            arg = call.args[0]
            return self._code(call.whitespace_before_args) + self._code(node) + self._code(arg.whitespace_after_arg)
        if isinstance(node, (cst.GeneratorExp, cst.Tuple)) and node.lpar:
            code = self._code(node.with_changes(lpar=node.lpar[-1:], rpar=node.rpar[:1]))
            return code[1:-1]
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.List, cst.Set, cst.Dict)):
            return self._code(_strip(node))[1:-1]
        if isinstance(node, cst.Tuple):
            return ", ".join(_capture_code(self.module, e, self.indent) for e in node.elements) + (
                "," if len(node.elements) == 1 else ""
            )
        return None

    def dict_item(self, node: Any) -> str | None:
        if isinstance(node, cst.Arg) and node.keyword is not None:
            value = _capture_code(self.module, node.value, self.indent)
            return f'"{node.keyword.value}": {value}'
        if isinstance(node, cst.Arg) and node.star == "**":
            return "**" + _capture_code(self.module, node.value, self.indent)
        if isinstance(node, cst.Tuple) and len(node.elements) == 2:
            key, value = (_capture_code(self.module, e.value, self.indent) for e in node.elements)
            return f"{key}: {value}"
        return None

    def join(self, items: Sequence[Any], codes: Sequence[str], whole: bool) -> str | None:
        found = _container_of(self.root, items)
        if found is None:
            return None
        container, elements, first = found
        pieces = []
        for index, code in enumerate(codes):
            pieces.append(code)
            if index < len(codes) - 1:
                pieces.append(self._separator(elements[first + index]))
        if not whole or first != 0 or first + len(items) != len(elements):
            return "".join(pieces)
        opening, closing = _brackets(container)
        prefix = self._code(opening) if opening is not None else ""
        last = elements[-1]
        suffix = self._separator(last) if isinstance(getattr(last, "comma", None), cst.Comma) else ""
        if closing is not None:
            suffix += self._code(closing)
        return prefix + "".join(pieces) + suffix

    def _separator(self, element: cst.CSTNode) -> str:
        code = ""
        if isinstance(element, cst.Arg):
            code += self._code(element.whitespace_after_arg)
        comma = getattr(element, "comma", None)
        return code + (self._code(comma) if isinstance(comma, cst.Comma) else ", ")


def _walk(root: cst.CSTNode) -> list[cst.CSTNode]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found


def _call_of(root: cst.CSTNode, node: cst.CSTNode) -> cst.Call | None:
    """The call whose only argument is ``node``."""
    for candidate in _walk(root):
        if isinstance(candidate, cst.Call) and len(candidate.args) == 1 and candidate.args[0].value is node:
            return candidate
    return None


def _elements(node: cst.CSTNode) -> Sequence[cst.CSTNode] | None:
    if isinstance(node, cst.Call):
        return node.args
    if isinstance(node, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
        return node.elements
    return None


def _container_of(root: cst.CSTNode, items: Sequence[Any]) -> tuple[cst.CSTNode, Sequence[cst.CSTNode], int] | None:
    """The argument list or display holding ``items`` in a row: (container, its elements,
    the index of the first)."""
    first = items[0]
    for candidate in _walk(root):
        elements = _elements(candidate)
        if not elements:
            continue
        for index, element in enumerate(elements):
            if element is first or getattr(element, "value", None) is first:
                run = elements[index : index + len(items)]
                if len(run) == len(items) and all(
                    element is item or getattr(element, "value", None) is item
                    for element, item in zip(run, items)
                ):
                    return candidate, elements, index
                return None
    return None


def _brackets(node: cst.CSTNode) -> tuple[cst.CSTNode | None, cst.CSTNode | None]:
    """The whitespace after a container's opening bracket and before its closing one."""
    if isinstance(node, cst.Call):
        return node.whitespace_before_args, None  # the last argument's comma holds the rest
    if isinstance(node, cst.List):
        return node.lbracket.whitespace_after, node.rbracket.whitespace_before
    if isinstance(node, (cst.Set, cst.Dict)):
        return node.lbrace.whitespace_after, node.rbrace.whitespace_before
    if isinstance(node, cst.Tuple) and node.lpar:
        return node.lpar[0].whitespace_after, node.rpar[-1].whitespace_before
    return None, None


def _statement_code(module: cst.Module, statement: cst.CSTNode, indent: str) -> str:
    code = code_at_indent(module, _strip(statement), indent)
    if isinstance(statement, cst.BaseSmallStatement):
        return indent + code
    return code.rstrip("\r\n")


def _binding_sort(binding: Binding, owner: Scope) -> str:
    """``call`` for an assignment of what a call returned, or an attribute or item of it
    (``r = parse(t)``, ``s = inspect(C).synonyms``, ``f = search(t)[0]``): a type out of
    sight; but not a builtin constructor such as ``dict(pairs)``. Else the binding's kind."""
    value = binding.value
    if binding.kind not in ("assign", "annassign") or value is None:
        return binding.kind
    root = value
    while isinstance(root, (cst.Attribute, cst.Subscript)):
        root = root.value
    if isinstance(root, cst.Call) and value_kind(value, owner) is None:
        return "call"
    return binding.kind


class _CstWhere:
    side: Side = CST

    def __init__(self, offer: Offer, module: cst.Module) -> None:
        self.offer = offer
        self.module = module

    def code(self, capture: Any) -> str | None:
        return _capture_code(self.module, capture, "")

    def type_of(self, capture: Any) -> str | None | bool:
        if not isinstance(capture, cst.BaseExpression):
            return None
        return expr_type(self.offer.scope, capture)

    def binding_sorts(self, capture: Any) -> frozenset[str] | None | bool:
        if not isinstance(capture, cst.Name):
            return None
        scope = self.offer.scope
        owner = scope.resolve(capture.value)
        if owner is None:  # a builtin, or bound nowhere in the file that it can see
            module = scope.module
            unseen = module.star_import or capture.value in module.declared
            return None if unseen else frozenset()
        bindings = scope.bound_values(capture.value)
        if bindings is None:
            return None
        return frozenset(_binding_sort(binding, owner) for binding in bindings)

    def is_builtin(self, name: str) -> Answer:
        return self.offer.scope.is_builtin(name)

    def concatenated(self, capture: Any) -> Answer:
        return isinstance(capture, cst.ConcatenatedString)

    def inside(self, place: str) -> Answer:
        return self.offer.places[place]

    def ancestors(self) -> Sequence[Any] | None:
        return self.offer.ancestors

    def used_as_queue(self, capture: Any) -> Answer:
        if not isinstance(capture, cst.Name):
            return None
        return used_as_queue(self.offer.scope, capture, self.offer.ancestors)

    def context(self) -> tuple[str, str | None] | None | bool:
        return self.offer.context

    def module_of(self, name: str) -> str | None | bool:
        scope = self.offer.scope
        owner = scope.resolve(name)
        bindings = scope.bound_values(name)
        if owner is None or not bindings or any(b.kind != "import" for b in bindings):
            return None
        modules = self.offer.imports.get((id(owner), name), set())
        return next(iter(modules)) if len(modules) == 1 else None


__all__ = ["Accept", "Offer", "PatternRule", "PatternRuleError", "compile_rule", "pattern_check"]
