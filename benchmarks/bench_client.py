"""The Confluence client against the in-process sandbox, per dialect.

    python benchmarks/bench_client.py [--pages 1000] [--latency-ms 50] [--faults]

1. listing: N existing pages listed with their versions and messages (``pages_in_space``, what a
   no-op plan reads) and the same pages fetched by id (``pages_by_id``): requests and wall time
   with the sandbox adding ``--latency-ms`` to every request.
2. ``--faults``: 300 pages created through the client under 10% 5xx, 2% dropped connections,
   429 bursts (a quota of 60 requests per 2 s window) and 200 ms latency, with the real retry
   policy (real sleeps): wall time, requests by status, and the check that exactly 300 pages
   exist afterwards, none created twice.

Request counts come from the sandbox's request log.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from confsync.confluence import make_backend
from confsync.connection import ConfluenceSettings
from confsync.sandbox import create_app
from confsync.sandbox.faults import Faults
from confsync.sandbox.state import Sandbox

ENV = {"CONFLUENCE_EMAIL": "admin@example.com", "CONFLUENCE_TOKEN": "sandbox-token"}
DIALECTS = {
    "cloud (v2)": {
        "edition": "cloud",
        "url": "http://sandbox.local/wiki",
        "auth": {
            "method": "api-token",
            "email": "${CONFLUENCE_EMAIL}",
            "token": "${CONFLUENCE_TOKEN}",
        },
    },
    "datacenter (v1)": {
        "edition": "datacenter",
        "url": "http://sandbox.local/confluence",
        "auth": {"method": "basic", "username": "admin", "password": "${CONFLUENCE_TOKEN}"},
    },
}


def _settings(name: str) -> ConfluenceSettings:
    return ConfluenceSettings.model_validate(DIALECTS[name])


def _env(name: str) -> dict[str, str]:
    return ENV if "cloud" in name else {**ENV, "CONFLUENCE_TOKEN": "admin"}


async def bench_listing(name: str, pages: int, latency_ms: float) -> None:
    settings = _settings(name)
    app = create_app(edition=settings.edition)
    sandbox: Sandbox = app.state.sandbox
    space_row = sandbox.store.space_by_key("DEMO")
    for i in range(pages):
        sandbox.pages.create(
            sandbox.store.admin, space_row, f"Page {i:05}", "<p>x</p>", message=f"confsync {i}"
        )
    backend = make_backend(
        settings,
        config_dir=Path("."),
        environ=_env(name),
        transport=httpx.ASGITransport(app=app),
    )
    async with backend as confluence:
        space = await confluence.space("DEMO")
        sandbox.faults.update(latency_ms=latency_ms)
        sandbox.request_log.clear()
        started = time.perf_counter()
        listed = await confluence.pages_in_space(space)
        wall = time.perf_counter() - started
        requests = len(sandbox.request_log.records())
        with_message = sum(1 for p in listed if p.version.message.startswith("confsync "))
        print(
            f"{name:16} pages_in_space: {len(listed)} pages ({with_message} with their version "
            f"message) in {requests} requests, {wall * 1000:.0f} ms"
            f"  [ceil(N/250) = {math.ceil(len(listed) / 250)}]"
        )
        sandbox.request_log.clear()
        started = time.perf_counter()
        by_id = await confluence.pages_by_id([p.id for p in listed])
        wall = time.perf_counter() - started
        requests = len(sandbox.request_log.records())
        print(
            f"{name:16} pages_by_id:    {len(by_id)} pages in {requests} requests "
            f"(concurrent), {wall * 1000:.0f} ms"
        )


async def bench_faults(name: str, count: int = 300) -> None:
    settings = _settings(name)
    faults = Faults(
        latency_ms=200, error_rate=0.10, drop_rate=0.02, quota=60, quota_window_s=2, seed=11
    )
    app = create_app(edition=settings.edition, faults=faults)
    sandbox: Sandbox = app.state.sandbox
    backend = make_backend(
        settings,
        config_dir=Path("."),
        environ=_env(name),
        transport=httpx.ASGITransport(app=app),
    )
    async with backend as confluence:
        faults.update(error_rate=0.0, drop_rate=0.0)
        space = await confluence.space("DEMO")
        faults.update(error_rate=0.10, drop_rate=0.02)
        started = time.perf_counter()

        async def create(i: int) -> None:
            await confluence.create_page(
                space, title=f"Page {i:03}", body="<p>x</p>", parent_id=None, message=f"m {i}"
            )

        async with anyio.create_task_group() as group:
            for i in range(count):
                group.start_soon(create, i)
        wall = time.perf_counter() - started
        faults.clear()
        statuses = Counter(r.status for r in sandbox.request_log.records())
        with sandbox.store.reading() as conn:
            made = conn.execute("SELECT COUNT(*) FROM pages WHERE title LIKE 'Page %'").fetchone()
        listed = [p for p in await confluence.pages_in_space(space) if p.title.startswith("Page")]
        ok = made[0] == count and len({p.title for p in listed}) == count == len(listed)
        print(
            f"{name:16} {count} creates under faults: {wall:.1f} s, requests by status "
            f"{dict(sorted(statuses.items()))}; pages in store {made[0]}, listed {len(listed)} "
            f"-> {'OK' if ok else 'WRONG'}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--faults", action="store_true", help="also run the 300-page fault run")
    args = parser.parse_args()
    print(f"N = {args.pages} existing pages, sandbox latency {args.latency_ms:g} ms per request")
    for name in DIALECTS:
        await bench_listing(name, args.pages, args.latency_ms)
    if args.faults:
        print("300 pages, 10% 5xx, 2% drops, 429 bursts (60 per 2 s), 200 ms latency")
        for name in DIALECTS:
            await bench_faults(name)


if __name__ == "__main__":
    anyio.run(main)
