"""The prefilter side of a pattern rule: its ``needles``, ``ast_types`` and ``ast_candidate``,
derived from the same compiled patterns as its matching on libcst's tree
(``perflint.rules.patterns.rule``), so the prefilter cannot lose a finding. No libcst here:
the engine plans a file with these classes before it knows whether libcst is needed.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any, ClassVar

from perflint.rules.candidates import AstFacts, Candidates
from perflint.rules.patterns import views
from perflint.rules.patterns.compiled import AST, Span, span_items, spans
from perflint.rules.patterns.spec import CompiledRule, compile_rule
from perflint.rules.patterns.where import ast_where
from perflint.text.lines import split_lines
from perflint.types import RuleSpec


class PatternCandidates(Candidates):
    """The prefilter side of a rule given as patterns; subclasses are made by
    :func:`pattern_candidates`."""

    compiled: ClassVar[CompiledRule]

    @classmethod
    def ast_hook(cls, index: int, bindings: Mapping[str, Any], span: Span) -> bool:
        """The prefilter's half of a pattern rule's ``hook``, on CPython's ``ast``: False only
        where the hook surely drops the match (so the statement need not reach libcst). The
        default refuses nothing."""
        return True

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
            if conditions.holds(bindings, span_items(span, AST), where) is False:
                return False
            return cls.ast_hook(index, bindings, span)

        return any(True for _ in spans(cls.compiled.patterns, node, AST, accept))


_CANDIDATES: dict[int, tuple[RuleSpec, type[PatternCandidates]]] = {}


def pattern_candidates(
    spec: RuleSpec, base: type[PatternCandidates] | None = None
) -> type[PatternCandidates]:
    """The prefilter side of a pattern rule, compiled once per spec; ``base``: the prefilter
    side of the check that a rule combining ``check:`` with ``pattern:`` names."""
    cached = _CANDIDATES.get(id(spec))
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
        (base or PatternCandidates,),
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
    _CANDIDATES[id(spec)] = (spec, check)
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
