"""The ``confsync`` mark is a page's identity (address, report file), not its state: an update
that keeps both writes the page once and leaves the mark alone; one that changes the report
file rewrites it; marks written by earlier versions (with a ``digest``) are still read."""

from __future__ import annotations

import pytest

from confsync.confluence.api import MARK_KEY
from confsync.confluence.base import BackendBase
from confsync.plan.model import Action
from confsync.plan.observation import digest_in
from confsync.types import ManagedMark, Page
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.plan.test_golden import edit_sprint_22

SPRINT_22 = "platform/retrospective/2026-11-18-sprint-22"


async def _sprint_22(site: SandboxSite) -> tuple[Page, ManagedMark]:
    async with site.backend() as confluence:
        space = await confluence.space("PLAT")
        for listed in await confluence.pages_in_space(space):
            mark = await confluence.get_mark(listed.id)
            if mark is not None and mark.address == SPRINT_22:
                return await confluence.page(listed.id, body=True), mark
    raise AssertionError("sprint 22 is not published")


def _writes(site: SandboxSite) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in site.sandbox.request_log.records() if r.method != "GET"]


@pytest.mark.anyio
async def test_an_update_writes_the_page_once_and_leaves_its_mark(repo: RepoSpec) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    _, mark = await _sprint_22(site)
    edit_sprint_22(repo)
    site.sandbox.request_log.clear()

    plan = await site.apply()

    assert [c.action for c in plan.changes if c.address == SPRINT_22] == [Action.UPDATE]
    writes = _writes(site)
    assert len(writes) == 1, writes
    assert not any("propert" in path for _, path in writes), writes
    page, after = await _sprint_22(site)
    assert after == mark
    assert digest_in(page.version.message) is not None
    assert (await site.plan()).has_changes is False


@pytest.mark.anyio
async def test_an_update_rewrites_a_mark_that_names_another_file(repo: RepoSpec) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    page, mark = await _sprint_22(site)
    moved = ManagedMark(address=mark.address, source="reports/old/place.yaml", version="0.1.0")
    async with site.backend() as confluence:
        await confluence.set_mark(page.id, moved)
    edit_sprint_22(repo)

    await site.apply()

    page, after = await _sprint_22(site)
    assert after.source == mark.source
    assert digest_in(page.version.message) is not None  # finished, not left pending
    assert (await site.plan()).has_changes is False


@pytest.mark.anyio
async def test_a_mark_written_with_a_digest_by_an_earlier_version_is_read(
    repo: RepoSpec,
) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    page, mark = await _sprint_22(site)
    async with site.backend() as confluence:
        # Written the way confsync 0.1 wrote its marks: with the page's digest inside.
        assert isinstance(confluence, BackendBase)
        place = confluence._page_properties(page.id)
        current = await confluence._read_property(place, MARK_KEY)
        assert current is not None
        await confluence.update_property(place, current, {**mark.to_json(), "digest": "d-old"})
        assert await confluence.get_mark(page.id) == mark
    edit_sprint_22(repo)

    plan = await site.apply()

    assert [c.action for c in plan.changes if c.address == SPRINT_22] == [Action.UPDATE]
    assert (await site.plan()).has_changes is False
