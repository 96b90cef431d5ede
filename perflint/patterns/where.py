"""``where:``: what a pattern's captures must be, and where the match must (not) stand.

```yaml
where:
  X: {kind: [Name, Attribute]}     # the capture's kind (see KINDS)
  K: {regex: "^[a-z_]+$"}          # its code, searched with Python's re
  S: {type: list}                  # bound in scope only to a list (a literal or list(...))
  D: {not: {kind: Call}}           # none of the tests inside holds
  inside: loop                     # loop | function | try | a pattern; or a list: all hold
  not-inside: function             # none of them holds
  has: $X.append($_)               # a node inside the match matches the pattern
  not-has: [yield $_, await $_]
```

A test is answered on both trees. Where an answer needs what only the rule's own traversal
knows (scopes, enclosing loops), CPython's ``ast`` side answers None ("maybe"), so the
prefilter keeps the node and the rule decides: ``None`` never rejects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from perflint.patterns import views
from perflint.patterns.compiled import Pattern, Side, compile_pattern, descendants, match
from perflint.patterns.syntax import PatternSyntaxError

#: Literal kinds beyond the node kinds (``Call``, ``Name``, ...).
CATEGORIES = (
    "str", "bytes", "int", "float", "complex", "bool", "None", "literal", "list", "tuple",
    "set", "dict", "generator", "comprehension",
)  # fmt: skip
NODE_KINDS = tuple(sorted(views.CST_TYPES_OF_KIND))
KINDS = frozenset(CATEGORIES + NODE_KINDS)
#: What ``type:`` can know of a name (its bindings' literal or constructor types).
TYPES = frozenset({"list", "tuple", "str", "set", "dict"})
PLACES = frozenset({"loop", "function", "try"})

_CONSTANT_CATEGORIES: dict[type, str] = {
    str: "str", bytes: "bytes", bool: "bool", int: "int", float: "float", complex: "complex",
    type(None): "None",
}  # fmt: skip
_KIND_CATEGORIES = {
    "JoinedStr": ("str",),
    "List": ("list",),
    "ListComp": ("list", "comprehension"),
    "Tuple": ("tuple",),
    "Set": ("set",),
    "SetComp": ("set", "comprehension"),
    "Dict": ("dict",),
    "DictComp": ("dict", "comprehension"),
    "GeneratorExp": ("generator", "comprehension"),
}

Answer = bool | None  # None: cannot tell on this tree


class Where(Protocol):
    """What a ``where:`` check may ask of the tree it is matched on."""

    side: Side

    def code(self, capture: Any) -> str | None:
        """The capture's code (None: not known on this tree)."""

    def type_of(self, capture: Any) -> str | None | bool:
        """The capture's known builtin type; None when unknown; False when this tree cannot say."""

    def inside(self, place: str) -> Answer:
        """Whether the match stands in a loop, function or try body."""

    def ancestors(self) -> Sequence[Any] | None:
        """The nodes enclosing the match, innermost first (None: not known)."""


def kinds_of(node: Any, side: Side) -> frozenset[str]:
    kind, fields = side.fields(node)
    found = {kind, *_KIND_CATEGORIES.get(kind, ())}
    if kind == "Constant":
        found.add("literal")
        category = _CONSTANT_CATEGORIES.get(type(fields["value"]))
        if category is not None:
            found.add(category)
    return frozenset(found)


def _all(answers: Sequence[Answer]) -> Answer:
    if any(answer is False for answer in answers):
        return False
    return None if any(answer is None for answer in answers) else True


def _not(answer: Answer) -> Answer:
    return None if answer is None else not answer


@dataclass(frozen=True)
class Test:
    """The tests on one capture; every one given must hold."""

    kinds: frozenset[str] | None = None
    regex: re.Pattern[str] | None = None
    types: frozenset[str] | None = None
    negated: tuple[Test, ...] = ()

    def holds(self, capture: Any, where: Where) -> Answer:
        answers: list[Answer] = []
        if self.kinds is not None:
            answers.append(_kind_holds(self.kinds, capture, where.side))
        if self.regex is not None:
            code = where.code(capture)
            answers.append(None if code is None else self.regex.search(code) is not None)
        if self.types is not None:
            known = where.type_of(capture)
            answers.append(None if known is False else known in self.types)
        answers.extend(_not(test.holds(capture, where)) for test in self.negated)
        return _all(answers)


def _kind_holds(kinds: frozenset[str], capture: Any, side: Side) -> bool:
    if isinstance(capture, list):  # $$$ITEMS: every item
        return all(_kind_holds(kinds, item, side) for item in capture)
    if isinstance(capture, str):  # a lambda parameter
        return "Name" in kinds
    return bool(kinds & kinds_of(capture, side))


@dataclass(frozen=True)
class Relation:
    """``inside``/``has``: a place keyword or a pattern."""

    place: str | None = None
    pattern: Pattern | None = None


