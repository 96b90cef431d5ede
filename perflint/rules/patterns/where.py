"""``where:``: what a pattern's captures must be, and where the match must (not) stand.

```yaml
where:
  X: {kind: [Name, Attribute]}     # the capture's kind (see KINDS)
  K: {regex: "^[a-z_]+$"}          # its code, searched with Python's re
  S: {type: list}                  # bound in scope only to a list (a literal or list(...))
  L: {binding: [param, call]}      # some binding of the name is a parameter, or a call's result
  T: {builtin: [int, str]}         # a name that is one of these builtins where it stands
  D: {not: {kind: Call}}           # the tests inside do not all hold; or `not: "$P"`
  A: {not-has: "$L"}               # no node of the capture is (or matches) that pattern
  ARGS: {each: {kind: Keyword}, count: ">= 1", distinct: true}   # $$$ captures
  L: {queue: true}                 # a list kept across the loop around the match (queues.py)
  inside: loop                     # loop | function | try | class | a pattern; or a list
  not-inside: function
  has: $X.append($_)               # a node inside the match matches the pattern
  not-has: [yield $_, await $_]
  context: test                    # test | for-iter | {keyword: NAME}
```

A test is answered on both trees. Where an answer needs what only the rule's own traversal
knows (scopes, enclosing nodes), CPython's ``ast`` side answers None ("maybe"), so the
prefilter keeps the node and the rule decides: ``None`` never rejects.

Long because the language has some fifteen tests, each compiled from YAML and answered on both
trees through one ``Test`` type; they are short functions that share it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from perflint.rules.patterns import views
from perflint.rules.patterns.compiled import (
    AST,
    BUILTIN_NAMES,
    Pattern,
    Side,
    compile_pattern,
    descendants,
    match,
    same,
)
from perflint.rules.patterns.syntax import PatternSyntaxError

#: Node kinds (as the views name them, plus ``Keyword``) and literal kinds.
NODE_KINDS = frozenset(views.KINDS) | {"Keyword", "DoubleStarred", "Starred", "DictPair"}
LITERAL_KINDS = frozenset(
    {"list", "tuple", "set", "dict", "str", "bytes", "int", "float", "complex", "bool", "None",
     "fstring", "implicit-concat", "constant"}
)  # fmt: skip
KINDS = NODE_KINDS | LITERAL_KINDS
#: What ``type:`` knows of a name (its bindings' literal or constructor types).
TYPES = frozenset({"list", "tuple", "str", "set", "dict", "int", "float"})
#: What ``binding:`` knows of how a name is bound: the scope tracker's binding kinds, and
#: ``call`` for an assignment of a call's result or of an attribute or item of it
#: (``r = conn.execute(q)``, ``s = inspect(C).attrs``), a builtin constructor excepted.
BINDING_SORTS = frozenset(
    {"param", "call", "assign", "annassign", "augassign", "for", "with", "import", "def", "class",
     "walrus", "except", "match", "del", "type"}
)  # fmt: skip
PLACES = frozenset({"loop", "function", "try", "class"})
CONTEXTS = frozenset({"test", "for-iter"})

_CONSTANT_KINDS: dict[type, str] = {
    str: "str", bytes: "bytes", bool: "bool", int: "int", float: "float", complex: "complex",
    type(None): "None",
}  # fmt: skip
_DISPLAYS = {"List": "list", "Tuple": "tuple", "Set": "set", "Dict": "dict"}
_COMPREHENSIONS = frozenset({"GeneratorExp", "ListComp", "SetComp", "DictComp"})

Answer = bool | None  # None: cannot tell on this tree


class Where(Protocol):
    """What a ``where:`` check may ask of the tree it is matched on."""

    side: Side

    def code(self, capture: Any) -> str | None:
        """The capture's code (None: not known on this tree)."""

    def type_of(self, capture: Any) -> str | None | bool:
        """The capture's known builtin type; None when unknown; False when this tree cannot say."""

    def binding_sorts(self, capture: Any) -> frozenset[str] | None | bool:
        """How a Name capture is bound where the match stands (see BINDING_SORTS); None when
        unknowable (a builtin, global/nonlocal, no binding); False when this tree cannot say."""

    def is_builtin(self, name: str) -> Answer:
        """Whether ``name`` is the builtin where the match stands."""

    def concatenated(self, capture: Any) -> Answer:
        """Whether a string constant is written as two or more adjacent literals."""

    def inside(self, place: str) -> Answer:
        """Whether the match stands in a loop, function, try body or class body."""

    def ancestors(self) -> Sequence[Any] | None:
        """The nodes enclosing the match, innermost first (None: not known)."""

    def used_as_queue(self, capture: Any) -> Answer:
        """Whether the list name ``capture`` keeps its length across the loop around the
        match (``perflint.rules.patterns.queues``)."""

    def context(self) -> tuple[str, str | None] | None | bool:
        """Where the match's value goes: ("test", None), ("for-iter", None), ("keyword",
        NAME), or None; False when this tree cannot say."""

    def module_of(self, name: str) -> str | None | bool:
        """The module a name is bound to by imports only, where the match stands; None if it
        is no such name; False when this tree cannot say."""


