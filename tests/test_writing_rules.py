"""docs/writing-rules.md: its complete rule works as written, as a team's rule pack."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from perflint.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "writing-rules.md").read_text(encoding="utf-8")


def _the_rule() -> str:
    found = re.search(r"## A complete rule.*?```yaml\n(.*?)```", GUIDE, re.S)
    assert found is not None, "the guide's complete rule"
    return found.group(1)


def test_the_guides_rule_validates_and_passes_its_own_tests(tmp_path: Path) -> None:
    folder = tmp_path / "perf-rules"
    folder.mkdir()
    (folder / "acme001.yaml").write_text(_the_rule(), encoding="utf-8")
    validated = CliRunner().invoke(cli, ["rules", "validate", str(folder)])
    assert validated.exit_code == 0, validated.output
    tested = CliRunner().invoke(cli, ["rules", "test", str(folder)])
    assert tested.exit_code == 0 and "failed" not in tested.output, tested.output


def test_the_guides_rule_finds_code_in_a_project(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.perflint]\nrule-paths = ["tools/perf-rules"]\n')
    (tmp_path / "tools" / "perf-rules").mkdir(parents=True)
    (tmp_path / "tools" / "perf-rules" / "acme001.yaml").write_text(_the_rule(), encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "import logging\n\n\ndef run(jobs):\n    for job in jobs:\n        logging.debug(f'job {job}')\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "app.py", "--output-format", "concise"])
    assert result.exit_code == 1, result.output
    assert "app.py:6:9: ACME001 `logging.debug(f'job {job}')` formats its message" in result.output


def test_every_field_of_a_rule_file_is_documented() -> None:
    from perflint.rules.schema import properties, rule_schema

    table = GUIDE[GUIDE.index("## Fields") : GUIDE.index("## Patterns")]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for key in properties():
        if key == "check":
            continue  # names one of perflint's own classes in perflint/rules/checks
        assert any(f"`{key}`" in row for row in rows), key
    for key in rule_schema()["required"]:
        (row,) = [row for row in rows if f"`{key}`" in row.split("|")[1]]
        assert row.split("|")[2].strip() == "yes", row


def test_every_where_test_is_documented() -> None:
    from perflint.rules.patterns.where import _TEST_KEYS

    section = GUIDE[GUIDE.index("## `where:`") : GUIDE.index("## `fix:` templates")]
    for key in _TEST_KEYS:
        assert f"`{key}:" in section or f"`{key}: " in section, key
