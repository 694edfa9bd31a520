"""Updates are minor edits that notify no one, unless the team sets ``notify: true``. Data
Center's update carries ``minorEdit``; Cloud's v2 update cannot (its version has a number and
a message only), so there every update notifies as Confluence decides. The sandbox records
the flag each version was written with, and these tests read it back."""

from __future__ import annotations

import pytest

from tests.e2e.test_marks import _sprint_22
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.plan.test_golden import edit_sprint_22


async def _minor_flags_since(site: SandboxSite, number: int) -> list[bool]:
    """The minor-edit flags of sprint 22's versions after ``number``, in order."""
    page, _ = await _sprint_22(site)
    versions = site.sandbox.pages.versions(int(page.id))
    return [v.minor_edit for v in sorted(versions, key=lambda v: v.number) if v.number > number]


@pytest.mark.anyio
@pytest.mark.parametrize("notify", [False, True])
async def test_updates_are_minor_edits_unless_the_team_notifies(
    repo: RepoSpec, edition: str, notify: bool
) -> None:
    if notify:
        repo.team_settings["platform"] = {"notify": True}
        repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    published, _ = await _sprint_22(site)
    edit_sprint_22(repo)

    await site.apply()

    # One version, the update; Data Center sends the flag, Cloud's v2 update has none to send.
    flags = await _minor_flags_since(site, published.version.number)
    assert flags == [edition == "datacenter" and not notify]
