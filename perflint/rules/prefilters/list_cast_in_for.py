"""The prefilter side of ``perflint.rules.checks.list_cast_in_for``."""

from __future__ import annotations

import ast

from perflint.rules.prefilters._loops import EachLoop

_AST_LITERALS = (ast.List, ast.ListComp, ast.Tuple, ast.Set, ast.SetComp, ast.Dict, ast.DictComp)


class ListCastInFor(EachLoop):
    needles = ("list",)

    @classmethod
    def ast_loop(cls, loop: ast.For | ast.comprehension) -> bool:
        it = loop.iter
        return (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == "list"
            and len(it.args) == 1
            and not it.keywords
            and isinstance(it.args[0], (ast.Name, *_AST_LITERALS))
        )
