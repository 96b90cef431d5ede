"""A team's own rules: rule packs from a folder, `perflint rules validate|test|docs`, and the
generated pages of the built-in rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from perflint.cli.main import cli
from perflint.engine.runner import lint_source
from perflint.output.rule_docs import pages
from perflint.rules.registry import RuleFileError, all_rules, builtin_rules
from perflint.types import Settings

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
code: ACME001
name: sorted-first-item
message: "`sorted({X})[0]` sorts everything to find the smallest item"
fix-title: "Use `min({X})`"
pattern: sorted($X)[0]
fix: min($X)
fix-safety: unsafe
fix-safety-why: An empty input raises ValueError, not IndexError.
why: |
  ## What it does
  Flags `sorted(x)[0]`.

  ## Why is this bad?
  Sorting is O(n log n); `min` is one pass.
examples:
  - slow: |
      def smallest(xs):
          return sorted(xs)[0]
    fast: |
      def smallest(xs):
          return min(xs)
valid:
  - "sorted(xs, key=len)[0]"
  - |
    def f(sorted):
        return sorted(xs)[0]
invalid:
  - code: "y = sorted(xs)[0]\\n"
    fixed: "y = min(xs)\\n"
    applicability: unsafe
python: [py310, py311, py312, py313]
tags: [builtins]
references: []
"""


def _pack(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "perf-rules"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_pack_rule_lints_like_a_built_in_one(tmp_path: Path) -> None:
    folder = _pack(tmp_path, good=GOOD)
    settings = Settings(select=("ACME001",), target_version="py312", rule_paths=(str(folder),))
    (finding,) = lint_source("y = sorted(a)[0]\n", "t.py", settings).findings
    assert (finding.code, finding.name) == ("ACME001", "sorted-first-item")
    assert finding.fix is not None and finding.fix.edits[0].content == "min(a)"


def test_rules_test_passes_a_good_pack(tmp_path: Path) -> None:
    folder = _pack(tmp_path, good=GOOD)
    result = CliRunner().invoke(cli, ["rules", "test", str(folder)])
    assert result.exit_code == 0, result.output
    assert "passed" in result.output and "failed" not in result.output


def test_rules_test_reports_each_failing_case(tmp_path: Path) -> None:
    wrong = GOOD.replace('fixed: "y = min(xs)\\n"', 'fixed: "y = max(xs)\\n"').replace(
        '  - "sorted(xs, key=len)[0]"', '  - "sorted(ys)[0]"'
    )
    folder = _pack(tmp_path, wrong=wrong)
    result = CliRunner().invoke(cli, ["rules", "test", str(folder)])
    assert result.exit_code == 1
    assert "ACME001-invalid-0 FAILED" in result.output
    assert "ACME001-valid-0 FAILED" in result.output
    assert "2 failed" in result.output


@pytest.mark.parametrize(
    "change,line,message",
    [
        (("pattern: sorted($X)[0]", "pattern: sorted($X)[0"), 5, "not Python code"),
        (("fix: min($X)", "fix: min($Y)"), 6, "does not bind"),
        (("fix-safety: unsafe", "fix-safety: maybe"), 7, "must be one of safe, unsafe, none"),
        (("code: ACME001", "code: PFL999"), 1, "like ACME001"),
        (("python: [py310", "python: [py210"), 31, "not one of"),
        (("message: \"`sorted({X})", "message: \"`sorted({Z})"), 3, "{Z} is not a metavariable"),
        (("fix: min($X)", "fix: min($X)\nwhere: {Y: {kind: Name}}"), 7, "no such metavariable"),
        (("fix: min($X)", "fix: min($X)\nwhere: {X: {kind: Nmae}}"), 7, "unknown 'Nmae'"),
    ],
)
def test_rules_validate_names_file_line_and_problem(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    folder = _pack(tmp_path, bad=GOOD.replace(*change))
    result = CliRunner().invoke(cli, ["rules", "validate", str(folder)])
    assert result.exit_code == 1
    assert f"bad.yaml:{line}:" in result.output
    assert message in result.output


def test_codes_are_unique_across_packs(tmp_path: Path) -> None:
    first = _pack(tmp_path, good=GOOD)
    second = tmp_path / "more"
    second.mkdir()
    (second / "copy.yaml").write_text(GOOD.replace("sorted-first-item", "other-name"))
    with pytest.raises(RuleFileError, match="ACME001 is also defined in .*good.yaml"):
        all_rules((str(first), str(second)))


def test_a_pack_cannot_name_code_outside_perflints_checks(tmp_path: Path) -> None:
    hostile = GOOD.replace("pattern: sorted($X)[0]\nfix: min($X)\n", "check: os.system\n")
    folder = _pack(tmp_path, hostile=hostile)
    result = CliRunner().invoke(cli, ["rules", "validate", str(folder)])
    assert result.exit_code == 1
    assert "no module perflint.rules.checks.os" in result.output


def test_rules_docs_writes_a_page_per_rule(tmp_path: Path) -> None:
    folder = _pack(tmp_path, good=GOOD)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["rules", "docs", str(out), str(folder)])
    assert result.exit_code == 0, result.output
    page = (out / "ACME001.md").read_text()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Pattern", "## Fix safety", "## Measured"):
        assert section in page
    assert "[ACME001](ACME001.md)" in (out / "README.md").read_text()


def test_built_in_rule_pages_are_fresh() -> None:
    """docs/rules is generated: `perflint rules docs docs/rules` after changing a rule."""
    expected = pages(builtin_rules())
    folder = ROOT / "docs" / "rules"
    found = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.md")}
    stale = sorted(name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name))
    assert not stale, f"regenerate with `perflint rules docs docs/rules`: {stale}"


