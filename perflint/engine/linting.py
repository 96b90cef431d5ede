"""Lint one text as a file of the run: the rules the file's ``per-file-ignores`` leave on, the
engine's findings, the ``# noqa`` comments that hide some of them, and PFL001
``unused-noqa`` for the ones that hide nothing.

Suppression happens here rather than in the engine so that the findings a directive hid are
known: that is what tells a used directive from an unused one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from perflint.engine import lint as engine
from perflint.engine.noqa import UNUSED_NOQA, unused_noqa
from perflint.engine.suppress import is_suppressed
from perflint.project import perfile
from perflint.rules.registry import all_rules
from perflint.text.lines import split_lines
from perflint.types import Finding, Settings


def enabled_codes(path: str, settings: Settings) -> tuple[str, ...]:
    """The codes selected for ``path``: the run's selection minus its per-file ignores."""
    return perfile.enabled_codes(path, settings.select, settings.per_file_ignores)


def _line(lines: Sequence[str], row: int) -> str:
    return lines[row - 1] if 1 <= row <= len(lines) else ""


def lint_text(source: str, path: str, settings: Settings) -> tuple[list[Finding], Finding | None]:
    """The findings of ``source`` that stand (not suppressed), and its PFL000 if it cannot be
    analysed."""
    linted = lint(source, path, settings)
    return linted.findings, linted.error


def lint(source: str, path: str, settings: Settings) -> engine.Linted:
    """``engine.lint`` of ``source`` with the findings that stand (not suppressed), PFL001
    for the directives that suppress nothing, and the engine's notes and verdict."""
    select = enabled_codes(path, settings)
    report_unused = UNUSED_NOQA in select
    rules = dataclasses.replace(settings, select=tuple(code for code in select if code != UNUSED_NOQA))
    linted = engine.lint(source, path, rules)
    findings = linted.findings
    if linted.error is not None or not (findings or report_unused):
        return linted
    lines = split_lines(source)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        hidden = is_suppressed(finding.code, finding.name, _line(lines, finding.start.row))
        (suppressed if hidden else kept).append(finding)
    if report_unused and ("noqa" in source.lower() or "perflint:" in source):
        specs = all_rules(settings.rule_paths)
        spec = next(spec for spec in specs if spec.code == UNUSED_NOQA)
        applying = [rule.code for rule in specs if rule.code in select and rule.applies_to(settings.target_version)]
        for finding in unused_noqa(source, path, suppressed, applying, specs, spec):
            if not is_suppressed(finding.code, finding.name, _line(lines, finding.start.row)):
                kept.append(finding)
        kept.sort(key=lambda finding: finding.sort_key)
    return dataclasses.replace(linted, findings=kept)
