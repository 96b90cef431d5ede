"""The options a ruff user reaches for, each behaving as ruff's does: per-file-ignores,
PFL001 unused-noqa, --add-noqa, --show-files, --show-settings, --show-fixes,
--exit-non-zero-on-fix, --verbose, --output-format and `perflint rule CODE`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from perflint.cli.main import cli
from perflint.engine.noqa import add_noqa, directives
from perflint.engine.runner import lint_source
from perflint.project.perfile import GlobError, compile_ignores, glob_match, matches
from perflint.types import Settings

SLOW = "def f(nums):\n    for i in range(len(nums)):\n        print(nums[i])\n"
KEYS = "def g(d, k):\n    return k in d.keys()\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.10"\n')
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--jobs", "1", *args])


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def codes(result: Result) -> list[tuple[str, str]]:
    return [(Path(item["filename"]).as_posix(), item["code"]) for item in json.loads(result.stdout)]


# -- per-file-ignores ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("tests/*", "/repo/tests/test_a.py", True),
        ("tests/*", "/repo/tests/deep/test_a.py", True),  # * crosses "/", as in ruff (globset)
        ("tests/*", "/repo/src/tests/test_a.py", False),  # anchored at the config's folder
        ("test_*.py", "/repo/src/pkg/test_a.py", True),  # no "/": the file name anywhere
        ("a/**/b.py", "/repo/a/b.py", True),
        ("a/**/b.py", "/repo/a/x/y/b.py", True),
        ("**/migrations/*.py", "/repo/app/migrations/0001_initial.py", True),
        ("*.{py,pyi}", "/repo/stubs/x.pyi", True),
        ("[!_]*.py", "/repo/_private.py", False),
        ("!src/*", "/repo/tests/t.py", True),  # negated: the files it does not match
        ("!src/*", "/repo/src/t.py", False),
        ("../shared/*", "/shared/x.py", True),
        ("gen\\[1\\].py", "/repo/gen[1].py", True),
    ],
    ids=lambda value: value if isinstance(value, str) else str(value),
)
def test_globs_match_as_in_ruff(pattern: str, path: str, hit: bool) -> None:
    (ignore,) = compile_ignores({pattern: ["X"]}, "/repo", tuple)
    assert matches(ignore, path) is hit


def test_a_hostile_glob_matches_in_linear_time() -> None:
    """``*a*a*...b`` as a backtracking regex would take for ever on a long name of a's."""
    import time

    (ignore,) = compile_ignores({"*a" * 40 + "b": ["X"]}, "/repo", tuple)
    started = time.perf_counter()
    assert not matches(ignore, "/repo/" + "a" * 3000 + ".py")
    assert time.perf_counter() - started < 5  # ~1 ms; a backtracking match would not end
    with pytest.raises(GlobError):
        compile_ignores({"{a,b}" * 9: ["X"]}, "/repo", tuple)  # 512 variants


@pytest.mark.parametrize("pattern", ["tests/[", "{a,{b}}", "x\\", "!"], ids=["class", "nested", "escape", "empty"])
def test_a_bad_glob_is_an_error(pattern: str) -> None:
    with pytest.raises(GlobError):
        compile_ignores({pattern: ["X"]}, "/repo", tuple)


def test_glob_metacharacters_in_the_base_folder_are_literal() -> None:
    (ignore,) = compile_ignores({"sub/*.py": ["X"]}, "/r[1]/{a,b}", tuple)
    assert matches(ignore, "/r[1]/{a,b}/sub/x.py")
    assert not matches(ignore, "/r1/a/sub/x.py") and not matches(ignore, "/r[1]/a/sub/x.py")
    assert glob_match(ignore.absolute, "/r[1]/{a,b}/sub/x.py")


