"""Lint one source text: CPython's verdict, the prefilter, libcst on what the rules need, one
batched traversal (``perflint.engine.traversal``), findings.

libcst is imported only for a text that holds a candidate: the prefilter plans with the rules'
prefilter sides (``perflint.rules.candidates``).

Every finding is returned, suppressed or not: ``perflint.engine.linting`` applies the ``# noqa``
comments (and reports the ones that suppress nothing).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from perflint.engine import syntax
from perflint.engine.prefilter import MAX_DEPTH, Check, Plan, Statement, identifiers, plan
from perflint.engine.syntax import Rejection
from perflint.rules.registry import all_rules, load_candidates, needles
from perflint.types import Finding, Location, RuleSpec, Settings

ERROR_CODE = "PFL000"
#: PFL000's name: a file that could not be read, decoded or parsed (or its fixes written).
ERROR_NAME = "file-error"
#: PFL000's name for code CPython accepts but perflint's parser cannot read.
PARSER_LIMIT = "parser-limit"


@cache
def _spec_index(rule_paths: tuple[str, ...]) -> dict[str, RuleSpec]:
    return {spec.code: spec for spec in all_rules(rule_paths)}


def enabled_checks(settings: Settings, source: str | None = None) -> list[Check]:
    """The selected rules that apply to the target version, with their prefilter sides (no
    libcst: the traversal loads each check's libcst side for a file that needs it). With
    ``source``: only those whose every needle occurs in it, so that a built-in pattern rule
    is compiled only for a file that holds its needles."""
    index = _spec_index(settings.rule_paths)
    checks = []
    for code in sorted(set(settings.select)):
        spec = index[code]
        if not spec.applies_to(settings.target_version):
            continue
        if source is None or all(needle in source for needle in needles(spec)):
            checks.append((spec, load_candidates(spec)))
    return checks


def error_finding(
    path: str, message: str, row: int = 1, column: int = 1, name: str = ERROR_NAME
) -> Finding:
    location = Location(max(row, 1), max(column, 1))
    return Finding(
        code=ERROR_CODE,
        name=name,
        message=message,
        path=path,
        start=location,
        end=location,
    )


TOO_DEEP = "file is nested too deeply to analyse (CPython's parser gives up on it too)"
TOO_DEEP_FOR_AST = (
    "file is nested too deeply for perflint to analyse (CPython compiles it, but its ast is"
    " deeper than Python allows)"
)
TOO_DEEP_FOR_LIBCST = f"file is nested too deeply (over {MAX_DEPTH} levels) for perflint's parser"
_RUNNING = f"CPython {platform.python_version()}"


def parser_limit(path: str, message: str, row: int = 1, column: int = 1) -> Finding:
    """PFL000 for code CPython accepts but perflint's parser cannot read: a limit of
    perflint, not an error in the file."""
    return error_finding(
        path,
        f"perflint's parser (libcst) cannot read this code, which {_RUNNING} accepts: {message}",
        row,
        column,
        name=PARSER_LIMIT,
    )


@dataclass(frozen=True)
class Linted:
    """What linting one text found."""

    findings: list[Finding]
    #: The PFL000 of a text that cannot be analysed.
    error: Finding | None = None
    #: Warnings about how the text was read (see ``newer_syntax_note``).
    notes: tuple[str, ...] = ()
    #: CPython accepted the text (its fixes can be checked by compiling).
    compiled: bool = True


def _is_newer_target(target: str) -> bool:
    """The target CPython is newer than the running one: its syntax may be unknown here."""
    return int(target[3:]) > sys.version_info[1]


def newer_syntax_note(path: str, rejection: Rejection, target: str) -> str:
    return (
        f"{path}:{rejection.row}:{rejection.column}: {_RUNNING} cannot parse this file"
        f" ({rejection.message}), which may be newer syntax: linted as {target} code with"
        " perflint's own parser, without the prefilter, and fixes checked by that parser only"
    )


def lint_text(source: str, path: str, settings: Settings) -> tuple[list[Finding], Finding | None]:
    """Findings for ``source`` (no fixing), and the PFL000 error if it cannot be analysed."""
    linted = lint(source, path, settings)
    return linted.findings, linted.error


def lint(source: str, path: str, settings: Settings) -> Linted:
    """Lint ``source``: CPython's verdict first (it is authoritative, see the README), then
    the prefilter, libcst on what the rules need, one traversal, findings."""
    wanted = enabled_checks(settings, source if settings.prefilter else None)
    view = syntax.read(source, path, want_ast=bool(wanted))
    if view.rejection is not None:
        return _rejected(source, path, settings, wanted, view.rejection)
    if not wanted:
        return Linted([])
    if view.ast_too_deep:
        return Linted([], error_finding(path, TOO_DEEP_FOR_AST, name=PARSER_LIMIT))
    work = plan(source, view, wanted, settings.prefilter)
    if not work.checks:
        return Linted([])
    if work.too_deep:
        return Linted([], error_finding(path, TOO_DEEP_FOR_LIBCST, name=PARSER_LIMIT))
    identifiers = lambda: _identifiers(view)  # noqa: E731 - parsed again only if a rule asks
    return _run(source, path, settings, work, work.statements, identifiers)


def _identifiers(view: syntax.CPythonView) -> frozenset[str]:
    return identifiers(tree for _, tree in view.trees())


def _rejected(
    source: str,
    path: str,
    settings: Settings,
    checks: list[Check],
    rejection: Rejection,
) -> Linted:
    """CPython refuses the text. Its verdict stands, unless the target is a newer CPython:
    then the text may hold newer syntax, which libcst (it reads every version's) decides,
    and the rules whose needles occur in it (``checks``) run on libcst's whole tree."""
    message = TOO_DEEP if rejection.too_deep else rejection.message
    error = error_finding(path, message, rejection.row, rejection.column)
    if not _is_newer_target(settings.target_version) or rejection.too_deep:
        return Linted([], error)
    linted = _run(source, path, settings, Plan(checks), None, None)
    if linted.error is not None and linted.error.name == PARSER_LIMIT:
        return Linted([], error)  # libcst refuses it too: CPython's message is the better one
    note = newer_syntax_note(path, rejection, settings.target_version)
    return Linted(linted.findings, linted.error, (note,), compiled=False)


def _run(
    source: str,
    path: str,
    settings: Settings,
    work: Plan,
    statements: Sequence[Statement] | None,
    identifiers: Callable[[], frozenset[str]] | None,
) -> Linted:
    # Only a file with a candidate gets here: libcst, the checks' libcst side and the
    # traversal are imported now, not by a run whose files hold none.
    from perflint.engine import libcst_parse, traversal
    from perflint.engine.positions import Unfaithful

    try:
        parsed = libcst_parse.parse(source, statements)
        return Linted(traversal.findings(parsed, source, identifiers, path, settings, work))
    except libcst_parse.ParserLimit as limit:
        return Linted([], parser_limit(path, limit.message, limit.row, limit.column))
    except Unfaithful as unfaithful:
        message = "it does not give this line back as the file has it"
        return Linted([], parser_limit(path, message, unfaithful.row, unfaithful.column))
    except RecursionError:
        return Linted([], error_finding(path, TOO_DEEP_FOR_LIBCST, name=PARSER_LIMIT))