def kinds_of(node: Any, where: Where) -> tuple[frozenset[str], Answer]:
    """The kinds ``node`` has, and whether it is an implicit string concatenation."""
    side = where.side
    kind, fields = side.fields(node)
    found = {kind}
    concatenated: Answer = False
    if kind == "keyword":
        found.add("Keyword" if fields["arg"] is not None else "DoubleStarred")
    elif kind == "Constant":
        found.add("constant")
        literal = _CONSTANT_KINDS.get(type(fields["value"]))
        if literal is not None:
            found.add(literal)
        if literal in ("str", "bytes"):
            concatenated = where.concatenated(node)
    elif kind == "JoinedStr":
        found.add("fstring")
        concatenated = where.concatenated(node)
    elif kind in _DISPLAYS:
        found.add(_DISPLAYS[kind])
    elif kind == "UnaryOp" and fields["op"] in ("USub", "UAdd"):
        operand_kind, operand = side.fields(fields["operand"])
        if operand_kind == "Constant" and type(operand["value"]) in (int, float, complex):
            found.add("constant")
    elif kind in _COMPREHENSIONS and _asynchronous(node, side):
        found = {"async-comprehension"}  # never one of the four comprehension kinds
    return frozenset(found), concatenated


def _asynchronous(node: Any, side: Side) -> bool:
    for inner in descendants(node, side, itself=True):
        kind, fields = side.fields(inner)
        if kind == "Await" or (kind == "comprehension" and fields["is_async"]):
            return True
    return False


def _all(answers: Sequence[Answer]) -> Answer:
    if any(answer is False for answer in answers):
        return False
    return None if any(answer is None for answer in answers) else True


def _not(answer: Answer) -> Answer:
    return None if answer is None else not answer


_COUNT = re.compile(r"^\s*(==|>=|<=|>|<)?\s*(\d+)\s*$")
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq, ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
}  # fmt: skip


