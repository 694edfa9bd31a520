"""The loopback redirect listener of ``confsync login`` (RFC 8252 section 7.3).

    with Listener(port=0, state=state) as listener:      # 0: a free port
        ... send the browser to the authorize URL with redirect_uri=listener.redirect_uri
        answer = listener.wait(timeout=300)              # the URL the browser came back to

It listens on 127.0.0.1 only, serves ``/callback`` and nothing else, and takes the first
callback that carries this login's ``state``: a request with another state (a stale tab, or
another local process guessing) is answered 400 and ignored, so it can neither end the login
nor smuggle in a code. The page the browser lands on says to go back to the terminal.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from confsync.errors import AuthError

__all__ = ["CALLBACK_PATH", "Listener"]

CALLBACK_PATH = "/callback"

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>confsync</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)


class Listener:
    """A one-shot HTTP server on ``127.0.0.1:port`` waiting for the OAuth redirect."""

    def __init__(self, *, state: str, port: int = 0) -> None:
        self._state = state
        self._answer: str | None = None
        self._done = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the query holds the code: never log it

        try:
            self._server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise AuthError(
                f"Cannot listen on 127.0.0.1:{port} for the sign-in redirect ({exc.strerror}). "
                "Pass another --port (the one registered as the app's callback URL), or use "
                "--paste."
            ) from exc
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def _serve(self) -> None:
        while not self._done.is_set():
            self._server.handle_request()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        if parts.path != CALLBACK_PATH:
            self._reply(request, 404, "Not found", "This address only takes the sign-in redirect.")
            return
        query = parse_qs(parts.query)
        if query.get("state") != [self._state]:
            self._reply(
                request,
                400,
                "Not this sign-in",
                "This answer does not belong to the confsync login that is waiting. Finish the "
                "sign-in in the window that login opened.",
            )
            return
        if "error" in query:
            self._reply(request, 200, "Sign-in not granted", "Go back to the terminal.")
        else:
            self._reply(request, 200, "Signed in", "confsync has the answer: close this tab.")
        self._answer = f"{self.redirect_uri}?{parts.query}"
        self._done.set()

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(body)

    def wait(self, timeout: float) -> str:
        """The URL the browser was redirected to; AuthError after ``timeout`` seconds."""
        if not self._done.wait(timeout):
            raise AuthError(
                f"No sign-in answer came back within {timeout:.0f} seconds. Run `confsync "
                "login` again and approve the access in the browser; without a browser on "
                "this machine, use `confsync login --paste`."
            )
        assert self._answer is not None
        return self._answer

    def close(self) -> None:
        self._done.set()
        # Wake handle_request, which blocks in accept, with a request of our own.
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as wake:
                wake.sendall(b"GET /close HTTP/1.0\r\n\r\n")
        except OSError:
            pass
        self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
