"""Fault injection and the request log, as one ASGI middleware.

Faults are set by ``create_app`` options, by ``POST /_sandbox/faults`` or in-process through
``app.state.sandbox.faults``; their randomness comes from a seeded generator, so tests that
use rates are deterministic. Paths under ``/_sandbox`` and the browse page are never faulted.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any

import anyio
import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from confsync.sandbox.store import Clock

__all__ = ["ConnectionDropped", "FaultMiddleware", "Faults", "RequestLog", "RequestRecord"]


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in-process where a served sandbox would close the connection mid-answer.

    It subclasses httpx's own error, so a client sees the same exception class in-process
    (through ASGITransport) as over the network.
    """


@dataclass
class Faults:
    """What to inject. Rates are probabilities per request (0 to 1).

    - ``latency_ms``: added to every faulted request.
    - ``quota`` / ``quota_window_s``: at most ``quota`` requests per window, then 429 with
      ``Retry-After`` (the seconds left in the window) and X-RateLimit-* headers.
    - ``rate_limit_rate`` / ``retry_after_s``: 429 at a rate, with that ``Retry-After``.
    - ``error_rate`` / ``error_statuses``: a 5xx at a rate.
    - ``drop_rate``: the connection is dropped after the status line.
    - ``conflict_once``: the next PUT answers 409, as if someone else had just edited.
    """

    latency_ms: float = 0.0
    quota: int | None = None
    quota_window_s: float = 60.0
    rate_limit_rate: float = 0.0
    retry_after_s: int = 1
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    drop_rate: float = 0.0
    conflict_once: bool = False
    seed: int | None = 0
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _window_start: float = field(default=0.0, repr=False, compare=False)
    _window_count: int = field(default=0, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def update(self, **changes: Any) -> None:
        """Set fields by name (unknown names raise ValueError); a new seed reseeds."""
        names = {f.name for f in fields(self) if not f.name.startswith("_")}
        for name, value in changes.items():
            if name not in names:
                raise ValueError(f"unknown fault setting: {name}")
            if name == "error_statuses":
                value = tuple(int(v) for v in value)
            setattr(self, name, value)
        if "seed" in changes:
            self._random.seed(self.seed)
        if "quota" in changes or "quota_window_s" in changes:
            self._window_count = 0
            self._window_start = 0.0

    def clear(self) -> None:
        """Back to no faults (the seed is kept, and the generator reseeded)."""
        self.update(**{**Faults().as_dict(), "seed": self.seed})

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str
    status: int  # 0 for a dropped connection
    duration_ms: float


class RequestLog:
    """The last requests the sandbox answered, oldest first (bounded, thread-safe)."""

    def __init__(self, size: int = 100_000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return len(self._records)


def _exempt(path: str) -> bool:
    return path.startswith("/_sandbox") or path == "/" or path.startswith("/browse")


class FaultMiddleware:
    def __init__(
        self, app: ASGIApp, faults: Faults, log: RequestLog, clock: Clock, *, datacenter: bool
    ) -> None:
        self.app = app
        self.datacenter = datacenter
        self.faults = faults
        self.log = log
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        path: str = scope["path"]

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if _exempt(path):
                await self.app(scope, receive, recording_send)
            else:
                await self._faulted(scope, receive, recording_send)
        finally:
            if not path.startswith("/_sandbox"):
                self.log.add(
                    RequestRecord(
                        method=scope["method"],
                        path=path,
                        query=scope.get("query_string", b"").decode("latin-1"),
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    )
                )

    async def _faulted(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.faults
        if faults.latency_ms > 0:
            await anyio.sleep(faults.latency_ms / 1000)
        limited = self._quota_exceeded()
        if limited is not None:
            await _answer(send, 429, scope["path"], "Rate limit exceeded", limited)
            return
        if faults.roll(faults.rate_limit_rate):
            retry = {"Retry-After": str(faults.retry_after_s)}
            await _answer(send, 429, scope["path"], "Rate limit exceeded", retry)
            return
        if faults.roll(faults.error_rate):
            code = faults._random.choice(faults.error_statuses)
            # Atlassian sends Retry-After with some 503s too.
            extra = {"Retry-After": str(faults.retry_after_s)} if code == 503 else {}
            await _answer(send, code, scope["path"], "Injected server error", extra)
            return
        if faults.roll(faults.drop_rate):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            raise ConnectionDropped("Server disconnected without sending a complete response.")
        if faults.conflict_once and scope["method"] == "PUT":
            faults.conflict_once = False
            message = "Version must be incremented on update. Someone else edited this content."
            await _answer(send, 409, scope["path"], message, {})
            return
        await self.app(scope, receive, send)

    def _quota_exceeded(self) -> dict[str, str] | None:
        faults = self.faults
        if faults.quota is None:
            return None
        now = self.clock()
        if now - faults._window_start >= faults.quota_window_s:
            faults._window_start = now
            faults._window_count = 0
        faults._window_count += 1
        reset = faults._window_start + faults.quota_window_s
        remaining = max(faults.quota - faults._window_count, 0)
        headers = {
            "X-RateLimit-Limit": str(faults.quota),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        if self.datacenter:
            # Data Center's token bucket describes itself with these two as well.
            headers["X-RateLimit-Interval-Seconds"] = str(math.ceil(faults.quota_window_s))
            headers["X-RateLimit-FillRate"] = str(faults.quota)
        if faults._window_count <= faults.quota:
            return None
        headers["Retry-After"] = str(max(math.ceil(reset - now), 1))
        return headers


async def _answer(
    send: Send, status: int, path: str, message: str, headers: dict[str, str]
) -> None:
    """An error in the shape of the API the path belongs to."""
    if "/api/v2/" in path:
        body: dict[str, Any] = {
            "errors": [{"status": status, "code": "", "title": message, "detail": None}]
        }
    else:
        body = {"statusCode": status, "message": message, "data": {}}
    raw = json.dumps(body).encode()
    header_list = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
    ]
    header_list += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})
