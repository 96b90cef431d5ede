"""The prefilter side of a rule: what the engine asks before libcst parses a file.

A rule declares ``needles`` (strings that appear in every file where it can fire) and
``ast_candidate`` (a test on nodes of CPython's own, much faster, ``ast`` parse). Both must be
sound: a prefilter that rejects a file where the rule would have fired loses a finding, and
``tests/test_prefilter.py`` runs every check with and without it over real code.

This module imports no libcst: the engine plans a file with these classes alone, and loads a
rule's libcst side (``perflint.rules.api.Rule``, its subclass) only for a file that holds a
candidate. The prefilter side of each check in ``perflint/rules/checks/`` is the class of the
same name in ``perflint/rules/prefilters/``; a pattern rule's is compiled from its patterns
(``perflint.rules.patterns.candidates``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import ClassVar


class AstFacts:
    """CPython's ``ast`` of the piece of the file being scanned (see ``perflint.engine.syntax``), for
    prefilters that need more than the node they are given."""

    def __init__(
        self,
        tree: ast.Module,
        source: str | None = None,
        previous: Sequence[ast.stmt] = (),
    ) -> None:
        self.tree = tree
        #: The text of the piece (rows of ``tree`` are rows of it).
        self.source = source
        #: The top-level statements right before the piece (the last lines of the pieces
        #: before it, see ``Candidates.previous_lines``), oldest first.
        self.previous = previous


class Candidates:
    """The prefilter side of one rule.  Subclasses set ``needles``/``ast_types``."""

    #: Every one of these strings occurs in any file where the rule can fire, and the first
    #: one occurs inside the source text of every candidate: the prefilter walks only the
    #: statements that hold it (see ``perflint.engine.prefilter``).
    needles: ClassVar[tuple[str, ...]] = ()
    #: CPython ``ast`` node types that a candidate of this rule is.
    ast_types: ClassVar[tuple[type[ast.AST], ...]] = ()
    #: When set, an ``ast.Call`` is a candidate only if it calls a name or method of these
    #: (``sorted(...)``, ``x.join(...)``): the prefilter asks the rule about no other call.
    ast_call_keys: ClassVar[frozenset[str] | None] = None
    #: Node types the rule reads wherever they are in the file (not only near a candidate),
    #: and a string every such node's source holds; see ``ast_context``.
    ast_context_types: ClassVar[tuple[type[ast.AST], ...]] = ()
    context_needle: ClassVar[str] = ""
    #: The rule reads a candidate together with up to this many statement lines before it
    #: (``out = []`` and the lines between it and the loop): libcst must see them too.
    previous_lines: ClassVar[int] = 0
    #: The rule reads the module's imports (is ``re`` the module ``re``, is ``operator``
    #: imported): libcst must see every top-level statement that imports outside a def.
    module_imports: ClassVar[bool] = False
    #: The rule's fix may insert an import after the module's docstring and ``__future__``
    #: imports: libcst must see those and the statement after them.
    module_preamble: ClassVar[bool] = False
    #: The longest run of consecutive statements a candidate of the rule may be (its
    #: ``ast_types`` then include ``ast.Module``: it is asked about each module-level run).
    module_run: ClassVar[int] = 0
    #: The rule asks whether any use of a module-level list's name may add items to it
    #: (``queue:``, ``perflint.rules.patterns.queues``): the statements left out are asked too.
    module_growth: ClassVar[bool] = False

    @classmethod
    def ast_candidate(cls, node: ast.AST, facts: AstFacts) -> bool:
        """True unless ``node`` (one of ``ast_types``) certainly cannot be flagged."""
        return True

    @classmethod
    def ast_context(cls, node: ast.AST) -> bool:
        """True when ``node`` (one of ``ast_context_types``) may change what the rule decides
        about a candidate in another statement: libcst must then see the statement."""
        return False
