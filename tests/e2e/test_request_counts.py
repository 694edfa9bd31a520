"""Requests per scenario, exactly, in both editions: a change that costs requests fails here.

Each scenario runs as ``confsync apply`` does (the lock, then plan, then apply; for a saved
plan, the lock, the bulk re-check, then apply) against the in-process sandbox, and counts
what reached it. The fixture repo: two teams, eight pages (three parents, five reports), three
files (two health-check charts and one image). Times are benchmarks' business, not tests'.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from confsync.plan.model import Plan
from confsync.workflow import (
    Workspace,
    check_still_current,
    lock_spaces,
    open_backend,
    run_apply,
    run_plan,
)
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.plan.test_golden import edit_sprint_22


@dataclass(frozen=True)
class Cost:
    reads: int
    writes: int


def _cost(site: SandboxSite) -> Cost:
    records = site.sandbox.request_log.records()
    site.sandbox.request_log.clear()
    writes = sum(1 for r in records if r.method != "GET")
    return Cost(len(records) - writes, writes)


async def _apply(site: SandboxSite, workspace: Workspace, saved: Plan | None = None) -> Cost:
    site.sandbox.request_log.clear()
    async with (
        open_backend(workspace, transport=site.transport()) as confluence,
        lock_spaces(workspace, confluence, saved, timeout=0),
    ):
        if saved is not None:
            await check_still_current(saved, confluence)
        plan = saved or await run_plan(workspace, confluence)
        result = await run_apply(workspace, plan, confluence)
    assert not result.failed, [o.detail for o in result.failed]
    return _cost(site)


async def _plan(site: SandboxSite, workspace: Workspace) -> tuple[Plan, Cost]:
    site.sandbox.request_log.clear()
    async with open_backend(workspace, transport=site.transport()) as confluence:
        plan = await run_plan(workspace, confluence)
    return plan, _cost(site)


# Writes, per edition:
# - first publish: the lock (create and delete, two spaces: 4); Cloud: per page, create
#   (pending), labels (v2 create takes none: one request for all of a page's), mark, finish
#   (8 x 4) and the three files; Data Center: a page without files is created whole, with its
#   mark and labels, in one request (5 x 1), one with files in three (3 x 2 + 3).
# - update of one report page without files: the lock (4); the page, written finished in one
#   request, its mark and labels unchanged and not read again (1).
# - saved plan of that same kind of update: the lock of its one space (2); the update (1).
# Reads: the no-op plan reads each space, its pages and (where reports have files) the space's
# files in one listing: 2 + 2 + 1. The lock reads each space (together) and, at the end, its
# lease before deleting it; it creates a lease without reading first.
EXPECTED = {
    "cloud": {
        "first publish": Cost(reads=13, writes=39),
        "no-op plan": Cost(reads=5, writes=0),
        "update": Cost(reads=11, writes=5),
        "saved plan": Cost(reads=3, writes=3),
    },
    "datacenter": {
        "first publish": Cost(reads=13, writes=18),
        "no-op plan": Cost(reads=5, writes=0),
        "update": Cost(reads=11, writes=5),
        "saved plan": Cost(reads=3, writes=3),
    },
}


@pytest.mark.anyio
async def test_requests_per_scenario(repo: RepoSpec, edition: str) -> None:
    site = SandboxSite(repo, in_memory=True)
    found: dict[str, Cost] = {}

    found["first publish"] = await _apply(site, site.workspace())
    _, found["no-op plan"] = await _plan(site, site.workspace())
    edit_sprint_22(repo)
    found["update"] = await _apply(site, site.workspace())
    repo.report("platform", "2026-11-18-sprint-22")["columns"][0]["items"][0]["votes"] = 11
    repo.write()
    workspace = site.workspace()
    saved, _ = await _plan(site, workspace)
    found["saved plan"] = await _apply(site, workspace, saved)

    assert found == EXPECTED[edition]
