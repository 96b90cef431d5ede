"""The prefilter side of ``perflint.rules.checks.dict_items_unused_part``."""

from __future__ import annotations

import ast

from perflint.rules.prefilters._loops import EachLoop


class DictItemsUnusedPart(EachLoop):
    needles = ("items",)

    @classmethod
    def ast_loop(cls, loop: ast.For | ast.comprehension) -> bool:
        target, it = loop.target, loop.iter
        return (
            isinstance(target, (ast.Tuple, ast.List))
            and len(target.elts) == 2
            and any(isinstance(element, ast.Name) for element in target.elts)
            and not any(isinstance(element, ast.Starred) for element in target.elts)
            and isinstance(it, ast.Call)
            and isinstance(it.func, ast.Attribute)
            and it.func.attr == "items"
            and not it.args
            and not it.keywords
        )
