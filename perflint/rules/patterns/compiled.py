"""A pattern compiled once, matched on either tree.

``compile_pattern("sorted($X)[0]")`` parses the code with CPython, turns it into a small tree
of :class:`Node` (a kind and fields, as :mod:`perflint.rules.patterns.views` names them),
:class:`Meta` (``$X``, ``$_``) and :class:`Seq` (``$$$ARGS``), and derives from it what the
prefilter needs: the node kind a match is rooted at, the identifiers every match contains
(the text needles) and the names that must be the builtins where the match stands.

:func:`find` compares that tree with a node of CPython's ``ast`` or of libcst's tree through
the same views, so both trees give the same answer, which is what makes the prefilter sound.

Matching rules beyond "same kind, same fields": keyword arguments match as a set (in any
order) and a trailing ``$$$ARGS`` takes every argument left, keywords included; a boolean
pattern of k operands matches any k operands in a row of a longer chain (``$A or $B`` in
``x or a or b``); a pattern of several statements matches that many statements in a row of
one block.

Long because matching is one recursive comparison with its special cases (keyword sets, a
trailing ``$$$``, runs of boolean operands, runs of statements), which must stay identical on
both trees and so live in one place.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from perflint.rules.patterns import syntax, views

BUILTIN_NAMES = frozenset(dir(builtins))

#: Kinds a pattern may be rooted at: expressions that are always nodes of their own in both
#: trees, statements, and runs of statements. (A bare name or constant would match names that
#: are not expressions in libcst's tree, such as attribute and keyword names.)
ROOT_KINDS = frozenset(views.KINDS) - {"Name", "Constant", "JoinedStr"}


@dataclass(frozen=True)
class Meta:
    """``$NAME`` (one node) or ``$_`` (``name == "_"``: one node, not bound)."""

    name: str


@dataclass(frozen=True)
class Seq:
    """``$$$NAME``: zero or more items of a list (arguments, elements, statements)."""

    name: str


@dataclass(frozen=True)
class Node:
    kind: str
    fields: tuple[tuple[str, Any], ...]

    def field(self, name: str) -> Any:
        for key, value in self.fields:
            if key == name:
                return value
        raise KeyError(name)


Tree = Union[Node, Meta]
Bindings = Mapping[str, Any]


@dataclass(frozen=True)
class Side:
    """How to read one kind of tree."""

    name: str
    fields: Callable[[Any], views.Fields]
    #: Equality of two nodes whose view shows no fields (f-strings, nodes of kind Other).
    same_opaque: Callable[[Any, Any], bool]
    #: The statement lists of a block node (``Statements`` patterns).
    blocks: Callable[[Any], list[list[Any]]]


def _ast_same(a: Any, b: Any) -> bool:
    if isinstance(a, ast.AST) and isinstance(b, ast.AST):
        return ast.dump(a) == ast.dump(b)
    return bool(a == b)


AST = Side("ast", views.ast_fields, _ast_same, views.ast_blocks)
# libcst's side, ``CST``, is in ``perflint.rules.patterns.cst_views``.


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern."""

    text: str
    tree: Node | Meta
    #: A statement pattern (or several statements, kind ``Statements``).
    statement: bool
    #: Metavariable names bound by the pattern (``_`` excluded), and those of them that stand
    #: for lists (``$$$NAME``).
    metavariables: frozenset[str]
    sequences: frozenset[str]
    #: Names in the pattern that are builtins: a match needs them to be the builtins there.
    builtins: frozenset[str]
    #: Identifiers (names, attribute and keyword names) every match contains, longest first.
    identifiers: tuple[str, ...]
    #: Plain names the pattern writes (``re`` in ``re.match($P)``).
    names: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        kind = self.tree.kind if isinstance(self.tree, Node) else "Any"
        object.__setattr__(self, "kind", kind)

    #: The kind the pattern is rooted at ("Any" for a bare metavariable).
    kind: str = field(init=False)

    @property
    def length(self) -> int:
        """How many statements (``Statements``) or boolean operands (``BoolOp``) it spans."""
        if self.kind == "Statements":
            return len(self.tree.field("body"))  # type: ignore[union-attr]
        if self.kind == "BoolOp":
            return len(self.tree.field("values"))  # type: ignore[union-attr]
        return 1

    def match(self, node: Any, side: Side, bound: Bindings | None = None) -> dict[str, Any] | None:
        """The bindings when ``node`` (as a whole) matches, else None."""
        found = match(self.tree, node, side, bound or {})
        return dict(found) if found is not None else None


