"""The prefilter side of PFL101 range-len-index (``perflint.rules.checks.range_len_index``)."""

from __future__ import annotations

import ast

from perflint.rules.prefilters._loops import EachLoop


class RangeLenIndex(EachLoop):
    needles = ("range", "len")

    @classmethod
    def ast_loop(cls, loop: ast.For | ast.comprehension) -> bool:
        it = loop.iter
        return (
            isinstance(loop.target, ast.Name)
            and isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == "range"
            and len(it.args) in (1, 2)
            and isinstance(it.args[-1], ast.Call)
            and isinstance(it.args[-1].func, ast.Name)
            and it.args[-1].func.id == "len"
        )