def test_per_file_ignores_from_the_config_are_relative_to_it(tree: Path) -> None:
    project = tree / "project"
    write(project / "pyproject.toml", '[tool.perflint]\nper-file-ignores = {"tests/*" = ["PFL101"], "conftest.py" = ["PFL1"]}\n')
    for name in ("src/app.py", "tests/test_app.py", "tests/deep/test_more.py", "src/conftest.py"):
        write(project / name, SLOW + KEYS)
    # Run from elsewhere: the globs stay anchored at the configuration's folder.
    result = run("--output-format", "json", str(project))
    found = {(Path(path).relative_to(project).as_posix(), code) for path, code in codes(result)}
    assert found == {
        ("src/app.py", "PFL101"), ("src/app.py", "PFL102"),
        ("tests/test_app.py", "PFL102"), ("tests/deep/test_more.py", "PFL102"),
    }


def test_the_command_line_replaces_and_extends_the_configuration(tree: Path) -> None:
    write(tree / "pyproject.toml", '[tool.perflint]\nper-file-ignores = {"tests/*" = ["PFL101"]}\nextend-per-file-ignores = {"*.py" = ["PFL105"]}\n')
    write(tree / "tests/t.py", SLOW + KEYS)
    write(tree / "gen/g.py", SLOW + KEYS)
    assert codes(run("--output-format", "json", ".")) == [("gen/g.py", "PFL101"), ("gen/g.py", "PFL102"), ("tests/t.py", "PFL102")]
    # --per-file-ignores replaces the file's per-file-ignores (its extend- entries stay).
    replaced = run("--output-format", "json", "--per-file-ignores", "gen/*:PFL101,gen/*:PFL102", ".")
    assert codes(replaced) == [("tests/t.py", "PFL101"), ("tests/t.py", "PFL102")]
    extended = run("--output-format", "json", "--extend-per-file-ignores", "gen/*:PFL102", ".")
    assert codes(extended) == [("gen/g.py", "PFL101"), ("tests/t.py", "PFL102")]


def test_per_file_ignores_turn_fixes_off_too(tree: Path) -> None:
    """An ignored rule does not run: its fix is not applied either (as in ruff)."""
    source = "def f():\n    d = {}\n    return 1 in d.keys()\n"
    write(tree / "tests/t.py", source)
    write(tree / "pyproject.toml", '[tool.perflint]\nper-file-ignores = {"tests/*" = ["dict-keys-call"]}\n')
    assert run("--fix", ".").exit_code == 0
    assert (tree / "tests/t.py").read_text() == source


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('per-file-ignores = {"tests/*" = ["PFL9"]}', "unknown rule selector"),
        ('per-file-ignores = {"tests/[" = ["PFL101"]}', "unclosed ["),
        ('per-file-ignores = ["tests/*"]', 'must be a table of "glob" = ["rule codes"]'),
        ('extend-per-file-ignores = {"x" = "PFL101"}', 'must be a table'),
    ],
    ids=["unknown-code", "bad-glob", "not-a-table", "not-a-list"],
)
def test_bad_per_file_ignores_name_the_problem(tree: Path, table: str, problem: str) -> None:
    write(tree / "pyproject.toml", f"[tool.perflint]\n{table}\n")
    write(tree / "a.py", SLOW)
    result = run(".")
    assert result.exit_code == 2 and problem in result.output, result.output


@pytest.mark.parametrize("value", ["tests/*", "tests/*:", ":PFL101", "tests/*:PFL9"], ids=["no-code", "empty-code", "empty-glob", "unknown"])
def test_a_bad_per_file_ignores_option_is_a_usage_error(tree: Path, value: str) -> None:
    write(tree / "a.py", SLOW)
    assert run("--per-file-ignores", value, ".").exit_code == 2


# -- PFL001 unused-noqa ---------------------------------------------------------------------------


def lint(source: str, *select: str, target: str = "py312") -> list[tuple[int, str, str]]:
    settings = Settings(select=select or ("PFL001", "PFL101", "PFL102"), target_version=target)
    return [(f.start.row, f.code, f.message) for f in lint_source(source, "x.py", settings).findings]