@dataclass(frozen=True)
class Test:
    """The tests on one capture; every one given must hold."""

    kinds: frozenset[str] | None = None
    regex: re.Pattern[str] | None = None
    types: frozenset[str] | None = None
    builtins: frozenset[str] | None = None  # builtin: true is every builtin name
    bindings: frozenset[str] | None = None
    each: Test | None = None
    count: tuple[str, int] | None = None
    distinct: bool = False
    has: tuple[Pattern | Test, ...] = ()
    not_has: tuple[Pattern | Test, ...] = ()
    negated: tuple[Test | Pattern, ...] = ()
    queue: bool | None = None

    @property
    def needs_ancestors(self) -> bool:
        """Whether answering needs the nodes enclosing the match."""
        inner = [t for t in (self.each, *self.negated) if isinstance(t, Test)]
        return self.queue is not None or any(t.needs_ancestors for t in inner)

    def holds(self, capture: Any, bindings: Mapping[str, Any], where: Where) -> Answer:
        answers: list[Answer] = []
        if self.kinds is not None:
            answers.append(_kind_holds(self.kinds, capture, where))
        if self.regex is not None:
            code = where.code(capture)
            if code is not None and len(code) > MAX_REGEX_SUBJECT:
                answers.append(False)
            else:
                answers.append(None if code is None else self.regex.search(code) is not None)
        if self.types is not None:
            known = where.type_of(capture)
            answers.append(None if known is False else known in self.types)
        if self.builtins is not None:
            answers.append(_builtin_holds(self.builtins, capture, where))
        if self.bindings is not None:
            answers.append(_binding_holds(self.bindings, capture, where))
        if self.queue is not None:
            known = where.used_as_queue(capture)
            answers.append(None if known is None else known == self.queue)
        if self.each is not None:
            items = capture if isinstance(capture, list) else [capture]
            answers.append(_all([self.each.holds(item, bindings, where) for item in items]))
        if self.count is not None:
            answers.append(_count_holds(self.count, capture, where.side))
        if self.distinct:
            items = capture if isinstance(capture, list) else [capture]
            answers.append(
                not any(
                    same(a, b, where.side) for i, a in enumerate(items) for b in items[i + 1 :]
                )
            )
        if self.has or self.not_has:
            below = _subtree(capture, where.side)
            answers += [_any_match(p, below, bindings, where.side, where) for p in self.has]
            answers += [_not(_any_match(p, below, bindings, where.side, where)) for p in self.not_has]
        for test in self.negated:
            if isinstance(test, Test):
                answers.append(_not(test.holds(capture, bindings, where)))
            else:
                answers.append(_not(_matches(test, capture, bindings, where.side)))
        return _all(answers)


def _subtree(capture: Any, side: Side) -> list[Any]:
    items = capture if isinstance(capture, list) else [capture]
    found: list[Any] = []
    for item in items:
        if views.is_node(item):
            found.extend(descendants(item, side, itself=True))
    return found


def _matches(pattern: Pattern, node: Any, bindings: Mapping[str, Any], side: Side) -> bool:
    if isinstance(node, list) or not views.is_node(node):
        return False
    return match(pattern.tree, node, side, bindings) is not None


def _any_match(
    pattern: Pattern | Test, nodes: Sequence[Any], bindings: Mapping[str, Any], side: Side, where: Where | None = None
) -> bool | None:
    """Whether some node matches the pattern (or passes the test: ``has: {kind: Await}``)."""
    if isinstance(pattern, Test):
        assert where is not None
        return _any_answer([pattern.holds(node, bindings, where) for node in nodes])
    return any(match(pattern.tree, node, side, bindings) is not None for node in nodes)


def _any_answer(answers: Sequence[Answer]) -> Answer:
    if any(answer is True for answer in answers):
        return True
    return None if any(answer is None for answer in answers) else False


def _kind_holds(kinds: frozenset[str], capture: Any, where: Where) -> Answer:
    if isinstance(capture, list):  # $$$ITEMS: every item
        return _all([_kind_holds(kinds, item, where) for item in capture])
    if isinstance(capture, str):  # a lambda parameter
        return "Name" in kinds
    found, concatenated = kinds_of(capture, where)
    if "implicit-concat" in kinds and concatenated is None:
        return None if not (kinds & found) else True
    if concatenated:
        found = found | {"implicit-concat"}
    return bool(kinds & found)


def _builtin_holds(names: frozenset[str], capture: Any, where: Where) -> Answer:
    if isinstance(capture, list) or not views.is_node(capture):
        return False
    kind, fields = where.side.fields(capture)
    if kind != "Name" or fields["id"] not in names:
        return False
    return where.is_builtin(fields["id"])


def _binding_holds(sorts: frozenset[str], capture: Any, where: Where) -> Answer:
    if isinstance(capture, list) or not views.is_node(capture):
        return False
    if where.side.fields(capture)[0] != "Name":
        return False
    known = where.binding_sorts(capture)
    if known is None or known is False:
        return None
    return bool(known & sorts)


