"""perflint: a performance-regression linter for Python that shows the bytecode behind every finding.

The public API: :func:`lint_source`, :func:`lint_paths`, the base class :class:`Rule` and the
data types. ``import perflint`` is cheap: the engine (and libcst) is imported on first use of
``lint_source``, ``lint_paths`` or ``Rule``, so a command that never lints a file never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from perflint.version import DISTRIBUTION, __version__

if TYPE_CHECKING:
    from perflint.engine.runner import lint_paths, lint_source
    from perflint.rules.api import Rule

#: Where each name that imports the engine lives; see ``__getattr__``.
_LAZY = {
    "lint_paths": "perflint.engine.runner",
    "lint_source": "perflint.engine.runner",
    "Rule": "perflint.rules.api",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'perflint' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "DISTRIBUTION",
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
