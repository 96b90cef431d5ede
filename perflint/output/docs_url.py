"""Where a rule's documentation page is: the ``docs-url`` a team publishes its pages at.

perflint's rule pages are generated into ``docs/rules/CODE.md`` (``perflint rules docs``); a
team that publishes them (a repository's file view, an internal docs site) names the place
with ``docs-url`` in ``[tool.perflint]`` or ``--docs-url``. Without one there is no link: the
JSON ``url`` is null, SARIF has no ``helpUri`` (its ``help`` carries the whole page), and
``perflint rule CODE`` prints the page. No host is ever assumed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: The placeholders a docs URL may hold; without any, ``/CODE.md`` is appended.
PLACEHOLDERS = ("{code}", "{name}")
MAX_LENGTH = 500
#: What a URL may not contain: anything but printable ASCII (no spaces, controls or bidi
#: marks; percent-encode the rest), and the characters that end a link or a markdown link.
_FORBIDDEN = re.compile(r"[^\x21-\x7e]|[<>\"'`()\[\]\\]")
_BRACES = re.compile(r"\{[^}]*\}|[{}]")


def check_docs_url(value: object) -> str:
    """``value`` if it is an ``http``/``https`` URL with a host (and only ``{code}``/``{name}``
    placeholders); else ValueError saying why. A repository's configuration may set it, so it
    must not be a ``javascript:``, ``file:`` or ``data:`` link, nor break out of a link."""
    if not isinstance(value, str) or not value:
        raise ValueError("must be a URL such as \"https://example.org/perflint/rules/\"")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"must be at most {MAX_LENGTH} characters")
    if _FORBIDDEN.search(value):
        raise ValueError("must be printable ASCII without spaces, quotes or brackets (percent-encode the rest)")
    unknown = [brace for brace in _BRACES.findall(value) if brace not in PLACEHOLDERS]
    if unknown:
        raise ValueError(f"may hold only the placeholders {{code}} and {{name}}, not {unknown[0]!r}")
    parts = urlsplit(value.replace("{code}", "C").replace("{name}", "n"))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password")
    return value


def rule_url(base: str | None, code: str, name: str) -> str | None:
    """The page of rule ``code`` under ``base``: the placeholders filled in, or
    ``base/CODE.md`` (the file ``perflint rules docs`` writes); None without a base."""
    if base is None:
        return None
    if any(placeholder in base for placeholder in PLACEHOLDERS):
        return base.replace("{code}", code).replace("{name}", name)
    return f"{base.rstrip('/')}/{code}.md"
