"""Code from libcst's tree by libcst's own code generator, steered: the one place perflint uses
libcst's ``CodegenState`` (internal, but the hook its codegen calls around every node).
``perflint.engine.positions`` subclasses it to find where nodes are; ``code_at_indent`` here
regenerates a node's code inside another block, and ``short_code`` fits code in a message."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst._nodes.internal import CodegenState

__all__ = ["CodegenState", "code_at_indent", "short_code"]


def code_at_indent(
    module: cst.Module,
    node: cst.CSTNode,
    indent: str,
    moved: Mapping[cst.CSTNode, str] | None = None,
) -> str:
    """The code of ``node`` as it reads inside a block indented by ``indent``.

    libcst stores the continuation lines of a multi-line expression relative to the block the
    expression sits in, and ``Module.code_for_node`` generates code at indentation zero.  To
    keep such lines where they were, pass the block indentation of the new statement, and in
    ``moved`` the nodes (of ``node``'s tree) taken from a deeper block, with that block's.
    """
    deeper = {id(inner): inner_indent for inner, inner_indent in (moved or {}).items()}
    saved: list[list[str]] = []

    class _State(CodegenState):
        def before_codegen(self, current: cst.CSTNode) -> None:
            if id(current) in deeper:
                saved.append(self.indent_tokens)
                self.indent_tokens = [deeper[id(current)]]

        def after_codegen(self, current: cst.CSTNode) -> None:
            if id(current) in deeper:
                self.indent_tokens = saved.pop()

    state = _State(default_indent=module.default_indent, default_newline=module.default_newline)
    state.indent_tokens = [indent] if indent else []
    node._codegen(state)
    return "".join(state.tokens)


def short_code(code: str, limit: int = 40) -> str:
    """``code`` fit for a one-line message: on one line, without comments, elided when long."""
    lines = code.splitlines() or [""]
    if len(lines) > 1 or "#" in code:
        # A comment cannot be told from a '#' in a string without tokenizing: cut at either.
        code = lines[0].split("#")[0].rstrip() + " ..."
    code = " ".join(code.split())
    return code if len(code) <= limit else code[: limit - 4].rstrip() + " ..."
