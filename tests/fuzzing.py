"""Programs to throw at perflint, and what must hold for every one of them.

Three sources: hypothesmith's grammar-driven programs (valid syntax, rarely a candidate),
programs built from templates that trigger every rule inside random surroundings (names,
nesting, comments, continuations, odd whitespace, tabs, form feeds, CRLF and CR newlines,
non-ASCII names), and standard-library files mutated line by line (deleted, duplicated,
swapped and re-indented lines, rule snippets inserted).

The oracles (``problems``): linting raises nothing; the findings are the same with and without
the prefilter; every fixed file compiles; a second ``--fix`` changes nothing; no fixable
finding and no dropped fix is left after ``--fix`` (with and without unsafe fixes); no edit
lies outside the statement its finding is in.

``tests/test_fuzz.py`` runs a few seconds of this in the normal suite (marker ``fuzz``);
``python tests/fuzzing.py --programs 20000 --files 500`` is the long run, which records every
problem instead of stopping at the first.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import random
import sys
import sysconfig
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import libcst as cst
from hypothesis import strategies as st

from perflint import Settings, lint_source
from perflint.engine.lint import PARSER_LIMIT
from perflint.engine.noqa import UNUSED_NOQA
from perflint.rules.registry import builtin_rules
from perflint.types import Edit, Finding, current_target

RULES = tuple(spec.code for spec in builtin_rules())
#: Every rule (PFL105 only applies to py310), the running version's, and the newest (on an
#: older CPython, a file it rejects is then left to libcst: the newer-syntax path).
TARGETS = tuple(dict.fromkeys(("py310", current_target(), "py313")))

# -- the oracles ------------------------------------------------------------------------------


def _compiles(text: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "fuzz.py", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            return f"{type(error).__name__}: {error}"
    return None


def _statement_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]] | None:
    """(start, end) of every statement, as (row, column) with 1-based character columns."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    from perflint.text.lines import split_lines

    lines = split_lines(text)

    def column(row: int, byte: int) -> int:
        line = lines[row - 1] if row <= len(lines) else ""
        return len(line.encode("utf-8")[:byte].decode("utf-8", "replace")) + 1

    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.end_lineno is not None:
            first = node.lineno
            decorators = getattr(node, "decorator_list", ())
            start = (node.lineno, column(node.lineno, node.col_offset))
            if decorators:
                first = min(d.lineno for d in decorators)
                start = (first, 1)
            spans.append((start, (node.end_lineno, column(node.end_lineno, node.end_col_offset or 0))))
    return spans