def _count_holds(count: tuple[str, int], capture: Any, side: Side) -> bool:
    if isinstance(capture, list):
        size = len(capture)
    else:
        kind, fields = side.fields(capture)
        if kind not in ("Tuple", "List", "Set"):
            return False
        size = len(fields["elts"])
    return _COMPARE[count[0]](size, count[1])


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
    has: tuple[Pattern | Test, ...] = ()
    not_has: tuple[Pattern | Test, ...] = ()
    context: tuple[str, str | None] | None = None
    #: ``re: {module: re}``: a name of the pattern that must be that imported module.
    modules: tuple[tuple[str, str], ...] = ()

    @property
    def builtins(self) -> frozenset[str]:
        """Names that must be the builtins for the positive relations' patterns to stand."""
        found: set[str] = set()
        for relation in self.inside:
            if relation.pattern is not None:
                found |= relation.pattern.builtins
        for pattern in self.has:
            if isinstance(pattern, Pattern):
                found |= pattern.builtins
        return frozenset(found)

    @property
    def ancestors(self) -> bool:
        """Whether the conditions ask about enclosing code by pattern."""
        return any(r.pattern is not None for r in (*self.inside, *self.not_inside)) or any(
            test.needs_ancestors for _, test in self.tests
        )

    def holds(self, bindings: Mapping[str, Any], items: Sequence[Any], where: Where) -> Answer:
        """Whether the conditions hold for a match covering ``items`` (the children of the
        node matched, or the operands or statements of a run)."""
        answers: list[Answer] = [
            test.holds(bindings[name], bindings, where)
            for name, test in self.tests
            if name in bindings
        ]
        answers += [self._inside(relation, bindings, where) for relation in self.inside]
        answers += [_not(self._inside(relation, bindings, where)) for relation in self.not_inside]
        if self.has or self.not_has:
            below = [found for item in items for found in descendants(item, where.side, itself=True)]
            answers += [_any_match(p, below, bindings, where.side, where) for p in self.has]
            answers += [_not(_any_match(p, below, bindings, where.side, where)) for p in self.not_has]
        for name, module in self.modules:
            answers.append(where.module_of(name) == module if where.module_of(name) is not False else None)
        if self.context is not None:
            known = where.context()
            answers.append(None if known is False else known == self.context)
        return _all(answers)

    def _inside(self, relation: Relation, bindings: Mapping[str, Any], where: Where) -> Answer:
        if relation.place is not None:
            return where.inside(relation.place)
        assert relation.pattern is not None
        ancestors = where.ancestors()
        if ancestors is None:
            return None
        return bool(_any_match(relation.pattern, ancestors, bindings, where.side))

    def merged(self, other: Conditions) -> Conditions:
        """Both conditions (an alternative's ``where`` adds to its rule's)."""
        return Conditions(
            tests=self.tests + other.tests,
            inside=self.inside + other.inside,
            not_inside=self.not_inside + other.not_inside,
            has=self.has + other.has,
            not_has=self.not_has + other.not_has,
            context=other.context or self.context,
            modules=self.modules + other.modules,
        )


class WhereError(ValueError):
    """A ``where:`` that cannot be used; the message names the key."""


_RELATIONS = ("inside", "not-inside", "has", "not-has", "context")


