"""A plan renders a page only when its inputs changed: the digest of the inputs decides."""

from __future__ import annotations

import pytest

from confsync.types import DesiredPage
from confsync.workflow import run_plan
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.plan.test_golden import edit_sprint_22


def _rendered(pages: tuple[DesiredPage, ...]) -> list[str]:
    # ``body`` is a cached property: present in the instance once something asked for it.
    return sorted(str(p.address) for p in pages if "body" in vars(p))


@pytest.mark.anyio
async def test_a_plan_renders_only_the_pages_whose_inputs_changed(repo: RepoSpec) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()

    workspace = site.workspace()
    async with site.backend(workspace) as confluence:
        plan = await run_plan(workspace, confluence)
    assert not plan.has_changes
    assert _rendered(workspace.desired) == []

    edit_sprint_22(repo)
    workspace = site.workspace()
    async with site.backend(workspace) as confluence:
        plan = await run_plan(workspace, confluence)
    assert [c.address for c in plan.changes if c.changes_anything] == [
        "platform/retrospective/2026-11-18-sprint-22"
    ]
    assert _rendered(workspace.desired) == ["platform/retrospective/2026-11-18-sprint-22"]
