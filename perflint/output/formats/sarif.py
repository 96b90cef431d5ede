"""``sarif``: SARIF 2.1.0 as GitHub code scanning ingests it (rules metadata, repository-relative
locations against ``%SRCROOT%``, partial fingerprints and fixes).

A file perflint could not read, decode or parse is reported twice: as a ``PFL000`` result, so a
syntax error in a pull request shows as an alert where it is, and as an error notification of
the run's invocation, SARIF's place for "this file was not analysed". The invocation still says
``executionSuccessful: true``: perflint ran to the end and every other file's results are
complete, while code scanning takes an upload marked unsuccessful for a failed run, answers
"unsuccessful execution" and keeps none of its results (github/codeql-action#1316, #1393): one
broken file would hide every finding and fail the upload step."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.paths import repository_path, repository_root
from perflint.output.printable import well_formed
from perflint.types import FileResult, Finding, Location, RuleSpec, is_performance_rule
from perflint.version import DISTRIBUTION, __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Where to learn about the tool: its distribution's page on PyPI (``pip install`` takes
#: the same name); no repository URL is assumed.
INFORMATION_URI = f"https://pypi.org/project/{DISTRIBUTION}/"
FINGERPRINT_KEY = "perflint/v1"


def relative_uri(path: str, root: Path | None = None) -> str:
    """``path`` as a percent-encoded URI relative to ``root`` (default: the repository's root)
    when it lies under it, else an absolute ``file:`` URI."""
    relative = repository_path(path, root or repository_root())
    if relative is None:
        return Path(os.path.normpath(Path.cwd() / path)).as_uri()
    return quote(relative, safe="/", errors="surrogateescape")  # an undecodable name's bytes


def level(finding: Finding) -> str:
    """SARIF level: file errors are ``error``, findings ``warning``."""
    return "error" if finding.code == "PFL000" else "warning"


@lru_cache(maxsize=None)
def _example_explanation(spec: RuleSpec) -> tuple[str, ...]:
    """The rule's first example's bytecode diff, compiled in-process; empty if unavailable."""
    if not spec.examples or not is_performance_rule(spec.code):
        return ()
    try:
        from perflint.evidence.explain import explain_example
        from perflint.output.explanation import render_explanation

        return tuple(render_explanation(explain_example(spec.examples[0], spec=spec)))
    except Exception:  # an explanation is a nicety; the report must not fail for it
        return ()


def _rule(spec: RuleSpec, context: ReportContext) -> dict[str, object]:
    """A rule's descriptor: its title, what it does, and its whole documentation page as help
    (so the alert explains itself where no ``docs-url`` gives a page to link to)."""
    from perflint.output.rule_docs import render_rule, what_it_does

    explanation = _example_explanation(spec)
    page = render_rule(spec).strip()
    markdown = page
    if explanation:
        markdown += "\n\n## Bytecode\n\n" + "\n".join(["```", *explanation, "```"])
    descriptor: dict[str, object] = {
        "id": spec.code,
        "name": spec.name,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": what_it_does(spec)},
        "help": {"text": page + "\n", "markdown": markdown + "\n"},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["performance", *spec.tags]},
    }
    url = context.url(spec.code, spec.name)
    if url is not None:
        descriptor["helpUri"] = url
    return descriptor


#: What PFL000 is, for its rule and notification descriptors.
FILE_ERROR_TITLE = "File that could not be analysed"
FILE_ERROR_HELP = (
    "perflint could not read, decode or parse this file, or could not write its fixes (the "
    "message says which, with the parser's line and column for a syntax error). The file "
    "was not analysed; every other file was, and their results are complete. A PFL000 makes "
    "`perflint check` exit with status 2. Fix the file (or exclude it) and run perflint again."
)
SKIPPED_HELP = (
    "The file is larger than max-file-size (default 5 MB), so perflint did not read it. "
    "Raise the limit with --max-file-size to analyse it; a skipped file does not change the "
    "exit status."
)


def _descriptor(id: str, name: str, title: str, help: str, level: str) -> dict[str, object]:
    """A reporting descriptor of PFL000 or of a notification: GitHub's ingestion wants a full
    description and help on every one."""
    return {
        "id": id,
        "name": name,
        "shortDescription": {"text": title},
        "fullDescription": {"text": help},
        "help": {"text": help, "markdown": help},
        "defaultConfiguration": {"level": level},
    }


def _error_rule() -> dict[str, object]:
    return _descriptor("PFL000", "file-error", FILE_ERROR_TITLE, FILE_ERROR_HELP, "error")


#: The id of the notification of a file left out on purpose (SARIF wants an id unlike its name).
SKIPPED_ID = "perflint.file-skipped"
#: What a run's notifications may be about, in this order (notifications refer to the index).
_NOTIFICATIONS = (
    _descriptor("PFL000", "file-error", FILE_ERROR_TITLE, FILE_ERROR_HELP, "error"),
    _descriptor(SKIPPED_ID, "file-skipped", "File not analysed on purpose", SKIPPED_HELP, "warning"),
)


def _region(start: Location, end: Location) -> dict[str, int]:
    # perflint columns are 1-based with exclusive ends, SARIF's convention too.
    end_column = end.column if (end.row, end.column) > (start.row, start.column) else start.column + 1
    if end.row == start.row and end_column <= start.column:
        end_column = start.column + 1
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": max(end.row, start.row),
        "endColumn": end_column,
    }


def _artifact(uri: str) -> dict[str, str]:
    if uri.startswith("file:"):
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": "%SRCROOT%"}


def _result(finding: Finding, rule_index: int, uri: str, fingerprint: str, context: ReportContext) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": level(finding),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(uri),
                    "region": _region(finding.start, finding.end),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.context:
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": finding.context}]  # type: ignore[index]
    if finding.fix is not None:
        result["fixes"] = [
            {
                "description": {"text": finding.fix.message},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(uri),
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": edit.start.row,
                                    "startColumn": edit.start.column,
                                    "endLine": edit.end.row,
                                    "endColumn": edit.end.column,
                                },
                                "insertedContent": {"text": edit.content},
                            }
                            for edit in finding.fix.edits
                        ],
                    }
                ],
            }
        ]
        result["properties"] = {
            "applicability": finding.fix.applicability,
            "fixable": context.applicable(finding),
        }
    return result


def _notification(finding: Finding, uri: str) -> dict[str, object]:
    """The file error ``finding`` as a tool execution notification on the file (its message
    says what went wrong: a syntax error, an undecodable or unreadable file, ...)."""
    return {
        "descriptor": {"id": "PFL000", "index": 0},
        "level": "error",
        "message": {"text": f"{finding.path}: {finding.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(uri),
                    "region": _region(finding.start, finding.end),
                }
            }
        ],
    }


def _skip(result: FileResult, uri: str) -> dict[str, object]:
    """A file left out on purpose, as a warning notification on it (its results are not
    missing by accident, and the upload stays complete)."""
    return {
        "descriptor": {"id": SKIPPED_ID, "index": 1},
        "level": "warning",
        "message": {"text": f"{result.path}: skipped: {result.skipped}"},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(uri)}}],
    }


def sarif_document(results: Sequence[FileResult], context: ReportContext, root: Path | None = None) -> dict[str, object]:
    """The whole SARIF log as a JSON-ready mapping."""
    from perflint.output.fingerprint import fingerprints
    from perflint.rules.registry import builtin_rules

    specs = sorted(context.rules or builtin_rules(), key=lambda spec: spec.code)
    rules = [_error_rule(), *(_rule(spec, context) for spec in specs)]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    base = (root or repository_root()).resolve()
    sarif_results = []
    notifications = []
    for result in results:
        uri = relative_uri(result.path, base)
        if result.error is not None:
            notifications.append(_notification(result.error, uri))
        if result.skipped is not None:
            notifications.append(_skip(result, uri))
        findings = [finding for _, finding in all_findings([result])]
        prints = fingerprints(findings, path=uri)
        for finding, fingerprint in zip(findings, prints):
            rule_index = index.get(finding.code, 0)
            sarif_results.append(_result(finding, rule_index, uri, fingerprint, context))
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "perflint",
                "version": __version__,
                "semanticVersion": __version__ if __version__[:1].isdigit() else None,
                "informationUri": INFORMATION_URI,
                "rules": rules,
                "notifications": list(_NOTIFICATIONS),
            }
        },
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
        "results": sarif_results,
        "columnKind": "unicodeCodePoints",
    }
    driver = run["tool"]["driver"]  # type: ignore[index]
    if driver["semanticVersion"] is None:
        del driver["semanticVersion"]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


@register("sarif")
def render_sarif(results: Sequence[FileResult], context: ReportContext) -> str:
    # ASCII only (json's default): read back as JSON whatever encoding stdout had.
    return json.dumps(well_formed(sarif_document(results, context)), indent=2) + "\n"
