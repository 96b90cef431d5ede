"""Output formats, one module each, found by name.

A format is a function ``(results, context) -> str`` registered with ``@register("name")`` in a
module of this package, and named in ``MODULES``: a run imports only the module of the format it
prints (``tests/test_formats.py`` checks the table against what the modules register), so adding
a format (SARIF, GitHub annotations, JUnit, ...) is adding one module and its line there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from perflint.output.docs_url import rule_url
from perflint.types import FileResult, Finding, RuleSpec

#: The code of a file that could not be read or parsed: no rule, so no rule page.
ERROR_CODE = "PFL000"

Reporter = Callable[[Sequence[FileResult], "ReportContext"], str]

_REGISTRY: dict[str, Reporter] = {}

#: Each format's name, and the module of this package that registers it.
MODULES = {
    "concise": "text",
    "github": "github",
    "gitlab": "gitlab",
    "json": "json",
    "jsonl": "json",
    "junit": "junit",
    "markdown": "markdown",
    "rdjson": "rdjson",
    "rdjsonl": "rdjson",
    "sarif": "sarif",
    "text": "text",
}

#: The formats written for people to read: whatever they print passes through
#: ``perflint.output.printable.safe_output`` (the machine formats escape their data themselves).
HUMAN_READABLE = frozenset({"text", "concise", "markdown"})


@dataclass(frozen=True)
class ReportContext:
    """What a format may need beyond the results."""

    #: Whether unsafe fixes would be applied with ``--fix`` (so are shown as fixable).
    unsafe_fixes: bool = False
    color: bool = False
    explain: bool = False
    #: The source text a result's findings refer to, or None (the text format shows lines of it).
    source: Callable[[FileResult], str | None] = field(default=lambda result: None)
    #: The rules of the run (built-in and rule packs), for formats that describe them; empty:
    #: the built-in rules.
    rules: tuple[RuleSpec, ...] = ()
    #: Where the rule pages are published (``docs-url``); None: findings carry no link.
    docs_url: str | None = None
    #: ``--show-fixes`` (without ``--fix``): the text format shows each fix as a diff.
    show_fixes: bool = False

    def url(self, code: str, name: str) -> str | None:
        """The documentation page of rule ``code`` (see ``perflint.output.docs_url``)."""
        return rule_url(self.docs_url, code, name) if code != ERROR_CODE else None

    def applicable(self, finding: Finding) -> bool:
        """True when ``--fix`` (with the current ``--unsafe-fixes``) would fix ``finding``."""
        return finding.fixable(self.unsafe_fixes)


def register(name: str) -> Callable[[Reporter], Reporter]:
    """Decorator: make the function the reporter of ``--format name``."""

    def add(function: Reporter) -> Reporter:
        if name in _REGISTRY and _REGISTRY[name] is not function:
            raise ValueError(f"output format {name!r} is registered twice")
        _REGISTRY[name] = function
        return function

    return add


def formats() -> tuple[str, ...]:
    """The names ``--format`` accepts, sorted."""
    return tuple(sorted(MODULES))


def get_reporter(name: str) -> Reporter:
    """The reporter of format ``name``, importing its module only."""
    module = MODULES.get(name)
    if module is None:
        raise ValueError(f"unknown output format {name!r}; known: {', '.join(formats())}")
    importlib.import_module(f"{__name__}.{module}")
    return _REGISTRY[name]


def all_findings(results: Sequence[FileResult]) -> Iterator[tuple[FileResult, Finding]]:
    """Every finding of every result in report order: a file's error first, then its findings."""
    for result in results:
        if result.error is not None:
            yield result, result.error
        for finding in result.findings:
            yield result, finding
