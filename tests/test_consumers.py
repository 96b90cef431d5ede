"""Each CI format read back the way its consumer reads it (issue 3): GitLab's Code Quality
acceptance rules, reviewdog's protobuf decoding and suggestion building, SARIF's place for files
that were not analysed. The validators are in ``consumer_*.py``; each is shown to reject a
broken document, so a pass means something."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner, Result
from consumer_gitlab import gitlab_problems, gitlab_report
from consumer_reviewdog import (
    SCANNER_LIMIT,
    apply_all,
    apply_suggestion,
    check_ranges,
    parse_rdjson,
    parse_rdjsonl,
)
from google.protobuf.json_format import ParseError

from perflint import Settings, lint_source
from perflint.cli.main import cli
from perflint.engine.fixes import apply_edits
from perflint.output.formats import ReportContext, get_reporter
from perflint.rules.registry import builtin_rules
from perflint.types import Edit, FileResult, Finding, Fix, Location

UNSAFE = """\
def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result
"""
DEEP = "def keys(d):\n    return [k.upper() for k in d.keys()]\n"
#: Non-ASCII before the flagged code on its line, a form feed (a line break to str.splitlines,
#: not to Python), a multi-line PFL201 fix and a PFL101 fix of three edits on two lines.
UNICODE = """\
def f(données):
    ç = {"é": 1}; ok = "é" in ç.keys()
    noms = []
    for n in données:
        noms.append(n.upper() + "ü")
    return noms, ok
\x0c

def g(nums):
    é = "ß"; s = 0
    for i in range(len(nums)):
        s += nums[i]  # ß 💡
    return s, é
