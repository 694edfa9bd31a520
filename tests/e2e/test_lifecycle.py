"""Changes a repo and its pages live through, applied against the sandbox in both dialects."""

from __future__ import annotations

import pytest

from confsync.plan.model import Action
from confsync.plan.output import render_text
from tests.plan.sandbox_repo import RepoSpec, SandboxSite


def _summary(text: str) -> str:
    return text.splitlines()[-1]


@pytest.mark.anyio
async def test_prune_deletes_every_page_of_a_team_whose_reports_are_all_gone(
    repo: RepoSpec,
) -> None:
    repo.team_settings["platform"] = {"prune": True}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    repo.reports["platform"] = {}
    repo.write()

    plan = await site.plan()
    assert _summary(render_text(plan)) == "Plan: 0 to create, 0 to update, 0 to move, 6 to delete."
    await site.apply()
    assert await site.titles("PLAT") == ["PLAT Home"]
    assert await site.titles("MOB") == ["MOB Home", "Retrospectives", "Sprint 9 - Retrospective"]
    assert not (await site.plan()).has_changes


@pytest.mark.anyio
async def test_pages_at_the_top_of_the_space_moved_by_hand_go_back(repo: RepoSpec) -> None:
    repo.team_settings["platform"] = {"retrospectives": {"parent": "none"}}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    await site.move_by_hand("PLAT", "Sprint 21 - Retrospective", "Health Checks")

    plan = await site.plan()
    text = render_text(plan)
    assert "    reason: moved by hand; back to the top of the space, under PLAT Home" in text
    assert _summary(text) == "Plan: 0 to create, 0 to update, 1 to move, 0 to delete."
    await site.apply()
    assert not (await site.plan()).has_changes
    page = await site.page("PLAT", "Sprint 21 - Retrospective")
    home = await site.page("PLAT", "PLAT Home")
    assert page.parent_id == home.id


@pytest.mark.anyio
async def test_a_renamed_report_file_moves_the_page_identity(repo: RepoSpec) -> None:
    """The address is the file stem: a renamed file is a new page; with prune on, the old
    one goes. (Renaming the title, by contrast, updates in place: see the golden tests.)"""
    repo.team_settings["platform"] = {"prune": True}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    report = repo.reports["platform"].pop("2026-11-04-sprint-21")
    report["title"] = "Sprint 21 (renamed)"
    repo.reports["platform"]["2026-11-04-sprint-21-renamed"] = report
    repo.write()

    plan = await site.plan()
    assert _summary(render_text(plan)) == "Plan: 1 to create, 0 to update, 0 to move, 1 to delete."
    await site.apply()
    titles = await site.titles("PLAT")
    assert "Sprint 21 (renamed) - Retrospective" in titles
    assert "Sprint 21 - Retrospective" not in titles
    assert not (await site.plan()).has_changes


@pytest.mark.anyio
async def test_a_parent_page_deleted_by_hand_is_made_again_and_children_move_back(
    repo: RepoSpec,
) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    parent = await site.page("PLAT", "Health Checks")
    async with site.backend() as confluence:
        await confluence.delete_page(parent.id)

    plan = await site.plan()
    assert _summary(render_text(plan)) == "Plan: 1 to create, 0 to update, 2 to move, 0 to delete."
    await site.apply()
    again = await site.plan()
    assert not again.has_changes, render_text(again)
    parent = await site.page("PLAT", "Health Checks")
    for title in ("Q3 Health - Health Check", "Q4 Health - Health Check"):
        assert (await site.page("PLAT", title)).parent_id == parent.id


@pytest.mark.anyio
async def test_a_changed_attachment_is_uploaded_as_a_new_version(repo: RepoSpec) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    image = repo.root / "reports" / "platform" / "burndown.png"
    repo.write()
    image.write_bytes(image.read_bytes() + b"\x00")  # another picture, same name

    plan = await site.plan()
    text = render_text(plan)
    assert "    new version of burndown.png (image/png)" in text.splitlines()
    assert text.splitlines()[-2:] == [
        "Plan: 0 to create, 1 to update, 0 to move, 0 to delete.",
        "1 attachment to upload.",
    ]
    await site.apply()
    assert not (await site.plan()).has_changes
    page = await site.page("PLAT", "Sprint 22 - Retrospective")
    async with site.backend() as confluence:
        (attachment,) = await confluence.attachments(page.id)
    assert (attachment.filename, attachment.version) == ("burndown.png", 2)


@pytest.mark.anyio
@pytest.mark.parametrize("edition", ["cloud"], indirect=True)
async def test_the_pdf_of_a_report_is_attached(repo: RepoSpec) -> None:
    repo.team_settings["mobile"] = {"retrospectives": {"pdf": True}}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    plan = await site.plan()
    assert "    upload 2026-11-19-sprint-9.pdf (application/pdf)" in render_text(plan).splitlines()
    await site.apply()
    assert not (await site.plan()).has_changes
    page = await site.page("MOB", "Sprint 9 - Retrospective")
    async with site.backend() as confluence:
        (attachment,) = await confluence.attachments(page.id)
    assert (attachment.filename, attachment.media_type) == (
        "2026-11-19-sprint-9.pdf",
        "application/pdf",
    )
    assert attachment.size > 1000


@pytest.mark.anyio
@pytest.mark.parametrize("parent", [{"create": "Retrospectives"}, "none"], ids=["create", "none"])
async def test_a_page_moved_by_hand_whose_report_changed_is_put_back_in_one_run(
    repo: RepoSpec, parent: object
) -> None:
    repo.team_settings["platform"] = {"retrospectives": {"parent": parent}}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    await site.move_by_hand("PLAT", "Sprint 21 - Retrospective", "Health Checks")
    repo.report("platform", "2026-11-04-sprint-21")["summary"] = "Changed after the move."
    repo.write()

    plan = await site.plan()
    assert _summary(render_text(plan)) == "Plan: 0 to create, 1 to update, 0 to move, 0 to delete."
    await site.apply()
    again = await site.plan()
    assert not again.has_changes, render_text(again)


@pytest.mark.anyio
async def test_a_page_renamed_by_hand_under_a_changing_parent_is_drift_not_a_new_page(
    repo: RepoSpec,
) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    await site.rename_by_hand("PLAT", "Sprint 21 - Retrospective", "Sprint 21 (our notes)")
    repo.team_names["platform"] = "Platform Guild"  # every platform page changes, parents too
    repo.write()

    plan = await site.plan()
    changes = {c.address: (c.action.value, c.blocking) for c in plan.changes}
    assert changes["platform/retrospective/2026-11-04-sprint-21"] == ("drift", True)
    assert plan.count(Action.CREATE) == 0


@pytest.mark.anyio
async def test_a_page_at_the_top_of_the_space_renamed_by_hand_is_drift_not_a_new_page(
    repo: RepoSpec,
) -> None:
    """Found by its mark: the title no longer matches and no parent of ours holds it."""
    repo.team_settings["platform"] = {"retrospectives": {"parent": "none"}}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    await site.rename_by_hand("PLAT", "Sprint 21 - Retrospective", "Sprint 21 (our notes)")

    plan = await site.plan()
    changes = {c.address: (c.action.value, c.blocking) for c in plan.changes}
    assert changes["platform/retrospective/2026-11-04-sprint-21"] == ("drift", True)
    assert plan.count(Action.CREATE) == 0
