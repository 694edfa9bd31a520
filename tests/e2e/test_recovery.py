"""A run killed or failing half way, then a second run: it converges, with no duplicate pages.

In-process (the CLI runs its own event loop): the same workflow the CLI calls, on the sandbox,
every request checked against Atlassian's OpenAPI files when they are available.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

import httpx
import pytest

from confsync.confluence import make_backend
from confsync.confluence.http import RetryPolicy
from confsync.plan.model import Action
from confsync.workflow import open_backend, run_apply, run_plan
from tests.plan.sandbox_repo import RepoSpec, SandboxSite

PLAT_TITLES = [
    "Health Checks",
    "PLAT Home",
    "Q3 Health - Health Check",
    "Q4 Health - Health Check",
    "Retrospectives",
    "Sprint 21 - Retrospective",
    "Sprint 22 - Retrospective",
]
MOB_TITLES = ["MOB Home", "Retrospectives", "Sprint 9 - Retrospective"]


@dataclass
class KillSwitch(httpx.AsyncBaseTransport):
    """Kills the apply right after the ``after``-th write has been answered: the write reached
    Confluence, whatever was to follow it never happens. Its task is cancelled, and, since
    in-process a cancellation lands only at the next real suspension, every request after the
    kill fails as the cancellation would (a dead process sends nothing more)."""

    inner: httpx.AsyncBaseTransport
    after: int
    task: asyncio.Task[object] | None = None
    writes: int = 0
    dead: bool = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            raise asyncio.CancelledError
        response = await self.inner.handle_async_request(request)
        if request.method != "GET":
            self.writes += 1
            if self.writes == self.after:
                self.dead = True
                if self.task is not None:
                    self.task.cancel()
        return response


async def converges(site: SandboxSite) -> None:
    """A plain second run finishes the job; a third has nothing to do; nothing is doubled."""
    await site.apply()
    again = await site.plan()
    assert [c.address for c in again.changes if c.action is not Action.NOOP] == []
    assert not again.has_changes
    assert await site.titles("PLAT") == PLAT_TITLES
    assert await site.titles("MOB") == MOB_TITLES


@pytest.mark.anyio
# A first apply of the fixture repo writes, for each page: the create (pending; on Data Center
# with its mark, and finished at once when the page has no files), the mark, the page's files
# (two charts and an image), the finished version; parents first, then the five report pages
# side by side. Killed after: the first write (a parent created, nothing else); a fifth of
# them (parents only); two thirds (report pages half done, files half uploaded); all but one.
@pytest.mark.parametrize("share", [0.0, 0.2, 0.67, 0.99])
async def test_apply_killed_after_a_write_then_applied_again(repo: RepoSpec, share: float) -> None:
    total = await _first_publish_writes(repo)
    after = max(1, min(total - 1, round(total * share)))
    site = SandboxSite(repo, in_memory=True)
    workspace = site.workspace()
    switch = KillSwitch(site.transport(), after)
    async with open_backend(workspace, transport=switch) as confluence:
        plan = await run_plan(workspace, confluence)
        task = asyncio.ensure_future(run_apply(workspace, plan, confluence))
        switch.task = task
        with pytest.raises(asyncio.CancelledError):
            await task
    assert switch.writes == after  # the kill lands at that very write
    counts = Counter(await site.titles("PLAT"))
    assert max(counts.values()) == 1, counts  # a kill never doubles a page

    await converges(site)


async def _first_publish_writes(repo: RepoSpec) -> int:
    """How many writes a first apply of the repo makes (on a scratch sandbox)."""
    scratch = SandboxSite(repo, in_memory=True)
    switch = KillSwitch(scratch.transport(), after=10**9)
    workspace = scratch.workspace()
    async with open_backend(workspace, transport=switch) as confluence:
        plan = await run_plan(workspace, confluence)
        await run_apply(workspace, plan, confluence)
    return switch.writes


@pytest.mark.anyio
async def test_apply_through_dropped_connections_and_server_errors(
    repo: RepoSpec, edition: str
) -> None:
    site = SandboxSite(repo, in_memory=True)
    workspace = site.workspace()

    async def no_sleep(_: float) -> None:
        return None

    backend = make_backend(
        workspace.repo.config.confluence,
        config_dir=workspace.repo.root,
        transport=site.transport(),
        policy=RetryPolicy(max_attempts=2, sleep=no_sleep),
    )
    async with backend as confluence:
        plan = await run_plan(workspace, confluence)
        site.sandbox.faults.update(error_rate=0.2, drop_rate=0.15, seed=7)
        result = await run_apply(workspace, plan, confluence)
    site.sandbox.faults.clear()
    # Some changes failed (the faults outlasted the retries), each reported, none doubled.
    assert result.failed
    for failure in result.failed:
        assert failure.detail
    counts = Counter(await site.titles("PLAT"))
    assert max(counts.values()) == 1, counts

    await converges(site)
