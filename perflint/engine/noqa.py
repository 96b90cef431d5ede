"""perflint's ``noqa`` directives in the code: which ones suppress nothing (PFL001
``unused-noqa``, with a fix that removes them) and adding them (``--add-noqa``).

Only comments count (``tokenize`` finds them; a ``"# noqa"`` inside a string is text), and
only perflint's codes: a ``# noqa: E501`` belongs to another tool, and a bare ``# noqa``
may too, so neither is ever reported or rewritten. ``# perflint: ignore[...]`` is
perflint's own, so each of its entries is.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from perflint.engine.suppress import ENTRY, IGNORE, NOQA
from perflint.text.lines import split_lines
from perflint.types import Edit, Finding, Fix, Location, RuleSpec

UNUSED_NOQA = "PFL001"
#: A code that looks like one of perflint's own, known or not.
_OURS = re.compile(r"^PFL\d{3}$")


@dataclass(frozen=True)
class Entry:
    """One code in a directive, as written, and its columns in the line (0-based, end exclusive)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Directive:
    """A ``# noqa: ...`` or ``# perflint: ignore[...]`` in a comment; a bare ``# noqa`` has no
    entries. Columns are 0-based in the line."""

    row: int
    kind: str  # "noqa" or "ignore"
    start: int  # the directive's "#"
    end: int  # after its last code (after "]" for ignore)
    entries: tuple[Entry, ...]
    #: The comment holding it: where it starts in the line, and its text.
    comment_start: int
    comment: str


#: A line break tokenize would not count as one (it reads lines up to ``\n``).
_LONE_CR = re.compile(r"\r(?!\n)")


def comments(source: str) -> Iterator[tuple[int, int, str]]:
    """Every comment of ``source`` as (row, column, text); nothing if it does not tokenize,
    or has a lone ``\r`` line break, where tokenize's rows would not be perflint's."""
    if _LONE_CR.search(source):
        return
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1], token.string
    except (tokenize.TokenError, SyntaxError):
        return


def directives(source: str) -> list[Directive]:
    """The directives in the comments of ``source``."""
    found = []
    for row, column, comment in comments(source):
        for kind, pattern in (("noqa", NOQA), ("ignore", IGNORE)):
            for match in pattern.finditer(comment):
                entries: tuple[Entry, ...] = ()
                if match.group("codes") is not None:
                    base = column + match.start("codes")
                    entries = tuple(
                        Entry(item.group(), base + item.start(), base + item.end())
                        for item in ENTRY.finditer(match.group("codes"))
                    )
                found.append(Directive(row, kind, column + match.start(), column + match.end(), entries, column, comment))
    return found


@dataclass(frozen=True)
class Unused:
    """What a directive lists that suppresses nothing, by reason."""

    unused: tuple[Entry, ...] = ()  # enabled rules that reported nothing on the line
    disabled: tuple[Entry, ...] = ()  # rules not enabled for the file
    unknown: tuple[Entry, ...] = ()  # perflint-looking codes of no rule

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (*self.unused, *self.disabled, *self.unknown)

    def detail(self) -> str:
        parts = [
            f"{label}: {', '.join(f'`{entry.text}`' for entry in group)}"
            for label, group in (("unused", self.unused), ("non-enabled", self.disabled), ("unknown", self.unknown))
            if group
        ]
        return "; ".join(parts)


def _unused(
    directive: Directive, used: set[str], enabled: set[str], rules: dict[str, RuleSpec]
) -> Unused:
    unused, disabled, unknown = [], [], []
    for entry in directive.entries:
        key = entry.text.upper()
        spec = rules.get(key)
        if spec is not None and spec.code == UNUSED_NOQA:
            continue  # a directive may keep PFL001 quiet; it is never its own finding
        if spec is None and directive.kind == "noqa" and not _OURS.match(key):
            continue  # another tool's code
        if key in used:
            continue
        if spec is None:
            unknown.append(entry)
        elif spec.code in enabled:
            unused.append(entry)
        else:
            disabled.append(entry)
    return Unused(tuple(unused), tuple(disabled), tuple(unknown))


def _removal(directive: Directive, line: str, drop: Sequence[Entry]) -> Edit:
    """The edit taking ``drop`` out of ``directive``: the whole directive when nothing else
    is left in it (and the whole comment when the directive was all of it), else the list
    with the other entries only."""
    kept = [entry for entry in directive.entries if entry not in drop]
    row = directive.row
    if kept:
        first, last = directive.entries[0], directive.entries[-1]
        original = line[first.start : last.end]
        content = ", ".join(entry.text for entry in kept)
        return Edit(Location(row, first.start + 1), Location(row, last.end + 1), content, original)
    comment_end = directive.comment_start + len(directive.comment)
    rest = line[directive.end : comment_end]
    start, end, content = directive.start, directive.end, ""
    if not rest.strip():  # nothing after it in the comment: the space before it goes too
        end = comment_end  # (on a line of its own, the indentation: the line stays, empty)
        start = len(line[:start].rstrip(" \t"))
    elif rest.lstrip().startswith("#"):  # another comment follows: it moves up
        end = directive.end + len(rest) - len(rest.lstrip())
    else:  # free text follows ("# noqa: PFL101 slow on purpose"): it stays a comment
        content = "#"
    return Edit(Location(row, start + 1), Location(row, end + 1), content, line[start:end])