#: The longest pattern (rule packs come from the repository being linted).
MAX_PATTERN = 4000


def compile_pattern(text: str, what: str = "pattern", *, bare: bool = False) -> Pattern:
    """Compile pattern code; raise ``PatternSyntaxError`` saying what is wrong.

    ``bare``: the pattern may be a lone metavariable (in ``has:``, where ``$L`` means "the
    code ``$L`` matched").
    """
    if len(text) > MAX_PATTERN:
        raise syntax.PatternSyntaxError(f"{what} is longer than {MAX_PATTERN} characters")
    try:
        return _compile(text, what, bare)
    except (RecursionError, MemoryError):
        raise syntax.PatternSyntaxError(f"{what} is nested too deeply") from None


def _compile(text: str, what: str, bare: bool) -> Pattern:
    parsed = syntax.parse(text, what)
    builder = _Builder(parsed.placeholders, what)
    tree: Node | Meta
    if parsed.expression is not None:
        tree = builder.tree(parsed.expression)
        statement = False
    elif len(parsed.statements) == 1:
        tree = builder.tree(parsed.statements[0])
        statement = True
    else:
        body = [builder.item(statement) for statement in parsed.statements]
        if any(isinstance(item, Seq) for item in body):
            raise syntax.PatternSyntaxError(
                f"a {what} of several statements cannot hold $$$NAME between them"
            )
        tree = Node("Statements", (("body", body),))
        statement = True
    both = (builder.metas & builder.seqs) - {syntax.WILD}
    if both:
        name = sorted(both)[0]
        raise syntax.PatternSyntaxError(f"${name} is used both as ${name} and as $$${name}")
    if isinstance(tree, Meta) and not bare:
        raise syntax.PatternSyntaxError(f"{what} must have some code besides metavariables")
    if isinstance(tree, Node) and tree.kind not in ROOT_KINDS and not bare:
        raise syntax.PatternSyntaxError(
            f"a {what} cannot be a bare {tree.kind.lower()}: match the expression around it"
        )
    return Pattern(
        text=text.strip(),
        tree=tree,
        statement=statement,
        metavariables=frozenset((builder.metas | builder.seqs) - {syntax.WILD}),
        sequences=frozenset(builder.seqs - {syntax.WILD}),
        builtins=frozenset(builder.names & BUILTIN_NAMES),
        identifiers=tuple(sorted(builder.identifiers, key=lambda name: (-len(name), name))),
        names=frozenset(builder.names),
    )


_WHAT_NAMES = {
    "id": "a name", "attr": "an attribute name", "arg": "a keyword name",
}  # fmt: skip