def compile_where(
    data: object, metavariables: frozenset[str], names: frozenset[str] = frozenset()
) -> Conditions:
    """Compile a ``where:`` mapping for patterns that bind ``metavariables`` between them and
    write the plain ``names`` (which ``NAME: {module: M}`` may constrain)."""
    if data is None:
        return Conditions()
    if not isinstance(data, dict):
        raise WhereError("must be a mapping of metavariables and relations")
    tests: list[tuple[str, Test]] = []
    modules: list[tuple[str, str]] = []
    for key, value in data.items():
        if key in _RELATIONS:
            continue
        name = str(key).lstrip("$")
        if name in names and name not in metavariables and isinstance(value, dict) and set(value) == {"module"}:
            if not isinstance(value["module"], str) or not value["module"]:
                raise WhereError(f"'{key}.module' must be a module name")
            modules.append((name, value["module"]))
            continue
        if name not in metavariables:
            known = ", ".join(f"${m}" for m in sorted(metavariables)) or "none"
            raise WhereError(f"'{key}': no such metavariable in the pattern (it has {known})")
        tests.append((name, _test(value, str(key))))
    return Conditions(
        tests=tuple(tests),
        inside=tuple(_relations(data.get("inside"), "inside", places=True)),
        not_inside=tuple(_relations(data.get("not-inside"), "not-inside", places=True)),
        has=tuple(_patterns(data.get("has"), "has")),
        not_has=tuple(_patterns(data.get("not-has"), "not-has")),
        context=_context(data.get("context")),
        modules=tuple(modules),
    )


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


_TEST_KEYS = frozenset(
    {"kind", "regex", "type", "builtin", "binding", "each", "count", "distinct", "has", "not-has",
     "not", "queue"}
)


def _test(value: object, where: str) -> Test:
    if not isinstance(value, dict) or not value:
        raise WhereError(f"'{where}' must be a mapping of tests ({', '.join(sorted(_TEST_KEYS))})")
    unknown = set(value) - _TEST_KEYS
    if unknown:
        raise WhereError(f"'{where}': unknown test(s) {', '.join(sorted(map(str, unknown)))}")
    regex = None
    if "regex" in value:
        if not isinstance(value["regex"], str):
            raise WhereError(f"'{where}.regex' must be a string")
        regex = _regex(value["regex"], f"{where}.regex")
    builtins_test = None
    if "builtin" in value:
        chosen = value["builtin"]
        builtins_test = (
            BUILTIN_NAMES if chosen is True else _names(chosen, f"{where}.builtin", BUILTIN_NAMES)
        )
    count = None
    if "count" in value:
        found = _COUNT.match(str(value["count"]))
        if found is None:
            raise WhereError(f"'{where}.count' must be a number, or '>= N' (==, >=, <=, >, <)")
        count = (found.group(1) or "==", int(found.group(2)))
    negated: list[Test | Pattern] = []
    if "not" in value:
        inner = value["not"]
        for item in inner if isinstance(inner, list) else [inner]:
            negated.append(
                _pattern(item, f"{where}.not") if isinstance(item, str) else _test(item, f"{where}.not")
            )
    return Test(
        kinds=_names(value["kind"], f"{where}.kind", KINDS) if "kind" in value else None,
        regex=regex,
        types=_names(value["type"], f"{where}.type", TYPES) if "type" in value else None,
        builtins=builtins_test,
        bindings=_names(value["binding"], f"{where}.binding", BINDING_SORTS) if "binding" in value else None,
        each=_test(value["each"], f"{where}.each") if "each" in value else None,
        count=count,
        distinct=bool(value.get("distinct", False)),
        has=tuple(_patterns(value.get("has"), f"{where}.has", bare=True)),
        not_has=tuple(_patterns(value.get("not-has"), f"{where}.not-has", bare=True)),
        negated=tuple(negated),
        queue=_flag(value, "queue", where),
    )


def _flag(value: dict[str, Any], key: str, where: str) -> bool | None:
    if key not in value:
        return None
    if not isinstance(value[key], bool):
        raise WhereError(f"'{where}.{key}' must be true or false")
    return value[key]


#: Regexes are searched in code of at most this many characters; longer captures do not match.
MAX_REGEX_SUBJECT = 2000


