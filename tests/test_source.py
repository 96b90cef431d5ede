"""PEP 263 cookies choose a codec: perflint accepts only text encodings that read ASCII as itself
and give the file's bytes back, and any other codec is that file's PFL000, never the run's end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from perflint import Settings
from perflint.cli.main import cli
from perflint.engine.runner import lint_file
from perflint.text.source import SourceError, decode, encode

BODY = "d = {}\nfor k in d.keys():\n    print('a\\nb')\n\n\n"
GOOD = "for i in range(len(word)):\n    print(word[i])\n"


def _module(encoding: str, body: str = BODY) -> bytes:
    return f"# -*- coding: {encoding} -*-\n{body}".encode("ascii")


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "latin-1", "cp1252", "koi8-r", "shift_jis", "euc_jp", "gb18030", "big5"]
    + ["iso2022_jp"],
)
def test_text_encodings_that_read_ascii_as_itself_are_accepted(encoding: str) -> None:
    source = decode(_module(encoding))
    assert source.text.endswith(BODY)
    assert encode(source.text, source.encoding) == _module(encoding)


@pytest.mark.parametrize(
    ("encoding", "why"),
    [
        ("undefined", "does not read ASCII text as itself"),
        ("punycode", "does not read ASCII text as itself"),
        ("unicode_escape", "does not read ASCII text as itself"),
        ("utf-7", "does not read ASCII text as itself"),  # `+` starts an escape
        ("hz", "does not read ASCII text as itself"),  # `~` starts an escape
        ("cp037", "does not read ASCII text as itself"),  # EBCDIC
        ("utf-16", "does not read ASCII text as itself"),
        ("utf-32", "does not read ASCII text as itself"),
        ("rot13", "is not a text encoding"),
        ("hex", "is not a text encoding"),
        ("base64", "is not a text encoding"),
        ("zlib", "is not a text encoding"),
        ("bz2", "is not a text encoding"),
        ("uu", "is not a text encoding"),
        ("quopri", "is not a text encoding"),
    ],
)
def test_other_codecs_are_refused(encoding: str, why: str) -> None:
    with pytest.raises(SourceError) as caught:
        decode(_module(encoding))
    assert str(caught.value) == f"encoding {encoding!r} {why}: not linted"


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("raw_unicode_escape", "s = '\\u0041'\n"),  # the reader sees \u0041, CPython an A
        ("idna", "x = 1\n" + "y" * 70 + " = 2\n"),  # a label over 63 characters
    ],
)
def test_a_codec_that_does_not_give_the_bytes_back_is_refused(encoding: str, body: str) -> None:
    with pytest.raises(SourceError, match="does not give this file's bytes back"):
        decode(_module(encoding, body))


def test_a_fix_that_cannot_be_encoded_back_is_an_error_with_its_finding(tmp_path: Path) -> None:
    """idna encodes per dot-separated label of at most 63 characters: removing `.keys()`
    joins two labels into one too long, so the fixed text has no idna encoding."""
    name = "k" * 21
    body = f"x = 1.5\nd = {{}}\nfor {name} in d.keys(): print({name}, 2.5)\n"
    path = tmp_path / "a.py"
    path.write_bytes(_module("idna", body))
    result = lint_file(str(path), Settings(select=("PFL102",), fix=True))
    assert result.error is not None
    assert result.error.message == "the fixed code cannot be encoded as idna"
    assert [finding.code for finding in result.findings] == ["PFL102"]
    assert path.read_bytes() == _module("idna", body)


def test_unicode_escape_never_turns_lines_into_one(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(_module("unicode_escape"))
    result = lint_file(str(path), Settings(select=("PFL102",), fix=True))
    assert result.error is not None and "unicode_escape" in result.error.message
    assert path.read_bytes() == _module("unicode_escape")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_one_bad_codec_per_file_leaves_the_rest_of_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = ["undefined", "punycode", "unicode_escape", "rot13", "hex", "base64", "zlib", "uu"]
    for encoding in bad:
        (tmp_path / f"c_{encoding}.py").write_bytes(_module(encoding))
    (tmp_path / "good.py").write_text(GOOD)
    done = CliRunner().invoke(cli, ["check", "--format", fmt, "-j", "2", "--fix", "."])
    assert done.exit_code == 2, done.output
    if fmt == "json":
        codes = {(item["filename"], item["code"]) for item in json.loads(done.stdout)}
        assert codes == {("good.py", "PFL101")} | {(f"c_{e}.py", "PFL000") for e in bad}
    else:
        run = json.loads(done.stdout)["runs"][0]
        notes = run["invocations"][0]["toolExecutionNotifications"]
        located = [note["locations"][0]["physicalLocation"] for note in notes]
        assert {where["artifactLocation"]["uri"] for where in located} == {f"c_{e}.py" for e in bad}
        assert any(result["ruleId"] == "PFL101" for result in run["results"])
    for encoding in bad:
        assert (tmp_path / f"c_{encoding}.py").read_bytes() == _module(encoding)