@dataclass(frozen=True)
class Conditions:
    """A compiled ``where:``."""

    tests: tuple[tuple[str, Test], ...] = ()
    inside: tuple[Relation, ...] = ()
    not_inside: tuple[Relation, ...] = ()
    has: tuple[Pattern, ...] = ()
    not_has: tuple[Pattern, ...] = ()
    #: Names that must be the builtins for the positive relations' patterns to stand.
    builtins: frozenset[str] = field(default=frozenset())

    def holds(self, bindings: Mapping[str, Any], node: Any, where: Where) -> Answer:
        answers: list[Answer] = [
            test.holds(bindings[name], where) for name, test in self.tests if name in bindings
        ]
        answers += [self._inside(relation, bindings, where) for relation in self.inside]
        answers += [_not(self._inside(relation, bindings, where)) for relation in self.not_inside]
        if self.has or self.not_has:
            below = descendants(node, where.side)
            answers += [_has(pattern, below, bindings, where.side) for pattern in self.has]
            answers += [not _has(pattern, below, bindings, where.side) for pattern in self.not_has]
        return _all(answers)

    def _inside(self, relation: Relation, bindings: Mapping[str, Any], where: Where) -> Answer:
        if relation.place is not None:
            return where.inside(relation.place)
        assert relation.pattern is not None
        ancestors = where.ancestors()
        if ancestors is None:
            return None
        tree = relation.pattern.tree
        return any(match(tree, node, where.side, bindings) is not None for node in ancestors)


def _has(pattern: Pattern, below: Sequence[Any], bindings: Mapping[str, Any], side: Side) -> bool:
    return any(match(pattern.tree, node, side, bindings) is not None for node in below)


class WhereError(ValueError):
    """A ``where:`` that cannot be used; the message names the key."""


def compile_where(data: object, metavariables: frozenset[str]) -> Conditions:
    """Compile the ``where:`` mapping of a rule whose patterns bind ``metavariables``."""
    if data is None:
        return Conditions()
    if not isinstance(data, dict):
        raise WhereError("must be a mapping of metavariables and relations")
    tests: list[tuple[str, Test]] = []
    relations: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("inside", "not-inside", "has", "not-has"):
            relations[key] = value
            continue
        name = str(key).lstrip("$")
        if name not in metavariables:
            known = ", ".join(f"${m}" for m in sorted(metavariables)) or "none"
            raise WhereError(f"'{key}': no such metavariable in the pattern (it has {known})")
        tests.append((name, _test(value, f"{key}")))
    inside = tuple(_relations(relations.get("inside"), "inside", places=True))
    not_inside = tuple(_relations(relations.get("not-inside"), "not-inside", places=True))
    has = tuple(
        relation.pattern
        for relation in _relations(relations.get("has"), "has", places=False)
        if relation.pattern is not None
    )
    not_has = tuple(
        relation.pattern
        for relation in _relations(relations.get("not-has"), "not-has", places=False)
        if relation.pattern is not None
    )
    needed: set[str] = set()
    for relation in inside:
        if relation.pattern is not None:
            needed |= relation.pattern.builtins
    for pattern in has:
        needed |= pattern.builtins
    return Conditions(tuple(tests), inside, not_inside, has, not_has, frozenset(needed))


def _names(value: object, key: str, allowed: frozenset[str]) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise WhereError(f"'{key}' must be a name or a list of names")
    unknown = sorted(set(items) - allowed)  # type: ignore[arg-type]
    if unknown:
        raise WhereError(
            f"'{key}': unknown {', '.join(map(repr, unknown))} (one of: {', '.join(sorted(allowed))})"
        )
    return frozenset(items)  # type: ignore[arg-type]


def _test(value: object, where: str) -> Test:
    if not isinstance(value, dict) or not value:
        raise WhereError(f"'{where}' must be a mapping of kind, regex, type or not")
    unknown = set(value) - {"kind", "regex", "type", "not"}
    if unknown:
        raise WhereError(f"'{where}': unknown test(s) {', '.join(sorted(map(str, unknown)))}")
    regex = None
    if "regex" in value:
        if not isinstance(value["regex"], str):
            raise WhereError(f"'{where}.regex' must be a string")
        try:
            regex = re.compile(value["regex"])
        except re.error as error:
            raise WhereError(f"'{where}.regex' is not a regular expression: {error}") from None
    negated: tuple[Test, ...] = ()
    if "not" in value:
        inner = value["not"]
        negated = tuple(
            _test(item, f"{where}.not") for item in (inner if isinstance(inner, list) else [inner])
        )
    return Test(
        kinds=_names(value["kind"], f"{where}.kind", KINDS) if "kind" in value else None,
        regex=regex,
        types=_names(value["type"], f"{where}.type", TYPES) if "type" in value else None,
        negated=negated,
    )


def _relations(value: object, key: str, *, places: bool) -> list[Relation]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise WhereError(f"'{key}' must be a pattern (or a list of them)")
        if places and item in PLACES:
            found.append(Relation(place=item))
            continue
        try:
            found.append(Relation(pattern=compile_pattern(item, f"'{key}' pattern")))
        except PatternSyntaxError as error:
            raise WhereError(str(error)) from None
    return found


def ast_where(segment: Callable[[Any], str | None]) -> Where:
    """The answers CPython's ``ast`` can give: kinds, ``has``, the code of one-line captures."""
    from perflint.patterns.compiled import AST

    class _AstWhere:
        side = AST

        def code(self, capture: Any) -> str | None:
            return segment(capture)

        def type_of(self, capture: Any) -> str | None | bool:
            return False

        def inside(self, place: str) -> Answer:
            return None

        def ancestors(self) -> Sequence[Any] | None:
            return None

    return _AstWhere()