# -- a repository's own rule packs, through its configuration ----------------------------------


def _project(tmp_path: Path, rules: dict[str, str], pyproject: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(pyproject)
    folder = tmp_path / "tools" / "perf-rules"
    folder.mkdir(parents=True)
    for name, text in rules.items():
        (folder / f"{name}.yaml").write_text(text)
    (tmp_path / "app.py").write_text("y = sorted(xs)[0]\n")
    return tmp_path


def test_rule_paths_in_pyproject_select_the_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, {"good": GOOD}, '[tool.perflint]\nrule-paths = ["tools/perf-rules"]\n')
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["check", "app.py", "--format", "concise"])
    assert result.exit_code == 1, result.output
    assert "ACME001" in result.output
    only = CliRunner().invoke(cli, ["check", "app.py", "--select", "PFL"])
    assert "ACME001" not in only.output
    ignored = CliRunner().invoke(cli, ["check", "app.py", "--ignore", "ACME"])
    assert "ACME001" not in ignored.output and "PFL301" in ignored.output  # the built-in one
    sarif = CliRunner().invoke(cli, ["check", "app.py", "--format", "sarif"])
    assert '"id": "ACME001"' in sarif.output
    explained = CliRunner().invoke(cli, ["explain", "ACME001"])
    assert explained.exit_code == 0 and "sorted-first-item" in explained.output
    measured = CliRunner().invoke(cli, ["explain", "ACME001", "--measure"])
    assert measured.exit_code == 2 and "only perflint's own rules are run" in measured.output


def test_rule_paths_cannot_leave_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    project = tmp_path / "repo"
    project.mkdir()
    _project(project, {"good": GOOD}, '[tool.perflint]\nrule-paths = ["../elsewhere"]\n')
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["check", "app.py"])
    assert result.exit_code == 2
    assert "leads outside the project" in result.output