def test_unused_noqa_is_off_by_default(tree: Path) -> None:
    write(tree / "a.py", "x = 1  # noqa: PFL101\n")
    assert run(".").exit_code == 0
    result = run("--extend-select", "PFL001", "--output-format", "json", ".")
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "PFL001" and finding["name"] == "unused-noqa"
    assert finding["message"] == "Unused `noqa` directive (unused: `PFL101`)"
    assert finding["fix"]["applicability"] == "safe"


def test_unused_noqa_tells_unused_from_disabled_and_unknown() -> None:
    source = "x = 1  # noqa: PFL101, PFL105, PFL999, E501\n"
    (finding,) = lint(source)
    assert finding[2] == "Unused `noqa` directive (unused: `PFL101`; non-enabled: `PFL105`; unknown: `PFL999`)"
    # PFL105 is selected but does not apply to 3.12: that is "non-enabled" too.
    (again,) = lint(source, "PFL001", "PFL101", "PFL105")
    assert "non-enabled: `PFL105`" in again[2]


def test_a_used_directive_by_code_or_name_is_not_reported() -> None:
    assert lint(SLOW.replace("):\n        print", "):  # noqa: PFL101\n        print")) == []
    assert lint(SLOW.replace("):\n        print", "):  # perflint: ignore[range-len-index]\n        print")) == []


def test_per_file_ignores_make_a_code_non_enabled(tree: Path) -> None:
    write(tree / "pyproject.toml", '[tool.perflint]\nextend-select = ["PFL001"]\nper-file-ignores = {"tests/*" = ["PFL101"]}\n')
    write(tree / "tests/t.py", SLOW.replace("):\n        print", "):  # noqa: PFL101\n        print"))
    (finding,) = json.loads(run("--output-format", "json", ".").stdout)
    assert finding["message"] == "Unused `noqa` directive (non-enabled: `PFL101`)"


def test_directives_are_read_from_comments_only() -> None:
    source = 's = "# noqa: PFL101"\nt = """\n# noqa: PFL102\n"""  # noqa: PFL103\n'
    found = directives(source)
    assert [(d.row, [e.text for e in d.entries]) for d in found] == [(4, ["PFL103"])]


def test_unused_noqa_fix_keeps_everything_else(tree: Path) -> None:
    source = (
        "a = 1  # noqa: E501, PFL101\n"
        "b = 2  # noqa: PFL101  # type: ignore\n"
        "c = 3  # perflint: ignore[PFL102]\n"
        "d = 4\t# noqa: PFL101 slow on purpose\n"
    )
    write(tree / "a.py", source)
    result = run("--extend-select", "PFL001", "--fix", ".")
    assert result.exit_code == 0, result.output
    assert (tree / "a.py").read_text() == (
        "a = 1  # noqa: E501\nb = 2  # type: ignore\nc = 3\nd = 4\t# slow on purpose\n"
    )


# -- --add-noqa -----------------------------------------------------------------------------------


def test_add_noqa_suppresses_every_finding_and_says_how_many(tree: Path) -> None:
    source = (
        "def g(nums, d):\n"
        "    for i in range(len(nums)):  # a comment\n"
        "        print(nums[i])\n"
        "    return 1 in d.keys()  # noqa: E501\n"
    )
    write(tree / "a.py", source)
    result = run("--add-noqa", ".")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "Added 2 noqa directives."
    assert (tree / "a.py").read_text() == (
        "def g(nums, d):\n"
        "    for i in range(len(nums)):  # a comment  # noqa: PFL101\n"
        "        print(nums[i])\n"
        "    return 1 in d.keys()  # noqa: E501, PFL102\n"
    )
    again = run(".")
    assert again.exit_code == 0 and "All checks passed!" in again.stderr
    # Nothing is left to add: a second --add-noqa changes nothing.
    assert run("--add-noqa", ".").stderr.strip() == "Added 0 noqa directives."
    # Those directives are used: PFL001 has nothing to say about them.
    assert run("--extend-select", "PFL001", ".").exit_code == 0


