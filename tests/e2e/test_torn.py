"""No torn pages: a page and its files move from one digest to the next as a unit.

Whatever stops an apply part way (a refused version-checked write, a kill at any write, another
apply of another commit racing it), every page confsync manages is afterwards either whole (its
title, body, mark, version message and every file of one desired version) or visibly unfinished;
and the next apply, of either commit, makes it whole.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from confsync.plan.model import Action
from confsync.plan.observation import is_unfinished
from confsync.workflow import Workspace, open_backend, prepare, run_apply, run_plan
from tests.e2e.consistency import PageVerdict, verdicts
from tests.e2e.test_recovery import KillSwitch
from tests.plan.sandbox_repo import RepoSpec, SandboxSite, png_bytes

SPRINT = ("platform", "2026-11-18-sprint-22")
Q4 = ("platform", "2026-11-18-q4-health")
IMAGE = "burndown.png"


def version_of(base: RepoSpec, root: Path, n: int) -> RepoSpec:
    """The repo at "commit" ``n``: report texts, the image and the votes (so the chart) differ."""
    spec = base.copy()
    spec.root = root
    sprint = spec.report(*SPRINT)
    sprint["columns"][0]["items"][0]["text"] = f"Deploys are faster (commit {n})"
    health = spec.report(*Q4)
    health["dimensions"][0]["votes"]["green"] = 4 + n
    root.mkdir(parents=True, exist_ok=True)
    spec.write()
    (root / "reports/platform" / IMAGE).write_bytes(png_bytes(n % 256))
    return spec


@dataclass
class WriteCounter(httpx.AsyncBaseTransport):
    inner: httpx.AsyncBaseTransport
    writes: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            self.writes.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


async def _judge(site: SandboxSite, **versions: Workspace) -> list[PageVerdict]:
    async with site.backend() as confluence:
        return await verdicts(
            confluence, ["PLAT", "MOB"], {name: ws.desired for name, ws in versions.items()}
        )


def _whole(found: list[PageVerdict], version: str) -> None:
    assert found, "no managed page found"
    wrong = [v for v in found if v.version != version]
    assert not wrong, wrong


async def _apply(site: SandboxSite, workspace: Workspace) -> None:
    async with site.backend(workspace) as confluence:
        plan = await run_plan(workspace, confluence)
        result = await run_apply(workspace, plan, confluence)
    assert not result.failed, [o.detail for o in result.failed]


# ---- a refused write uploads nothing ---------------------------------------------------------


@pytest.mark.anyio
async def test_a_refused_update_uploads_nothing_and_plan_tells_the_truth(
    repo: RepoSpec, tmp_path: Path
) -> None:
    site = SandboxSite(repo, in_memory=True)
    original = site.workspace()
    await site.apply()
    image = repo.root / "reports/platform" / IMAGE
    kept = image.read_bytes()
    image.write_bytes(png_bytes(200))
    edited = site.workspace()

    # Someone else edits the page between plan and write: Confluence answers 409.
    site.sandbox.faults.update(conflict_once=True)
    async with site.backend(edited) as confluence:
        plan = await run_plan(edited, confluence)
        result = await run_apply(edited, plan, confluence)
    assert [o.change.address for o in result.failed] == ["platform/retrospective/" + SPRINT[1]]
    assert "plan is stale" in result.failed[0].detail

    # Nothing of the refused version reached Confluence: with the file restored, the plan's
    # "No changes" is the truth, file included.
    image.write_bytes(kept)
    again = await site.plan()
    assert not again.has_changes, [c.address for c in again.changes if c.changes_anything]
    _whole(await _judge(site, original=original), "original")


@pytest.mark.anyio
async def test_after_a_refused_update_the_next_apply_publishes_it_whole(repo: RepoSpec) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    (repo.root / "reports/platform" / IMAGE).write_bytes(png_bytes(200))
    site.sandbox.faults.update(conflict_once=True)
    edited = site.workspace()
    async with site.backend(edited) as confluence:
        plan = await run_plan(edited, confluence)
        await run_apply(edited, plan, confluence)

    await site.apply()

    _whole(await _judge(site, edited=edited), "edited")
    assert not (await site.plan()).has_changes


# ---- a kill at every write of an update -------------------------------------------------------


async def _update_writes(base: RepoSpec, tmp_path: Path) -> list[str]:
    """The writes of the update from commit 1 to commit 2, in order (on a scratch sandbox)."""
    one = version_of(base, tmp_path / "count-1", 1)
    two = version_of(base, tmp_path / "count-2", 2)
    site = SandboxSite(one, in_memory=True)
    await site.apply()
    counter = WriteCounter(site.transport())
    workspace = prepare(two.root)
    async with open_backend(workspace, transport=counter) as confluence:
        plan = await run_plan(workspace, confluence)
        assert {c.action for c in plan.changes if c.changes_anything} == {Action.UPDATE}
        assert plan.uploads >= 2  # the image and the chart
        await run_apply(workspace, plan, confluence)
    return counter.writes


@pytest.mark.anyio
@pytest.mark.parametrize("then", ["same commit", "previous commit"])
async def test_a_kill_at_any_write_of_an_update_leaves_nothing_torn(
    repo: RepoSpec, tmp_path: Path, then: str
) -> None:
    writes = await _update_writes(repo, tmp_path)
    assert any("attachment" in w for w in writes), writes
    for after in range(1, len(writes)):
        one = version_of(repo, tmp_path / f"k{after}-1", 1)
        two = version_of(repo, tmp_path / f"k{after}-2", 2)
        site = SandboxSite(one, in_memory=True)
        first = prepare(one.root)
        second = prepare(two.root)
        await _apply(site, first)

        switch = KillSwitch(site.transport(), after)
        async with open_backend(second, transport=switch) as confluence:
            plan = await run_plan(second, confluence)
            task = asyncio.ensure_future(run_apply(second, plan, confluence))
            switch.task = task
            with pytest.raises(asyncio.CancelledError):
                await task
        assert switch.writes == after  # the kill lands at that very write

        # Killed: every page is whole (of either commit) or says it is unfinished.
        killed = await _judge(site, one=first, two=second)
        torn = [v for v in killed if v.version is None and not v.unfinished]
        assert not torn, (after, writes[after - 1], torn)

        # The next apply, of either commit, makes every page whole.
        target = second if then == "same commit" else first
        await _apply(site, target)
        found = await _judge(site, target=target)
        wrong = [v for v in found if v.version != "target"]
        assert not wrong, (after, writes[after - 1], wrong)


# ---- two applies of two commits racing ---------------------------------------------------------


@dataclass
class Jitter(httpx.AsyncBaseTransport):
    """Interleaves two in-process applies differently each round: a random pause per request."""

    inner: httpx.AsyncBaseTransport
    rng: random.Random

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.rng.random() * 0.004)
        return await self.inner.handle_async_request(request)


@pytest.mark.anyio
async def test_two_applies_of_two_commits_racing_never_leave_a_page_mixed(
    repo: RepoSpec, tmp_path: Path
) -> None:
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    for round_ in range(10):
        rng = random.Random(round_)
        specs = [
            version_of(repo, tmp_path / f"r{round_}-{side}", 2 * round_ + side) for side in (1, 2)
        ]
        workspaces = [prepare(spec.root) for spec in specs]

        async def race(workspace: Workspace, rng: random.Random) -> None:
            # A staggered start lets one plan read what the other apply has half written.
            await asyncio.sleep(rng.random() * 0.04)
            async with open_backend(workspace, transport=Jitter(site.transport(), rng)) as c:
                plan = await run_plan(workspace, c)
                if not plan.blocking:
                    await run_apply(workspace, plan, c)

        await asyncio.gather(*(race(w, rng) for w in workspaces))

        found = await _judge(site, a=workspaces[0], b=workspaces[1])
        mixed = [v for v in found if v.version is None and not v.unfinished]
        assert not mixed, (round_, mixed)

    # Whatever the races left, one more apply makes every page whole.
    await _apply(site, workspaces[1])
    _whole(await _judge(site, b=workspaces[1]), "b")


@dataclass
class HoldUploads(httpx.AsyncBaseTransport):
    """Holds this run's first file upload until ``release`` is set: a straggler."""

    inner: httpx.AsyncBaseTransport
    release: asyncio.Event = field(default_factory=asyncio.Event)
    held: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "/child/attachment" in request.url.path:
            self.held.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)


