"""Build one pull-request review from findings: inline comments with suggested fixes on lines
inside the diff, the rest in the summary, and no comment posted twice across runs.

Pure functions over plain data; ``perflint.cli.review`` does the HTTP calls (through ``perflint.review.github``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perflint.output.fingerprint import fingerprints
from perflint.output.formats.markdown import bytecode_details, escape, fence
from perflint.output.perfdiff import loop_comment
from perflint.text.lines import edited, lines_of, offsets_of
from perflint.types import FileResult, Finding, PerfDiff

MAX_INLINE = 30
#: A longer bytecode diff stays out of its comment (GitHub caps a body at 65,536 characters).
MAX_DIFF_LINES = 400
#: Findings listed in the review body, and their characters (GitHub caps a body at 65,536).
MAX_SUMMARY_LINES = 200
MAX_SUMMARY_CHARS = 50_000
MARKER = "<!-- perflint:fingerprint={} -->"
SUMMARY_MARKER = "<!-- perflint:summary={} -->"
# Markers are trusted only at the very end of a body, where the bot puts them: the text before
# quotes the user's code, which could spell a marker of its own.
_MARKER = re.compile(r"<!-- perflint:fingerprint=([0-9a-f]+) -->\s*\Z")
_SUMMARY_MARKER = re.compile(r"<!-- perflint:summary=([0-9a-f]+) -->\s*\Z")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def right_lines(patch: str | None) -> set[int]:
    """New-file line numbers GitHub accepts a RIGHT-side comment on: added and context lines."""
    lines: set[int] = set()
    row = 0
    in_hunk = False
    for text in (patch or "").split("\n"):
        header = _HUNK.match(text)
        if header:
            row, in_hunk = int(header.group(1)), True
        elif not in_hunk or text.startswith("\\"):
            continue  # "\ No newline at end of file"
        elif text.startswith("-"):
            continue
        elif text.startswith(("+", " ")) or text == "":
            if text == "" and row == 0:
                continue
            lines.add(row)
            row += 1
    return lines


def why_paragraph(why: str) -> str:
    """The first paragraph of the rule's "Why is this bad?" section (else of its text)."""
    sections = re.split(r"^##[^\n]*\n", why, flags=re.MULTILINE)
    heading = re.search(r"^## Why is this bad\?\s*$", why, flags=re.MULTILINE)
    body = why[heading.end() :] if heading else next((s for s in sections if s.strip()), why)
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        if paragraph.strip() and not paragraph.lstrip().startswith("##"):
            return " ".join(line.strip() for line in paragraph.splitlines())
    return ""


def _rule_whys() -> dict[str, str]:
    from perflint.rules.registry import builtin_rules

    return {spec.code: why_paragraph(spec.why) for spec in builtin_rules()}


def suggestion(finding: Finding, source: str) -> tuple[int, int, str] | None:
    """``(first_line, last_line, replacement)``: the lines the fix edits, rewritten in full."""
    if finding.fix is None or not finding.fix.edits:
        return None
    edits = finding.fix.edits
    first = min(edit.start.row for edit in edits)
    last = max(
        edit.end.row - 1 if edit.end.column == 1 and edit.end.row > edit.start.row else edit.end.row
        for edit in edits
    )
    offsets = offsets_of(source)  # per file, not per finding
    rows = len(lines_of(source))
    if first < 1 or last > rows or any(edit.end.row > rows for edit in edits):
        return None
    # The whole lines, from the first one's start to the start of the line after the last.
    start = offsets[first - 1]
    end = offsets[last] if last < len(offsets) else len(source)
    text = edited(source, offsets, edits, start, end)
    return first, last, text.rstrip("\n")


@dataclass(frozen=True)
class Item:
    """One finding with its repository path and fingerprint."""

    path: str
    finding: Finding
    fingerprint: str


@dataclass(frozen=True)
class Note:
    """An inline comment that is not a finding: a loop whose cost per iteration grew."""

    path: str
    line: int
    body: str
    fingerprint: str