def test_add_noqa_leaves_a_line_that_ends_inside_a_string(tree: Path) -> None:
    source = 'def g(nums):\n    s = f"""{[nums[i] for i in range(len(nums))]}\n    """\n    return s\n'
    write(tree / "a.py", source)
    result = run("--add-noqa", ".")
    assert result.exit_code == 0
    assert "a.py:2: no noqa directive added: the line ends inside a string" in result.stderr
    assert (tree / "a.py").read_text() == source  # the string is not changed
    assert add_noqa("x = 1 + \\\n    2\n", []).edits == ()


def test_add_noqa_keeps_crlf_and_the_encoding(tree: Path) -> None:
    source = "# -*- coding: latin-1 -*-\r\ndef f(nums):\r\n    s = 'é'\r\n    for i in range(len(nums)):\r\n        print(nums[i])\r\n"
    (tree / "a.py").write_bytes(source.encode("latin-1"))
    assert run("--add-noqa", ".").exit_code == 0
    assert (tree / "a.py").read_bytes() == source.replace("(len(nums)):", "(len(nums)):  # noqa: PFL101").encode("latin-1")


@pytest.mark.parametrize("other", [["--fix"], ["--diff"], ["--statistics"], ["--show-files"], ["--staged"], ["-"]], ids=lambda o: o[0])
def test_add_noqa_conflicts_as_in_ruff(tree: Path, other: list[str]) -> None:
    write(tree / "a.py", SLOW)
    result = run("--add-noqa", *other, *([] if other == ["-"] else ["."]))
    assert result.exit_code == 2 and "--add-noqa" in result.output


# -- --show-files / --show-settings -----------------------------------------------------------------


def test_show_files_lists_what_would_be_checked(tree: Path) -> None:
    write(tree / "b.py", SLOW)
    write(tree / "pkg/a.py", SLOW)
    write(tree / "build/gen.py", SLOW)  # a default exclude
    write(tree / ".gitignore", "ignored.py\n")
    write(tree / "ignored.py", SLOW)
    (tree / ".git").mkdir()
    result = run("--show-files", ".")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["b.py", "pkg/a.py"]


def test_show_files_and_settings_print_hostile_names_safely(tree: Path) -> None:
    name = "::error title=x::owned\u202e\x1b[31m.py"
    write(tree / name, SLOW)
    for option in ("--show-files", "--show-settings"):
        shown = run(option, ".").stdout
        assert "\x1b" not in shown and "\u202e" not in shown, shown
        assert not any(line.lstrip().startswith("::") for line in shown.splitlines()), shown
    assert run("--show-files", ".").stdout.startswith("\\x3a:error title=x::owned\\u202e\\x1b[31m.py")


def test_show_settings_resolves_them_for_the_first_file(tree: Path) -> None:
    write(tree / "pyproject.toml", '[project]\nrequires-python = ">=3.9"\n[tool.perflint]\nper-file-ignores = {"a.py" = ["PFL101"]}\n')
    write(tree / "a.py", SLOW)
    write(tree / "b.py", SLOW)
    result = run("--show-settings", ".")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Resolved settings for: a.py"
    assert lines[1] == f"Settings path: {tree / 'pyproject.toml'}"
    assert f"target-version = py39 (from requires-python '>=3.9' in {tree / 'pyproject.toml'})" in lines
    assert 'ignored in this file = ["PFL101"]' in lines
    enabled = next(line for line in lines if line.startswith("enabled for this file"))
    assert "PFL101" not in enabled and "PFL102" in enabled and "PFL001" not in enabled
    assert run("--show-settings", "b.py").stdout.count('ignored in this file = []') == 1


# -- --show-fixes, --exit-non-zero-on-fix ---------------------------------------------------------


SAFE = 'def f():\n    word = "abc"\n    for i in range(len(word)):\n        print(word[i])\n'


