"""A tiny GitHub REST client on urllib: just the calls ``perflint review`` makes.

The token goes only into the ``Authorization`` header; no message or exception this module
produces contains it.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

DEFAULT_API_URL = "https://api.github.com"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class GitHubError(Exception):
    """A failed call: ``status`` is the HTTP status, or None for a network error."""

    def __init__(self, method: str, url: str, status: int | None, detail: str) -> None:
        where = urllib.parse.urlsplit(url).path
        prefix = f"HTTP {status}" if status is not None else "network error"
        super().__init__(f"GitHub API {method} {where}: {prefix}: {detail}")
        self.status = status


class GitHub:
    """Calls to one API root with one token."""

    def __init__(self, api_url: str, token: str, timeout: float = 30.0) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the token
        return f"GitHub({self.api_url!r})"

    def _url(self, path: str) -> str:
        """``path`` under the API root; a full URL (a ``Link`` header's) only on the API's own
        origin, so the token is never sent anywhere else."""
        if not path.startswith(("http://", "https://")):
            return self.api_url + path
        if _origin(path) != _origin(self.api_url):
            raise GitHubError("GET", path, None, "refusing to follow a link to another host")
        return path

    def request(self, method: str, path: str, body: object = None) -> tuple[Any, str | None]:
        """One call; return the decoded JSON (None when empty) and the ``Link`` next URL."""
        url = self._url(path)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "perflint-review")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                link = response.headers.get("Link")
        except urllib.error.HTTPError as error:
            raise GitHubError(method, url, error.code, _error_detail(error)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise GitHubError(method, url, None, str(reason)) from None
        match = _NEXT.search(link or "")
        return (json.loads(raw) if raw.strip() else None), (match.group(1) if match else None)

    def paginate(self, path: str) -> list[Any]:
        """Every item of a list endpoint, following ``Link: rel="next"``."""
        items: list[Any] = []
        next_url: str | None = path + ("&" if "?" in path else "?") + "per_page=100"
        while next_url is not None:
            page, next_url = self.request("GET", next_url)
            if not isinstance(page, list):
                raise GitHubError("GET", self._url(path), None, "expected a JSON list")
            items.extend(page)
        return items

    def login(self) -> str:
        user, _ = self.request("GET", "/user")
        return str(user["login"])


def _origin(url: str) -> tuple[str, str]:
    split = urllib.parse.urlsplit(url)
    return split.scheme, split.netloc


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        payload = {}
    message = payload.get("message") if isinstance(payload, dict) else None
    return str(message or error.reason or "request failed")