def unused_noqa(
    source: str,
    path: str,
    suppressed: Iterable[Finding],
    enabled: Iterable[str],
    rules: Sequence[RuleSpec],
    spec: RuleSpec,
) -> list[Finding]:
    """A PFL001 finding for each directive that lists perflint codes suppressing nothing on
    its line; ``suppressed`` are the findings its directives hid, ``enabled`` the codes
    enabled for this file."""
    found = directives(source)
    if not found:
        return []
    used: dict[int, set[str]] = {}
    for finding in suppressed:
        used.setdefault(finding.start.row, set()).update({finding.code, finding.name.upper()})
    index = {key: rule for rule in rules for key in (rule.code, rule.name.upper())}
    enabled_codes = set(enabled)
    bare = {directive.row for directive in found if directive.kind == "noqa" and not directive.entries}
    lines = split_lines(source)
    findings = []
    for directive in found:
        if directive.row in bare or not directive.entries:
            continue  # a bare noqa hides everything on its line: nothing can be told apart
        unused = _unused(directive, used.get(directive.row, set()), enabled_codes, index)
        if not unused.entries:
            continue
        line = lines[directive.row - 1]
        edit = _removal(directive, line, unused.entries)
        kind = "directive" if len(unused.entries) == len(directive.entries) else "codes"
        title = spec.fix_title.format(what=kind).strip()
        start, end = Location(directive.row, directive.start + 1), Location(directive.row, directive.end + 1)
        findings.append(
            Finding(
                code=spec.code,
                name=spec.name,
                message=spec.message.format(detail=unused.detail()).strip(),
                path=path,
                start=start,
                end=end,
                fix=Fix("safe", title, (edit,)),
                fix_title=title,
            )
        )
    return findings


# -- --add-noqa ------------------------------------------------------------------------------


def _line_ends(source: str) -> dict[int, bool]:
    """For each row where a token ends the physical line: whether a comment may be added
    there (False where the line ends inside a string or with a backslash continuation,
    the rows that have no such token)."""
    ends: dict[int, bool] = {}
    if _LONE_CR.search(source):
        return ends
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                ends[token.start[0]] = True
            elif token.type == tokenize.ENDMARKER:
                break
    except (tokenize.TokenError, SyntaxError):
        return {}
    return ends


@dataclass(frozen=True)
class NoqaEdits:
    """What ``--add-noqa`` does to one text: the edits, how many directives they add or
    extend, and the rows that cannot take a comment."""

    edits: tuple[Edit, ...]
    added: int
    refused: tuple[int, ...]


def add_noqa(source: str, findings: Iterable[Finding]) -> NoqaEdits:
    """Edits giving each finding's first line a ``# noqa`` for its code: appended to the
    line's existing ``# noqa: ...`` list, else a new ``  # noqa: CODE`` at the end of the
    line. A line ending inside a string or with a backslash continuation is refused (a
    comment there would change the string or break the line)."""
    by_row: dict[int, set[str]] = {}
    for finding in findings:
        by_row.setdefault(finding.start.row, set()).add(finding.code)
    if not by_row:
        return NoqaEdits((), 0, ())
    lines = split_lines(source)
    ends = _line_ends(source)
    listed = {d.row: d for d in directives(source) if d.kind == "noqa" and d.entries}
    edits: list[Edit] = []
    refused = []
    for row, codes in sorted(by_row.items()):
        line = lines[row - 1].rstrip("\r\n")
        existing = listed.get(row)
        if existing is not None:
            have = {entry.text.upper() for entry in existing.entries}
            extra = sorted(codes - have)
            if extra:
                at = Location(row, existing.entries[-1].end + 1)
                edits.append(Edit(at, at, "".join(f", {code}" for code in extra), ""))
            continue
        if not ends.get(row):
            refused.append(row)
            continue
        code_end = len(line.rstrip(" \t"))
        at = Location(row, code_end + 1)
        original = line[code_end:]
        edits.append(Edit(at, Location(row, len(line) + 1), f"  # noqa: {', '.join(sorted(codes))}", original))
    return NoqaEdits(tuple(edits), len(edits), tuple(refused))
