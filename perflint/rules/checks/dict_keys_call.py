"""PFL102 dict-keys-call: ``for k in d.keys()`` and ``k in d.keys()`` build a view for nothing."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from perflint.rules.api import replace_nodes
from perflint.rules.checks._helpers import (
    IndentTracking,
    is_method_call,
    is_name_call,
    with_iter,
    with_parens_of,
)
from perflint.rules.checks._loops import EachLoop
from perflint.rules.codegen import code_at_indent, short_code
from perflint.rules.prefilters import dict_keys_call as prefilter
from perflint.rules.scope import Guard, Scope
from perflint.rules.semantics import (
    catches,
    checked_against_class,
    expr_type,
    from_elsewhere,
    is_instance,
    is_probed,
)
from perflint.types import Applicability


@dataclass(eq=False)
class _Candidate:
    call: cst.Call
    owner: cst.CSTNode  # the For statement, the comprehension, or the comparison
    scope: Scope
    purpose: str  # "iterate over" / "test membership in"
    indent: str  # of the block holding the call
    guard: Guard | None  # the try/with bodies around it
    loop: cst.For | cst.CompFor | None = None  # the loop iterating over the view, if any


class DictKeysCall(prefilter.DictKeysCall, IndentTracking, EachLoop):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.candidates: list[_Candidate] = []

    # -- finding candidates -----------------------------------------------------------------
    def loop(self, loop: cst.For | cst.CompFor, owner: cst.CSTNode) -> None:
        if loop.asynchronous is None and is_method_call(loop.iter, "keys", 0):
            assert isinstance(loop.iter, cst.Call)
            self.candidates.append(
                _Candidate(
                    loop.iter, owner, self.scope, "iterate over", self.block_indent, self.guard, loop
                )
            )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        # Only `k in d.keys()` alone: in a chain (`k in d.keys() == x`) the view is also
        # the left operand of the next comparison.
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        if isinstance(target.operator, (cst.In, cst.NotIn)) and is_method_call(target.comparator, "keys", 0):
            assert isinstance(target.comparator, cst.Call)
            self.candidates.append(
                _Candidate(
                    target.comparator,
                    node,
                    self.scope,
                    "test membership in",
                    self.block_indent,
                    self.guard,
                )
            )

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.candidates:
            func = candidate.call.func
            assert isinstance(func, cst.Attribute)
            receiver = func.value
            if is_name_call(receiver, "super"):
                continue  # a super() proxy has no __iter__/__contains__ of its own
            if self._silent(candidate, receiver):
                continue
            self._report(candidate, receiver)

    @staticmethod
    def _silent(candidate: _Candidate, receiver: cst.BaseExpression) -> bool:
        """Where the rewrite could mean something else than the view it removes."""
        scope = candidate.scope
        if expr_type(scope, receiver) == "dict":
            return False
        # The class's own keys() need not match its __iter__/__contains__; an object the
        # function duck-types (hasattr(E, "keys"), the dict.update protocol) or narrows to
        # a class of its own may have keys() and iterate otherwise (a werkzeug Headers
        # iterates pairs).
        if is_instance(scope, receiver) or is_probed(scope, receiver, ("keys",)):
            return True
        if checked_against_class(scope, receiver):
            return True
        # A local that holds what a call returned or an iteration gave is often a row or a
        # result with keys() of its own that iterates values (a DB-API row, SQLAlchemy's
        # Result): 5 of the 6 such receivers on the corpus (benchmarks/corpus.py) were.
        if from_elsewhere(scope, receiver):
            return True
        # `d.keys()` raising AttributeError for a non-mapping may be how a handler around it
        # tells mappings from other objects; `for k in d` / `k in d` would not raise.
        return catches(candidate.guard, ("AttributeError", "TypeError"))

    def _report(self, candidate: _Candidate, receiver: cst.BaseExpression) -> None:
        # The call's own parentheses are outside its range: the edit keeps them.
        replacement = with_parens_of(receiver, candidate.call)
        code = code_at_indent(self.context.module, receiver, candidate.indent)
        mapping: dict[int, cst.CSTNode] = {id(candidate.call): replacement}
        if candidate.loop is not None:
            new_loop = with_iter(candidate.loop, replacement, self.code(replacement))
            mapping = {id(candidate.loop): new_loop}
        self.report(
            candidate.call,
            scope=candidate.scope,
            edits=[(candidate.call, code)],
            applicability=self._applicability(candidate, receiver),
            flagged=candidate.owner,
            rewritten=replace_nodes(candidate.owner, mapping),
            dict=short_code(self.code(receiver)),
            purpose=candidate.purpose,
        )

    def _applicability(self, candidate: _Candidate, receiver: cst.BaseExpression) -> Applicability:
        # A dict iterates and tests membership exactly like its keys view.  Another mapping
        # may not: a custom class's keys() can differ from its __iter__/__contains__ (an
        # email Message's header names, a case-insensitive dict's lookups).
        if expr_type(candidate.scope, receiver) == "dict":
            return "safe"
        return "unsafe"