@pytest.mark.anyio
async def test_a_straggler_that_uploads_after_another_run_finished_reopens_the_page(
    repo: RepoSpec, tmp_path: Path
) -> None:
    one = version_of(repo, tmp_path / "one", 1)
    site = SandboxSite(one, in_memory=True)
    await _apply(site, prepare(one.root))
    slow_ws = prepare(version_of(repo, tmp_path / "two", 2).root)
    fast_ws = prepare(version_of(repo, tmp_path / "three", 3).root)

    # The slow run writes its pending versions, then stalls before its first upload...
    hold = HoldUploads(site.transport())
    async with open_backend(slow_ws, transport=hold) as slow:
        plan = await run_plan(slow_ws, slow)
        slow_apply = asyncio.ensure_future(run_apply(slow_ws, plan, slow))
        await hold.held.wait()
        # ...while another run plans (it sees pending pages), applies and finishes them all.
        await _apply(site, fast_ws)
        _whole(await _judge(site, three=fast_ws), "three")
        # The straggler's uploads land on finished pages: it must not leave them claiming
        # to be finished.
        hold.release.set()
        slow_result = await slow_apply
    assert slow_result.failed

    found = await _judge(site, three=fast_ws)
    torn = [v for v in found if v.version is None and not v.unfinished]
    assert not torn, torn
    assert any(v.unfinished for v in found)
    await _apply(site, fast_ws)
    _whole(await _judge(site, three=fast_ws), "three")


