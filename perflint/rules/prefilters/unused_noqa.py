"""The prefilter side of PFL001 unused-noqa (``perflint.rules.checks.unused_noqa``): nothing to
ask, as the check visits nothing."""

from __future__ import annotations

from perflint.rules.candidates import Candidates


class UnusedNoqa(Candidates):
    """No candidates: see ``perflint.rules.checks.unused_noqa``."""
