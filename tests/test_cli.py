"""The ``perflint`` command through click's CliRunner: arguments, exit codes, output, fixing."""

from __future__ import annotations

import json
import os
import re
import stat
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from perflint.cli.main import cli
from perflint.rules.registry import builtin_rules

# Unsafe fix: `nums` is a parameter, it could be anything indexable.
UNSAFE = """\
def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result
"""
UNSAFE_FIXED = UNSAFE.replace("for i in range(len(nums))", "for num in nums").replace(
    "nums[i]", "num"
)

# Safe fix: a tuple literal indexes exactly as it iterates.
SAFE = """\
def letters():
    word = ("a", "b", "c")
    out = ""
    for i in range(len(word)):
        out += word[i]
    return out
"""
SAFE_FIXED = SAFE.replace("for i in range(len(word))", "for word_item in word").replace(
    "word[i]", "word_item"
)
CLEAN = "def ok(nums):\n    return sum(nums)\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory as the cwd, with no colour from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.10"\n'
    )
    return tmp_path


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(
        cli,
        ["--jobs", "1", *args] if args and args[0] not in ("rules", "explain") else list(args),
        input=input,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- arguments --------------------------------------------------------------------------------


def test_check_is_the_default_command(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    implicit = run("a.py")
    explicit = CliRunner().invoke(cli, ["check", "--jobs", "1", "a.py"])
    assert implicit.exit_code == explicit.exit_code == 1
    assert implicit.stdout == explicit.stdout
    assert implicit.stdout.startswith("a.py:3:5: PFL101 ")


def test_no_paths_means_the_current_directory(tree: Path) -> None:
    write(tree / "pkg" / "a.py", UNSAFE)
    result = run()
    assert result.exit_code == 1
    assert "pkg/a.py:3:5: PFL101" in result.stdout


def test_directory_named_like_a_subcommand_is_a_path(tree: Path) -> None:
    write(tree / "rules" / "loop.py", UNSAFE)
    as_path = run("./rules")
    assert as_path.exit_code == 1, as_path.output
    assert as_path.stdout.startswith("rules/loop.py:3:5: PFL101 ")
    listing = CliRunner().invoke(cli, ["rules"])
    assert listing.exit_code == 0
    assert "range-len-index" in listing.stdout and "loop.py" not in listing.stdout


def test_version() -> None:
    from perflint import __version__

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"perflint {__version__}"


def test_missing_path_is_a_usage_error(tree: Path) -> None:
    write(tree / "a.py", CLEAN)
    result = run("a.py", "nope.py", "gone/")
    assert result.exit_code == 2
    assert "'nope.py'" in result.stderr and "'gone/'" in result.stderr
    assert result.stdout == ""


# -- exit codes and the summary ---------------------------------------------------------------


def test_clean_exits_0(tree: Path) -> None:
    write(tree / "a.py", CLEAN)
    result = run("a.py")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "All checks passed!" in result.stderr


def test_findings_exit_1_with_a_summary_on_stderr(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    write(tree / "b.py", SAFE)
    result = run(".")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        "Found 2 findings in 2 files.",
        "[*] 1 fixable with the --fix option (1 hidden fix can be enabled with the --unsafe-fixes option).",
    ]
    assert re.fullmatch(r"Checked 2 files in \d+\.\d\ds\.", lines[2]), lines
    assert len(lines) == 3
    assert "Found" not in result.stdout
    with_unsafe = run(".", "--unsafe-fixes")
    assert "[*] 2 fixable with the --fix option." in with_unsafe.stderr


def test_exit_zero_ignores_findings_but_not_errors(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    assert run("a.py", "--exit-zero").exit_code == 0
    write(tree / "bad.py", "def broken(:\n    pass\n")
    assert run(".", "--exit-zero").exit_code == 2


def test_syntax_error_and_good_file_are_both_reported(tree: Path) -> None:
    write(tree / "bad.py", "x = 1\ndef broken(:\n    pass\n")
    write(tree / "good.py", UNSAFE)
    result = run(".")
    assert result.exit_code == 2
    assert "bad.py:2:12: PFL000 SyntaxError:" in result.stdout
    assert "good.py:3:5: PFL101 " in result.stdout
    assert result.stdout.index("bad.py") < result.stdout.index("good.py")
    lines = result.stderr.splitlines()
    assert lines[0] == "Found 1 finding in 1 file."
    # The file that could not be parsed is told apart, with why the exit status is 2.
    assert lines[1] == "No fixes available (1 hidden fix can be enabled with the --unsafe-fixes option)."
    assert lines[2] == (
        "1 file could not be read, decoded or parsed (PFL000, reported above) and was not "
        "analysed: that is why the exit status is 2."
    )
    assert re.fullmatch(r"Checked 2 files in \d+\.\d\ds\.", lines[-1]), lines
    only_broken = run("bad.py")
    assert "All checks passed!" not in only_broken.stderr and "PFL000" in only_broken.stderr


def test_undecodable_file_is_a_file_error(tree: Path) -> None:
    (tree / "latin.py").write_bytes(b"s = '\xe9'\n")
    write(tree / "good.py", CLEAN)
    result = run(".", "--format", "concise")
    assert result.exit_code == 2
    assert result.stdout.startswith("latin.py:1:1: PFL000 ")


def test_quiet_silences_the_summary(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    result = run("a.py", "--quiet")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert "PFL101" in result.stdout


def test_internal_error_exits_2(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", CLEAN)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("perflint.engine.runner._lint_paths", explode)
    result = run("a.py")
    assert result.exit_code == 2
    assert "internal error" in result.stderr and "boom" in result.stderr


# -- selection --------------------------------------------------------------------------------


def test_select_and_ignore(tree: Path) -> None:
    write(tree / "a.py", UNSAFE + "\n\nfor key in mapping.keys():\n    print(key)\n")
    both = run("a.py", "--format", "concise")
    assert {"PFL101", "PFL102"} <= _codes(both.stdout)
    assert _codes(run("a.py", "--format", "concise", "--select", "PFL101").stdout) == {"PFL101"}
    assert _codes(run("a.py", "--format", "concise", "--select", "dict-keys-call").stdout) == {
        "PFL102"
    }
    ignored = run("a.py", "--format", "concise", "--ignore", "PFL101")
    assert "PFL101" not in _codes(ignored.stdout) and "PFL102" in _codes(ignored.stdout)
    extended = run("a.py", "--format", "concise", "--select", "PFL102", "--extend-select", "PFL101")
    assert _codes(extended.stdout) == {"PFL101", "PFL102"}
    # The more specific selector wins; on a tie, ignore does.
    specific = run("a.py", "--format", "concise", "--select", "PFL101", "--ignore", "PFL1")
    assert _codes(specific.stdout) == {"PFL101"}
    nothing = run("a.py", "--select", "PFL101", "--ignore", "range-len-index")
    assert nothing.exit_code == 0 and nothing.stdout == ""


def test_unknown_rule_selector_is_an_error(tree: Path) -> None:
    write(tree / "a.py", CLEAN)
    result = run("a.py", "--select", "PFL101,PFL999")
    assert result.exit_code == 2
    assert "'PFL999'" in result.stderr and "--select" in result.stderr
    assert "'PFL101'" not in result.stderr
    assert run("a.py", "--ignore", "no-such-rule").exit_code == 2


def test_noqa_suppresses(tree: Path) -> None:
    write(tree / "a.py", UNSAFE.replace("range(len(nums)):", "range(len(nums)):  # noqa: PFL101"))
    assert run("a.py").exit_code == 0
    write(tree / "b.py", UNSAFE.replace("range(len(nums)):", "range(len(nums)):  # noqa: PFL102"))
    assert run("b.py").exit_code == 1


def _codes(report: str) -> set[str]:
    return {line.split(": ")[1].split()[0] for line in report.splitlines() if line}


# -- configuration ----------------------------------------------------------------------------


def test_config_is_read_and_cli_overrides_it(tree: Path) -> None:
    write(tree / "pyproject.toml", '[tool.perflint]\nselect = ["PFL102"]\nformat = "concise"\n')
    write(tree / "src" / "a.py", UNSAFE + "\nfor key in mapping.keys():\n    print(key)\n")
    from_file = run("src")
    assert _codes(from_file.stdout) == {"PFL102"}
    assert from_file.stdout.count("\n") == 1  # concise, from the file
    overridden = run("src", "--select", "PFL101", "--format", "json")
    assert [item["code"] for item in json.loads(overridden.stdout)] == ["PFL101"]


def test_config_found_above_the_first_path(tree: Path) -> None:
    write(tree / "proj" / "pyproject.toml", '[tool.perflint]\nignore = ["PFL101"]\n')
    write(tree / "proj" / "pkg" / "a.py", UNSAFE)
    assert run("proj/pkg").exit_code == 0
    assert run("proj/pkg", "--config", str(tree / "pyproject.toml")).exit_code == 1


def test_unknown_config_key_is_an_error(tree: Path) -> None:
    write(tree / "pyproject.toml", "[tool.perflint]\nselekt = []\nfix = true\n")
    write(tree / "a.py", CLEAN)
    result = run("a.py")
    assert result.exit_code == 2
    assert "'selekt'" in result.stderr and "did you mean 'select'" in result.stderr
    assert "pyproject.toml" in result.stderr


def test_unknown_code_in_config_is_an_error(tree: Path) -> None:
    write(tree / "pyproject.toml", '[tool.perflint]\nignore = ["PFL9"]\n')
    write(tree / "a.py", CLEAN)
    result = run("a.py")
    assert result.exit_code == 2
    assert "'PFL9'" in result.stderr and "ignore" in result.stderr


def test_config_option_file_without_pyproject_name(tree: Path) -> None:
    write(tree / "perflint.toml", 'select = ["PFL102"]\n')
    write(tree / "a.py", UNSAFE)
    assert run("a.py", "--config", "perflint.toml").exit_code == 0
    assert run("a.py", "--config", "missing.toml").exit_code == 2


def test_fix_from_config(tree: Path) -> None:
    write(tree / "pyproject.toml", "[tool.perflint]\nfix = true\n")
    path = write(tree / "a.py", SAFE)
    assert run("a.py").exit_code == 0
    assert path.read_text() == SAFE_FIXED
    path.write_text(SAFE)
    assert run("a.py", "--no-fix").exit_code == 1
    assert path.read_text() == SAFE


# -- discovery through the CLI ---------------------------------------------------------------


def test_default_excludes_and_gitignore(tree: Path) -> None:
    (tree / ".git").mkdir()
    write(tree / ".gitignore", "generated/\n")
    write(tree / "src" / "a.py", UNSAFE)
    write(tree / ".venv" / "lib" / "b.py", UNSAFE)
    write(tree / "generated" / "c.py", UNSAFE)
    result = run(".", "--format", "concise")
    assert result.stdout.splitlines() == [
        line for line in result.stdout.splitlines() if line.startswith("src/a.py")
    ]
    assert result.stdout
    # Named explicitly, an excluded file is linted, unless --force-exclude.
    assert "generated/c.py" in run("generated/c.py").stdout
    assert run("generated/c.py", "--force-exclude").stdout == ""
    assert "src/a.py" not in run(".", "--extend-exclude", "src").stdout


# -- output formats ---------------------------------------------------------------------------


def test_text_format_shows_source_carets_and_help(tree: Path) -> None:
    write(tree / "a.py", SAFE)
    result = run("a.py")
    assert result.stdout == (
        "a.py:4:5: PFL101 [*] `for i in range(len(word))` only uses `i` to index `word`\n"
        "  |\n"
        '2 |     word = ("a", "b", "c")\n'
        '3 |     out = ""\n'
        "4 |     for i in range(len(word)):\n"
        "  |     ^^^^^^^^^^^^^^^^^^^^^^^^^ PFL101\n"
        "5 |         out += word[i]\n"
        "6 |     return out\n"
        "  |\n"
        "  = help: Iterate over `word` directly: `for word_item in word`\n"
        "\n"
    )


def test_fixable_marker_depends_on_unsafe_fixes(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    assert "PFL101 [*]" not in run("a.py").stdout
    assert "PFL101 [*]" in run("a.py", "--unsafe-fixes").stdout


def test_concise_format(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    write(tree / "b.py", SAFE)
    result = run(".", "--format", "concise")
    assert result.stdout.splitlines() == [
        "a.py:3:5: PFL101 `for i in range(len(nums))` only uses `i` to index `nums`",
        "b.py:4:5: PFL101 [*] `for i in range(len(word))` only uses `i` to index `word`",
    ]


def test_json_format_uses_ruff_field_names(tree: Path) -> None:
    write(tree / "a.py", SAFE)
    write(tree / "bad.py", "def f(:\n")
    result = run(".", "--format", "json")
    assert result.exit_code == 2
    finding, error = json.loads(result.stdout)  # in path order
    assert finding["code"] == "PFL101" and finding["name"] == "range-len-index"
    assert finding["filename"] == "a.py"
    assert finding["location"] == {"row": 4, "column": 5}
    assert finding["end_location"] == {"row": 4, "column": 30}
    assert finding["noqa_row"] == 4
    assert finding["url"] is None  # no docs-url: no invented host
    assert finding["fix"]["applicability"] == "safe"
    assert finding["fix"]["message"] == "Iterate over `word` directly: `for word_item in word`"
    contents = sorted(edit["content"] for edit in finding["fix"]["edits"])
    assert contents == ["word", "word_item", "word_item"]
    assert all({"location", "end_location"} <= edit.keys() for edit in finding["fix"]["edits"])
    assert "explanation" not in finding
    assert error["code"] == "PFL000" and error["filename"] == "bad.py" and error["fix"] is None
    assert error["name"] == "file-error"


@pytest.mark.parametrize(
    ("docs_url", "expected"),
    [
        ("https://example.org/perflint/rules/", "https://example.org/perflint/rules/PFL101.md"),
        ("https://example.org/rules", "https://example.org/rules/PFL101.md"),
        ("https://docs.example.org/{code}-{name}.html", "https://docs.example.org/PFL101-range-len-index.html"),
    ],
    ids=["base-with-slash", "base", "template"],
)
def test_docs_url_gives_each_finding_its_rule_page(tree: Path, docs_url: str, expected: str) -> None:
    write(tree / "a.py", SAFE)
    write(tree / "bad.py", "def f(:\n")
    finding, error = json.loads(run(".", "--output-format", "json", "--docs-url", docs_url).stdout)
    assert finding["url"] == expected
    assert error["url"] is None  # PFL000 is no rule: no page
    write(tree / "pyproject.toml", f'[tool.perflint]\ndocs-url = "{docs_url}"\n')
    finding, _ = json.loads(run(".", "--output-format", "json").stdout)
    assert finding["url"] == expected


@pytest.mark.parametrize(
    "docs_url",
    ["javascript:alert(1)", "file:///etc/passwd", "https://x.org/a b", "https://u:p@x.org/",
     "https://x.org/{secret}", "https://x.org/)[evil](https://y", "https://x.org/\u202e"],
    ids=["javascript", "file", "space", "credentials", "unknown-placeholder", "markdown-breakout", "bidi"],
)
def test_a_docs_url_that_is_not_a_plain_web_link_is_refused(tree: Path, docs_url: str) -> None:
    write(tree / "a.py", SAFE)
    result = run(".", "--docs-url", docs_url)
    assert result.exit_code == 2 and "--docs-url" in result.output
    write(tree / "pyproject.toml", f'[tool.perflint]\ndocs-url = "{docs_url}"\n')
    result = run(".")
    assert result.exit_code == 2 and "'docs-url'" in result.output


def test_jsonl_format(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    write(tree / "b.py", SAFE)
    lines = run(".", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["filename"] for line in lines] == ["a.py", "b.py"]
    assert json.loads(lines[0])["fix"]["applicability"] == "unsafe"


def test_output_file(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    result = run("a.py", "--format", "json", "--output-file", "out/report.json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads((tree / "out" / "report.json").read_text())[0]["code"] == "PFL101"


@pytest.mark.parametrize(
    "output",
    [
        lambda tree: "a.py",
        lambda tree: "./a.py",
        lambda tree: (os.symlink("a.py", tree / "report.json"), "report.json")[1],
        lambda tree: (os.link(tree / "a.py", tree / "report.json"), "report.json")[1],
    ],
    ids=["same-name", "same-path", "symlink", "hard-link"],
)
def test_output_file_that_is_a_linted_file_is_an_error_before_linting(tree: Path, output) -> None:  # type: ignore[no-untyped-def]
    write(tree / "a.py", SAFE)
    result = run("--fix", "--format", "json", "--output-file", output(tree), ".")
    assert result.exit_code == 2
    assert "is a.py, a file being linted" in result.stderr
    assert (tree / "a.py").read_text() == SAFE  # not fixed: nothing ran


def test_baseline_output_that_is_a_linted_file_is_an_error(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    result = CliRunner().invoke(cli, ["baseline", "-o", "a.py", "."])
    assert result.exit_code == 2 and "--output a.py is a.py, a file being linted" in result.stderr
    assert (tree / "a.py").read_text() == UNSAFE


@pytest.mark.parametrize("command", ["check", "baseline"])
def test_a_committed_link_at_the_output_is_replaced_not_written_through(
    tree: Path, command: str
) -> None:
    (tree / ".git").mkdir()
    write(tree / "a.py", UNSAFE)
    victim = write(tree.parent / f"{tree.name}-victim.txt", "keep me\n")
    (tree / "report.json").symlink_to(victim)
    args = ["check", "--format", "json", "--output-file"] if command == "check" else ["baseline", "-o"]
    result = CliRunner().invoke(cli, [*args, "report.json", "."])
    assert result.exit_code in (0, 1), result.output
    assert victim.read_text() == "keep me\n"
    assert not (tree / "report.json").is_symlink() and "PFL101" in (tree / "report.json").read_text()


def test_verbose_says_what_was_left_out_and_why(tree: Path) -> None:
    (tree / ".git").mkdir()
    write(tree / "a.py", CLEAN)
    (tree / "env.py").symlink_to("/proc/self/environ")
    (tree / "evil\x1b]0;title\x07.py").symlink_to("/etc/passwd")
    os.mkfifo(tree / "pipe.py")
    result = run("-v", ".")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert lines == [
        f"skipped env.py: a symbolic link to outside {os.path.realpath(tree)}",
        f"skipped evil\\x1b]0;title\\x07.py: a symbolic link to outside {os.path.realpath(tree)}",
        "skipped pipe.py: not a regular file (a FIFO)",
    ]
    assert "skipped" not in run(".").stderr


def test_a_named_directory_linking_out_is_an_error(tree: Path) -> None:
    (tree / ".git").mkdir()
    outside = tree.parent / f"{tree.name}-outside"
    write(outside / "mod.py", UNSAFE)
    (tree / "src").symlink_to(outside, target_is_directory=True)
    result = run("--format", "concise", "src")
    assert result.exit_code == 2
    assert result.stdout == f"src:1:1: PFL000 not read: a symbolic link to outside {os.path.realpath(tree)}\n"


def test_a_file_over_max_file_size_is_skipped_with_a_warning(tree: Path) -> None:
    write(tree / "big.py", UNSAFE + "#" * 2000 + "\n")
    write(tree / "a.py", CLEAN)
    result = run("--max-file-size", "2kB", ".")
    assert result.exit_code == 0  # skipping on purpose is not a finding nor an error
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == "warning: skipped big.py: 2.11 kB is over max-file-size (2 kB)"
    assert run("--max-file-size", "2kB", "-q", ".").stderr == ""
    assert run("--max-file-size", "3kB", ".").exit_code == 1
    stdin = run("--max-file-size", "2kB", "-", input=UNSAFE + "#" * 2000 + "\n")
    assert stdin.exit_code == 0 and "warning: skipped -: 2.11 kB" in stdin.stderr


def test_a_bad_max_file_size_is_a_usage_error(tree: Path) -> None:
    result = run("--max-file-size", "lots", ".")
    assert result.exit_code == 2 and "--max-file-size" in result.stderr


def test_statistics(tree: Path) -> None:
    write(tree / "a.py", UNSAFE + "\n" + SAFE + "\nfor key in mapping.keys():\n    print(key)\n")
    result = run("a.py", "--statistics")
    assert result.exit_code == 1
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0] == ["2", "PFL101", "[*] range-len-index"]
    assert rows[1][1] == "PFL102"
    data = json.loads(run("a.py", "--statistics", "--format", "json").stdout)
    assert data[0] == {"code": "PFL101", "name": "range-len-index", "count": 2, "fixable": True}


def test_colour(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", UNSAFE)
    assert "\x1b[" in run("a.py", "--color", "always").stdout
    assert "\x1b[" not in run("a.py", "--color", "never").stdout
    assert "\x1b[" not in run("a.py").stdout  # not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("a.py", "--color", "auto").stdout


def test_colour_auto_on_a_terminal_respects_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from perflint.cli.check_run import use_color as _use_color

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _use_color("auto", Terminal())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _use_color("auto", Terminal())  # type: ignore[arg-type]
    assert not _use_color("never", Terminal())  # type: ignore[arg-type]


def test_parallel_jobs_give_the_same_report(tree: Path) -> None:
    for index in range(6):
        write(tree / f"m{index}.py", UNSAFE if index % 2 else SAFE)
    write(tree / "bad.py", "def f(:\n")
    serial = CliRunner().invoke(cli, ["--jobs", "1", "."])
    parallel = CliRunner().invoke(cli, ["--jobs", "2", "."])
    assert serial.exit_code == parallel.exit_code == 2
    assert serial.stdout == parallel.stdout
    assert serial.stdout.count("PFL101") == 6 * 2


# -- stdin ------------------------------------------------------------------------------------


def test_stdin(tree: Path) -> None:
    result = run("-", input=UNSAFE)
    assert result.exit_code == 1
    assert result.stdout.startswith("-:3:5: PFL101 ")
    named = run("-", "--stdin-filename", "pkg/mod.py", "--format", "concise", input=UNSAFE)
    assert named.stdout.startswith("pkg/mod.py:3:5: PFL101 ")
    assert run("-", input=CLEAN).exit_code == 0


def test_stdin_fix_prints_the_fixed_code(tree: Path) -> None:
    result = run("-", "--fix", input=SAFE)
    assert result.exit_code == 0
    assert result.stdout == SAFE_FIXED
    assert "Fixed 1 finding." in result.stderr
    unfixed = run("-", "--fix", input=UNSAFE)  # only an unsafe fix: the code comes back as it was
    assert unfixed.exit_code == 1
    assert unfixed.stdout == UNSAFE
    assert "PFL101" in unfixed.stderr


def test_stdin_force_exclude(tree: Path) -> None:
    result = run("-", "--stdin-filename", "build/x.py", "--force-exclude", "--fix", input=SAFE)
    assert result.exit_code == 0
    assert result.stdout == SAFE


# -- fixing -----------------------------------------------------------------------------------


def test_diff_writes_nothing(tree: Path) -> None:
    path = write(tree / "a.py", SAFE)
    before = path.stat().st_mtime_ns
    result = run("a.py", "--diff")
    assert result.exit_code == 1
    assert path.read_text() == SAFE and path.stat().st_mtime_ns == before
    assert result.stdout.startswith("--- a.py\n+++ a.py\n@@ ")
    assert (
        "-    for i in range(len(word)):\n-        out += word[i]\n"
        "+    for word_item in word:\n+        out += word_item\n"
    ) in result.stdout
    assert "Would fix 1 finding." in result.stderr
    # Only an unsafe fix: no diff without --unsafe-fixes.
    write(tree / "b.py", UNSAFE)
    assert run("b.py", "--diff").exit_code == 0
    assert run("b.py", "--diff").stdout == ""
    assert run("b.py", "--diff", "--unsafe-fixes").exit_code == 1
    assert (tree / "b.py").read_text() == UNSAFE


def test_fix_then_fix_again_changes_nothing(tree: Path) -> None:
    safe = write(tree / "a.py", SAFE)
    unsafe = write(tree / "b.py", UNSAFE)
    first = run(".", "--fix")
    assert first.exit_code == 1  # the unsafe fix is left
    assert safe.read_text() == SAFE_FIXED and unsafe.read_text() == UNSAFE
    assert "Fixed 1 finding." in first.stderr and "Found 1 finding in 1 file." in first.stderr
    second = run(".", "--fix", "--unsafe-fixes")
    assert second.exit_code == 0
    assert unsafe.read_text() == UNSAFE_FIXED
    after = {path: path.read_bytes() for path in (safe, unsafe)}
    third = run(".", "--fix", "--unsafe-fixes")
    assert third.exit_code == 0
    assert {path: path.read_bytes() for path in (safe, unsafe)} == after
    assert "All checks passed!" in third.stderr


def _koi8_r_module() -> str:
    """The standard library's koi8-r test module if this Python ships it, else the same text."""
    stdlib = Path(sysconfig.get_paths()["stdlib"]) / "test" / "encoded_modules" / "module_koi8_r.py"
    if stdlib.is_file():
        return stdlib.read_bytes().decode("koi8-r")
    return (
        "# test koi8-r encoding\n# -*- encoding: koi8-r  -*-\n"
        'test = "Познание бесконечности требует бесконечного времени."\n'
    )


def test_koi8_r_file_is_fixed_in_koi8_r(tree: Path) -> None:
    head = _koi8_r_module()
    loop = (
        "\n\ndef shout():\n"
        '    words = ("Познание", "бесконечности")\n'
        '    out = ""\n'
        "    for i in range(len(words)):\n"
        "        out += words[i]\n"
        "    return out\n"
    )
    path = tree / "module_koi8_r.py"
    path.write_bytes((head + loop).encode("koi8-r"))
    found = run("module_koi8_r.py", "--format", "concise")
    assert found.exit_code == 1
    assert found.stdout.count("PFL101") == 1
    result = run("module_koi8_r.py", "--fix")
    assert result.exit_code == 0, result.output
    fixed_loop = loop.replace("for i in range(len(words))", "for word in words").replace(
        "words[i]", "word"
    )
    assert path.read_bytes() == (head + fixed_loop).encode("koi8-r")


def test_crlf_is_kept(tree: Path) -> None:
    path = tree / "a.py"
    path.write_bytes(SAFE.replace("\n", "\r\n").encode())
    assert run("a.py", "--fix").exit_code == 0
    assert path.read_bytes() == SAFE_FIXED.replace("\n", "\r\n").encode()


def test_file_mode_is_kept(tree: Path) -> None:
    path = write(tree / "script.py", SAFE)
    path.chmod(0o754)
    assert run("script.py", "--fix").exit_code == 0
    assert path.read_text() == SAFE_FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o754


# -- explanations -----------------------------------------------------------------------------


def test_check_explain_attaches_bytecode(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    data = json.loads(run("a.py", "--explain", "--format", "json").stdout)
    explanation = data[0]["explanation"]
    assert explanation is not None
    assert any("BINARY_SUBSCR" in line for line in explanation["slow_bytecode"])
    assert not any("BINARY_SUBSCR" in line for line in explanation["fast_bytecode"])
    text = run("a.py", "--explain").stdout
    assert "BINARY_SUBSCR" in text


@pytest.mark.parametrize("output_format", ["text", "concise"])
def test_what_the_counts_mean_is_said_once_per_report(tree: Path, output_format: str) -> None:
    write(tree / "a.py", UNSAFE)
    write(tree / "b.py", SAFE + "\n\ndef g(d, k):\n    return k in d.keys()\n")
    text = run(".", "--explain", "--output-format", output_format).stdout
    assert len(re.findall(r"BINARY_SUBSCR +index into a container", text)) == 2  # each glossary
    words = " ".join(text.split())
    assert words.count("It is a count, not a time") == 1
    assert words.endswith("The measured speed-ups are the times.")
    assert "not a time" not in run(".", "--output-format", output_format).stdout


def test_check_explain_with_a_missing_interpreter_exits_2(tree: Path) -> None:
    write(tree / "a.py", UNSAFE)
    result = run("a.py", "--explain", "--python", str(tree / "no-such-python"))
    assert result.exit_code == 2
    assert "no-such-python" in result.stderr


def test_explain_command(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake(spec, python=None, measure=False):  # type: ignore[no-untyped-def]
        calls.append((spec.code, python, measure))
        return f"about {spec.name}\n"

    monkeypatch.setattr("perflint.evidence.page.explain_rule", fake)
    result = CliRunner().invoke(cli, ["explain", "PFL101", "--python", "python3", "--measure"])
    assert result.exit_code == 0
    assert result.stdout == "about range-len-index\n"
    assert calls == [("PFL101", "python3", True)]
    by_name = CliRunner().invoke(cli, ["explain", "range-len-index"])
    assert by_name.stdout == "about range-len-index\n" and calls[-1] == ("PFL101", None, False)


def test_explain_unknown_code_exits_2() -> None:
    result = CliRunner().invoke(cli, ["explain", "PFL999"])
    assert result.exit_code == 2
    assert "PFL999" in result.stderr


def test_explain_missing_interpreter_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", "PFL101", "--python", str(tmp_path / "no-python")])
    assert result.exit_code == 2
    assert "no-python" in result.stderr


# -- rules ------------------------------------------------------------------------------------


def test_rules_table() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["Code", "Name", "Fix", "Python", "Title"]
    row = next(line for line in lines if line.startswith("PFL101"))
    assert row.split()[:4] == ["PFL101", "range-len-index", "safe/unsafe", "py38-py313"]
    assert len(lines) == 2 + len(builtin_rules())
    # Each rule's plain title, never a message template.
    assert "{" not in result.stdout
    assert row.endswith("  Loop over range(len(seq)) that only reads seq[i]")


def test_rules_json() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    data = json.loads(result.stdout)
    assert [item["code"] for item in data] == [spec.code for spec in builtin_rules()]
    first = next(item for item in data if item["code"] == "PFL101")
    assert first["name"] == "range-len-index"
    assert first["python"] == ["py38", "py39", "py310", "py311", "py312", "py313"]
    assert first["examples"] and first["why"] and first["fix_safety"]
    assert first["fix"] == "safe/unsafe"
    assert first["title"] == "Loop over range(len(seq)) that only reads seq[i]" and first["url"] is None
    linked = json.loads(
        CliRunner().invoke(cli, ["rules", "--output-format", "json", "--docs-url", "https://x.org/r/"]).stdout
    )
    assert {item["url"] for item in linked if item["code"] == "PFL101"} == {"https://x.org/r/PFL101.md"}


def test_python_m_perflint(tree: Path) -> None:
    import subprocess
    import sys

    write(tree / "a.py", UNSAFE)
    done = subprocess.run(
        [sys.executable, "-m", "perflint", "--format", "concise", "a.py"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.startswith("a.py:3:5: PFL101 ")


# sorted(...)[0] over three lines: one PFL301 finding from row 2 to row 4; its fix is unsafe
# (an empty input raises another exception), and every PFL301 fix is.
MULTI_LINE = "def least(xs):\n    return sorted(\n        xs\n    )[0]\n"


def test_a_multi_line_finding_has_its_noqa_row_where_noqa_suppresses_it(tree: Path) -> None:
    write(tree / "a.py", MULTI_LINE)
    (finding,) = json.loads(run("a.py", "--select", "PFL301", "--format", "json").stdout)
    assert (finding["location"]["row"], finding["end_location"]["row"]) == (2, 4)
    assert finding["noqa_row"] == 2
    lines = MULTI_LINE.splitlines()
    on_noqa_row = [*lines[:1], lines[1] + "  # noqa: PFL301", *lines[2:]]
    write(tree / "a.py", "\n".join(on_noqa_row) + "\n")
    assert json.loads(run("a.py", "--select", "PFL301", "--format", "json").stdout) == []
    on_last_row = [*lines[:3], lines[3] + "  # noqa: PFL301"]
    write(tree / "a.py", "\n".join(on_last_row) + "\n")
    assert len(json.loads(run("a.py", "--select", "PFL301", "--format", "json").stdout)) == 1


def test_a_rule_whose_fixes_are_all_unsafe_is_marked_fixable_only_with_unsafe_fixes(tree: Path) -> None:
    write(tree / "a.py", MULTI_LINE)
    plain = run("a.py", "--select", "PFL301", "--format", "concise")
    assert "PFL301 " in plain.stdout and "PFL301 [*]" not in plain.stdout
    assert "PFL301 [*]" in run("a.py", "--select", "PFL301", "--format", "concise", "--unsafe-fixes").stdout
    rows = [line.split("\t") for line in run("a.py", "--select", "PFL301", "--statistics").stdout.splitlines()]
    assert rows == [["1", "PFL301", "[ ] sorted-for-min-max"]]
    rows = [line.split("\t") for line in run("a.py", "--select", "PFL301", "--statistics", "--unsafe-fixes").stdout.splitlines()]
    assert rows == [["1", "PFL301", "[*] sorted-for-min-max"]]
    (spec,) = [spec for spec in json.loads(run("rules", "--output-format", "json").stdout) if spec["code"] == "PFL301"]
    assert spec["fix"] == "unsafe"