class _Builder:
    """Turns the parsed pattern into a tree, collecting its names on the way."""

    def __init__(self, placeholders: dict[str, syntax.Placeholder], what: str) -> None:
        self.placeholders = placeholders
        self.what = what
        self.metas: set[str] = set()
        self.seqs: set[str] = set()
        self.names: set[str] = set()
        self.identifiers: set[str] = set()

    def _placeholder(self, node: ast.AST) -> syntax.Placeholder | None:
        if isinstance(node, ast.Expr):
            node = node.value  # ``$BODY`` alone on a line stands for statements
        if isinstance(node, ast.Name):
            return syntax.placeholder(node.id, self.placeholders)
        if isinstance(node, ast.arg):  # def f($$$PARAMS)
            return syntax.placeholder(node.arg, self.placeholders)
        return None

    def item(self, node: Any) -> Any:
        """A list item: may be ``$$$NAME``."""
        found = self._placeholder(node) if isinstance(node, ast.AST) else None
        if found is not None and found.sequence:
            self.seqs.add(found.name)
            return Seq(found.name)
        return self.tree(node)

    def tree(self, node: Any) -> Any:
        found = self._placeholder(node) if isinstance(node, ast.AST) else None
        if found is not None:
            if found.sequence:
                raise syntax.PatternSyntaxError(
                    f"$$${found.name} stands for a list (of arguments, elements or statements) "
                    f"and cannot stand alone here in the {self.what}"
                )
            self.metas.add(found.name)
            return Meta(found.name)
        kind, fields = views.ast_fields(node)
        if kind == views.OTHER or kind == "JoinedStr":
            raise syntax.PatternSyntaxError(
                f"the pattern language has no {type(node).__name__} ({self.what})"
            )
        out = []
        for name, value in fields.items():
            out.append((name, self.value(kind, name, value)))
        if kind == "Name":
            self.names.add(fields["id"])
        return Node(kind, tuple(out))

    def value(self, kind: str, field: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.item(item) if views.is_node(item) else item for item in value]
        if views.is_node(value):
            return self.tree(value)
        if kind == "Lambda" and field == "params":
            return None if value is None else tuple(self.parameter(name) for name in value)
        if kind in ("FunctionDef", "ClassDef") and field == "name":
            return self.parameter(value)
        if isinstance(value, str) and field in _WHAT_NAMES:
            if syntax.placeholder(value, self.placeholders) is not None:
                raise syntax.PatternSyntaxError(
                    f"a metavariable cannot stand for {_WHAT_NAMES[field]} in the {self.what} "
                    "(only for code)"
                )
            self.identifiers.add(value)
        return value

    def parameter(self, name: str) -> str | Meta:
        """A lambda parameter or a def's name: a name, or ``$NAME`` binding the name."""
        found = syntax.placeholder(name, self.placeholders)
        if found is None:
            self.identifiers.add(name)
            return name
        if found.sequence:
            raise syntax.PatternSyntaxError("$$$NAME cannot stand for a name")
        self.metas.add(found.name)
        return Meta(found.name)


# -- matching ------------------------------------------------------------------------------------


def match(tree: Any, node: Any, side: Side, bound: Bindings) -> Bindings | None:
    """Bindings extended by matching ``tree`` against ``node`` as a whole, or None."""
    if isinstance(tree, Meta):
        if node is None:
            return None
        return _bind(tree.name, node, side, bound)
    if isinstance(tree, Node):
        if node is None or not views.is_node(node):
            return None
        kind, fields = side.fields(node)
        if kind != tree.kind:
            return None
        if kind == "Call":
            return _match_call(tree, fields, side, bound)
        for name, want in tree.fields:
            found = _match_value(want, fields[name], side, bound)
            if found is None:
                return None
            bound = found
        return bound
    raise TypeError(f"not a pattern tree: {tree!r}")


def _bind(name: str, value: Any, side: Side, bound: Bindings) -> Bindings | None:
    if name == syntax.WILD:
        return bound
    if name in bound:
        return bound if same(bound[name], value, side) else None
    return {**bound, name: value}


def _match_value(want: Any, got: Any, side: Side, bound: Bindings) -> Bindings | None:
    if isinstance(want, (Node, Meta)):
        return match(want, got, side, bound)
    if isinstance(want, list):
        if not isinstance(got, list):
            return None
        return _match_list(want, got, 0, 0, side, bound)
    if isinstance(want, tuple):  # lambda parameters
        if not isinstance(got, tuple) or len(got) != len(want):
            return None
        for item, name in zip(want, got):
            found = _match_value(item, name, side, bound)
            if found is None:
                return None
            bound = found
        return bound
    if isinstance(want, Meta):  # pragma: no cover - handled above
        return None
    return bound if _same_plain(want, got) else None


