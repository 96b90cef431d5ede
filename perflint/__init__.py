"""perflint: a performance-regression linter for Python that shows the bytecode behind every finding."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from perflint.rule import Rule
from perflint.runner import lint_paths, lint_source
from perflint.types import (
    Edit,
    Explanation,
    FileResult,
    Finding,
    Fix,
    Location,
    RuleSpec,
    Settings,
)

#: The name perflint is installed by (``pip install perflint-bytecode``): the PyPI name
#: ``perflint`` belongs to another project (a pylint plugin). The import package and the
#: command stay ``perflint``.
DISTRIBUTION = "perflint-bytecode"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Edit",
    "Explanation",
    "FileResult",
    "Finding",
    "Fix",
    "Location",
    "Rule",
    "RuleSpec",
    "Settings",
    "__version__",
    "lint_paths",
    "lint_source",
]
