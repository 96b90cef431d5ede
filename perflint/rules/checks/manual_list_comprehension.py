"""PFL201 manual-list-comprehension: ``out = []`` then a loop that only appends to ``out``.

The loop looks ``append`` up and calls it once per item; a list comprehension appends with
one ``LIST_APPEND`` instruction.  The rule needs the ``out = []`` right before the loop: then
``out`` is certainly a fresh list (its ``append`` is ``list.append``) and the comprehension
builds the same list.

Long because the conditions that make this one rewrite sound (the fresh list right before the
loop, no other use of it in the loop, comments kept, async bodies, closures that see the list)
are particular to it; its cases in ``rules/PFL201-manual-list-comprehension.yaml`` test each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from perflint.rules import flow
from perflint.rules.api import EditTarget, Rule
from perflint.rules.checks._helpers import is_method_call
from perflint.rules.codegen import code_at_indent
from perflint.rules.prefilters import manual_list_comprehension as prefilter
from perflint.rules.prefilters.manual_list_comprehension import MAX_BETWEEN
from perflint.rules.scope import Scope
from perflint.rules.semantics import refers
from perflint.types import Applicability

#: Names whose meaning differs inside a comprehension's own scope before 3.12 (zero-argument
#: ``super()``, ``locals()`` and friends see the comprehension's frame, not the function's).
FRAME_NAMES = frozenset({"super", "locals", "vars", "dir", "eval", "exec"})

#: Of those, the ones that read the local names whatever their arguments.
_FRAME_READERS = frozenset({"locals", "eval", "exec"})



@dataclass(frozen=True)
class _Init:
    """Where ``out`` is bound to a new empty list: ``out = []``, or ``out, n = [], 0``."""

    assign: cst.Assign | cst.AnnAssign
    #: The position of ``[]`` in a tuple assignment, None for ``out = []``.
    position: int | None


@dataclass(eq=False)
class _Candidate:
    line: cst.SimpleStatementLine  # the ``out = []`` statement
    init: _Init
    #: Statements between the two, which neither use ``out`` nor the loop's names.
    between: list[cst.SimpleStatementLine]
    loop: cst.For
    call: cst.Call  # out.append(expr)
    branch: cst.If | None  # the ``if`` around the append, when there is one
    out: str
    targets: list[str]  # names bound by the loop target
    scope: Scope
    guarded: bool  # inside a try or with body of the same function
    indent: str  # the indentation of the two statements
    #: Occurrences of the target names inside the loop, with the scope each sits in.
    uses: list[tuple[str, Scope]] = field(default_factory=list)
    bad: bool = False
    #: A comment the fix would delete: anywhere in the loop but at the end of its last line.
    comments: bool = False
    #: The comment ending the loop's last line: after the replaced range, so it stays.
    tail_comment: cst.Comment | None = None
    in_iter: bool = False  # visiting the loop's iterable, evaluated outside a comprehension
    #: Uses of ``super``/``locals``/... in the loop that matter if they are the builtins.
    frame_uses: list[tuple[str, Scope]] = field(default_factory=list)


def _appended(statement: cst.BaseStatement | cst.BaseSmallStatement) -> cst.Call | None:
    """``out.append(expr)`` when ``statement`` is exactly that, on a line of its own."""
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1:
            return None
        statement = statement.body[0]
    if isinstance(statement, cst.Expr) and is_method_call(statement.value, "append", 1) and isinstance(statement.value.func.value, cst.Name):
        assert isinstance(statement.value, cst.Call)
        return statement.value
    return None


def _single(suite: cst.BaseSuite) -> cst.BaseStatement | cst.BaseSmallStatement | None:
    body = suite.body
    return body[0] if len(body) == 1 else None


def _loop_body(loop: cst.For) -> tuple[cst.Call, cst.If | None] | None:
    """The append call and the ``if`` around it, if any, when the loop body is only that."""
    statement = _single(loop.body)
    if statement is None:
        return None
    call = _appended(statement)
    if call is not None:
        return call, None
    if isinstance(statement, cst.If) and statement.orelse is None:
        inner = _single(statement.body)
        call = _appended(inner) if inner is not None else None
        if call is not None:
            return call, statement
    return None


def _tail_comment(loop: cst.For) -> cst.Comment | None:
    """The comment at the end of the loop's last line (``out.append(x)  # here``)."""
    suite: cst.BaseSuite = loop.body
    while isinstance(suite, cst.IndentedBlock):
        last = suite.body[-1]
        if isinstance(last, cst.If):
            suite = last.body
        elif isinstance(last, cst.SimpleStatementLine):
            return last.trailing_whitespace.comment
        else:
            return None
    assert isinstance(suite, cst.SimpleStatementSuite)
    return suite.trailing_whitespace.comment


