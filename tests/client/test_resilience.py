"""Under the sandbox's fault injection (5xx, 429 bursts, dropped connections, latency),
creating 300 pages through the client ends with exactly 300 pages, none twice.

The unit suite runs it with 5 ms latency and a retry policy that does not really sleep (its
clock is shared with the sandbox, so rate-limit windows still pass); the 200 ms case runs in
``benchmarks/bench_client.py --faults``."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import anyio
import pytest

from confsync.sandbox.faults import Faults
from confsync.types import Page
from tests.client.conftest import Sleeps
from tests.client.sites import Clock, open_site
from tests.support.openapi import ContractChecker

pytestmark = pytest.mark.anyio

N = 300


class SharedClock(Clock):
    """The sandbox reads the same time the client's fake sleeps advance."""

    def __init__(self, sleeps: Sleeps) -> None:
        super().__init__()
        self.sleeps = sleeps

    def __call__(self) -> float:
        return 1_800_000_000.0 + self.sleeps.now


@pytest.mark.slow
@pytest.mark.parametrize("method", ["api-token", "pat"])
async def test_300_pages_under_faults_make_exactly_300_pages(
    method: str,
    tmp_path: Path,
    checker: ContractChecker,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="confsync.confluence")
    faults = Faults(
        latency_ms=5,
        error_rate=0.10,
        quota=60,
        quota_window_s=2,
        drop_rate=0.02,
        seed=7,
    )
    site = await open_site(
        method,
        tmp_path,
        checker,
        sleeps.policy(max_attempts=12),
        faults=faults,
        clock=SharedClock(sleeps),
    )
    confluence = site.open()
    faults.update(error_rate=0.0, drop_rate=0.0)
    space = await confluence.space("DEMO")
    faults.update(error_rate=0.10, drop_rate=0.02)
    created: list[Page] = []

    async def create(i: int) -> None:
        created.append(
            await confluence.create_page(
                space,
                title=f"Page {i:03}",
                body=f"<p>{i}</p>",
                parent_id=None,
                message=f"confsync {i}",
            )
        )

    async with anyio.create_task_group() as group:
        for i in range(N):
            group.start_soon(create, i)

    faults.clear()
    statuses = Counter(r.status for r in site.requests())
    assert statuses[429] > 0
    assert sum(n for status, n in statuses.items() if status >= 500) > 0
    # The sandbox logs a dropped connection with the 200 it began to send: ask the client.
    assert "failed: ConnectionDropped" in caplog.text
    listed = [p for p in await confluence.pages_in_space(space) if p.title.startswith("Page ")]
    assert len(listed) == N
    assert len({p.title for p in listed}) == N
    assert len({p.id for p in created}) == N
    assert all(p.version.message == f"confsync {int(p.title[5:])}" for p in listed)
    with site.sandbox.store.reading() as conn:
        rows = conn.execute("SELECT title, status FROM pages WHERE title LIKE 'Page %'").fetchall()
    assert len(rows) == N  # in any status: nothing was created twice, or created and trashed
    await site.close()
