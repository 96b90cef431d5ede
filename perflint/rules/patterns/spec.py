"""A rule file's patterns compiled once: its alternatives, ``where:`` conditions, fix templates
and the builtins its patterns call, which give the prefilter its needles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from perflint.rules.patterns.compiled import (
    BUILTIN_NAMES,
    Pattern,
    compile_pattern,
)
from perflint.rules.patterns.syntax import PatternSyntaxError
from perflint.rules.patterns.template import (
    Template,
    compile_template,
)
from perflint.rules.patterns.where import Conditions, WhereError, compile_where
from perflint.types import Applicability, RuleSpec


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
