"""``HttpClient``s over a test transport, without credentials, closed when the test ends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from confsync.confluence.http import HttpClient, build_async_client
from confsync.confluence.redact import Redactor
from tests.client.conftest import SITE, Sleeps


class Nobody:
    description = "no credentials"
    remedy = "nothing to check"


@asynccontextmanager
async def http_clients(
    transport: httpx.AsyncBaseTransport, sleeps: Sleeps
) -> AsyncIterator[Callable[..., HttpClient]]:
    """``make(concurrency=1, **policy)`` → a client whose waits ``sleeps`` records."""
    opened: list[HttpClient] = []

    def make(concurrency: int = 1, **policy: float) -> HttpClient:
        client = build_async_client(
            auth=None, timeout=10.0, concurrency=concurrency, transport=transport
        )
        http = HttpClient(
            client,
            base=SITE,
            identity=Nobody(),
            redactor=Redactor(),
            policy=sleeps.policy(**policy),
            concurrency=concurrency,
        )
        opened.append(http)
        return http

    try:
        yield make
    finally:
        for http in opened:
            await http.aclose()
