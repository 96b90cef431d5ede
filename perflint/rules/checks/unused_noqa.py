"""PFL001 unused-noqa is reported by ``perflint.engine.linting`` once the other rules have run: only
then is it known what each directive hid. This class makes it a rule like the others (its
file, selection, docs and cases); it visits nothing, and the engine is never given it."""

from __future__ import annotations

from perflint.rules.api import Rule
from perflint.rules.prefilters import unused_noqa as prefilter


class UnusedNoqa(prefilter.UnusedNoqa, Rule):
    """Nothing to visit: see the module docstring."""
