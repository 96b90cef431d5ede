"""The prefilter side of PFL105 try-except-in-loop (``perflint.rules.checks.try_except_in_loop``)."""

from __future__ import annotations

import ast

from perflint.rules.candidates import AstFacts, Candidates

_AST_LEAVES = (ast.Break, ast.Return, ast.Raise)


class TryExceptInLoop(Candidates):
    needles = ("try", "except")
    ast_types = (ast.For, ast.AsyncFor, ast.While)

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        assert isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        if node.orelse or len(node.body) != 1:
            return False
        try_ = node.body[0]
        return (
            isinstance(try_, ast.Try)
            and bool(try_.handlers)
            and not try_.orelse
            and not try_.finalbody
            and all(isinstance(h.body[-1], _AST_LEAVES) for h in try_.handlers)
        )
