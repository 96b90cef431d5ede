"""The README says what the tool does: its showcase is the command's real output, each command
it shows parses with the options perflint has, and what .ci/run cites exists."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from perflint.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SHOWCASE = re.compile(r"```text\n\$ (perflint check examples/seed\.py[^\n]*)\n(.*?)```", re.S)
#: The interpreter the showcase quotes, and the parts of its output that vary from run to run.
QUOTED = "3.11"
_LABEL = re.compile(r"(CPython 3\.\d+\.\d+) \([^)]*\)")
_TIME = re.compile(r"in \d+\.\d\ds\.")


def _normal(text: str) -> str:
    return _TIME.sub("in N.NNs.", _LABEL.sub(r"\1 (python)", text))


def test_the_showcase_is_what_the_command_prints() -> None:
    found = SHOWCASE.search(README)
    assert found is not None, "the README's showcase block"
    command, quoted = found.group(1), found.group(2)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PERFLINT_")}
    env["NO_COLOR"] = "1"
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != QUOTED:
        if shutil.which(f"python{QUOTED}") is None:
            pytest.skip(f"the showcase quotes CPython {QUOTED}'s bytecode: python{QUOTED} is not available")
        env["PERFLINT_PYTHON"] = f"python{QUOTED}"  # the default of --python
    done = subprocess.run(
        [sys.executable, "-m", *shlex.split(command)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1, done.stderr
    assert _normal(done.stdout + done.stderr) == _normal(quoted)


def _commands() -> list[list[str]]:
    """Every perflint command line of the README's sh and yaml blocks (comments and
    continuation lines joined; shell variables left in)."""
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        lines += [line.split("  #", 1)[0] for line in block.splitlines()]
    for block in re.findall(r"```yaml\n(.*?)```", README, re.S):
        document = yaml.safe_load(block)
        stack: list[object] = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack += list(item.values())
            elif isinstance(item, list):
                stack += item
            elif isinstance(item, str):
                lines += item.splitlines() if "\n" in item else [item]
    found = []
    for line in lines:
        # A workflow's ${{ expression }} stands for a value GitHub fills in: a matrix's "1".
        line = re.sub(r"\$\{\{[^}]*\}\}", "1", line)
        for part in re.split(r"&&|\|\|", line):
            words = shlex.split(part.replace("<", " ").replace(">", " "))
            if len(words) > 1 and words[0] in ("perflint", ".venv/bin/perflint"):
                found.append(words[1:])
    return found


def test_every_command_the_readme_shows_parses() -> None:
    commands = _commands()
    assert len(commands) > 20
    assert ["examples/", "--exit-zero"] in commands  # the set-up line's
    for args in commands:
        words = args if args[0] in cli.commands else ["check", *args]  # `perflint PATH` is check
        command = cli.commands[words[0]]
        try:
            command.make_context(words[0], list(words[1:]))
        except click.exceptions.Exit:
            continue
        except click.UsageError as error:
            pytest.fail(f"perflint {' '.join(args)}: {error}")


def test_ci_run_cites_a_section_that_exists() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    cited = re.findall(r'section "([^"]+)"', script)
    headings = set(re.findall(r"^#+ (.+)$", README, re.M))
    assert cited and all(section in headings for section in cited), (cited, sorted(headings))
    # The verbatim line .ci/run runs is the README's test command.
    (verbatim,) = re.findall(r"^    (python3 -m venv \.venv && \. \.venv/bin/activate.*)$", script, re.M)
    assert f"\n{verbatim}\n" in README


def test_the_showcase_file_is_the_seed_articles_example() -> None:
    seed = (ROOT / "examples" / "seed.py").read_text(encoding="utf-8")
    assert "def sum_of_squares_slow(nums:list)->int:" in seed
    assert "for i in range(len(nums)):" in seed and "def sum_of_squares_fast" in seed