def _edits_inside(text: str, findings: tuple[Finding, ...]) -> list[str]:
    """Every edit lies inside the statements its finding spans: from the start of the
    smallest statement holding the finding's start to the end of the smallest holding its
    end (``out = []`` and the loop after it, for PFL201)."""
    spans = _statement_spans(text)
    if spans is None:
        return []
    from perflint.text.lines import physical_lines

    lines = physical_lines(text)
    bounds = _token_bounds(text)
    comments = _comment_columns(text)

    def smallest(point: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
        holding = [(a, b) for a, b in spans if a <= point <= b]
        return min(holding, key=lambda s: (s[1][0] - s[0][0], s[1][1] - s[0][1])) if holding else None

    problems = []
    for finding in findings:
        if finding.fix is None:
            continue
        start = (finding.start.row, finding.start.column)
        end = (finding.end.row, finding.end.column)
        if finding.code == UNUSED_NOQA:  # a comment's finding: its edits stay in the comments
            problems += [
                f"{finding.code} at {start}: edit {edit.start.row}:{edit.start.column} outside the comments"
                for edit in finding.fix.edits
                if not _in_comments(lines, comments, edit)
            ]
            continue
        first, last = smallest(start), smallest(end)
        if first is None or last is None:
            problems.append(f"{finding.code} at {start}-{end} lies in no statement")
            continue
        low, high = first[0], last[1]
        flagged = _squeezed(finding.flagged_code or "")
        for edit in finding.fix.edits:
            if _module_import(edit):
                continue  # a fix-imports insertion: before a top-level statement, by design
            replaced = _squeezed(_text_between(lines, edit.start, edit.end))
            # (PFL201 moves the lines between the list and its loop: they are in the finding's
            # range, not in its flagged code, which shows the two statements)
            if replaced not in flagged and replaced not in _squeezed(
                _text_between(lines, finding.start, finding.end)
            ):
                problems.append(
                    f"{finding.code} at {start}: edit {edit.start.row}:{edit.start.column} replaces"
                    f" {replaced[:40]!r}, which is not in the flagged code"
                )
            edges = (edit.start.row, edit.start.column), (edit.end.row, edit.end.column)
            if bounds is not None and (edges[0] not in bounds[0] or edges[1] not in bounds[1]):
                problems.append(
                    f"{finding.code} at {start}: edit {edit.start.row}:{edit.start.column}-"
                    f"{edit.end.row}:{edit.end.column} cuts a token"
                )
            if not (low <= (edit.start.row, edit.start.column) and (edit.end.row, edit.end.column) <= high):
                problems.append(
                    f"{finding.code} at {start}: edit {edit.start.row}:{edit.start.column}-"
                    f"{edit.end.row}:{edit.end.column} outside its statements {low}-{high}"
                )
    return problems


def _comment_columns(text: str) -> dict[int, int]:
    """Row -> the 0-based column where the row's comment starts (tokenize's COMMENT)."""
    import io
    import tokenize

    found: dict[int, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found.setdefault(token.start[0], token.start[1])
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return found


def _in_comments(lines: list[str], comments: dict[int, int], edit: Edit) -> bool:
    """The edit is on one row, within its comment and the blanks right before it."""
    if not comments:
        return True  # tokenize could not read the text: not judged here
    row = edit.start.row
    if edit.end.row != row or row not in comments or row > len(lines):
        return False
    line = lines[row - 1].rstrip("\r\n")
    begin, stop = edit.start.column - 1, edit.end.column - 1
    return begin <= comments[row] and not line[begin : comments[row]].strip(" \t\f") or (
        comments[row] <= begin and stop <= len(line)
    )


def _module_import(edit: Edit) -> bool:
    """An insertion of ``import NAME`` lines at the start of a line (``fix-imports``)."""
    lines = edit.content.splitlines(keepends=True)
    return (
        edit.start == edit.end
        and edit.start.column == 1
        and bool(lines)
        and all(line.startswith("import ") and line.endswith("\n") for line in lines)
    )


def _token_bounds(text: str) -> tuple[set[tuple[int, int]], set[tuple[int, int]]] | None:
    """Where tokens start and end (1-based columns): an edit begins and ends on them. None
    when ``tokenize`` would count rows otherwise than perflint (lone CRs) or fails."""
    import io
    import tokenize

    if "\r" in text:
        return None
    starts: set[tuple[int, int]] = set()
    ends: set[tuple[int, int]] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            starts.add((token.start[0], token.start[1] + 1))
            ends.add((token.end[0], token.end[1] + 1))
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                ends.add((token.start[0] + 1, 1))  # a range may end at the next line's start
                starts.add((token.start[0] + 1, 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return starts | ends, ends | starts


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _text_between(lines: list[str], start: object, end: object) -> str:
    """The text from ``start`` to ``end`` (``Location``s) of the physical ``lines``."""
    first, last = start.row, end.row  # type: ignore[attr-defined]
    if first == last:
        return lines[first - 1][start.column - 1 : end.column - 1] if first <= len(lines) else ""  # type: ignore[attr-defined]
    middle = "".join(lines[first : last - 1])
    head = lines[first - 1][start.column - 1 :] if first <= len(lines) else ""  # type: ignore[attr-defined]
    tail = lines[last - 1][: end.column - 1] if last <= len(lines) else ""  # type: ignore[attr-defined]
    return head + middle + tail


def _signature(findings: tuple[Finding, ...]) -> list[tuple[object, ...]]:
    return [
        (f.code, f.start, f.end, f.message, f.fix, f.flagged_code, f.rewritten_code, f.context)
        for f in findings
    ]


def problems(text: str, target: str) -> list[str]:
    """What is wrong with perflint on ``text`` (empty: nothing)."""
    found: list[str] = []
    settings = Settings(select=RULES, target_version=target)
    try:
        on = lint_source(text, "fuzz.py", settings)
        off = lint_source(text, "fuzz.py", dataclasses.replace(settings, prefilter=False))
    except Exception:  # noqa: BLE001 - the first oracle: nothing raises
        return [f"exception while linting:\n{traceback.format_exc()}"]
    limited = off.error is not None and off.error.name == PARSER_LIMIT
    if not limited:
        if _signature(on.findings) != _signature(off.findings):
            extra = set(_signature(on.findings)) ^ set(_signature(off.findings))
            found.append(f"findings differ with and without the prefilter: {sorted(map(str, extra))[:4]}")
        if on.error != off.error:
            found.append(f"errors differ with and without the prefilter: {on.error} / {off.error}")
    elif on.error is not None and on.error.name != PARSER_LIMIT and on.error != off.error:
        found.append(f"prefilter changed a syntax error: {on.error}")
    if on.error is None and _compiles(text) is not None and not on.notes:
        found.append(f"CPython rejects the file but perflint reports no error: {_compiles(text)}")
    if on.error is not None and on.error.name == PARSER_LIMIT and "nested too deeply" not in on.error.message:
        # A limit of perflint's parser only where libcst truly cannot read the file as it is.
        try:
            faithful = cst.parse_module(text).code == text
        except Exception:  # noqa: BLE001 - any failure of libcst's is a real limit
            faithful = False
        if faithful:
            found.append(f"libcst reads the file, but perflint reports: {on.error.message}")
    found += _edits_inside(text, on.findings)
    if on.error is not None:
        return found
    for unsafe in (False, True):
        fix = dataclasses.replace(settings, fix=True, unsafe_fixes=unsafe)
        try:
            fixed = lint_source(text, "fuzz.py", fix)
        except Exception:  # noqa: BLE001
            return [*found, f"exception while fixing:\n{traceback.format_exc()}"]
        label = "unsafe " if unsafe else ""
        new = fixed.fixed_source if fixed.fixed_source is not None else text
        if fixed.dropped_fixes:
            found.append(f"{label}fixes dropped: {fixed.dropped_fixes[:2]}")
        if fixed.error is not None:
            found.append(f"{label}fix left an error: {fixed.error.message}")
            continue
        if fixed.fixed and not on.notes and _compiles(new) is not None:
            found.append(f"{label}fixed file does not compile: {_compiles(new)}")
        left = [f for f in fixed.findings if f.fixable(unsafe)]
        if left:
            found.append(f"{label}fixable findings left after --fix: {[(f.code, f.start) for f in left][:3]}")
        again = lint_source(new, "fuzz.py", fix)
        if again.fixed or (again.fixed_source is not None and again.fixed_source != new):
            found.append(f"a second {label}--fix changed the file again ({again.fixed} fixes)")
    return found


# -- template programs that trigger the rules -------------------------------------------------

_NAMES = ["nums", "items", "data", "d", "mapping", "seq", "x", "y", "i", "j", "k", "v", "out",
          "result", "acc", "values", "keys", "\u00e9l\u00e9ments", "\u540d\u524d", "\u03bb", "_", "rows", "match",
          "case", "type", "self", "total", "item", "num", "element"]  # fmt: skip

_BINDINGS = [
    "{seq} = (1, 2, 3)", "{seq} = [1, 2, 3]", "{seq} = 'abc'", "{seq} = b'abc'", "{seq} = list()",
    "{d} = {{}}", "{d} = dict(a=1)", "{d} = {{'a': 1}}", "{seq} = {{1, 2}}", "{seq} = make()",
    "{seq}: list = []", "{d} = {{k: k for k in {seq}}}", "{seq} = [i for i in range(3)]",
]  # fmt: skip

_SNIPPETS = [
    # PFL101
    "for {i} in range(len({seq})):\n    {use}({seq}[{i}])",
    "for {i} in range(0, len({seq})):\n    total = {seq}[{i}] + {seq}[{i}]",
    "for {i} in range(len({seq})):\n    {seq}[{i}] = 0",
    "for {i} in range(len({seq})):\n    print({i}, {seq}[{i}])",
    "out = [{seq}[{i}] for {i} in range(len({seq}))]",
    "for {i} in range(len({seq})):\n    {seq}.append({seq}[{i}])",
    "for {i} in range(len({seq})):\n    f = lambda: {seq}[{i}]",
    # PFL102
    "for {k} in {d}.keys():\n    {use}({k})",
    "if {k} in {d}.keys():\n    pass",
    "found = {k} not in {d}.keys()",
    "out = [{k} for {k} in {d}.keys()if {k}]",
    "for {k} in ({d}).keys(): pass",
    "for {k} in self.keys():\n    pass",
    "if hasattr({d}, 'keys'):\n    for {k} in {d}.keys():\n        pass",
    # PFL103
    "for {k}, _ in {d}.items():\n    {use}({k})",
    "for _, {v} in {d}.items():\n    {use}({v})",
    "for ({k}, {v}) in {d}.items():\n    print({k})",
    "for({k},{v})in {d}.items():print({v})",
    "out = {{{k}: 1 for {k}, {v} in {d}.items()}}",
    "for [{k}, {v}] in {d}.items():\n    print({v})",
    # PFL104
    "for {x} in list({seq}):\n    {use}({x})",
    "for {x} in list([1, 2, 3]):\n    print({x})",
    "for {x} in list({seq}):\n    {seq}.remove({x})",
    "out = [{x} for {x} in list({seq})]",
    "for {x} in list(({seq})):\n    print({x})",
    # PFL105
    "for {x} in {seq}:\n    try:\n        {use}({x})\n    except ValueError:\n        break",
    "while True:\n    try:\n        {x} = next(it)\n    except StopIteration:\n        break",
    "for {x} in {seq}:\n    try:\n        pass\n    except Exception:\n        return",
    # PFL201
    "{out} = []\nfor {x} in {seq}:\n    {out}.append({x})",
    "{out} = []\nfor {x} in {seq}:\n    if {x}:\n        {out}.append({x} * 2)",
    "{out}: list = []\nfor {x}, {v} in {seq}:\n    {out}.append(({x}, {v}))  # keep",
    "{out} = []  # start\nfor {x} in {seq}:\n    # note\n    {out}.append({x})",
    "{out} = []\nfor {x} in {seq}: {out}.append({x})",
    "{out} = []\nfor {x} in {seq}:\n    {out}.append(lambda: {x})",
    "{out} = []\nfor {x} in {seq}:\n    {out}.append((yield {x}))",
    "{out} = [ ]\nfor {x} in range(3):\n    {out}.append(\n        {x}\n    )",
]  # fmt: skip

#: Every rule's own flagged cases (the pattern rules' too), as snippets of their own.
_SNIPPETS += [
    case.code.replace("{", "{{").replace("}", "}}").rstrip("\n")
    for spec in builtin_rules()
    for case in spec.invalid
]

_NOISE = [
    "print({x})", "{seq}.append({x})", "global {x}", "del {seq}", "{i} = 0", "{x} = locals()",
    "return {x}", "yield {x}", "pass", "{d}[{k}] = {v}", "{use} = {seq}", "import {x}",
    "from m import {x}", "assert {x}, 'msg'", "{x} += 1", "nonlocal {x}",
    "with open({x}) as {v}:\n    pass", "if {x}:\n    pass\nelse:\n    {x} = 1",
    "class {use}:\n    pass", "def {use}({x}=1, *args, **kw):\n    return {x}",
]  # fmt: skip

_WRAPPERS = [
    "def {fn}({params}):\n{body}",
    "async def {fn}({params}):\n{body}",
    "class {cls}:\n{body}",
    "class {cls}(Base):\n    def method(self, {params}):\n{body2}",
    "if {x}:\n{body}",
    "while {x}:\n{body}",
    "try:\n{body}\nexcept Exception:\n    pass",
    "with ctx() as {v}:\n{body}",
    "for {v} in range(3):\n{body}",
]  # fmt: skip


def _reindent(code: str, unit: str) -> str:
    """``code`` (indented by four spaces a level) indented by ``unit`` a level."""
    out = []
    for line in code.splitlines(True):
        stripped = line.lstrip(" ")
        out.append(unit * ((len(line) - len(stripped)) // 4) + stripped)
    return "".join(out)


def _indent(code: str, unit: str) -> str:
    return "".join(unit + line if line.strip() else line for line in code.splitlines(True))


def _format(draw: st.DrawFn, text: str) -> str:
    """Comments, blank lines, trailing spaces, form feeds, continuations and newlines."""
    lines = text.splitlines()
    out = []
    for line in lines:
        choice = draw(st.integers(0, 19))
        if choice == 0:
            line += "  # comment"
        elif choice == 1:
            out.append("")
        elif choice == 2 and line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + "# a comment line")
        elif choice == 3:
            line += "   "
        elif choice == 4 and not line.startswith((" ", "\t")):
            line = "\x0c" + line
        elif choice == 5 and line.rstrip().endswith(")") and "(" in line and "#" not in line:
            at = line.index("(") + 1
            indent = line[: len(line) - len(line.lstrip())]
            line = line[:at] + "\n" + indent + indent[:1] * 2 + line[at:]
        elif choice == 6 and "=" in line and "#" not in line and not line.rstrip().endswith(":"):
            at = line.index("=") + 1
            line = line[:at] + " \\\n" + line[: len(line) - len(line.lstrip())] + line[at:]
        elif choice == 7 and " in " in line and "#" not in line:
            line = line.replace(" in ", "  in  ", 1)
        out.append(line)
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    text = newline.join(out)
    if draw(st.booleans()):
        text += newline
    return text


@st.composite
def rule_programs(draw: st.DrawFn) -> str:
    """A program of rule snippets, bindings and noise, nested and formatted at random."""
    names = {key: draw(st.sampled_from(_NAMES)) for key in ("seq", "d", "i", "k", "v", "x", "out")}
    names["use"] = draw(st.sampled_from(["print", "f", "len", "list", "sum", "range", "g"]))
    names["fn"] = draw(st.sampled_from(["f", "g", "main", "__iter__", "\u00e9t\u00e9", "keys"]))
    names["cls"] = draw(st.sampled_from(["A", "Mapping", "C\u00e9"]))
    names["params"] = draw(st.sampled_from(["", "nums", "self, d", "seq, d=None, *rest", "x, /, y"]))

    def fill(template: str) -> str:
        return template.format(**names)

    unit = draw(st.sampled_from(["    ", "  ", "\t", "        "]))

    def block() -> str:
        parts = []
        for _ in range(draw(st.integers(1, 5))):
            kind = draw(st.sampled_from(["snippet", "snippet", "binding", "noise"]))
            pool = {"snippet": _SNIPPETS, "binding": _BINDINGS, "noise": _NOISE}[kind]
            parts.append(_reindent(fill(draw(st.sampled_from(pool))), unit))
        return "\n".join(parts) + "\n"

    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        body = block()
        for _ in range(draw(st.integers(0, 3))):
            wrapper = fill(draw(st.sampled_from(_WRAPPERS)).replace("{body}", "@B@").replace("{body2}", "@C@"))
            body = wrapper.replace("@B@", _indent(body, unit).rstrip("\n")).replace(
                "@C@", _indent(body, unit + unit).rstrip("\n")
            ) + "\n"
        pieces.append(body)
    text = "\n".join(pieces)
    if draw(st.booleans()):  # most noise (``return``, ``yield``) wants a function around it
        text = fill("def {fn}({params}):\n") + _indent(text, unit)
    return _format(draw, text)


def hypothesmith_programs() -> st.SearchStrategy[str]:
    import hypothesmith

    return hypothesmith.from_grammar()


# -- mutated standard-library files -----------------------------------------------------------


@cache
def stdlib_files() -> tuple[Path, ...]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return tuple(
        path
        for path in sorted(root.rglob("*.py"))
        if "site-packages" not in path.parts and path.is_file() and path.stat().st_size < 60_000
    )


def mutated(path: Path, seed: int) -> str:
    """``path``'s text with a few random line-level mutations and rule snippets."""
    rng = random.Random(seed)
    try:
        lines = path.read_text("utf-8").splitlines(True)
    except (UnicodeDecodeError, OSError):
        return ""
    names = {key: rng.choice(_NAMES) for key in ("seq", "d", "i", "k", "v", "x", "out")}
    names.update(use="print", fn="f", cls="A", params="")
    for _ in range(rng.randint(1, 6)):
        if not lines:
            break
        at = rng.randrange(len(lines))
        line = lines[at]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        kind = rng.randrange(6)
        if kind == 0:
            del lines[at]
        elif kind == 1:
            lines.insert(at, line)
        elif kind == 2 and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif kind == 3:
            lines[at] = rng.choice(["", " ", "    ", "\t"]) + line.lstrip(" \t")
        else:
            snippet = rng.choice(_SNIPPETS).format(**names)
            lines.insert(at, _indent(snippet + "\n", indent) if indent else snippet + "\n")
    text = "".join(lines)
    newline = rng.choice(["\n", "\n", "\n", "\n", "\r\n", "\r\n", "\r"])
    return text.replace("\n", newline) if newline != "\n" else text


# -- the long run -----------------------------------------------------------------------------


def _examples(strategy: st.SearchStrategy[str], count: int, seed: int) -> Iterator[str]:
    """``count`` examples of ``strategy`` (hypothesis' own generation, no shrinking)."""
    from hypothesis import HealthCheck, given, settings

    collected: list[str] = []

    @settings(
        max_examples=count, deadline=None, database=None, derandomize=False,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(strategy)
    def collect(text: str) -> None:
        collected.append(text)

    random.seed(seed)
    collect()
    yield from collected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the long fuzz run")
    parser.add_argument("--programs", type=int, default=2000, help="generated programs")
    parser.add_argument("--files", type=int, default=100, help="mutated standard-library files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=500, help="programs per hypothesis batch")
    parser.add_argument("--report", type=Path, default=Path("fuzz-report.txt"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    failures: list[tuple[str, str, list[str]]] = []

    def run(kind: str, text: str) -> None:
        target = TARGETS[counts[kind] % len(TARGETS)]
        counts[kind] += 1
        found = problems(text, target)
        if found:
            failures.append((kind, text, found))
            with args.report.open("a", encoding="utf-8") as report:
                report.write(f"=== {kind} #{counts[kind]} target {target}\n{text!r}\n")
                report.write("\n".join(found) + "\n\n")

    sources: list[tuple[str, Callable[[], st.SearchStrategy[str]]]] = [
        ("templates", rule_programs),
        ("hypothesmith", hypothesmith_programs),
    ]
    batch = 0
    while sum(counts[kind] for kind, _ in sources) < args.programs:
        for kind, strategy in sources:
            share = args.programs * (3 if kind == "templates" else 1) // 4
            todo = min(args.chunk, share - counts[kind])
            if todo <= 0:
                continue
            for text in _examples(strategy(), todo, args.seed + batch):
                run(kind, text)
            batch += 1
        print(f"{dict(counts)} problems {len(failures)} {time.perf_counter() - started:.0f}s", flush=True)
        if all(counts[kind] >= args.programs * (3 if kind == "templates" else 1) // 4 for kind, _ in sources):
            break
    files = stdlib_files()
    rng = random.Random(args.seed)
    for number in range(args.files):
        path = files[rng.randrange(len(files))]
        text = mutated(path, args.seed * 100_000 + number)
        if text:
            run("mutated", text)
        if number % 50 == 49:
            print(f"{dict(counts)} problems {len(failures)} {time.perf_counter() - started:.0f}s", flush=True)
    seconds = time.perf_counter() - started
    print(
        f"done: {dict(counts)} on CPython {sys.version.split()[0]} in {seconds:.0f} s;"
        f" {len(failures)} programs with problems (see {args.report})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