def test_show_fixes_shows_each_fix_and_then_what_was_fixed(tree: Path) -> None:
    write(tree / "a.py", SAFE)
    shown = run("--show-fixes", "a.py")
    assert shown.exit_code == 1
    assert "  = Safe fix:\n3 | -    for i in range(len(word)):\n4 | -        print(word[i])\n" in shown.stdout
    assert "3 | +    for word_item in word:\n4 | +        print(word_item)\n" in shown.stdout
    assert (tree / "a.py").read_text() == SAFE
    fixed = run("--show-fixes", "--fix", "a.py")
    assert fixed.exit_code == 0
    assert fixed.stdout == "Fixed 1 finding:\n- a.py:\n    1 × PFL101 (range-len-index)\n\n"
    assert run("--show-fixes", "--diff", "a.py").exit_code == 2  # both show the fixes (ruff)


def test_exit_non_zero_on_fix(tree: Path) -> None:
    write(tree / "a.py", SAFE)
    assert run("--fix", "--exit-non-zero-on-fix", "a.py").exit_code == 1
    assert (tree / "a.py").read_text() != SAFE  # fixed, and nothing is left
    assert run("--fix", "--exit-non-zero-on-fix", "a.py").exit_code == 0  # nothing to fix now
    assert run("--fix", "a.py").exit_code == 0
    assert run("--exit-zero", "--exit-non-zero-on-fix", "a.py").exit_code == 2  # opposites


# -- --verbose, --output-format, perflint rule --------------------------------------------------------


def test_verbose_says_what_is_in_force(tree: Path) -> None:
    write(tree / "pyproject.toml", '[project]\nrequires-python = ">=3.11"\n[tool.perflint]\nper-file-ignores = {"tests/*" = ["PFL101"]}\n')
    write(tree / "tests/t.py", SLOW)
    result = run("-v", ".")
    lines = result.stderr.splitlines()
    assert f"configuration: {tree / 'pyproject.toml'}" in lines
    assert f"target version: py311 (from requires-python '>=3.11' in {tree / 'pyproject.toml'})" in lines
    enabled = next(line for line in lines if line.startswith("rules enabled: "))
    assert enabled.startswith("rules enabled: PFL101, PFL102, PFL103, PFL104, PFL301")
    assert "rules selected that do not apply to py311: PFL105, PFL201" in lines
    assert "tests/t.py: per-file-ignores tests/* turn off PFL101" in lines
    assert any(re.fullmatch(r"found 1 file to check in \d+\.\d\ds", line) for line in lines), lines


def test_output_format_and_its_alias_format(tree: Path) -> None:
    write(tree / "a.py", SLOW)
    assert run("--output-format", "json", ".").stdout == run("--format", "json", ".").stdout
    assert json.loads(run("--output-format", "json", ".").stdout)[0]["code"] == "PFL101"
    env = CliRunner().invoke(cli, ["check", "--jobs", "1", "."], env={"PERFLINT_OUTPUT_FORMAT": "concise"})
    assert env.stdout.startswith("a.py:2:5: PFL101 ")


def test_rule_prints_the_rules_page() -> None:
    from perflint.output.rule_docs import render_rule
    from perflint.rules.registry import rule_by_code

    spec = rule_by_code("PFL101")
    assert spec is not None
    for selector in ("PFL101", "range-len-index", "pfl101"):
        result = CliRunner().invoke(cli, ["rule", selector])
        assert result.exit_code == 0 and result.stdout == render_rule(spec)
    data = json.loads(CliRunner().invoke(cli, ["rule", "PFL101", "--output-format", "json"]).stdout)
    assert data["code"] == "PFL101" and data["title"] == spec.title
    every = CliRunner().invoke(cli, ["rule", "--all"])
    from perflint.rules.registry import builtin_rules

    pages = every.stdout.count("\n# PFL") + every.stdout.startswith("# PFL")
    assert pages == len(builtin_rules())  # PFL001 among them
    assert CliRunner().invoke(cli, ["rule", "PFL999"]).exit_code == 2
    assert CliRunner().invoke(cli, ["rule"]).exit_code == 2
