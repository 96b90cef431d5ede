"""The code of a match on libcst's tree: what a finding shows, what a fix puts in its place
(captures rendered into the template, parenthesised and re-indented), and what a fix would
lose (comments) or need (an import), and how tightly each child of a libcst node must bind
(``cst_needs``, from the precedence table of ``perflint.rules.patterns.template``).

Long because it is every piece of libcst-side code a pattern rule writes or shows; the
precedence of child positions lives here, beside its users, so that the template module (which
rule loading compiles) imports no libcst.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import libcst as cst

from perflint.rules.codegen import code_at_indent
from perflint.rules.patterns import cst_views
from perflint.rules.patterns.compiled import Span, span_items
from perflint.rules.patterns.cst_views import CST
from perflint.rules.patterns.template import (  # the precedence table cst_needs reads
    _AND,
    _BINARY,
    _COMPARE,
    _IFEXP,
    _OR,
    _UNARY,
    ATOM,
    Capture,
    RenderError,
    Template,
    precedence,
    render,
)


def operand_needs(chain: cst.CSTNode) -> int:
    return max((needs for _, needs in cst_needs(chain)), default=1)


def render_fix(
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


def imports_module(body: Sequence[cst.CSTNode], name: str) -> bool:
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == name and alias.asname is None:
                        return True
    return False


def first_after_preamble(body: Sequence[cst.CSTNode]) -> cst.CSTNode | None:
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


def parse_code(code: str, statement: bool) -> cst.CSTNode | None:
    try:
        if statement:
            return cst.parse_module(code + "\n")
        return cst.parse_expression(code)
    except cst.ParserSyntaxError:
        return None  # the engine would drop the fix anyway: it must compile


def matched_code(module: cst.Module, span: Span, indent: str) -> str:
    if span.first is span.last:
        return capture_code(module, span.first, indent)
    items = span_items(span, CST)
    if isinstance(span.node, cst.BooleanOperation):
        operator = " or " if isinstance(span.node.operator, cst.Or) else " and "
        return operator.join(capture_code(module, item, indent) for item in items)
    return "\n".join(_statement_code(module, item, "") for item in items)


def flagged(module: cst.Module, span: Span, matched: str, statement: bool) -> cst.CSTNode | None:
    if span.first is span.last:
        return span.first
    return parse_code(matched, statement)


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


def loses_comments(span: Span, fix_code: str) -> bool:
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


def capture_code(module: cst.Module, value: Any, indent: str) -> str:
    if isinstance(value, list):
        return ", ".join(capture_code(module, item, indent) for item in value)
    if isinstance(value, str):
        return value
    if isinstance(value, cst_views.CstTuple):
        return ", ".join(code_at_indent(module, _strip(e), indent) for e in value.elements)
    if isinstance(value, cst_views.CstStarred):
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
        code = capture_code(self.module, node, self.indent)
        if isinstance(node, (str, cst.Arg, cst.BaseElement, cst.BaseDictElement, cst_views.CstStarred)):
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
            return ", ".join(capture_code(self.module, e, self.indent) for e in node.elements) + (
                "," if len(node.elements) == 1 else ""
            )
        return None

    def dict_item(self, node: Any) -> str | None:
        if isinstance(node, cst.Arg) and node.keyword is not None:
            value = capture_code(self.module, node.value, self.indent)
            return f'"{node.keyword.value}": {value}'
        if isinstance(node, cst.Arg) and node.star == "**":
            return "**" + capture_code(self.module, node.value, self.indent)
        if isinstance(node, cst.Tuple) and len(node.elements) == 2:
            key, value = (capture_code(self.module, e.value, self.indent) for e in node.elements)
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


def cst_needs(parent: cst.CSTNode) -> list[tuple[cst.CSTNode, int]]:
    """What each child expression of a libcst node needs to bind as tightly as, without
    parentheses, where that is more than an argument needs (the ``_needs`` of libcst's tree)."""
    if isinstance(parent, cst.BinaryOperation):
        op = _BINARY[_CST_BINARY_NAMES[type(parent.operator)]]
        if isinstance(parent.operator, cst.Power):
            return [(parent.left, op + 1), (parent.right, _UNARY["USub"])]
        return [(parent.left, op), (parent.right, op + 1)]
    if isinstance(parent, cst.UnaryOperation):
        return [(parent.expression, _UNARY[_CST_UNARY_NAMES[type(parent.operator)]])]
    if isinstance(parent, cst.BooleanOperation):
        op = (_OR if isinstance(parent.operator, cst.Or) else _AND) + 1
        return [(parent.left, op), (parent.right, op)]
    if isinstance(parent, cst.Comparison):
        return [(parent.left, _COMPARE + 1)] + [
            (target.comparator, _COMPARE + 1) for target in parent.comparisons
        ]
    if isinstance(parent, cst.IfExp):
        return [(parent.test, _OR), (parent.body, _OR), (parent.orelse, _IFEXP)]
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return [(parent.value, ATOM)]
    if isinstance(parent, cst.Call):
        return [(parent.func, ATOM)]
    if isinstance(parent, cst.Await):
        return [(parent.expression, ATOM)]
    if isinstance(parent, cst.StarredElement):
        return [(parent.value, _BINARY["BitOr"])]
    if isinstance(parent, cst.Arg) and parent.star:
        return [(parent.value, _BINARY["BitOr"])]
    if isinstance(parent, cst.CompFor):
        return [(parent.iter, _OR)] + [(comp_if.test, _OR) for comp_if in parent.ifs]
    if isinstance(parent, cst.Slice):
        return [(part, _IFEXP) for part in (parent.lower, parent.upper, parent.step) if part]
    return []


#: The libcst node types ``cst_needs`` knows about.
NEEDS_PARENTS: tuple[type[cst.CSTNode], ...] = (
    cst.BinaryOperation, cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.IfExp,
    cst.Attribute, cst.Subscript, cst.Call, cst.Await, cst.StarredElement, cst.Arg, cst.CompFor,
    cst.Slice,
)  # fmt: skip
_CST_BINARY_NAMES = {
    cst.Add: "Add", cst.Subtract: "Sub", cst.Multiply: "Mult", cst.Divide: "Div",
    cst.FloorDivide: "FloorDiv", cst.Modulo: "Mod", cst.Power: "Pow", cst.LeftShift: "LShift",
    cst.RightShift: "RShift", cst.BitOr: "BitOr", cst.BitAnd: "BitAnd", cst.BitXor: "BitXor",
    cst.MatrixMultiply: "MatMult",
}  # fmt: skip
_CST_UNARY_NAMES = {cst.Minus: "USub", cst.Plus: "UAdd", cst.Not: "Not", cst.BitInvert: "Invert"}
