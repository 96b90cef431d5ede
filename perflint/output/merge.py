"""``perflint merge``: the reports of the shards of one run (``--shard K/N``) as one report.

Each file is linted by exactly one shard, so merging is putting the files' entries back in
path order: ``json`` and ``jsonl`` items grouped by file (a file's own order kept), and
SARIF as one run per tool, its rules deduplicated by id (the file-error rule first, the rest
by id, as one run writes them), every ``ruleIndex`` pointed at the merged list, results and
notifications in file order. The merged text is written as the format writes it, so N
shards merge to the bytes one run gives (``benchmarks/shards.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from perflint.output.printable import json_escaped, well_formed

ERROR_RULE = "PFL000"


class MergeError(Exception):
    """Parts that cannot be merged: not a perflint report, or not all of one format."""


def read_part(name: str, text: str) -> tuple[str, Any]:
    """``(format, data)`` of one part: ``json`` (a list), ``sarif`` (an object with ``runs``)
    or ``jsonl`` (one object per line)."""
    stripped = text.strip()
    if not stripped:
        return "jsonl", []
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        try:
            return "jsonl", [json.loads(line) for line in stripped.splitlines() if line.strip()]
        except json.JSONDecodeError as error:
            raise MergeError(f"{name}: not a JSON, JSON Lines or SARIF report ({error})") from None
    if isinstance(data, list):
        return "json", data
    if isinstance(data, dict) and isinstance(data.get("runs"), list):
        return "sarif", data
    if isinstance(data, dict):
        return "jsonl", [data]
    raise MergeError(f"{name}: not a JSON, JSON Lines or SARIF report")


def merge(parts: Sequence[tuple[str, str]]) -> str:
    """The report of ``parts`` (``(name, text)`` each, all of one format) as one."""
    read = [read_part(name, text) for name, text in parts]
    # An empty part is JSON Lines with no finding, which goes with any format.
    kinds = {kind for kind, data in read if kind != "jsonl" or data}
    if len(kinds) > 1:
        raise MergeError(f"the parts are of different formats: {', '.join(sorted(kinds))}")
    kind = kinds.pop() if kinds else "jsonl"
    if kind == "sarif":
        return json.dumps(well_formed(merge_sarif([data for _, data in read])), indent=2) + "\n"
    items = _in_file_order([item for _, data in read for item in data], lambda item: item.get("filename", ""))
    if kind == "jsonl":
        return "".join(json_escaped(json.dumps(item, ensure_ascii=False)) + "\n" for item in items)
    return json_escaped(json.dumps(items, indent=2, ensure_ascii=False)) + "\n"


def _in_file_order(items: Sequence[Any], file_of: Callable[[Any], str]) -> list[Any]:
    """``items`` sorted by file, each file's items in the order its part gave them."""
    return sorted(items, key=file_of)  # sorted() is stable


def _uri(entry: dict[str, Any]) -> str:
    for location in entry.get("locations") or ():
        uri = location.get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
        if isinstance(uri, str):
            return uri
    return ""


def merge_sarif(logs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One SARIF log of ``logs``: one run per tool (by driver name and version)."""
    if not logs:
        raise MergeError("nothing to merge")
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for log in logs:
        for run in log["runs"]:
            driver = run.get("tool", {}).get("driver", {})
            runs.setdefault((str(driver.get("name")), str(driver.get("version"))), []).append(run)
    merged = {key: _merge_runs(group) for key, group in runs.items()}
    return {**{k: v for k, v in logs[0].items() if k != "runs"}, "runs": list(merged.values())}


def _merge_runs(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    first = runs[0]
    rules: dict[str, dict[str, Any]] = {}
    for run in runs:
        for rule in run["tool"]["driver"].get("rules", ()):
            rules.setdefault(rule["id"], rule)
    ordered = sorted(rules.values(), key=lambda rule: (rule["id"] != ERROR_RULE, rule["id"]))
    index = {rule["id"]: position for position, rule in enumerate(ordered)}
    results = []
    for run in runs:
        for result in run.get("results", ()):
            if "ruleIndex" in result and result.get("ruleId") in index:
                result = {**result, "ruleIndex": index[result["ruleId"]]}
            results.append(result)
    notifications = [
        notification
        for run in runs
        for invocation in run.get("invocations", ())
        for notification in invocation.get("toolExecutionNotifications", ())
    ]
    succeeded = all(
        invocation.get("executionSuccessful", True) for run in runs for invocation in run.get("invocations", ())
    )
    driver = {**first["tool"]["driver"], "rules": ordered}
    merged = {**first, "tool": {**first["tool"], "driver": driver}, "results": _in_file_order(results, _uri)}
    if "invocations" in first:
        merged["invocations"] = [
            {**first["invocations"][0], "executionSuccessful": succeeded,
             "toolExecutionNotifications": _in_file_order(notifications, _uri)}
        ]
    return merged
