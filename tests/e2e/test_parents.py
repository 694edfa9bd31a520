"""``parent: {create: TITLE}`` creates the parent only when it is missing: a page of that title
made by hand is the parent as it is, in both editions, whatever ``adopt`` says."""

from __future__ import annotations

import pytest

from confsync.plan.model import Action
from tests.plan.sandbox_repo import RepoSpec, SandboxSite

PARENT = "platform/retrospective/parent"


@pytest.mark.anyio
@pytest.mark.parametrize("adopt", [False, True])
async def test_an_existing_page_of_the_parents_title_is_used_untouched(
    repo: RepoSpec, adopt: bool
) -> None:
    if adopt:
        repo.team_settings["platform"] = {"adopt": True}
        repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.create_by_hand("PLAT", "Retrospectives")
    made = await site.page("PLAT", "Retrospectives")

    plan = await site.apply()

    (use,) = [c for c in plan.changes if c.address == PARENT]
    assert use.action is Action.USE
    assert not use.changes_anything
    kept = await site.page("PLAT", "Retrospectives")
    assert (kept.id, kept.version, kept.body) == (made.id, made.version, made.body)
    async with site.backend() as confluence:
        assert await confluence.get_mark(kept.id) is None  # never taken over
        space = await confluence.space("PLAT")
        under = [p for p in await confluence.pages_in_space(space) if p.parent_id == kept.id]
    retrospectives = [c for c in plan.changes if c.address.startswith("platform/retrospective/")]
    assert sorted(p.title for p in under) == sorted(
        c.after.title for c in retrospectives if c.after is not None and c.address != PARENT
    )
    again = await site.plan()
    assert not again.has_changes
    assert [c.action for c in again.changes if c.address == PARENT] == [Action.USE]


@pytest.mark.anyio
async def test_a_parent_created_by_confsync_is_still_its_own(repo: RepoSpec) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    page = await site.page("PLAT", "Retrospectives")
    async with site.backend() as confluence:
        mark = await confluence.get_mark(page.id)
    assert mark is not None
    assert mark.address == PARENT
    assert [c.action for c in (await site.plan()).changes if c.address == PARENT] == [Action.NOOP]


@pytest.mark.anyio
async def test_a_team_overrides_its_parent_pages_template(repo: RepoSpec) -> None:
    templates = repo.root / "templates"
    templates.mkdir()
    (templates / "parent.xml.j2").write_text(
        "<p>All {{ kind_label|lower }} of {{ team_name }}.</p>"
        '<ac:structured-macro ac:name="children"><ac:parameter ac:name="sort">title'
        "</ac:parameter></ac:structured-macro>"
    )
    repo.team_settings["platform"] = {"templates": "templates"}
    repo.write()
    site = SandboxSite(repo, in_memory=True)

    await site.apply()

    ours = await site.page("PLAT", "Retrospectives")
    assert "All retrospectives of Platform Team." in (ours.body or "")
    assert 'ac:name="sort">title<' in (ours.body or "")
    theirs = await site.page("MOB", "Retrospectives")  # the other team keeps confsync's own
    assert "published by confsync from the team's repository" in (theirs.body or "")
    assert not (await site.plan()).has_changes


async def _retrospectives(site: SandboxSite) -> tuple[str, list[str], str | None]:
    """PLAT's "Retrospectives": its id, its children's titles, and the address its mark names."""
    parent = await site.page("PLAT", "Retrospectives")
    async with site.backend() as confluence:
        space = await confluence.space("PLAT")
        children = [p.title for p in await confluence.pages_in_space(space)]
        under = sorted(
            p.title for p in await confluence.pages_in_space(space) if p.parent_id == parent.id
        )
        mark = await confluence.get_mark(parent.id)
    assert children.count("Retrospectives") == 1
    return parent.id, under, mark.address if mark else None


def _share_plat(repo: RepoSpec) -> None:
    """Both teams in space PLAT, both asking for a "Retrospectives" parent (the default)."""
    repo.team_settings["mobile"] = {"space": "PLAT"}
    repo.write()


@pytest.mark.anyio
async def test_two_teams_of_one_space_share_one_created_parent(repo: RepoSpec) -> None:
    _share_plat(repo)
    site = SandboxSite(repo, in_memory=True)

    await site.apply()

    _, under, owner = await _retrospectives(site)
    assert under == [
        "Sprint 21 - Retrospective",
        "Sprint 22 - Retrospective",
        "Sprint 9 - Retrospective",
    ]
    assert owner == "mobile/retrospective/parent"  # the first team by id
    body = (await site.page("PLAT", "Retrospectives")).body or ""
    assert "Mobile Team, Platform Team" in body
    assert not (await site.plan()).has_changes


@pytest.mark.anyio
@pytest.mark.parametrize("prune", [False, True])
async def test_a_shared_parent_is_kept_while_a_team_uses_it(repo: RepoSpec, prune: bool) -> None:
    _share_plat(repo)
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    page_id, _, _ = await _retrospectives(site)

    # The owner leaves: the page stays, handed over to the team still using it.
    repo.team_settings["mobile"] = {
        "space": "PLAT",
        "prune": prune,
        "retrospectives": {"parent": "none"},
    }
    repo.write()
    plan = await site.apply()
    assert not [c for c in plan.changes if c.action is Action.DELETE]
    kept, under, owner = await _retrospectives(site)
    assert (kept, owner) == (page_id, "platform/retrospective/parent")
    assert under == ["Sprint 21 - Retrospective", "Sprint 22 - Retrospective"]
    assert not (await site.plan()).has_changes

    # The last team leaves too: deleted with prune on, kept (an orphan) with prune off.
    repo.team_settings["platform"] = {"prune": prune, "retrospectives": {"parent": "none"}}
    repo.write()
    plan = await site.plan()
    (last,) = [c for c in plan.changes if c.address == "platform/retrospective/parent"]
    assert last.action is (Action.DELETE if prune else Action.ORPHAN)
    await site.apply()
    assert ("Retrospectives" in await site.titles("PLAT")) is not prune