def test_a_rule_file_linking_outside_its_folder_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, {}, '[tool.perflint]\nrule-paths = ["tools/perf-rules"]\n')
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("TOKEN=hunter2: not yaml [")
    (root / "tools" / "perf-rules" / "evil.yaml").symlink_to(secret)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["check", "app.py"])
    assert result.exit_code == 2
    assert "hunter2" not in result.output
    assert "links outside its rule folder" in result.output


@pytest.mark.parametrize(
    "change,problem",
    [
        (("valid:\n", "anchor: &a [1, 2]\nvalid:\n  - *a\n"), "aliases"),
        (("pattern: sorted($X)[0]", "pattern: " + "(" * 2000 + "x" + ")" * 2000), "longer than"),
        (("fix: min($X)", "fix: min($X)\nwhere: {X: {regex: '(a+)+$'}}"), "exponential time"),
        (("fix: min($X)", "fix: min($X)\nfix: max($X)"), "the key 'fix' is given twice"),
    ],
)
def test_hostile_rule_files_are_refused(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    folder = _pack(tmp_path, bad=GOOD.replace(*change, 1))
    result = CliRunner().invoke(cli, ["rules", "validate", str(folder)])
    assert result.exit_code == 1
    assert problem in result.output


# -- titles -------------------------------------------------------------------------------------


def test_a_rule_without_a_title_is_titled_by_its_name(tmp_path: Path) -> None:
    from perflint.rules.registry import load_rule_file

    folder = _pack(tmp_path, good=GOOD)
    assert load_rule_file(folder / "good.yaml", pack=True).title == "Sorted first item"
    line = "name: sorted-first-item\ntitle: sorted() only to take its first item\n"
    (folder / "good.yaml").write_text(GOOD.replace("name: sorted-first-item\n", line), encoding="utf-8")
    assert load_rule_file(folder / "good.yaml", pack=True).title == "sorted() only to take its first item"


@pytest.mark.parametrize(
    "title",
    ['"sorted({X})[0]"', '"Use `min`"', '"two\\nlines"', "'" + "x" * 121 + "'", "[a]"],
    ids=["placeholder", "backticks", "line-break", "too-long", "not-a-string"],
)
def test_a_title_must_be_plain_text_on_one_line(tmp_path: Path, title: str) -> None:
    text = GOOD.replace("name: sorted-first-item\n", f"name: sorted-first-item\ntitle: {title}\n")
    result = CliRunner().invoke(cli, ["rules", "validate", str(_pack(tmp_path, good=text))])
    assert result.exit_code == 1 and "title" in result.output, result.output


def test_every_built_in_rule_has_its_own_title() -> None:
    for spec in builtin_rules():
        text = spec.source_file.read_text(encoding="utf-8")
        assert f"\ntitle: {spec.title}\n" in text, spec.code


def test_the_readme_rule_table_is_generated_from_the_rules() -> None:
    """The README's table is `perflint rules docs docs/rules --readme README.md`'s."""
    from perflint.output.rule_docs import with_readme_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_readme_table(readme, builtin_rules()), "regenerate the README's rule table"
    table = readme[readme.index("| code | name | flags |") :]
    for spec in builtin_rules():
        assert f"| [{spec.code}](docs/rules/{spec.code}.md) | {spec.name} |" in table


def test_the_rule_table_brackets_the_versions_a_rule_does_not_apply_to(tmp_path: Path) -> None:
    from perflint.output.rule_docs import readme_table
    from perflint.rules.registry import rule_by_code

    row = next(line for line in readme_table([rule_by_code("PFL105")]).splitlines() if "PFL105" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[4:7] == ["1.09x / 1.11x", "1.11x / 1.11x", "1.09x / 1.18x"]  # 3.8-3.10: applies
    assert all(cell.startswith("(") and cell.endswith(")") for cell in cells[7:])  # 3.11+: not
    readme = tmp_path / "README.md"
    readme.write_text("# Team rules\n\nno markers here\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "docs", str(tmp_path / "docs"), "--readme", str(readme)])
    assert result.exit_code == 2 and "no rule table markers" in result.output
