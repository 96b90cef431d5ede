"""The prefilter side of ``perflint.rules.checks.dict_keys_call``."""

from __future__ import annotations

import ast

from perflint.rules.candidates import AstFacts
from perflint.rules.prefilters._loops import EachLoop


def _is_keys_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "keys"
        and not node.args
        and not node.keywords
    )


class DictKeysCall(EachLoop):
    needles = ("keys",)
    ast_types = (ast.For, ast.comprehension, ast.Compare)
    # ``hasattr(x, "keys")`` makes the finding on ``x.keys()`` go away in the same function,
    # which at module level spans top-level statements.
    ast_context_types = (ast.Call,)
    context_needle = "hasattr"

    @classmethod
    def ast_context(cls, node: ast.AST) -> bool:
        assert isinstance(node, ast.Call)
        return (
            isinstance(node.func, ast.Name)
            and node.func.id == "hasattr"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "keys"
        )

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        if isinstance(node, ast.Compare):
            return (
                len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and _is_keys_call(node.comparators[0])
            )
        assert isinstance(node, (ast.For, ast.comprehension))
        return _is_keys_call(node.iter)
