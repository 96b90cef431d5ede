"""The prefilter side of the rules whose candidates are ``for`` loops and comprehension clauses
(``perflint.rules.checks._loops``)."""

from __future__ import annotations

import ast

from perflint.rules.candidates import AstFacts, Candidates


class EachLoop(Candidates):
    """A rule that looks at every ``for`` statement and comprehension clause: subclasses
    answer ``ast_loop``."""

    ast_types = (ast.For, ast.comprehension)

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        assert isinstance(node, (ast.For, ast.comprehension))
        return cls.ast_loop(node)

    @classmethod
    def ast_loop(cls, loop: ast.For | ast.comprehension) -> bool:
        """The prefilter's question on CPython's tree: can ``loop`` be flagged (``True``
        unless it certainly cannot)."""
        return True