"""
#: The same loop five times in one function: five findings GitLab must keep apart.
MANY = "def f(d):\n" + "    for k in d.keys():\n        print(k)\n" * 5
ALL_RULES = Settings(
    select=tuple(spec.code for spec in builtin_rules()), unsafe_fixes=True, target_version="py312"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository checkout as a CI job sees it: subdirectories, a non-ASCII path, files
    that cannot be parsed or decoded, and many findings of one rule in one file."""
    monkeypatch.chdir(tmp_path)
    files = {
        "pkg/unsafe.py": UNSAFE.encode(),
        "pkg/sub/deep.py": DEEP.encode(),
        "données/café.py": UNICODE.encode(),
        "many.py": MANY.encode(),
        "broken.py": b"def f(:\n",
        "latin.py": b"x = '\xff'\n",  # no coding cookie: not UTF-8, not decodable
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--jobs", "1", "--target-version", "py312", *args])


# -- GitLab Code Quality ----------------------------------------------------------------------


def test_gitlab_keeps_every_issue_of_a_real_report(project: Path) -> None:
    result = run("--format", "gitlab", ".")
    assert result.exit_code == 2, result.output  # two files could not be analysed
    issues = gitlab_report(result.stdout)
    by_path: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        by_path.setdefault(issue["location"]["path"], []).append(issue)
    assert set(by_path) == {"pkg/unsafe.py", "pkg/sub/deep.py", "données/café.py", "many.py", "broken.py", "latin.py"}
    assert [i["severity"] for i in by_path["broken.py"] + by_path["latin.py"]] == ["major", "major"]
    assert by_path["latin.py"][0]["check_name"] == "PFL000 file-error"
    assert [i["location"]["lines"]["begin"] for i in by_path["many.py"]] == [2, 4, 6, 8, 10]
    assert len(by_path["données/café.py"]) == 3


def test_gitlab_report_is_ascii_and_round_trips_non_ascii_paths(project: Path) -> None:
    text = run("--format", "gitlab", "données").stdout
    assert text.isascii()  # whatever encoding the CI job's stdout has
    assert {i["location"]["path"] for i in gitlab_report(text)} == {"données/café.py"}


def test_gitlab_paths_and_fingerprints_do_not_depend_on_how_files_are_named(project: Path) -> None:
    spellings = ("pkg", "./pkg", "pkg/../pkg", str(project / "pkg"))
    reports = [gitlab_report(run("--format", "gitlab", spelling).stdout) for spelling in spellings]
    located = [sorted((i["location"]["path"], i["fingerprint"]) for i in issues) for issues in reports]
    assert located[0][0][0] == "pkg/sub/deep.py"
    assert all(other == located[0] for other in located[1:])


def _good_issue() -> dict[str, Any]:
    return {
        "description": "PFL101 slow",
        "check_name": "PFL101 range-len-index",
        "fingerprint": "abc",
        "severity": "minor",
        "location": {"path": "pkg/a.py", "lines": {"begin": 3, "end": 3}},
    }


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(issue: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            issue = issue[key]
        if value is _DELETE:
            del issue[last]
        else:
            issue[last] = value

    return change


_DELETE = object()
BROKEN_ISSUES = {
    "severity-warning": _set("severity", "warning"),
    "no-lines-begin": _set("location.lines", {"end": 3}),
    "no-lines-nor-positions": _set("location.lines", _DELETE),
    "line-zero": _set("location.lines.begin", 0),
    "line-as-string": _set("location.lines.begin", "3"),
    "no-check-name": _set("check_name", _DELETE),
    "no-fingerprint": _set("fingerprint", _DELETE),
    "path-dot-slash": _set("location.path", "./pkg/a.py"),
    "path-absolute": _set("location.path", "/repo/pkg/a.py"),
    "path-backslash": _set("location.path", "pkg\\a.py"),
    "path-outside": _set("location.path", "../other/a.py"),
    "end-before-begin": _set("location.lines.end", 2),
}


@pytest.mark.parametrize("change", BROKEN_ISSUES.values(), ids=BROKEN_ISSUES.keys())
def test_gitlab_validator_rejects_a_broken_issue(change: Callable[[dict[str, Any]], None]) -> None:
    issue = _good_issue()
    assert gitlab_problems(json.dumps([issue])) == []
    change(issue)
    assert gitlab_problems(json.dumps([issue]))


def test_gitlab_validator_rejects_broken_reports() -> None:
    twice = [_good_issue(), {**_good_issue(), "location": {"path": "b.py", "lines": {"begin": 1}}}]
    assert any("fingerprint" in problem for problem in gitlab_problems(json.dumps(twice)))
    assert gitlab_problems(json.dumps({"issues": [_good_issue()]}))  # not an array
    assert gitlab_problems('[{"description": ')  # not JSON
    positions = _good_issue()
    positions["location"] = {"path": "a.py", "positions": {"begin": {"line": 1, "column": 2}}}
    assert gitlab_problems(json.dumps([positions])) == []  # GitLab's other location form


# -- reviewdog --------------------------------------------------------------------------------


def test_reviewdog_decodes_rdjson_and_rdjsonl_of_a_real_run(project: Path) -> None:
    document = parse_rdjson(run("--format", "rdjson", ".").stdout)
    lines = parse_rdjsonl(run("--format", "rdjsonl", ".").stdout)
    assert document == lines
    paths = {item["location"]["path"] for item in lines}
    assert paths == {"pkg/unsafe.py", "pkg/sub/deep.py", "données/café.py", "many.py", "broken.py", "latin.py"}
    for path in paths - {"latin.py"}:  # latin.py's bytes are not UTF-8: reviewdog cannot slice them either
        check_ranges((project / path).read_bytes(), [item for item in lines if item["location"]["path"] == path])


def test_reviewdog_suggestions_apply_to_what_fix_writes(project: Path) -> None:
    path = project / "données" / "café.py"
    original = path.read_bytes()
    diagnostics = parse_rdjson(run("--format", "rdjson", str(path.relative_to(project))).stdout)
    findings = lint_source(UNICODE, "données/café.py", ALL_RULES).findings
    assert [d["code"]["value"] for d in diagnostics] == [f.code for f in findings] == ["PFL102", "PFL201", "PFL101"]
    check_ranges(original, diagnostics)
    lines = original.split(b"\n")
    for diagnostic, finding in zip(diagnostics, findings):
        # reviewdog offers each suggestion on its own: alone, it must be the whole fix.
        [suggestion] = diagnostic["suggestions"]
        alone = b"\n".join(apply_suggestion(lines, suggestion)).decode("utf-8")
        assert alone == apply_edits(UNICODE, [finding]).text, finding.code
    assert run("--fix", "--unsafe-fixes", "données").exit_code == 0
    assert apply_all(original, diagnostics) == path.read_bytes() != original


def test_reviewdog_suggestion_of_a_multi_line_fix() -> None:
    context = ReportContext(source=lambda result: UNICODE)
    findings = lint_source(UNICODE, "c.py", ALL_RULES).findings
    pfl201 = next(f for f in findings if f.code == "PFL201")
    [item] = parse_rdjsonl(get_reporter("rdjsonl")([FileResult("c.py", (pfl201,))], context))
    [suggestion] = item["suggestions"]
    assert (suggestion["range"]["start"]["line"], suggestion["range"]["end"]["line"]) == (3, 5)
    assert suggestion["text"] == 'noms = [n.upper() + "ü" for n in données]'


def _finding(message: str = "slow", edits: tuple[Edit, ...] = ()) -> Finding:
    fix = Fix("safe", "Iterate directly", edits) if edits else None
    return Finding("PFL101", "range-len-index", message, "a.py", Location(1, 1), Location(1, 4), fix=fix)


def test_reviewdog_without_the_source_offers_only_single_edit_fixes() -> None:
    one = _finding(edits=(Edit(Location(1, 1), Location(1, 2), "y"),))
    two = _finding(edits=(Edit(Location(1, 1), Location(1, 2), "y"), Edit(Location(2, 1), Location(2, 2), "z")))
    items = parse_rdjsonl(get_reporter("rdjsonl")([FileResult("a.py", (one, two))], ReportContext()))
    assert [len(item.get("suggestions", [])) for item in items] == [1, 0]  # half a fix is worse than none


def test_rdjsonl_lines_fit_reviewdogs_line_scanner() -> None:
    huge = _finding("x" * (SCANNER_LIMIT + 10), (Edit(Location(1, 1), Location(1, 2), "y" * SCANNER_LIMIT),))
    results = [FileResult("a.py", (huge, _finding("after")))]
    items = parse_rdjsonl(get_reporter("rdjsonl")(results, ReportContext()))
    assert [item["message"][:5] for item in items] == ["xxxxx", "after"]  # nothing after it lost
    assert "suggestions" not in items[0] and items[0]["message"].endswith("...")


def _rdjson_with(change: Callable[[dict[str, Any]], None]) -> str:
    document = json.loads(get_reporter("rdjson")([FileResult("a.py", (_finding(),))], ReportContext()))
    broken = copy.deepcopy(document)
    change(broken)
    return json.dumps(broken)


BROKEN_RDJSON = {
    "severity-warn": lambda d: d["diagnostics"][0].update(severity="warn"),
    "unknown-field": lambda d: d["diagnostics"][0].update(fixable=True),
    "unknown-top-level-field": lambda d: d.update(version="1"),
    "line-not-a-number": lambda d: d["diagnostics"][0]["location"]["range"]["start"].update(line="three"),
    "message-not-a-string": lambda d: d["diagnostics"][0].update(message=["slow"]),
    "suggestion-text-as-list": lambda d: d["diagnostics"][0].update(suggestions=[{"text": ["y"]}]),
}


@pytest.mark.parametrize("change", BROKEN_RDJSON.values(), ids=BROKEN_RDJSON.keys())
def test_reviewdog_decoder_rejects_a_broken_document(change: Callable[[dict[str, Any]], None]) -> None:
    assert parse_rdjson(_rdjson_with(lambda d: None))
    with pytest.raises(ParseError):
        parse_rdjson(_rdjson_with(change))


def test_reviewdog_decoder_rejects_broken_rdjsonl() -> None:
    line = json.dumps(json.loads(get_reporter("rdjsonl")([FileResult("a.py", (_finding(),))], ReportContext())))
    assert parse_rdjsonl(line + "\n")
    for broken in (line.replace('"WARNING"', '"warn"'), line[:-1] + ', "extra": 1}', line + "\n\n" + line):
        with pytest.raises(ParseError):
            parse_rdjsonl(broken)


def test_suggestion_checks_catch_character_columns() -> None:
    """A suggestion counted in characters instead of UTF-8 bytes is caught, not applied."""
    source = "x = 'é'; y = list(d.keys())\n".encode()
    in_characters = {"range": {"start": {"line": 1, "column": 19}, "end": {"line": 1, "column": 27}}, "text": "d"}
    in_bytes = {"range": {"start": {"line": 1, "column": 20}, "end": {"line": 1, "column": 28}}, "text": "d"}
    assert apply_all(source, [{"suggestions": [in_bytes]}]) == "x = 'é'; y = list(d)\n".encode()
    assert apply_all(source, [{"suggestions": [in_characters]}]) != "x = 'é'; y = list(d)\n".encode()
    inside = {"range": {"start": {"line": 1, "column": 7}, "end": {"line": 1, "column": 7}}, "text": ""}
    with pytest.raises(AssertionError, match="inside a UTF-8 character"):
        apply_all(source, [{"suggestions": [inside]}])
