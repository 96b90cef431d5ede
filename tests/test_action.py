"""The composite GitHub Action parses and calls commands perflint really has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from perflint.cli.main import cli

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


def test_version_input_installs_perflints_distribution() -> None:
    """`pip install perflint` is another project: every install names perflint-bytecode."""
    script = "\n".join(step.get("run", "") for step in yaml.safe_load(ACTION.read_text())["runs"]["steps"])
    installs = [line.strip() for line in script.splitlines() if "pip install" in line]
    assert installs, script
    for line in installs:
        words = shlex.split(line)
        named = [word for word in words[words.index("install") + 1 :] if not word.startswith("-")]
        assert named in (['perflint-bytecode==$PERFLINT_VERSION'], ['$GITHUB_ACTION_PATH']), line


def test_readme_installs_perflints_distribution() -> None:
    readme = (ACTION.parent / "README.md").read_text(encoding="utf-8")
    pyproject = (ACTION.parent / "pyproject.toml").read_text(encoding="utf-8")
    name = re.search(r'^name = "([^"]+)"', pyproject, re.M)
    assert name is not None and name[1] == "perflint-bytecode"
    code = "\n".join(re.findall(r"```(?:sh|yaml)\n(.*?)```", readme, re.S))
    installs = re.findall(r"pip install ([^\s`]+)", code)
    assert installs
    for target in installs:
        assert target in (".", "-e", "'.[test]'") or target.startswith(f"{name[1]}"), target
    dependencies = re.findall(r"additional_dependencies: \[([^\]]+)\]", readme)
    assert dependencies and all(item.startswith(f"{name[1]}==") for item in dependencies)


def _perflint_commands(node: object) -> list[str]:
    """Every string in a parsed YAML document that runs ``perflint check``."""
    if isinstance(node, str):
        return [node] if "perflint check" in node else []
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        return [command for item in node for command in _perflint_commands(item)]
    return []


def test_ci_steps_are_report_only_whatever_the_config_says() -> None:
    """The action's and the README's CI recipes pass --no-fix, which beats `fix = true` in the
    pull request's own pyproject.toml (tests/test_untrusted_config.py runs the action's line)."""
    readme = (ACTION.parent / "README.md").read_text(encoding="utf-8")
    recipes = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    # CI recipes only: a pre-commit hook runs on a developer's machine (and may fix).
    recipes = [recipe for recipe in recipes if not (isinstance(recipe, dict) and "repos" in recipe)]
    documents = {"action.yml": yaml.safe_load(ACTION.read_text(encoding="utf-8")), "README.md": recipes}
    for name, document in documents.items():
        commands = _perflint_commands(document)
        assert commands, name
        for command in commands:
            assert "--no-fix" in shlex.split(command), (name, command)
