"""A fake GitHub REST API on 127.0.0.1 for ``perflint review`` tests.

It implements only the endpoints the review uses, with the constraints that matter: the token
must be sent, review comments must sit on RIGHT-side lines of the pull request's diff (else the
whole review is rejected with 422), only write tokens may post (else 403), list endpoints
paginate through ``Link`` headers with small pages, and comments are deleted only by their author.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from perflint.review.build import right_lines

PAGE = 2  # GitHub's pages are up to 100 long; tiny ones make pagination matter


@dataclass
class State:
    token: str
    login: str
    repo: str
    number: int
    head_sha: str
    files: list[dict[str, Any]]
    can_write: bool = True
    #: Actions' GITHUB_TOKEN may not call GET /user (an installation token).
    user_forbidden: bool = False
    comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    next_id: int = 1000

    def add_comment(self, login: str, path: str, line: int, body: str) -> int:
        self.next_id += 1
        self.comments.append(
            {"id": self.next_id, "user": {"login": login}, "path": path, "line": line, "body": body}
        )
        return self.next_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, payload: object = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, status: int, message: str) -> None:
        self.server.state.rejected.append((status, message))
        self._send(status, {"message": message})

    def _page(self, items: list[Any], query: dict[str, list[str]]) -> None:
        page = int(query.get("page", ["1"])[0])
        size = min(PAGE, int(query.get("per_page", ["30"])[0]))
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            path = urlsplit(self.path).path
            host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            headers["Link"] = f'<{host}{path}?per_page={size}&page={page + 1}>; rel="next"'
        self._send(200, chunk, headers)

    def _route(self, method: str) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        state.requests.append((method, split.path))
        if self.headers.get("Authorization") != f"Bearer {state.token}":
            return self._fail(401, "Bad credentials")
        query = parse_qs(split.query)
        prefix = f"/repos/{state.repo}/pulls"
        pr = f"{prefix}/{state.number}"
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        if method == "GET" and split.path == "/user":
            if state.user_forbidden:
                return self._fail(403, "Resource not accessible by integration")
            return self._send(200, {"login": state.login})
        if method == "GET" and split.path == f"{pr}/files":
            return self._page(state.files, query)
        if method == "GET" and split.path == f"{pr}/comments":
            return self._page(state.comments, query)
        if method == "GET" and split.path == f"{pr}/reviews":
            return self._page(state.reviews, query)
        if method == "POST" and split.path == f"{pr}/reviews":
            return self._post_review(body)
        match = re.fullmatch(rf"{re.escape(prefix)}/comments/(\d+)", split.path)
        if method == "DELETE" and match:
            found = [c for c in state.comments if c["id"] == int(match.group(1))]
            if not found:
                return self._fail(404, "Not Found")
            if found[0]["user"]["login"] != state.login or not state.can_write:
                return self._fail(403, "Must be the comment's author")
            state.comments.remove(found[0])
            return self._send(204)
        return self._fail(404, "Not Found")

    def _post_review(self, body: Any) -> None:
        state = self.server.state
        if not state.can_write:
            return self._fail(403, "Resource not accessible by integration")
        if not isinstance(body, dict) or body.get("commit_id") != state.head_sha or body.get("event") != "COMMENT":
            return self._fail(422, "Unprocessable Entity: commit_id/event")
        diff = {f["filename"]: right_lines(f.get("patch")) for f in state.files}
        for comment in body.get("comments", []):
            lines = diff.get(comment.get("path"))
            start = comment.get("start_line", comment.get("line"))
            if (
                lines is None
                or comment.get("side") != "RIGHT"
                or not isinstance(comment.get("line"), int)
                or not set(range(start, comment["line"] + 1)) <= lines
                or ("start_line" in comment and (comment.get("start_side") != "RIGHT" or start >= comment["line"]))
            ):
                return self._fail(422, "Pull request review thread line must be part of the diff")
        state.next_id += 1
        state.reviews.append({"id": state.next_id, "user": {"login": state.login}, "body": body.get("body", "")})
        for comment in body.get("comments", []):
            state.add_comment(state.login, comment["path"], comment["line"], comment["body"])
        self._send(200, {"id": state.next_id})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


class _Server(ThreadingHTTPServer):
    state: State


class FakeGitHub:
    """Start with ``with FakeGitHub(state) as url:``; the server runs in a daemon thread."""

    def __init__(self, state: State) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.state = state
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