def _target_names(target: cst.BaseExpression) -> list[str] | None:
    """The names a loop target binds, or None when it stores into anything but names."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            value = element.value
            if isinstance(element, cst.StarredElement):
                value = element.value
            found = _target_names(value)
            if found is None:
                return None
            names.extend(found)
        return names
    return None


def _empty_list(value: cst.BaseExpression) -> bool:
    """``[]`` on one line (a line break inside it may hold a comment the fix would drop)."""
    return (
        isinstance(value, cst.List)
        and not value.elements
        and isinstance(value.lbracket.whitespace_after, cst.SimpleWhitespace)
    )


def _inits(line: cst.BaseStatement) -> dict[str, _Init]:
    """The names ``line`` binds to a new empty list: ``out = []``, ``out: T = []`` or
    ``out, n = [], 0`` (alone on its line), each with where its ``[]`` is."""
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return {}
    statement = line.body[0]
    if isinstance(statement, cst.Assign):
        if len(statement.targets) != 1:
            return {}
        target = statement.targets[0].target
    elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return {}
    value = statement.value
    assert value is not None
    if isinstance(target, cst.Name):
        return {target.value: _Init(statement, None)} if _empty_list(value) else {}
    if not (
        isinstance(statement, cst.Assign)
        and isinstance(target, cst.Tuple)
        and isinstance(value, cst.Tuple)
        and len(target.elements) == len(value.elements) > 1
    ):
        return {}
    names = [element.value for element in target.elements]
    if any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)):
        return {}
    if not all(isinstance(name, cst.Name) for name in names):
        return {}
    if len({name.value for name in names}) != len(names):  # type: ignore[attr-defined]
        return {}
    return {
        name.value: _Init(statement, position)  # type: ignore[attr-defined]
        for position, (name, element) in enumerate(zip(names, value.elements))
        if _empty_list(element.value)
    }


class ManualListComprehension(prefilter.ManualListComprehension, Rule):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.pending: dict[int, _Candidate] = {}  # by id of the loop, until it is visited
        self.open: list[_Candidate] = []
        self.done: list[_Candidate] = []
        #: Per function (and the module): how many try/with bodies the traversal is in.
        self.guards: list[int] = [0]
        self.indents: list[str] = []  # of the blocks being visited
        #: Scopes that read their own local names by name (locals(), eval(), dir(), ...):
        #: the names they use for it, which do so if they are the builtins.
        self.frame_readers: dict[Scope, set[str]] = {}

    # -- finding candidates -----------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._pairs(node.body)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        indent = node.indent if node.indent is not None else self.context.module.default_indent
        self.indents.append(indent)
        self._pairs(node.body)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.indents.pop()

    def _pairs(self, body: Sequence[cst.BaseStatement]) -> None:
        scope = self.scope
        if scope.kind == "class":
            return  # a comprehension there could not see the class's names
        for index, loop in enumerate(body):
            if not isinstance(loop, cst.For) or loop.orelse is not None:
                continue
            if loop.asynchronous is not None and not _in_async_function(scope):
                continue  # `async for` in a comprehension needs an `async def`
            shape = _loop_body(loop)
            targets = _target_names(loop.target)
            if shape is None or targets is None:
                continue
            call, branch = shape
            func = call.func
            assert isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            out = func.value.value
            found = self._init_before(body, index, out)
            if found is None:
                continue
            line, init, between = found
            self.pending[id(loop)] = _Candidate(
                line=line,
                init=init,
                between=between,
                loop=loop,
                call=call,
                branch=branch,
                out=out,
                targets=targets,
                scope=scope,
                guarded=self.guards[-1] > 0,
                indent="".join(self.indents),
                tail_comment=_tail_comment(loop),
            )

    @staticmethod
    def _init_before(
        body: Sequence[cst.BaseStatement], index: int, out: str
    ) -> tuple[cst.SimpleStatementLine, _Init, list[cst.SimpleStatementLine]] | None:
        """The nearest statement before ``body[index]`` that binds ``out`` to ``[]``, with
        the simple statements between them (whether they use ``out`` is decided later)."""
        for before in range(index - 1, max(-1, index - 2 - MAX_BETWEEN), -1):
            line = body[before]
            if not isinstance(line, cst.SimpleStatementLine):
                return None
            init = _inits(line).get(out)
            if init is not None:
                return line, init, list(body[before + 1 : index])  # type: ignore[arg-type]
        return None

    def visit_For(self, node: cst.For) -> None:
        candidate = self.pending.pop(id(node), None)
        if candidate is not None:
            self.open.append(candidate)

    def leave_For(self, original_node: cst.For) -> None:
        if self.open and self.open[-1].loop is original_node:
            self.done.append(self.open.pop())

    def visit_For_iter(self, node: cst.For) -> None:
        self._in_iter(node, True)

    def leave_For_iter(self, node: cst.For) -> None:
        self._in_iter(node, False)

    def _in_iter(self, loop: cst.For, value: bool) -> None:
        if self.open and self.open[-1].loop is loop:
            self.open[-1].in_iter = value

    # -- try/with bodies: an exception mid-loop could be observed after them -----------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.guards.append(0)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.guards.pop()

    def _enter_guard(self, node: cst.CSTNode) -> None:
        self.guards[-1] += 1

    def _leave_guard(self, node: cst.CSTNode) -> None:
        self.guards[-1] -= 1

    visit_Try_body = visit_TryStar_body = visit_With_body = _enter_guard
    leave_Try_body = leave_TryStar_body = leave_With_body = _leave_guard

    # -- what the loop contains -------------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        if not self.is_variable(node):  # ``obj.name`` is no use of a variable ``name``
            return
        name = node.value
        if name in _FRAME_READERS:
            self.frame_readers.setdefault(self.scope, set()).add(name)
        for candidate in self.open:
            if name == candidate.out:
                if node is not candidate.call.func.value:  # type: ignore[attr-defined]
                    candidate.bad = True  # the loop reads (or rebinds) the list it builds
            elif name in FRAME_NAMES:
                # The iterable runs in the enclosing scope in both forms, but there
                # ``locals()`` and friends would not see ``out`` yet in the rewrite.
                if not candidate.in_iter or name in _FRAME_READERS:
                    candidate.frame_uses.append((name, self.scope))
            elif name in candidate.targets:
                candidate.uses.append((name, self.scope))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("dir", "vars") and not node.args:
            # ``dir()`` lists the local names, ``out`` among them.
            self.frame_readers.setdefault(self.scope, set()).add(func.value)
            for candidate in self.open:
                candidate.frame_uses.append((func.value, self.scope))

    def _bad(self, node: cst.CSTNode) -> None:
        for candidate in self.open:
            candidate.bad = True  # not allowed (or not the same) inside a comprehension

    visit_Yield = visit_Await = visit_NamedExpr = _bad

    def visit_Comment(self, node: cst.Comment) -> None:
        for candidate in self.open:
            if node is not candidate.tail_comment:
                candidate.comments = True

    # -- deciding ---------------------------------------------------------------------------
    def finish(self) -> None:
        for candidate in self.done:
            if candidate.bad or not self._names_stay_inside(candidate):
                continue
            if any(where.is_builtin(name) for name, where in candidate.frame_uses):
                continue
            if self._partial_result_seen(candidate):
                continue
            self._report(candidate)

    def _names_stay_inside(self, candidate: _Candidate) -> bool:
        """The loop target's names are used nowhere but in the loop, or nowhere that can see
        what the loop left in them; ``out`` is a plain local; the statements between the two
        use neither."""
        scope = candidate.scope
        declared = scope.globals | scope.nonlocals
        if candidate.out in declared:
            return False
        names = {candidate.out, *candidate.targets}
        if any(flow.statement_mentions(scope, line, names) for line in candidate.between):
            return False
        uses = [(name, where) for name, where in candidate.uses if refers(where, scope, name)]
        outside = []
        for name in set(candidate.targets):
            if name in declared:
                return False
            inside = sum(1 for used, _ in uses if used == name)
            if scope.count_refs(name) != inside:
                outside.append(name)
        # The comprehension binds no loop variable: no later read may see the loop's.
        return not outside or not flow.loop_binding_read(
            scope, candidate.loop, outside, body=False
        )

    @staticmethod
    def _partial_result_seen(candidate: _Candidate) -> bool:
        """Whether code that goes on after the loop raises can read ``out``: partly filled in
        the original, not yet (re)bound in the rewrite.  A handler that returns or falls
        through, ``with suppress(...)``: there the partial list is the point."""
        scope = candidate.scope
        if scope.kind != "function":
            return candidate.guarded  # no graph outside functions: any handler may
        return flow.raised_past_read(scope, [*candidate.between, candidate.loop], (candidate.out,))

    def _report(self, candidate: _Candidate) -> None:
        loop, branch = candidate.loop, candidate.branch
        elt = _parenthesized(candidate.call.args[0].value, _ELT_NEEDS_PARENS)
        test = _parenthesized(branch.test, _ITER_NEEDS_PARENS) if branch is not None else None
        listcomp = cst.ListComp(
            elt=elt,
            for_in=cst.CompFor(
                target=loop.target,
                iter=_parenthesized(loop.iter, _ITER_NEEDS_PARENS),
                ifs=[cst.CompIf(test=test)] if test is not None else [],
                asynchronous=loop.asynchronous,
            ),
        )
        init = candidate.init
        if init.position is None:
            assign: cst.Assign | cst.AnnAssign = init.assign.with_changes(
                value=listcomp, semicolon=cst.MaybeSentinel.DEFAULT
            )
        else:
            assign = cst.Assign(targets=[cst.AssignTarget(cst.Name(candidate.out))], value=listcomp)
        rewritten = cst.SimpleStatementLine(body=[assign])
        # The element and the test come from blocks nested deeper than the new statement:
        # their continuation lines (if any) keep the indentation they had there.
        default = self.context.module.default_indent
        body_indent = candidate.indent + _block_indent(loop.body, default)
        moved: dict[cst.CSTNode, str] = {elt: body_indent}
        if test is not None and branch is not None:
            moved[test] = body_indent
            moved[elt] = body_indent + _block_indent(branch.body, default)
        new_code = code_at_indent(self.context.module, assign, candidate.indent, moved)
        edits: list[tuple[EditTarget, str]]
        if init.position is not None:
            # `out, n = [], 0` keeps `n = 0` where it is; `out` is bound where the loop was.
            kept = self._without(init.assign, init.position, candidate.indent)
            edits = [(init.assign, kept), (loop, new_code)]
        else:
            # The new statement is one line: it can keep one end-of-line comment, the one of
            # ``out = []`` (moved along) or the loop's last (outside the replaced range).
            trailing = candidate.line.trailing_whitespace
            if trailing.comment is not None:
                if candidate.tail_comment is not None:
                    candidate.comments = True
                new_code += self.code(trailing.whitespace) + trailing.comment.value
            if candidate.between:
                moved_up = self._moved_up(candidate)
                if moved_up is None:
                    candidate.comments = True
                    moved_up = ""
                edits = [((candidate.line, candidate.between[-1]), moved_up), (loop, new_code)]
            else:
                edits = [((candidate.line, loop), new_code)]
        self.report(
            candidate.line.body[0],  # the assignment, without its trailing comment
            end_node=loop.iter,  # `out = []` through the loop header, not its body
            scope=candidate.scope,
            edits=[] if candidate.comments else edits,
            applicability=self._applicability(candidate),
            rewritten=rewritten,
            flagged=_block_of(candidate.line, loop),
            out=candidate.out,
        )

    def _without(self, assign: cst.Assign | cst.AnnAssign, position: int, indent: str) -> str:
        """``out, n = [], 0`` without its ``position``-th target and value: ``n = 0``."""
        target, value = assign.targets[0].target, assign.value  # type: ignore[union-attr]
        assert isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple)
        module = self.context.module

        def codes(elements: Sequence[cst.BaseElement]) -> str:
            kept = [e.value for i, e in enumerate(elements) if i != position]
            return ", ".join(code_at_indent(module, expr, indent) for expr in kept)

        return f"{codes(target.elements)} = {codes(value.elements)}"

    def _moved_up(self, candidate: _Candidate) -> str | None:
        """The statements between ``out = []`` and the loop, as code that starts where
        ``out = []`` starts; None when a comment before the first would be lost."""
        first, *rest = candidate.between
        if any(line.comment is not None for line in first.leading_lines):
            return None
        lines = [first.with_changes(leading_lines=()), *rest]
        last = lines[-1]
        assert isinstance(last, cst.SimpleStatementLine)
        # The last line's comment and line break stay where they are, after the edit.
        lines[-1] = last.with_changes(trailing_whitespace=cst.TrailingWhitespace())
        module, indent = self.context.module, candidate.indent
        code = "".join(code_at_indent(module, line, indent) for line in lines)
        return code[len(indent) :].rstrip("\r\n")

    def _applicability(self, candidate: _Candidate) -> Applicability:
        scope = candidate.scope
        # At module level ``out`` is a global any called function can read half-built, and
        # the loop variable stays behind as a module attribute in the original only.
        if scope.kind != "function" or candidate.guarded:
            # In a try/with body, an exception mid-loop leaves ``out`` partly filled in the
            # original but not rebound at all in the rewrite, and a handler (or ``__exit__``
            # that suppresses) lets the function go on to observe the difference.
            return "unsafe"
        if _closure_sees(scope, candidate.out):
            return "unsafe"  # a nested function can see ``out`` while the loop runs
        if any(scope.is_builtin(name) for name in self.frame_readers.get(scope, ())):
            return "unsafe"  # locals()/eval() elsewhere in the function see the loop variable
        return "safe"


def _in_async_function(scope: Scope) -> bool:
    node = scope.node
    return isinstance(node, cst.FunctionDef) and node.asynchronous is not None


def _closure_sees(scope: Scope, name: str) -> bool:
    """True when a function or lambda nested in ``scope`` mentions ``name``.

    Comprehensions and class bodies run where they stand: only code that can be called later
    (while the loop runs) could see ``out`` half built.
    """
    for child in scope.children:
        if child.kind in ("function", "lambda"):
            if child.count(name):
                return True
        elif _closure_sees(child, name):
            return True
    return False


def _block_indent(suite: cst.BaseSuite, default: str) -> str:
    """What an indented block adds to the indentation (nothing for ``for x in y: stmt``)."""
    if isinstance(suite, cst.IndentedBlock):
        return suite.indent if suite.indent is not None else default
    return ""


#: Expressions that need parentheses as a comprehension's element, or as its iterable or
#: ``if`` test (which must be a disjunction: no conditional expression or lambda there).
_ELT_NEEDS_PARENS = (cst.GeneratorExp, cst.Yield, cst.NamedExpr, cst.StarredElement)
_ITER_NEEDS_PARENS = (cst.IfExp, cst.Lambda, cst.Tuple, cst.Yield, cst.NamedExpr, cst.StarredElement)


def _parenthesized(
    expr: cst.BaseExpression, kinds: tuple[type[cst.CSTNode], ...]
) -> cst.BaseExpression:
    if isinstance(expr, kinds) and not expr.lpar:
        return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expr


def _block_of(line: cst.SimpleStatementLine, loop: cst.For) -> cst.Module:
    """The two flagged statements as one module, for explanations."""
    return cst.Module(body=[line.with_changes(leading_lines=()), loop])