def perf_notes(diff: PerfDiff) -> list[Note]:
    """A note on the head line of every loop of a changed (not new) function whose cost per
    iteration grew, or that is new in it.

    The fingerprint leaves line numbers out (a shifted loop is not commented again) and holds
    the counts and what entered (a loop that changes again gets a new comment)."""
    notes = []
    for change in diff.changes:
        if change.change != "modified":
            continue  # a new function's loops grew from nothing: the summary lists them
        for number, loop in enumerate(change.loops):
            if loop.verdict not in ("regression", "added") or loop.line is None:
                continue
            key = "\x1f".join(
                ("perfdiff", change.path, change.qualname, str(number), str(loop.depth),
                 str(loop.base_instructions), str(loop.head_instructions), *loop.entered, "|", *loop.left)
            )
            digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            notes.append(Note(change.path, loop.line, loop_comment(change, loop, diff.interpreter), digest))
    return notes


@dataclass
class Plan:
    """What to do on GitHub: the review to post (or None: nothing new) and comments to delete."""

    payload: dict[str, Any] | None
    delete: list[int] = field(default_factory=list)
    inline: list[Item] = field(default_factory=list)
    summarised: list[Item] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    already: int = 0


def items(results: Sequence[FileResult], repo_path: Mapping[str, str] | None = None) -> list[Item]:
    """Fingerprinted findings (file errors included) with repository-relative paths."""
    out: list[Item] = []
    for result in results:
        path = (repo_path or {}).get(result.path, result.path).replace("\\", "/")
        found = ([result.error] if result.error is not None else []) + list(result.findings)
        for finding, fp in zip(found, fingerprints(found, path=path)):
            out.append(Item(path, finding, fp))
    return sorted(out, key=lambda item: (item.path, item.finding.start, item.finding.code))


def comment_body(item: Item, why: str, replacement: str | None) -> str:
    """Markdown for one inline comment; text from the user's code is escaped or fenced."""
    finding = item.finding
    parts = [f"**{finding.code}** ({finding.name}): {escape(finding.message)}"]
    if why:
        parts.append(why)
    if replacement is not None and finding.fix is not None:
        title = escape(finding.fix_title or finding.fix.message)
        note = "" if finding.fix.applicability == "safe" else " (unsafe fix: check the behaviour)"
        parts.append(f"{title}{note}:\n" + "\n".join(fence(replacement, "suggestion")))
    explanation = finding.explanation
    if explanation is not None and 0 < len(explanation.diff) <= MAX_DIFF_LINES:
        parts.append("\n".join(bytecode_details(explanation)))
    parts.append(MARKER.format(item.fingerprint))
    return "\n\n".join(parts)


def _comment(
    item: Item, diff_lines: set[int], source: str | None, why: str
) -> dict[str, Any] | None:
    """The inline comment for ``item``, or None when its line is outside the diff."""
    row = item.finding.start.row
    fix = suggestion(item.finding, source) if source is not None else None
    if fix is not None and all(line in diff_lines for line in range(fix[0], fix[1] + 1)):
        first, last, replacement = fix
        comment: dict[str, Any] = {"path": item.path, "line": last, "side": "RIGHT"}
        if first != last:
            comment.update(start_line=first, start_side="RIGHT")
        comment["body"] = comment_body(item, why, replacement)
        return comment
    if row not in diff_lines:
        return None
    return {"path": item.path, "line": row, "side": "RIGHT", "body": comment_body(item, why, None)}


def _summary_line(item: Item) -> str:
    finding = item.finding
    where = f"{item.path}:{finding.start.row}:{finding.start.column}"
    return f"- {escape(where)} **{finding.code}** {escape(finding.message)}"


