"""Small questions several checks ask about names and values."""

from __future__ import annotations

import keyword
from collections.abc import Collection

import libcst as cst

from perflint.rules.scope import BUILTIN_NAMES

#: Builtins that never mutate the arguments they are given (and call no user code that
#: could, beyond dunder methods of the arguments themselves).
NON_MUTATING_BUILTINS = frozenset(
    {
        "all", "any", "bool", "enumerate", "filter", "frozenset", "hash", "id", "isinstance",
        "iter", "len", "list", "map", "max", "min", "print", "repr", "reversed", "set",
        "sorted", "str", "sum", "tuple", "type", "zip",
    }
)  # fmt: skip

#: Methods of list/tuple/str/set/dict that do not change the object they are called on.
NON_MUTATING_METHODS = frozenset(
    {
        "copy", "count", "index", "get", "keys", "values", "items", "startswith", "endswith",
        "find", "rfind", "join", "split", "strip", "lower", "upper", "format", "issubset",
        "issuperset", "isdisjoint", "union", "intersection", "difference",
        "symmetric_difference",
    }
)  # fmt: skip


def singular(name: str) -> str:
    """A readable name for one item of a collection called ``name``."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    for suffix in ("sses", "xes", "ches", "shes"):
        if name.endswith(suffix):
            return name[:-2]
    if name.endswith("s") and not name.endswith("ss") and len(name) > 2:
        return name[:-1]
    return f"{name}_item"


def fresh_name(base: str, taken: Collection[str]) -> str:
    """``base`` or a variant of it that is no keyword, builtin or name already in ``taken``."""
    base = base.lstrip("_") or "item"

    def free(candidate: str) -> bool:
        return (
            candidate.isidentifier()
            and not keyword.iskeyword(candidate)
            and not keyword.issoftkeyword(candidate)
            and candidate not in BUILTIN_NAMES
            and candidate not in taken
        )

    for candidate in (base, "item", "element"):
        if free(candidate):
            return candidate
    number = 2
    while not free(f"{base}_{number}"):
        number += 1
    return f"{base}_{number}"


def last_identifier(expr: cst.BaseExpression) -> str | None:
    """``nums`` -> ``nums``; ``self.items`` -> ``items``; anything else -> None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def is_dotted_name(expr: cst.BaseExpression) -> bool:
    """A name or a chain of attributes on a name: ``seq``, ``self.items``."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


def with_parens_of(new: cst.BaseExpression, old: cst.BaseExpression) -> cst.BaseExpression:
    """``new`` wrapped in the parentheses ``old`` had, for replacing ``old`` by ``new``."""
    if not old.lpar:
        return new
    return new.with_changes(lpar=[*old.lpar, *new.lpar], rpar=[*new.rpar, *old.rpar])


def with_iter(
    loop: cst.For | cst.CompFor, new_iter: cst.BaseExpression, new_code: str
) -> cst.For | cst.CompFor:
    """``loop`` iterating over ``new_iter`` (whose code is ``new_code``), as a node (for the
    rewritten code; the edit's text is kept apart from its neighbours by the engine).

    ``[k for k in d.keys()if k]`` is valid; with ``d`` in place of ``d.keys()`` the ``if``
    needs a space before it (a ``for`` statement's iterable is followed by ``:``, no issue).
    """
    if not isinstance(loop, cst.CompFor) or not new_code or not (
        new_code[-1].isalnum() or new_code[-1] == "_"
    ):
        return loop.with_changes(iter=new_iter)
    space = cst.SimpleWhitespace(" ")
    if loop.ifs and no_space(loop.ifs[0].whitespace_before):
        first = loop.ifs[0].with_changes(whitespace_before=space)
        return loop.with_changes(iter=new_iter, ifs=[first, *loop.ifs[1:]])
    inner = loop.inner_for_in
    if not loop.ifs and inner is not None and no_space(inner.whitespace_before):
        inner = inner.with_changes(whitespace_before=space)
        return loop.with_changes(iter=new_iter, inner_for_in=inner)
    return loop.with_changes(iter=new_iter)


def no_space(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    """True for empty whitespace (``for(k,v)in``), which only brackets around it allow."""
    return isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value


def spaced(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """``whitespace``, or one space where it was empty (``for(k,v)in`` -> ``for k in``)."""
    return cst.SimpleWhitespace(" ") if no_space(whitespace) else whitespace


class IndentTracking(cst.BatchableCSTVisitor):
    """Mixin for checks whose fixes move multi-line code: the indentation of the block being
    visited, for ``code_at_indent`` (libcst stores continuation lines relative to it)."""

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        indents: list[str] = self.__dict__.setdefault("_indents", [])
        module = self.context.module  # type: ignore[attr-defined]
        indents.append(node.indent if node.indent is not None else module.default_indent)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.__dict__["_indents"].pop()

    @property
    def block_indent(self) -> str:
        """The indentation of the statements of the block being visited."""
        return "".join(self.__dict__.get("_indents", ()))


# -- shapes of libcst nodes (plain tests: libcst.matchers costs a third of a second to import) --
def positional(arg: cst.Arg) -> bool:
    """A plain positional argument: no keyword, no ``*`` or ``**``."""
    return arg.keyword is None and arg.star == ""


def is_name_call(node: cst.CSTNode, name: str, positionals: int | None = None) -> bool:
    """``name(...)``; with ``positionals``, exactly that many plain positional arguments."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == name
        and (positionals is None or (len(node.args) == positionals and all(map(positional, node.args))))
    )


def is_method_call(node: cst.CSTNode, attribute: str, positionals: int | None = None) -> bool:
    """``receiver.attribute(...)``; with ``positionals``, exactly that many plain positional
    arguments (0: no arguments at all)."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == attribute
        and (positionals is None or (len(node.args) == positionals and all(map(positional, node.args))))
    )
