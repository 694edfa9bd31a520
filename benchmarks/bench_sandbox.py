"""Throughput of the sandbox, in-process and served.

    python benchmarks/bench_sandbox.py [--pages 2000] [--concurrency 8]

1. in-process (httpx.ASGITransport, no network): N page creates (v2 POST /pages), N simple
   reads (v2 GET /spaces?keys=DEMO) and N page reads (GET /pages/{id}?body-format=storage).
2. served: ``confsync sandbox serve`` (uvicorn) on a free loopback port with a SQLite file,
   the same N creates and N reads over HTTP with ``--concurrency`` requests in flight, then
   N simple reads on one plain (sync) connection.

Prints requests per second for each; the target is over 500 simple requests per second
in-process, so the sandbox is never the bottleneck of the client's benchmarks.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import anyio.to_thread
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from confsync.sandbox import create_app
from confsync.sandbox.served import free_port

AUTH = ("admin@example.com", "sandbox-token")
Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def _run(client: httpx.AsyncClient, count: int, concurrency: int, request: Request) -> float:
    """Requests per second for ``count`` calls of ``request`` with ``concurrency`` in flight."""
    limiter = anyio.CapacityLimiter(concurrency)
    failures: list[int] = []

    async def one(index: int) -> None:
        async with limiter:
            response = await request(client, index)
            if response.status_code != 200:
                failures.append(response.status_code)

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index in range(count):
            group.start_soon(one, index)
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {sorted(set(failures))}")
    return count / elapsed


async def _suite(client: httpx.AsyncClient, label: str, pages: int, concurrency: int) -> None:
    spaces = await client.get("/wiki/api/v2/spaces", params={"keys": "DEMO"})
    space = spaces.json()["results"][0]["id"]
    created: list[str] = []

    async def create(c: httpx.AsyncClient, index: int) -> httpx.Response:
        body = {
            "spaceId": space,
            "status": "current",
            "title": f"{label} page {index:05d}",
            "body": {"representation": "storage", "value": f"<p>Page {index}</p>"},
        }
        response = await c.post("/wiki/api/v2/pages", json=body)
        created.append(response.json()["id"])
        return response

    async def simple(c: httpx.AsyncClient, index: int) -> httpx.Response:
        return await c.get("/wiki/api/v2/spaces", params={"keys": "DEMO"})

    async def read(c: httpx.AsyncClient, index: int) -> httpx.Response:
        page = created[index % len(created)]
        return await c.get(f"/wiki/api/v2/pages/{page}", params={"body-format": "storage"})

    for name, request in (("create page", create), ("simple GET", simple), ("read page", read)):
        rate = await _run(client, pages, concurrency, request)
        print(f"  {label:10} {name:12} {pages:6d} requests  {rate:8.0f} req/s")


async def in_process(pages: int, concurrency: int) -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox.local", auth=AUTH
    ) as client:
        await _suite(client, "in-process", pages, concurrency)


def _sequential_gets(base: str, count: int) -> float:
    with httpx.Client(base_url=base, auth=AUTH) as client:
        started = time.perf_counter()
        for _ in range(count):
            client.get("/wiki/api/v2/spaces", params={"keys": "DEMO"}).raise_for_status()
        return count / (time.perf_counter() - started)


async def served(pages: int, concurrency: int) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-c",
            "from confsync.sandbox.cli import sandbox; sandbox()",
            "serve",
            "--db",
            str(Path(folder) / "bench.sqlite"),
            "--port",
            str(port),
        ]
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(base_url=base, auth=AUTH, limits=limits) as client:
                for _ in range(200):
                    try:
                        await client.get("/")
                        break
                    except httpx.TransportError:
                        await anyio.sleep(0.05)
                await _suite(client, "served", pages, concurrency)
            # The async client's own overhead dominates above; one plain connection shows
            # what the server itself does per request.
            rate = await anyio.to_thread.run_sync(_sequential_gets, base, pages)
            print(
                f"  {'served':10} {'simple GET':12} {pages:6d} requests  {rate:8.0f} req/s"
                "  (one sync connection)"
            )
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="requests per kind (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    args = parser.parse_args()
    print(f"sandbox throughput: {args.pages} requests per kind, {args.concurrency} in flight")
    anyio.run(in_process, args.pages, args.concurrency)
    anyio.run(served, args.pages, args.concurrency)


if __name__ == "__main__":
    main()
