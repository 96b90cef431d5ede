"""A pattern compiled once, matched on either tree.

``compile_pattern("sorted($X)[0]")`` parses the code with CPython, turns it into a small tree
of :class:`Node` (a kind and fields, as :mod:`perflint.patterns.views` names them),
:class:`Meta` (``$X``, ``$_``) and :class:`Seq` (``$$$ARGS``), and derives from it what the
prefilter needs: the node kind a match is rooted at, the identifiers every match contains
(the text needles) and the names that must be the builtins where the match stands.

:func:`match` compares that tree with a node of CPython's ``ast`` or of libcst's tree through
the same views, so both trees give the same answer, which is what makes the prefilter sound.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import libcst as cst

from perflint.patterns import syntax, views

BUILTIN_NAMES = frozenset(dir(builtins))

#: Kinds a pattern may be rooted at: expressions that are always nodes of their own in both
#: trees, and statements. (A bare name or constant would match names that are not
#: expressions in libcst's tree, such as attribute and keyword names.)
ROOT_KINDS = frozenset(views.CST_TYPES_OF_KIND) - {"Name", "Constant", "JoinedStr"}


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


Tree = Union[Node, Meta]
Bindings = Mapping[str, Any]


@dataclass(frozen=True)
class Side:
    """How to read one kind of tree."""

    name: str
    fields: Callable[[Any], views.Fields]
    #: Equality of two nodes whose view shows no fields (f-strings, nodes of kind Other).
    same_opaque: Callable[[Any, Any], bool]


def _ast_same(a: Any, b: Any) -> bool:
    if isinstance(a, ast.AST) and isinstance(b, ast.AST):
        return ast.dump(a) == ast.dump(b)
    return a == b


def _cst_same(a: Any, b: Any) -> bool:
    if isinstance(a, cst.CSTNode) and isinstance(b, cst.CSTNode):
        return a.deep_equals(b)
    return a == b


AST = Side("ast", views.ast_fields, _ast_same)
CST = Side("cst", views.cst_fields, _cst_same)


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern."""

    text: str
    tree: Node
    statement: bool
    #: Metavariable names bound by the pattern (``_`` excluded), and those of them that stand
    #: for lists (``$$$NAME``).
    metavariables: frozenset[str]
    sequences: frozenset[str]
    #: Names in the pattern that are builtins: a match needs them to be the builtins there.
    builtins: frozenset[str]
    #: Identifiers (names, attribute and keyword names) every match contains, longest first.
    identifiers: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.tree.kind

    def match(self, node: Any, side: Side) -> dict[str, Any] | None:
        """The bindings when ``node`` matches, else None."""
        found = match(self.tree, node, side, {})
        return dict(found) if found is not None else None


def compile_pattern(text: str, what: str = "pattern") -> Pattern:
    """Compile pattern code; raise ``PatternSyntaxError`` saying what is wrong."""
    parsed = syntax.parse(text, what)
    if parsed.expression is not None:
        root: ast.AST = parsed.expression
        statement = False
    elif len(parsed.statements) == 1:
        root = parsed.statements[0]
        statement = True
    else:
        raise syntax.PatternSyntaxError(f"{what} must be one expression or one statement")
    builder = _Builder(parsed.placeholders, what)
    tree = builder.tree(root)
    if not isinstance(tree, Node):
        raise syntax.PatternSyntaxError(f"{what} must have some code besides metavariables")
    if tree.kind not in ROOT_KINDS:
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
    )


_WHAT_NAMES = {
    "id": "a name", "attr": "an attribute name", "arg": "a keyword name", "name": "a name",
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
        if isinstance(value, str) and field in ("id", "attr", "arg", "name"):
            if syntax.placeholder(value, self.placeholders) is not None:
                raise syntax.PatternSyntaxError(
                    f"a metavariable cannot stand for {_WHAT_NAMES[field]} in the {self.what} "
                    "(only for code)"
                )
            self.identifiers.add(value)
        return value

    def parameter(self, name: str) -> str | Meta:
        found = syntax.placeholder(name, self.placeholders)
        if found is None:
            self.identifiers.add(name)
            return name
        if found.sequence:
            raise syntax.PatternSyntaxError("$$$NAME cannot stand for lambda parameters")
        self.metas.add(found.name)
        return Meta(found.name)


# -- matching ------------------------------------------------------------------------------------


def match(tree: Any, node: Any, side: Side, bound: Bindings) -> Bindings | None:
    """Bindings extended by matching ``tree`` against ``node``, or None."""
    if isinstance(tree, Meta):
        if node is None:
            return None
        if tree.name == syntax.WILD:
            return bound
        if tree.name in bound:
            return bound if same(bound[tree.name], node, side) else None
        return {**bound, tree.name: node}
    if isinstance(tree, Node):
        if node is None or not views.is_node(node):
            return None
        kind, fields = side.fields(node)
        if kind != tree.kind:
            return None
        for name, want in tree.fields:
            found = _match_value(want, fields[name], side, bound)
            if found is None:
                return None
            bound = found
        return bound
    raise TypeError(f"not a pattern tree: {tree!r}")


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
            if isinstance(item, Meta):
                if item.name == syntax.WILD:
                    continue
                if item.name in bound and not same(bound[item.name], name, side):
                    return None
                bound = {**bound, item.name: name}
            elif item != name:
                return None
        return bound
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
            taken = list(gots[j:end])
            extended = _bind_seq(want, taken, side, bound)
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


def _bind_seq(want: Seq, taken: list[Any], side: Side, bound: Bindings) -> Bindings | None:
    if want.name == syntax.WILD:
        return bound
    if want.name in bound:
        return bound if same(bound[want.name], taken, side) else None
    return {**bound, want.name: taken}


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


def descendants(node: Any, side: Side) -> list[Any]:
    """Every node below ``node`` as the views see them (not ``node`` itself).

    Walking the views, not the trees, means both trees list the same nodes: libcst's folded
    operands are not listed on their own and ``x[a, b]``'s tuple is.
    """
    found: list[Any] = []
    stack = views.children(side.fields(node)[1])
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(views.children(side.fields(current)[1]))
    return found
