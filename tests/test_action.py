"""The composite GitHub Action parses and calls commands perflint really has."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from perflint.cli import cli

ACTION = Path(__file__).resolve().parent.parent / "action.yml"


def test_action_is_a_composite_action_running_existing_commands() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    commands = set()
    steps = action["runs"]["steps"]
    (upload,) = [step for step in steps if "uses" in step]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif }}"
    assert "inputs.sarif != ''" in upload["if"] and "always()" in upload["if"]
    for step in steps:
        if "uses" in step:
            continue
        assert step["shell"] == "bash"
        for line in step["run"].splitlines():
            words = shlex.split(line.strip())
            if words[:1] == ["perflint"]:
                commands.add(words[1])
    assert commands == {"review", "check"}
    for command in commands:
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0, result.output
    check_help = CliRunner().invoke(cli, ["check", "--help"]).output
    for option in ("--format", "--output-file", "--exit-zero"):
        assert option in check_help
    assert "sarif" in check_help


def test_every_input_is_used() -> None:
    text = ACTION.read_text(encoding="utf-8")
    action = yaml.safe_load(text)
    for name in action["inputs"]:
        assert text.count(f"inputs.{name}") >= 1, name