def _regex(text: str, key: str) -> re.Pattern[str]:
    """A ``regex:`` that cannot take exponential time: no repetition of something that
    itself repeats or branches (``(a+)+``, ``(a|ab)*``), the shapes that backtrack without
    end; a rule pack comes from the repository being linted, and a search must not hang."""
    if len(text) > 500:
        raise WhereError(f"'{key}' is longer than 500 characters")
    try:
        compiled = re.compile(text)
        parsed = _sre_parse(text)
    except (re.error, RecursionError, OverflowError) as error:
        raise WhereError(f"'{key}' is not a regular expression: {error}") from None
    if _nested_repeat(parsed, inside=False):
        raise WhereError(
            f"'{key}' repeats a group that itself repeats or branches, which can take "
            "exponential time: write it without the nested repetition"
        )
    return compiled


def _sre_parse(text: str) -> Any:
    try:
        from re import _parser  # type: ignore[attr-defined]  # 3.11+
    except ImportError:  # pragma: no cover - 3.10
        import sre_parse as _parser  # type: ignore[no-redef]
    return _parser.parse(text)


_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _nested_repeat(items: Any, inside: bool) -> bool:
    for op, value in items:
        name = getattr(op, "name", str(op))
        if name in _REPEATS:
            _, high, sub = value
            repeats = high > 1
            if inside and repeats:
                return True
            if _nested_repeat(sub, inside or repeats):
                return True
        elif name == "BRANCH":
            if inside:
                return True
            if any(_nested_repeat(branch, inside) for branch in value[1]):
                return True
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            sub = value[-1]
            if _nested_repeat(sub, inside):
                return True
        elif name in ("ASSERT", "ASSERT_NOT"):
            if _nested_repeat(value[1], inside):
                return True
    return False


def _pattern(text: object, key: str, *, bare: bool = True) -> Pattern:
    if not isinstance(text, str) or not text.strip():
        raise WhereError(f"'{key}' must be a pattern")
    try:
        return compile_pattern(text, f"'{key}' pattern", bare=bare)
    except PatternSyntaxError as error:
        raise WhereError(str(error)) from None


def _patterns(value: object, key: str, *, bare: bool = False) -> list[Pattern | Test]:
    """``has:`` items: patterns (a lone ``$X`` or name allowed with ``bare``) or tests
    (``{kind: Await}``)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [
        _test(item, key) if isinstance(item, dict) else _pattern(item, key, bare=bare)
        for item in items
    ]


def _relations(value: object, key: str, *, places: bool) -> list[Relation]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if places and item in PLACES:
            found.append(Relation(place=str(item)))
        else:
            found.append(Relation(pattern=_pattern(item, key, bare=False)))
    return found


def _context(value: object) -> tuple[str, str | None] | None:
    if value is None:
        return None
    if isinstance(value, str) and value in CONTEXTS:
        return (value, None)
    if isinstance(value, dict) and set(value) == {"keyword"} and isinstance(value["keyword"], str):
        return ("keyword", value["keyword"])
    raise WhereError("'context' must be test, for-iter or {keyword: NAME}")


class _AstWhere:
    """The answers CPython's ``ast`` can give: kinds, ``has``, the code of one-line captures;
    everything that needs scopes or enclosing nodes is "maybe"."""

    def __init__(self, segment: Callable[[Any], str | None]) -> None:
        self.side = AST
        self.segment = segment

    def code(self, capture: Any) -> str | None:
        return self.segment(capture)

    def type_of(self, capture: Any) -> str | None | bool:
        return False

    def binding_sorts(self, capture: Any) -> frozenset[str] | None | bool:
        return False

    def is_builtin(self, name: str) -> Answer:
        return None

    def concatenated(self, capture: Any) -> Answer:
        return None  # ast folds "a" "b" into one constant

    def inside(self, place: str) -> Answer:
        return None

    def ancestors(self) -> Sequence[Any] | None:
        return None

    def used_as_queue(self, capture: Any) -> Answer:
        return None

    def context(self) -> tuple[str, str | None] | None | bool:
        return False

    def module_of(self, name: str) -> str | None | bool:
        return False


def ast_where(segment: Callable[[Any], str | None]) -> Where:
    """What ``where:`` can be answered with on CPython's ``ast``."""
    return _AstWhere(segment)
