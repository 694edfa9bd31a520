"""The sandbox served in a process of its own (``confsync sandbox serve``), on a free loopback
port: what tests and benchmarks run real HTTP and other processes against."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["free_port", "served_sandbox"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_sandbox(
    db: Path, spaces: list[str], *, edition: str = "cloud", latency_ms: float = 0.0
) -> Iterator[str]:
    """Serves the sandbox file ``db`` with ``spaces``; yields its base URL, and stops it at
    the end. Its log is kept beside ``db`` (``.log``) and shown if it does not start."""
    port = free_port()
    args = [sys.executable, "-m", "confsync", "sandbox", "serve", "--db", str(db)]
    args += ["--port", str(port), "--edition", edition, "--latency-ms", str(latency_ms)]
    for key in spaces:
        args += ["--space", key]
    log = db.with_suffix(".log")
    with log.open("w") as stderr:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/_sandbox/faults", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the sandbox did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
