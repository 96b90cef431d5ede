"""What GitLab does with a Code Quality report, as a test-side validator.

GitLab parses the artifact as a JSON array, drops (silently) every issue its per-issue schema
rejects, keys the rest by fingerprint (a duplicate silently replaces the other) and sums them
by severity. ``consumer_schemas/gitlab-code-quality.schema.json`` states the per-issue rules
and the documented ones (``check_name``, 1-based lines, GitLab's severities); this module adds
what a schema cannot say: unique fingerprints, and paths relative to the repository root.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = Path(__file__).parent / "consumer_schemas" / "gitlab-code-quality.schema.json"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _path_problem(path: str) -> str | None:
    """Why GitLab could not link ``path`` to a file of the repository, or None."""
    if path.startswith(("/", "./")) or path == ".":
        return f"path {path!r} is not relative to the repository root"
    if "\\" in path:
        return f"path {path!r} uses backslashes"
    if ".." in path.split("/"):
        return f"path {path!r} leaves the repository"
    return None


def _issue_problems(index: int, issue: dict[str, Any]) -> list[str]:
    problems = []
    location = issue["location"]
    problem = _path_problem(location["path"])
    if problem:
        problems.append(f"issue {index}: {problem}")
    lines = location.get("lines", {})
    if "end" in lines and lines["end"] < lines["begin"]:
        problems.append(f"issue {index}: lines end {lines['end']} before begin {lines['begin']}")
    return problems


def gitlab_problems(text: str) -> list[str]:
    """Every way GitLab would reject ``text`` or lose an issue of it; empty when it keeps all."""
    try:
        document = json.loads(text)
    except ValueError as error:
        return [f"not JSON: {error}"]
    errors = sorted(_validator().iter_errors(document), key=lambda error: list(error.absolute_path))
    if errors:
        return [f"at {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in errors]
    problems = []
    seen: dict[str, int] = {}
    for index, issue in enumerate(document):
        problems += _issue_problems(index, issue)
        first = seen.setdefault(issue["fingerprint"], index)
        if first != index:
            problems.append(f"issue {index}: fingerprint of issue {first} again (GitLab keeps one)")
    return problems


def gitlab_report(text: str) -> list[dict[str, Any]]:
    """The issues of ``text``, after asserting GitLab keeps every one of them."""
    problems = gitlab_problems(text)
    assert not problems, "GitLab would not keep this report whole:\n" + "\n".join(problems)
    return json.loads(text)