def _same_plain(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _match_list(
    wants: Sequence[Any], gots: Sequence[Any], i: int, j: int, side: Side, bound: Bindings
) -> Bindings | None:
    if i == len(wants):
        return bound if j == len(gots) else None
    want = wants[i]
    if isinstance(want, Seq):
        # Shortest first: with ``f($$$A, $X)`` the last argument goes to $X.
        for end in range(j, len(gots) + 1):
            extended = _bind(want.name, list(gots[j:end]), side, bound)
            if extended is not None:
                found = _match_list(wants, gots, i + 1, end, side, extended)
                if found is not None:
                    return found
        return None
    if j == len(gots):
        return None
    extended = _match_value(want, gots[j], side, bound)
    if extended is None:
        return None
    return _match_list(wants, gots, i + 1, j + 1, side, extended)


def _keyword_name(node: Any, side: Side) -> str | None:
    return side.fields(node)[1]["arg"]  # type: ignore[no-any-return]


def _match_call(tree: Node, fields: dict[str, Any], side: Side, bound: Bindings) -> Bindings | None:
    """Positional arguments in order; keyword arguments as a set, by name; a trailing
    ``$$$REST`` takes the positional and keyword arguments the pattern leaves."""
    found = match(tree.field("func"), fields["func"], side, bound)
    if found is None:
        return None
    bound = found
    wants: list[Any] = tree.field("args")
    want_keywords: list[Any] = tree.field("keywords")
    rest = wants[-1] if wants and isinstance(wants[-1], Seq) else None
    got_keywords = list(fields["keywords"])
    named = {_keyword_name(k, side): k for k in got_keywords if _keyword_name(k, side) is not None}
    left = [k for k in got_keywords if _keyword_name(k, side) is None]  # **mapping, in order
    for want in want_keywords:
        name = dict(want.fields)["arg"] if isinstance(want, Node) else None
        if name is None:  # **$M in the pattern: the next ``**`` argument
            if not left:
                return None
            candidate, left = left[0], left[1:]
        else:
            candidate = named.pop(name, None)
            if candidate is None:
                return None
        found = match(want, candidate, side, bound)
        if found is None:
            return None
        bound = found
    unnamed = [k for k in got_keywords if any(k is v for v in named.values()) or k in left]
    positional = list(fields["args"])
    if rest is None:
        if unnamed:
            return None
        return _match_list(wants, positional, 0, 0, side, bound)
    # The trailing $$$REST: every way of splitting the positional arguments, keywords last.
    for end in range(len(positional) + 1):
        head = _match_list(wants[:-1], positional[:end], 0, 0, side, bound)
        if head is None:
            continue
        taken = _bind(rest.name, positional[end:] + unnamed, side, head)
        if taken is not None:
            return taken
    return None


def same(a: Any, b: Any, side: Side) -> bool:
    """Whether two captures are the same code, formatting, comments and parentheses aside.

    A lambda parameter (a name) is the same as a use of that name.
    """
    if isinstance(a, list) or isinstance(b, list):
        return (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(same(x, y, side) for x, y in zip(a, b))
        )
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(a, str) and isinstance(b, str):
            return a == b
        name, node = (a, b) if isinstance(a, str) else (b, a)
        if not views.is_node(node):
            return False
        kind, fields = side.fields(node)
        return kind == "Name" and fields["id"] == name
    if a is None or b is None:
        return a is b
    if not (views.is_node(a) and views.is_node(b)):
        return _same_plain(a, b)
    kind_a, fields_a = side.fields(a)
    kind_b, fields_b = side.fields(b)
    if kind_a != kind_b:
        return False
    if kind_a in (views.OTHER, "JoinedStr"):
        return side.same_opaque(a, b)
    for name, value in fields_a.items():
        other = fields_b[name]
        if views.is_node(value) or views.is_node(other) or isinstance(value, list):
            if not same(value, other, side):
                return False
        elif not _same_plain(value, other):
            return False
    return True


def descendants(node: Any, side: Side, *, itself: bool = False) -> list[Any]:
    """Every node below ``node`` as the views see them (and ``node`` with ``itself``).

    Walking the views, not the trees, means both trees list the same nodes: libcst's folded
    operands are not listed on their own and ``x[a, b]``'s tuple is.
    """
    found: list[Any] = [node] if itself else []
    stack = views.children(side.fields(node)[1])
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(views.children(side.fields(current)[1]))
    return found


# -- where a pattern matches: a node, a run of boolean operands, a run of statements -------------


@dataclass(frozen=True)
class Span:
    """What a match covers: a node, or the items ``first``..``last`` of a chain or block."""

    node: Any  # the node matched, or the chain or block the run is in
    first: Any
    last: Any
    #: The run is a part of its chain or block, not all of it.
    partial: bool = False


Accept = Callable[[int, Bindings, Span], bool]


def spans(
    patterns: Sequence[Pattern], node: Any, side: Side, accept: Accept | None = None
) -> Iterator[tuple[int, Bindings, Span]]:
    """The matches of ``patterns`` at ``node`` that ``accept`` takes: ``(pattern index,
    bindings, span)``. The first pattern (in their order) that matches and is accepted wins.

    For a run (boolean operands, statements) the runs are tried left to right, the patterns
    in their order at each position, and what a run matched is not matched again: with
    patterns of three and of two ``append`` calls, in that order, three calls in a row are
    one run of three.
    """
    def taken(index: int, bindings: Bindings, span: Span) -> bool:
        return accept is None or accept(index, bindings, span)

    for index, pattern in enumerate(patterns):
        if pattern.kind in ("BoolOp", "Statements"):
            continue
        found = pattern.match(node, side)
        if found is not None and taken(index, found, Span(node, node, node)):
            yield index, found, Span(node, node, node)
            break
    runs = [(i, p) for i, p in enumerate(patterns) if p.kind in ("BoolOp", "Statements")]
    if not runs:
        return
    kind, fields = side.fields(node)
    if kind == "BoolOp":
        lists = [(fields["values"], fields["op"])]
        runs = [(i, p) for i, p in runs if p.kind == "BoolOp" and p.tree.field("op") == fields["op"]]  # type: ignore[union-attr]
    else:
        lists = [(block, None) for block in side.blocks(node)]
        runs = [(i, p) for i, p in runs if p.kind == "Statements"]
    for items, _ in lists:
        yield from _runs(runs, node, items, side, taken)


def _run_items(pattern: Pattern) -> list[Any]:
    tree = pattern.tree
    assert isinstance(tree, Node)
    return tree.field("values") if pattern.kind == "BoolOp" else tree.field("body")  # type: ignore[no-any-return]


def _runs(
    runs: Sequence[tuple[int, Pattern]], node: Any, items: Sequence[Any], side: Side, taken: Accept
) -> Iterator[tuple[int, Bindings, Span]]:
    start = 0
    while start < len(items):
        for index, pattern in runs:
            wants = _run_items(pattern)
            if any(isinstance(want, Seq) for want in wants):
                # A pattern with $$$ among its operands matches a whole chain only.
                found = pattern.match(node, side) if start == 0 else None
                span = Span(node, items[0], items[-1])
                if found is not None and taken(index, found, span):
                    yield index, found, span
                    return
                continue
            end = start + len(wants)
            if end > len(items):
                continue
            found = _match_list(wants, items[start:end], 0, 0, side, {})
            span = Span(node, items[start], items[end - 1], partial=end - start != len(items))
            if found is not None and taken(index, found, span):
                yield index, found, span
                start = end
                break
        else:
            start += 1


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
