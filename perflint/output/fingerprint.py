"""Stable identities for findings, that survive line shifts and re-indentation.

A fingerprint hashes the rule code, the file path, the enclosing function/class name, the
flagged code with its whitespace collapsed, and an occurrence index among findings that share
all of those.  Line numbers are deliberately left out: moving code around does not make an
old finding new.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from collections import Counter
from collections.abc import Sequence

from perflint.types import Finding

_SPACE = re.compile(r"\s+")


def normalised_code(finding: Finding) -> str:
    """The flagged code without its comments and with all whitespace runs collapsed, so that
    commenting or re-indenting old code does not make its findings new."""
    return _SPACE.sub(" ", _without_comments(finding.flagged_code or finding.message)).strip()


def _without_comments(code: str) -> str:
    """``code`` with each ``#`` comment cut off its line; unchanged if it does not tokenize.

    Code without comments is returned as it is, so its fingerprints (and baselines) stay.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return code
    lines = io.StringIO(code).readlines()  # the lines tokenize numbered
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, column = token.start
            lines[row - 1] = lines[row - 1][:column] + "\n"
    return "".join(lines)


def fingerprints(findings: Sequence[Finding], path: str | None = None) -> list[str]:
    """One hex fingerprint per finding, in order; ``path`` overrides each finding's path
    (e.g. the repository-relative path, or the path before a rename)."""
    seen: Counter[tuple[str, ...]] = Counter()
    result = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        key = (finding.code, path or finding.path, finding.context, normalised_code(finding))
        seen[key] += 1
        # surrogatepass: an undecodable byte in a file name is a lone surrogate here.
        digest = hashlib.sha256("\x1f".join((*key, str(seen[key]))).encode("utf-8", "surrogatepass"))
        result.append((id(finding), digest.hexdigest()[:32]))
    by_id = dict(result)
    return [by_id[id(finding)] for finding in findings]
