"""The prefilter side of ``perflint.rules.checks.format_call``: its rule's patterns alone
(``perflint.rules.patterns.candidates`` compiles them)."""

from __future__ import annotations

from perflint.rules.patterns.candidates import PatternCandidates


class FStringFromFormat(PatternCandidates):
    """Candidates are the pattern's: see ``perflint.rules.checks.format_call``."""