def plan_review(
    found: Sequence[Item],
    *,
    commit_id: str,
    patches: Mapping[str, str | None],
    sources: Mapping[str, str],
    existing: Iterable[Mapping[str, Any]],
    bot_login: str,
    previous_summaries: Iterable[str] = (),
    whys: Mapping[str, str] | None = None,
    notes: Sequence[Note] = (),
    section: Sequence[str] = (),
    section_key: str = "",
) -> Plan:
    """Decide the review: new inline comments (at most ``MAX_INLINE``: findings, then
    ``notes`` on grown loops), a summary of the rest with ``section`` (the performance diff)
    below it, and the bot's own comments whose finding or note is gone.  A new
    ``section_key`` (what the section says that matters) makes the summary news again."""
    whys = _rule_whys() if whys is None else whys
    current = {item.fingerprint for item in found} | {note.fingerprint for note in notes}
    posted: set[str] = set()
    plan = Plan(payload=None)
    for old in existing:
        match = _MARKER.search(str(old.get("body") or ""))
        if match is None or (old.get("user") or {}).get("login") != bot_login:
            continue  # not ours: never skipped on, never touched
        posted.add(match.group(1))
        if match.group(1) not in current:
            plan.delete.append(int(old["id"]))
    diff_lines = {path: right_lines(patch) for path, patch in patches.items()}
    comments: list[dict[str, Any]] = []
    for item in found:
        if item.fingerprint in posted:
            plan.already += 1
            continue
        comment: dict[str, Any] | None = None
        if len(comments) < MAX_INLINE and item.path in diff_lines:
            why = whys.get(item.finding.code, "")
            comment = _comment(item, diff_lines[item.path], sources.get(item.path), why)
        if comment is None:
            plan.summarised.append(item)
        else:
            comments.append(comment)
            plan.inline.append(item)
    for note in notes:
        if note.fingerprint in posted:
            plan.already += 1
        elif len(comments) < MAX_INLINE and note.line in diff_lines.get(note.path, ()):
            body = f"{note.body}\n\n{MARKER.format(note.fingerprint)}"
            comments.append({"path": note.path, "line": note.line, "side": "RIGHT", "body": body})
            plan.notes.append(note)
    keys = sorted(item.fingerprint for item in plan.summarised)
    if section:  # the performance diff is news once, like the findings listed with it
        keys.append(section_key)
    summary_key = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
    new_summary = bool(keys) and summary_key not in set(previous_summaries)
    if comments or new_summary:
        plan.payload = {
            "commit_id": commit_id,
            "event": "COMMENT",
            "body": summary_body(found, plan, summary_key, section),
            "comments": comments,
        }
    return plan


def summary_body(found: Sequence[Item], plan: Plan, summary_key: str, section: Sequence[str] = ()) -> str:
    """The review's body: counts, then the findings without an inline comment."""
    total = len(found)
    lines = [
        f"### perflint: {total} finding{'s' if total != 1 else ''}",
        "",
        f"{len(plan.inline) + len(plan.notes)} new inline comment(s), {plan.already} already "
        f"commented, {len(plan.summarised)} listed below.",
    ]
    if plan.summarised:
        lines += ["", "Findings outside the diff or beyond the inline limit:", ""]
        budget = MAX_SUMMARY_CHARS - sum(len(line) + 1 for line in section)
        for listed, item in enumerate(plan.summarised):
            line = _summary_line(item)
            budget -= len(line) + 1
            if listed == MAX_SUMMARY_LINES or budget < 0:
                rest = len(plan.summarised) - listed
                lines.append(f"- and {rest} more (`perflint check --since` lists them all)")
                break
            lines.append(line)
    if section:
        lines += ["", *section]
    lines += ["", SUMMARY_MARKER.format(summary_key)]
    return "\n".join(lines)


def summary_keys(reviews: Iterable[Mapping[str, Any]], bot_login: str) -> list[str]:
    """The summary markers of the bot's earlier reviews."""
    keys = []
    for review in reviews:
        if (review.get("user") or {}).get("login") != bot_login:
            continue
        match = _SUMMARY_MARKER.search(str(review.get("body") or ""))
        if match:
            keys.append(match.group(1))
    return keys
