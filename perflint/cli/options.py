"""Options several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

RULE_PATH_OPTION = click.option(
    "--rule-path",
    "rule_paths",
    multiple=True,
    type=click.Path(file_okay=False, path_type=str),
    help="A folder of rule files to load beside the built-in rules (repeatable).",
)


def config_option(
    help: str = "Read settings from this file instead of the nearest pyproject.toml.",
) -> Callable[[Any], Any]:
    """``--config FILE``, passed as ``config_file``."""
    return click.option(
        "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help
    )


def python_option(what: str) -> Callable[[Any], Any]:
    """``--python`` (or ``PERFLINT_PYTHON``): the interpreter ``what`` is compiled by."""
    return click.option(
        "--python", envvar="PERFLINT_PYTHON", show_envvar=True, help=f"Interpreter {what} (default: the running one)."
    )
