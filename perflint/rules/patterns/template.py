"""``fix:`` templates: the pattern's captures put back into new code.

``min($X)`` with ``$X`` bound to ``a + b`` gives ``min(a + b)``; ``-$X`` gives ``-(a + b)``:
every metavariable slot knows, from where it stands in the template, how tightly its code must
bind, and a capture that binds less tightly is parenthesised. ``$$$ARGS`` in an argument or
element list is its items joined by ``, ``; alone on a line it is statements, each indented as
the line is.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from perflint.rules.patterns import syntax
from perflint.rules.patterns.compiled import AST, Side

# Binding strength, loosest first (the grammar's order of precedence).
_NAMED, _LAMBDA, _IFEXP, _OR, _AND, _NOT, _COMPARE = 0, 1, 2, 3, 4, 5, 6
_BINARY = {
    "BitOr": 7, "BitXor": 8, "BitAnd": 9, "LShift": 10, "RShift": 10, "Add": 11, "Sub": 11,
    "Mult": 12, "Div": 12, "FloorDiv": 12, "Mod": 12, "MatMult": 12, "Pow": 14,
}  # fmt: skip
_UNARY = {"UAdd": 13, "USub": 13, "Invert": 13, "Not": _NOT}
_AWAIT, ATOM = 15, 16
#: A bare tuple: fine where a tuple may stand unparenthesised (targets, statement values).
TUPLE = -1
#: Code that always needs its own parentheses when moved (a generator, a yield, ``*x``).
ALWAYS = -2


def precedence(node: Any, side: Side) -> int:
    """How tightly the code of ``node`` binds, written without its own parentheses."""
    kind, fields = side.fields(node)
    if kind == "BoolOp":
        return _OR if fields["op"] == "Or" else _AND
    if kind == "BinOp":
        return _BINARY[fields["op"]]
    if kind == "UnaryOp":
        return _UNARY[fields["op"]]
    return {
        "NamedExpr": _NAMED, "Lambda": _LAMBDA, "IfExp": _IFEXP, "Compare": _COMPARE,
        "Await": _AWAIT, "Tuple": TUPLE, "GeneratorExp": ALWAYS, "Yield": ALWAYS,
        "YieldFrom": ALWAYS, "Starred": ALWAYS,
    }.get(kind, ATOM)  # fmt: skip


def _needs(parent: ast.AST, field: str) -> int:
    """The least binding strength code in ``parent.field`` may have without parentheses."""
    if isinstance(parent, ast.BinOp):
        strength = _BINARY[type(parent.op).__name__]
        if isinstance(parent.op, ast.Pow):
            return strength + 1 if field == "left" else _UNARY["USub"]
        return strength if field == "left" else strength + 1
    if isinstance(parent, ast.UnaryOp):
        return _UNARY[type(parent.op).__name__]
    if isinstance(parent, ast.BoolOp):
        return (_OR if isinstance(parent.op, ast.Or) else _AND) + 1
    if isinstance(parent, ast.Compare):
        return _COMPARE + 1
    if isinstance(parent, ast.IfExp):
        return _IFEXP if field == "orelse" else _OR
    if isinstance(parent, (ast.Attribute, ast.Call, ast.Subscript, ast.Await)):
        if field in ("value", "func"):
            return ATOM
    if isinstance(parent, ast.Starred):
        return _BINARY["BitOr"]
    if isinstance(parent, ast.comprehension) and field in ("iter", "ifs"):
        return _OR
    if isinstance(parent, ast.Slice):
        return _IFEXP
    if field in ("target", "targets") or (
        isinstance(parent, (ast.Return, ast.Expr, ast.Assign, ast.AugAssign)) and field == "value"
    ):
        return TUPLE  # ``for k, v in``, ``return a, b``
    return _LAMBDA


@dataclass(frozen=True)
class Slot:
    """One metavariable in the template text."""

    start: int  # offset in the substituted text
    end: int
    name: str
    #: "one" ($X), "items" ($$$X of a $$$ capture), "inside" ($$$G of a $G capture: the
    #: comprehension's or display's code inside its brackets), "statements" ($$$BODY alone
    #: on a line).
    use: str
    form: str  # "" or "dict-items"
    needs: int  # least binding strength without parentheses
    indent: str  # the line's indentation, for statements
    attribute_owner: bool  # ``$X.attr``: an integer literal needs parentheses there
    root: bool  # the whole template is this slot: what it needs comes from where it goes
    #: The only argument of a call: a generator expression needs no parentheses of its own.
    sole_argument: bool = False
    #: The operand of ``not``: a binary operation gets parentheses, for the reader.
    not_operand: bool = False
    #: The only thing inside brackets (``[$$$X]``, ``{$$$X}``, ``($$$X)``, ``f($$$X)``): the
    #: capture's own layout between its brackets may come along.
    whole: bool = False
    #: ``($$$X)`` written as a tuple: one item takes a trailing comma, others none.
    tuple: bool = False


@dataclass(frozen=True)
class Template:
    text: str  # the template with placeholders
    slots: tuple[Slot, ...]
    #: Binding strength of the whole template (for parenthesising it where it replaces code).
    strength: int
    statement: bool
    #: Names the template itself writes (``min`` in ``min($X)``).
    names: frozenset[str]


def compile_template(text: str, metavariables: frozenset[str], sequences: frozenset[str]) -> Template:
    """Compile ``fix:`` code. A ``$X`` must be bound by every pattern as ``$X``; a ``$$$X``
    as ``$$$X``, or as ``$X`` when it is a comprehension or display whose inside it stands
    for (``[$$$G]`` for ``$G`` bound to a generator expression)."""
    parsed = syntax.parse(text, "fix")
    source = parsed.text
    offsets = _line_offsets(source)
    slots: list[Slot] = []
    names: set[str] = set()
    roots: Sequence[ast.AST] = (
        [parsed.expression] if parsed.expression is not None else parsed.statements
    )
    for root in roots:
        for parent, field, node in _with_parents(root):
            if not isinstance(node, ast.Name):
                continue
            found = syntax.placeholder(node.id, parsed.placeholders)
            if found is None:
                names.add(node.id)
                continue
            slot = _slot(found, parent, field, node, source, offsets, metavariables, sequences)
            slots.append(replace(slot, tuple=slot.end in parsed.commas))
    if parsed.expression is None:
        strength = ATOM
    elif isinstance(parsed.expression, (ast.Tuple, ast.GeneratorExp)) and source.startswith("("):
        strength = ATOM  # written in its own parentheses
    else:
        strength = _strength_of_template(parsed.expression, parsed.placeholders)
    return Template(
        source.rstrip("\n"),
        tuple(sorted(slots, key=lambda slot: slot.start)),
        strength,
        parsed.expression is None,
        frozenset(names),
    )


def _slot(
    found: syntax.Placeholder,
    parent: ast.AST | None,
    field: str,
    node: ast.Name,
    source: str,
    offsets: list[int],
    metavariables: frozenset[str],
    sequences: frozenset[str],
) -> Slot:
    if found.wildcard:
        raise syntax.PatternSyntaxError("a fix cannot use $_: it stands for no code")
    if found.name not in metavariables:
        raise syntax.PatternSyntaxError(f"the fix uses ${found.name}, which the pattern does not bind")
    if not found.sequence and found.name in sequences:
        raise syntax.PatternSyntaxError(f"the pattern binds {found.name} as $$${found.name}")
    start = _offset(source, offsets, node.lineno, node.col_offset)
    end = _offset(source, offsets, node.end_lineno or node.lineno, node.end_col_offset or 0)
    line_start = offsets[node.lineno - 1]
    alone = isinstance(parent, ast.Expr) and not source[line_start:start].strip()
    if not found.sequence:
        use = "one"
    elif alone:
        use = "statements"
    else:
        use = "items" if found.name in sequences else "inside"
    return Slot(
        start=start,
        end=end,
        name=found.name,
        use=use,
        form=found.form,
        needs=_needs(parent, field) if parent is not None else _LAMBDA,
        indent=source[line_start:start] if alone else "",
        attribute_owner=isinstance(parent, ast.Attribute),
        root=parent is None,
        sole_argument=isinstance(parent, ast.Call) and len(parent.args) + len(parent.keywords) == 1,
        not_operand=isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not),
        whole=_alone_in_brackets(parent),
    )


def _alone_in_brackets(parent: ast.AST | None) -> bool:
    if isinstance(parent, (ast.List, ast.Set, ast.Tuple)):
        return len(parent.elts) == 1
    if isinstance(parent, ast.Call):
        return len(parent.args) + len(parent.keywords) == 1
    return False


def _strength_of_template(node: ast.expr, placeholders: dict[str, syntax.Placeholder]) -> int:
    if isinstance(node, ast.Name) and syntax.placeholder(node.id, placeholders) is not None:
        return ATOM  # the capture's own strength is checked when it is rendered
    return precedence(node, AST)


def _with_parents(root: ast.AST) -> list[tuple[ast.AST | None, str, ast.AST]]:
    found: list[tuple[ast.AST | None, str, ast.AST]] = [(None, "", root)]
    stack = [root]
    while stack:
        node = stack.pop()
        for field, value in ast.iter_fields(node):
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    found.append((node, field, child))
                    stack.append(child)
    return found


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for index, char in enumerate(text):
        if char == "\n":
            offsets.append(index + 1)
    return offsets


def _offset(text: str, offsets: list[int], row: int, byte_column: int) -> int:
    start = offsets[row - 1]
    line = text[start:].split("\n", 1)[0]
    return start + len(line.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


@dataclass(frozen=True)
class Capture:
    """The code of one bound node, ready to be placed in a template."""

    code: str
    strength: int
    integer: bool = False  # a decimal integer literal (``5 .bit_count()``)
    generator: bool = False  # a generator expression without its parentheses
    binary: bool = False  # a binary operation (``a + b``)


class Captures(Protocol):
    """How the captures of one match are written out (by the tree they come from)."""

    def expression(self, node: Any) -> Capture:
        """One captured expression, argument or element."""

    def statement(self, node: Any, indent: str) -> str:
        """One captured statement at ``indent``, its first line included."""

    def inside(self, node: Any) -> str | None:
        """A comprehension's or display's code inside its brackets (None: it has none)."""

    def dict_item(self, node: Any) -> str | None:
        """``a=1`` as ``"a": 1``, ``(k, v)`` as ``k: v``, ``**m`` as is (None: not an item)."""

    def join(self, items: Sequence[Any], codes: Sequence[str], whole: bool) -> str | None:
        """``codes`` (of ``items``, a run of one argument list or display) joined by the
        separators written between the items, and with ``whole`` the layout inside the
        brackets around them too; None: join them with ``", "``."""


class RenderError(ValueError):
    """A capture cannot be written out as the template asks (the fix is left out)."""


def render(
    template: Template,
    bindings: Mapping[str, Any],
    captures: Captures,
    indent: str = "",
    needs: int = _LAMBDA,
) -> str:
    """The template's code with every slot filled, for a place indented by ``indent`` where
    code must bind at least as tightly as ``needs`` (see :func:`cst_needs`); the result is
    parenthesised when the template binds less tightly. The template's own lines after the
    first get ``indent``; captured code is never re-indented as text (a multi-line string in
    it must not change). Raises :class:`RenderError`.
    """
    pieces: list[str] = []
    cursor = 0
    for slot in template.slots:
        pieces.append(template.text[cursor : slot.start].replace("\n", "\n" + indent))
        cursor = slot.end
        value = bindings[slot.name]
        if slot.use == "statements":
            items = value if isinstance(value, list) else [value]
            code = "\n".join(captures.statement(item, indent + slot.indent) for item in items)
            pieces.append(code[len(indent + slot.indent) :] if code else "")
            continue
        if slot.use == "inside":
            inside = captures.inside(value)
            if inside is None:
                raise RenderError(f"${slot.name} has no inside to write as $$${slot.name}")
            pieces.append(inside)
            continue
        items = value if slot.use == "items" else [value]
        least = max(slot.needs, needs) if slot.root else slot.needs
        codes = [_item(captures, item, least, slot) for item in items]
        code = ", ".join(codes)
        if slot.use == "items" and len(items) > 1:
            code = captures.join(items, codes, slot.whole) or code
        if slot.tuple and len(items) != 1:
            cursor += 1  # ``(a, b)`` and ``()`` take no trailing comma; ``(a,)`` does
        if not code and slot.use == "items":  # f($$$ARGS, x) with no ARGS: f(x)
            if template.text.startswith(", ", cursor):
                cursor += 2
            elif pieces[-1].endswith(", "):
                pieces[-1] = pieces[-1][:-2]
        pieces.append(code)
    pieces.append(template.text[cursor:].replace("\n", "\n" + indent))
    text = "".join(pieces)
    # An empty $$$BODY leaves a line of indentation only.
    text = "\n".join(line for line in text.split("\n") if line.strip() or not line)
    return f"({text})" if template.strength < needs else text


def _item(captures: Captures, node: Any, needs: int, slot: Slot) -> str:
    if slot.form == "dict-items":
        item = captures.dict_item(node)
        if item is None:
            raise RenderError(f"an item of ${slot.name} is no keyword argument or pair")
        return item
    found = captures.expression(node)
    if found.generator and slot.sole_argument:
        return found.code
    if slot.not_operand and found.binary:
        return f"({found.code})"
    if found.strength < needs or (slot.attribute_owner and found.integer):
        return f"({found.code})"
    return found.code


NOTHING = -9  # inside its own parentheses: anything fits