# ---- a file that is not the published one ----------------------------------------------------


@pytest.mark.anyio
async def test_a_file_replaced_behind_a_finished_page_is_found_by_a_no_op_plan(
    repo: RepoSpec,
) -> None:
    # What a person uploading over the image leaves, and what earlier confsync versions left
    # after a refused update: a page that says it is up to date over a file that is not.
    site = SandboxSite(repo, in_memory=True)
    await site.apply()
    page = await site.page("PLAT", "Sprint 22 - Retrospective")
    async with site.backend() as confluence:
        image = (await confluence.attachments(page.id, filename=IMAGE))[0]
        await confluence.upload_attachment_version(
            image, data=png_bytes(99), media_type="image/png", comment="a better burndown"
        )
    site.sandbox.request_log.clear()

    plan = await site.plan()

    changed = [c for c in plan.changes if c.changes_anything]
    assert [(c.address, c.action) for c in changed] == [
        ("platform/retrospective/" + SPRINT[1], Action.UPDATE)
    ]
    assert [a.filename for a in changed[0].attachments] == [IMAGE]
    assert IMAGE in changed[0].reason
    # Found from one bulk listing of the files of each space that has any, not a request per
    # page, and not read again for the update.
    reads = [r for r in site.sandbox.request_log.records() if "attachment" in r.path + r.query]
    spaces = {d.space_key for d in site.workspace().desired if d.attachments}
    assert [r.path.rsplit("/", 1)[-1] for r in reads] == ["search"] * len(spaces), reads

    await site.apply()
    _whole(await _judge(site, now=site.workspace()), "now")
    assert not (await site.plan()).has_changes


@pytest.mark.anyio
async def test_a_file_changed_between_plan_and_apply_fails_that_page_only(
    repo: RepoSpec,
) -> None:
    site = SandboxSite(repo, in_memory=True)
    workspace = site.workspace()
    async with site.backend(workspace) as confluence:
        plan = await run_plan(workspace, confluence)
        (repo.root / "reports/platform" / IMAGE).write_bytes(png_bytes(7))
        result = await run_apply(workspace, plan, confluence)

    assert [o.change.address for o in result.failed] == ["platform/retrospective/" + SPRINT[1]]
    assert "changed since the plan was made" in result.failed[0].detail
    assert len(result.outcomes) > 1
    # Created, but left visibly unfinished: no finished message over a file of another version.
    assert is_unfinished(await site.page("PLAT", "Sprint 22 - Retrospective"))
    found = await _judge(site, planned=workspace)
    assert not [v for v in found if v.version is None and not v.unfinished]
    await site.apply()
    _whole(await _judge(site, now=site.workspace()), "now")
