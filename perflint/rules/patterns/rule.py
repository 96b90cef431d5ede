"""Pattern rules as checks: a rule file's ``pattern:``/``any:``, ``where:``, ``fix:``.

:func:`pattern_check` turns a rule spec into a :class:`PatternRule` subclass that the engine
treats like any check: its prefilter side (``needles``, ``ast_candidate``) is the class
``perflint.rules.patterns.candidates.pattern_candidates`` compiled from the same patterns as
its matching, so the prefilter cannot lose a finding. Pattern
rules do not visit the tree themselves: one :class:`~perflint.rules.patterns.dispatch.PatternDispatcher`
per file joins the batched traversal and offers each rule only the nodes its patterns are
rooted at; the rule decides in ``finish``, once the scopes are complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import libcst as cst

from perflint.rules.api import Before, Rule
from perflint.rules.codegen import short_code
from perflint.rules.patterns.candidates import PatternCandidates
from perflint.rules.patterns.compiled import Side, Span, span_items, spans
from perflint.rules.patterns.cst_code import (
    capture_code,
    first_after_preamble,
    flagged,
    imports_module,
    loses_comments,
    matched_code,
    operand_needs,
    parse_code,
    render_fix,
)
from perflint.rules.patterns.cst_views import CST
from perflint.rules.patterns.queues import used_as_queue
from perflint.rules.patterns.spec import (
    CompiledAlternative,
    CompiledRule,
)
from perflint.rules.patterns.where import Answer
from perflint.rules.scope import Binding, Scope
from perflint.rules.semantics import expr_type, value_kind
from perflint.types import Applicability, RuleSpec

#: Where an ``inside:`` place starts, counted by the dispatcher.
PLACES = ("loop", "function", "try", "class")


_CHECKS: dict[int, tuple[RuleSpec, type[PatternRule]]] = {}


def pattern_check(
    spec: RuleSpec, candidates: type[PatternCandidates], base: type[PatternRule] | None = None
) -> type[PatternRule]:
    """The check class of a pattern rule: its prefilter side ``candidates``
    (``pattern_candidates``) with libcst's side, ``base`` when the rule file names a check
    beside its patterns (its ``hook`` refines each match), else ``PatternRule``."""
    cached = _CHECKS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    check = type(f"Pattern_{spec.code}", (candidates, base or PatternRule), {})
    _CHECKS[id(spec)] = (spec, check)
    return check


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
            needs = offer.needs if not span.partial else operand_needs(span.node)
            if fix_code is None and alternative.template is not None:
                fix_code = render_fix(alternative.template, bindings, module, offer.indent, needs, span.node)
            if fix_code is not None:
                rewritten = parse_code(fix_code, alternative.pattern.statement)
            if rewritten is not None and not loses_comments(span, fix_code):
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
        matched = matched_code(module, span, offer.indent)
        messages = {name: short_code(capture_code(module, value, offer.indent)) for name, value in bindings.items()}
        messages["MATCH"] = short_code(matched)
        messages["FIX"] = short_code(fix_code) if fix_code is not None else ""
        self.report(
            span.first,
            end_node=None if whole else span.last,
            scope=offer.scope,
            builtins=sorted(alternative.builtins),
            edits=edits,
            applicability=applicability,
            flagged=flagged(module, span, matched, alternative.pattern.statement),
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
            if imports_module(body, name):
                continue
            if name in module_scope.bindings:
                return None
            anchor = first_after_preamble(body)
            if anchor is None:
                return None
            found.append((name, anchor))
        return found


def binding_sort(binding: Binding, owner: Scope) -> str:
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
        return capture_code(self.module, capture, "")

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
        return frozenset(binding_sort(binding, owner) for binding in bindings)

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
