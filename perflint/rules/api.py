"""The base class of every check in ``perflint/rules/checks/``.

A check is a libcst ``BatchableCSTVisitor``: all enabled checks of a file share one traversal
(``libcst.visit_batched``), after the engine's ``ScopeTracker``.  Returning False from a
``visit_*`` method does not prune in batched mode, so a check that cares about nesting keeps
its own stack.  Questions about names (is ``range`` the builtin, what was ``seq`` bound to)
are answered from ``self.scope`` once the file has been seen: record candidates while
visiting and decide in ``finish``.

A check's *prefilter* (``needles``, ``ast_candidate``, ...) is its base class from
``perflint/rules/prefilters/`` (``perflint.rules.candidates``): the engine plans a file with
it before libcst is imported, and loads the check only for a file that holds a candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeAlias, Union

import libcst as cst

from perflint.rules.candidates import Candidates
from perflint.rules.scope import ExprContext, Guard, Scope, ScopeTracker
from perflint.types import Applicability, RuleSpec


@dataclass
class FileContext:
    """What a check may know about the file it is visiting."""

    path: str
    source: str
    module: cst.Module
    target_version: str
    tracker: ScopeTracker
    #: Every identifier in the whole file, from CPython's ast (None if only libcst parsed it).
    identifiers: Callable[[], frozenset[str]] | None = None
    #: Ids of the ``pass`` statements (and their lines) that stand where statements were
    #: left out (see ``perflint.engine.libcst_parse``): no code of the file, matched by no pattern.
    separators: frozenset[int] = frozenset()
    _names: frozenset[str] | None = None

    def names_in_file(self) -> frozenset[str]:
        """Every identifier used anywhere in the file: a fresh name must avoid them all.

        libcst may see only part of the file (see ``perflint.engine.prefilter``), so ask the C ast.
        """
        if self._names is None:
            if self.identifiers is not None:
                self._names = self.identifiers()
            else:
                assert self.tracker.module_scope is not None
                self._names = frozenset(self.tracker.module_scope.all_names())
        return self._names


@dataclass(frozen=True)
class Before:
    """An edit target that replaces nothing: the text goes in right before ``node``."""

    node: cst.CSTNode


#: What an edit replaces: one node's range, or ``(first, last)``: from the start of ``first``
#: to the end of ``last`` (e.g. two consecutive statements and the lines between them), or
#: nothing, ``Before(node)``.
EditTarget: TypeAlias = Union[cst.CSTNode, tuple[cst.CSTNode, cst.CSTNode], Before]


@dataclass(eq=False)
class Report:
    """A finding as a check reports it: nodes, not yet positions."""

    spec: RuleSpec
    node: cst.CSTNode
    end_node: cst.CSTNode | None
    message: str
    scope: Scope | None
    builtins: tuple[str, ...] = ()
    #: (what to replace, replacement node or code); empty when the finding has no fix.
    edits: tuple[tuple[EditTarget, cst.CSTNode | str], ...] = ()
    applicability: Applicability = "safe"
    fix_title: str = ""
    flagged: cst.CSTNode | None = None
    rewritten: cst.CSTNode | None = None


class Rule(Candidates, cst.BatchableCSTVisitor):
    """Detects one pattern and builds its fix: the libcst side of a rule, whose prefilter
    side (``perflint.rules.candidates.Candidates``) it extends."""

    def __init__(self, spec: RuleSpec, context: FileContext) -> None:
        super().__init__()
        self.spec = spec
        self.context = context
        self.reports: list[Report] = []

    # -- helpers for checks -----------------------------------------------------------------
    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        # libcst finds visitor methods with inspect.getmembers on every instance; a check
        # is instantiated per file, so look the names up once per class.
        return {name: getattr(self, name) for name in _visitor_names(type(self))}

    @property
    def scope(self) -> Scope:
        """The scope the traversal is in now."""
        scope = self.context.tracker.scope
        assert scope is not None
        return scope

    @property
    def guard(self) -> Guard | None:
        """The innermost ``try``/``with`` body of the current function the traversal is in
        (for ``perflint.rules.semantics.catches``)."""
        return self.context.tracker.guard

    def expr_context(self, node: cst.CSTNode) -> ExprContext:
        return self.context.tracker.expr_context(node)

    def is_variable(self, node: cst.Name) -> bool:
        """False for an attribute's or keyword argument's name."""
        return self.context.tracker.is_variable(node)

    def names_in_file(self) -> frozenset[str]:
        return self.context.names_in_file()

    def code(self, node: cst.CSTNode) -> str:
        return self.context.module.code_for_node(node)

    def report(
        self,
        node: cst.CSTNode,
        *,
        end_node: cst.CSTNode | None = None,
        scope: Scope | None = None,
        builtins: Sequence[str] = (),
        edits: Sequence[tuple[EditTarget, cst.CSTNode | str]] = (),
        applicability: Applicability = "safe",
        flagged: cst.CSTNode | None = None,
        rewritten: cst.CSTNode | None = None,
        **message_args: str,
    ) -> None:
        """Record a finding at ``node`` (through ``end_node`` when given).

        ``builtins`` are names that must be the builtins at ``scope`` for the finding to
        stand; the engine checks them after the traversal.  ``flagged``/``rewritten`` are the
        code whose bytecode ``--explain`` compares (default: ``node`` and no rewrite).
        """
        self.reports.append(
            Report(
                spec=self.spec,
                node=node,
                end_node=end_node,
                message=self.spec.message.format(**message_args).strip(),
                scope=scope,
                builtins=tuple(builtins),
                edits=tuple(edits),
                applicability=applicability,
                fix_title=self.spec.fix_title.format(**message_args).strip(),
                flagged=flagged,
                rewritten=rewritten,
            )
        )

    def finish(self) -> None:
        """Called once after the traversal; scopes are complete here."""


@cache
def _visitor_names(cls: type[Rule]) -> tuple[str, ...]:
    names = []
    for name in dir(cls):
        if not name.startswith(("visit_", "leave_")):
            continue
        method = getattr(cls, name)
        if callable(method) and not getattr(method, "_is_no_op", False):
            names.append(name)
    return tuple(names)


class _Replace(cst.CSTTransformer):
    def __init__(self, mapping: dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.mapping = mapping

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        return self.mapping.get(id(original_node), updated_node)


def replace_nodes(node: cst.CSTNode, mapping: dict[int, cst.CSTNode]) -> cst.CSTNode:
    """A copy of ``node`` with each node whose id is in ``mapping`` replaced.

    For building the rewritten code of a finding (its fix and its explanation); it walks only
    the flagged node, and only once a finding stands.
    """
    if id(node) in mapping:
        return mapping[id(node)]
    replaced = node.visit(_Replace(mapping))
    assert isinstance(replaced, cst.CSTNode)  # only a removal or a flattening could be other
    return replaced
