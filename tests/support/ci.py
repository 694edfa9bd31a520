"""Stand-ins for running the shipped CI pipelines in a test.

- ``CommentApi``: GitHub's issue comments or GitLab's merge-request notes, kept in memory:
  strict (an unexpected request is a 404 and is recorded), paging two per page, checking
  the token. ``handle`` serves an ``httpx.MockTransport``; ``serve()`` the same over HTTP in
  a thread, for a pipeline step run as a process.
- ``served_sandbox``: ``confsync sandbox serve`` on a free loopback port, in a process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx

from confsync.sandbox.served import served_sandbox

__all__ = [
    "GITHUB_REPO",
    "GITLAB_IID",
    "GITLAB_PROJECT",
    "PR_NUMBER",
    "CommentApi",
    "served_sandbox",
]

GITHUB_REPO = "acme/reports"
PR_NUMBER = 7
GITLAB_PROJECT = "42"
GITLAB_IID = 5


@dataclass
class CommentApi:
    """The comments of one pull request (GitHub) or merge request (GitLab).

    ``comments`` hold ``{"id", "body", "user"}`` in creation order; ``calls`` every request
    as ``(method, path)``; ``unexpected`` the ones no route took.
    """

    service: Literal["github", "gitlab"]
    token: str
    page_size: int = 2
    base: str = "https://api.example.test"
    comments: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    unexpected: list[tuple[str, str]] = field(default_factory=list)
    refuse_with: tuple[int, dict[str, Any]] | None = None
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        """What the CI job's variable holds: GITHUB_API_URL, or CI_API_V4_URL."""
        return self.base if self.service == "github" else f"{self.base}/api/v4"

    @property
    def list_path(self) -> str:
        if self.service == "github":
            return f"/repos/{GITHUB_REPO}/issues/{PR_NUMBER}/comments"
        return f"/api/v4/projects/{GITLAB_PROJECT}/merge_requests/{GITLAB_IID}/notes"

    @property
    def item_prefix(self) -> str:
        if self.service == "github":
            return f"/repos/{GITHUB_REPO}/issues/comments/"
        return f"{self.list_path}/"

    def add(self, body: str, user: str = "someone") -> dict[str, Any]:
        self._next_id += 1
        comment = {"id": self._next_id, "body": body, "user": {"login": user}}
        if self.service == "github":
            comment["html_url"] = f"https://github.example/{GITHUB_REPO}/pull/{PR_NUMBER}"
            comment["html_url"] += f"#issuecomment-{self._next_id}"
        self.comments.append(comment)
        return comment

    def ours(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["body"].startswith("<!-- confsync-plan -->")]

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.service == "github":
            return headers.get("authorization") == f"Bearer {self.token}"
        return headers.get("private-token") == self.token

    def handle_raw(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """One request: (status, headers, JSON answer). ``headers`` have lower-case names."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        with self._lock:
            self.calls.append((method, path))
            if self.refuse_with is not None:
                return self.refuse_with[0], {}, self.refuse_with[1]
            if not self._authorised(headers):
                return 401, {}, {"message": "Bad credentials"}
            if path == self.list_path and method == "GET":
                return self._page(query)
            if path == self.list_path and method == "POST":
                return 201, {}, self.add(json.loads(body)["body"], user="confsync-bot")
            update = "PATCH" if self.service == "github" else "PUT"
            if path.startswith(self.item_prefix) and method == update:
                wanted = path.removeprefix(self.item_prefix)
                for comment in self.comments:
                    if str(comment["id"]) == wanted:
                        comment["body"] = json.loads(body)["body"]
                        return 200, {}, comment
            self.unexpected.append((method, target))
            return 404, {}, {"message": "Not Found"}

    def _page(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * self.page_size
        items = self.comments[start : start + self.page_size]
        headers: dict[str, str] = {}
        if start + self.page_size < len(self.comments):
            if self.service == "github":  # GitHub pages by Link headers only
                following = f"{self.base}{self.list_path}?per_page=100&page={page + 1}"
                headers["Link"] = f'<{following}>; rel="next"'
            else:  # GitLab sends X-Next-Page (and Link; this stand-in tests the fallback)
                headers["X-Next-Page"] = str(page + 1)
        return 200, headers, items

    def handle(self, request: httpx.Request) -> httpx.Response:
        """For ``httpx.MockTransport``."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        target = request.url.raw_path.decode()
        status, extra, answer = self.handle_raw(request.method, target, headers, request.content)
        return httpx.Response(status, headers=extra, json=answer)

    @contextmanager
    def serve(self) -> Iterator[CommentApi]:
        """The same over HTTP on a free loopback port, in a thread; sets ``base``."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, answer = api.handle_raw(self.command, self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
