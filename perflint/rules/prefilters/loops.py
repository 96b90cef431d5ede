"""The prefilter side of the checks in ``perflint.rules.checks.loops``: their rules' patterns
alone (``perflint.rules.patterns.candidates`` compiles them); the checks refine each match on
libcst's tree."""

from __future__ import annotations

from perflint.rules.patterns.candidates import PatternCandidates


class IterableUnusedInLoop(PatternCandidates):
    """Candidates are the pattern's: see ``perflint.rules.checks.loops``."""


class LoopTargetUnusedAfter(PatternCandidates):
    """Candidates are the pattern's: see ``perflint.rules.checks.loops``."""
