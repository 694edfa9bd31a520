"""Labels: every page confsync manages carries the labels the config gives it, kept in step by
plan and apply like any other part of the page; a label a person added is never removed.

Labels are read back from the sandbox's store, in both editions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from confsync.plan.model import Action, LabelChange
from confsync.workflow import open_backend, run_apply, run_plan
from tests.plan.sandbox_repo import RepoSpec, SandboxSite

pytestmark = pytest.mark.anyio

SPRINT_21 = "Sprint 21 - Retrospective"
SPRINT_22 = "Sprint 22 - Retrospective"
SPRINT_9 = "Sprint 9 - Retrospective"
Q3 = "Q3 Health - Health Check"

DEFAULT_LABELS = {
    ("PLAT", "Retrospectives"): ["platform"],
    ("PLAT", "Health Checks"): ["platform"],
    ("PLAT", SPRINT_21): ["platform", "retrospective"],
    ("PLAT", SPRINT_22): ["platform", "retrospective"],
    ("PLAT", Q3): ["health-check", "platform"],
    ("PLAT", "Q4 Health - Health Check"): ["health-check", "platform"],
    ("MOB", "Retrospectives"): ["mobile"],
    ("MOB", SPRINT_9): ["mobile", "retrospective"],
}


def _label_writes(site: SandboxSite) -> list[tuple[str, str, int]]:
    return [
        (r.method, r.query, r.status)
        for r in site.sandbox.request_log.records()
        if r.method != "GET" and r.path.endswith("/label")
    ]


async def test_every_page_is_created_with_its_labels(repo: RepoSpec, edition: str) -> None:
    site = SandboxSite(repo, in_memory=True)

    await site.apply()

    for (space, title), names in DEFAULT_LABELS.items():
        assert await site.labels(space, title) == names, title
    # Data Center creates each page with its labels in the one create request; Cloud's v2
    # create takes none, so each new page costs one labels request.
    expected = [] if edition == "datacenter" else [("POST", "", 200)] * len(DEFAULT_LABELS)
    assert _label_writes(site) == expected
    page = await site.page("PLAT", SPRINT_21)
    async with site.backend() as confluence:
        mark = await confluence.get_mark(page.id)
    assert mark is not None
    assert mark.labels == ("platform", "retrospective")
    assert not (await site.plan()).has_changes


async def test_a_label_added_by_hand_survives_a_change_of_confsyncs_labels(
    repo: RepoSpec,
) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    await site.label_by_hand("PLAT", SPRINT_21, "keep-me")
    repo.team_settings["platform"] = {"retrospectives": {"labels": ["retro", "platform"]}}
    repo.write()

    plan = await site.apply()

    relabelled = {c.address: c.labels for c in plan.changes if c.labels}
    change = LabelChange(add=("retro",), remove=("retrospective",))
    assert relabelled == {
        "platform/retrospective/2026-11-04-sprint-21": change,
        "platform/retrospective/2026-11-18-sprint-22": change,
    }
    assert await site.labels("PLAT", SPRINT_21) == ["keep-me", "platform", "retro"]
    assert await site.labels("PLAT", SPRINT_22) == ["platform", "retro"]
    assert await site.labels("PLAT", "Retrospectives") == ["platform"]
    assert not (await site.plan()).has_changes


async def test_a_label_taken_out_of_the_config_is_taken_off_the_page(repo: RepoSpec) -> None:
    repo.team_settings["platform"] = {
        "health_checks": {"labels": ["health-check", "platform", "quarterly"]}
    }
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    assert await site.labels("PLAT", Q3) == ["health-check", "platform", "quarterly"]
    repo.team_settings["platform"] = {"health_checks": {"labels": []}}
    repo.write()

    await site.apply()

    assert await site.labels("PLAT", Q3) == []
    assert await site.labels("PLAT", "Health Checks") == ["platform"]
    assert not (await site.plan()).has_changes


async def test_a_label_already_removed_by_hand_counts_as_removed(repo: RepoSpec) -> None:
    repo.team_settings["platform"] = {"health_checks": {"labels": ["platform", "quarterly"]}}
    repo.write()
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    page = await site.page("PLAT", Q3)
    async with site.backend() as confluence:
        await confluence.remove_label(page.id, "quarterly")
    repo.team_settings["platform"] = {"health_checks": {"labels": ["platform"]}}
    repo.write()
    site.sandbox.request_log.clear()

    await site.apply()  # asserts that nothing failed

    assert ("DELETE", "name=quarterly", 404) in _label_writes(site)
    assert await site.labels("PLAT", Q3) == ["platform"]
    assert not (await site.plan()).has_changes


async def test_an_update_of_labels_writes_them_between_the_page_and_the_mark(
    repo: RepoSpec,
) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    repo.team_settings["mobile"] = {"retrospectives": {"labels": ["mobile", "app"]}}
    repo.write()
    site.sandbox.request_log.clear()

    await site.apply()

    def kind(path: str) -> str:
        return "label" if path.endswith("/label") else "mark" if "propert" in path else "page"

    writes = [
        (r.method, kind(r.path)) for r in site.sandbox.request_log.records() if r.method != "GET"
    ]
    # Pending page version, labels added (one request) and removed (one each), mark, finish.
    assert writes == [
        ("PUT", "page"),
        ("POST", "label"),
        ("DELETE", "label"),
        ("PUT", "mark"),
        ("PUT", "page"),
    ]
    assert await site.labels("MOB", SPRINT_9) == ["app", "mobile"]


class Crash(BaseException):
    """The process dies: nothing of confsync catches it, nothing after it runs."""


@dataclass
class CrashAfter(httpx.AsyncBaseTransport):
    """Dies right after the ``after``-th write has reached Confluence and been answered."""

    inner: httpx.AsyncBaseTransport
    after: int
    writes: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET":
            self.writes += 1
            if self.writes == self.after:
                raise Crash
        return response


async def test_a_kill_at_any_write_of_a_label_change_is_finished_by_the_next_apply(
    repo: RepoSpec, tmp_path: Path
) -> None:
    for after in range(1, 5):  # the five writes of the test above: killed after each but last
        spec = repo.copy()
        spec.root = tmp_path / f"k{after}"
        spec.root.mkdir()
        spec.write()
        site = SandboxSite(spec, in_memory=True)
        await site.apply()
        spec.team_settings["mobile"] = {"retrospectives": {"labels": ["mobile", "app"]}}
        spec.write()

        workspace = site.workspace()
        crash = CrashAfter(site.transport(), after)
        async with open_backend(workspace, transport=crash) as confluence:
            plan = await run_plan(workspace, confluence)
            with pytest.raises(Crash):
                await run_apply(workspace, plan, confluence)

        # Killed part way: the page says it is unfinished, so the next plan finishes it.
        again = await site.plan()
        [change] = [c for c in again.changes if c.changes_anything]
        assert change.action is Action.UPDATE, after
        assert change.reason.startswith("left unfinished"), (after, change.reason)
        await site.apply()
        assert await site.labels("MOB", SPRINT_9) == ["app", "mobile"], after
        assert not (await site.plan()).has_changes, after
