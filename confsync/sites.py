"""Several Confluence sites: plan, apply and check done once per site, all sites at once, and
put together into one plan, one result, one report.

A config names one site (``confluence: {...}``) or several (``confluence: {sites: {...}}``,
a ``site:`` per team). Each site is worked on as if the config named it alone
(``Workspace.on_site``): its own client, its own lock, its own plan; nothing in ``workflow``
knows there are others. A fault on one site (it is down, refuses the sign-in, is locked) is
that site's: the others go on, and the command reports the fault and exits 1. With one site,
its error is the command's, as it always was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from confsync.apply import ApplyResult, Progress
from confsync.connection import SiteMap
from confsync.errors import ConfsyncError
from confsync.plan.model import Plan
from confsync.preview import PreviewEntry, current_bodies, write_preview
from confsync.setup_check import CheckReport
from confsync.types import Page, PageStatus, PageVersion
from confsync.workflow import (
    Workspace,
    check_connection,
    check_still_current,
    lock_spaces,
    open_backend,
    run_apply,
    run_plan,
)

__all__ = [
    "Site",
    "SiteFault",
    "apply_sites",
    "check_sites",
    "each_site",
    "plan_sites",
    "run_preview",
    "sites_of",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Site:
    name: str
    """As ``confluence.sites`` names it; "" for the one site of the single-site form."""
    workspace: Workspace


@dataclass(frozen=True)
class SiteFault:
    """A site whose work ``error`` stopped: most often before its first write (the sign-in,
    the lock, the plan); what it wrote before is reported with the rest."""

    site: str
    error: ConfsyncError

    def __str__(self) -> str:
        return f"site {self.site}: {self.error}"


def sites_of(workspace: Workspace) -> tuple[Site, ...]:
    """The sites the workspace speaks for, in the config's order: those with a page to plan
    or a team the selection covers whole (``--team``: only the named teams' sites)."""
    config = workspace.repo.config
    if not isinstance(config.confluence, SiteMap):
        return (Site("", workspace),)
    found = (Site(name, workspace.on_site(name)) for name in config.sites())
    return tuple(
        site
        for site in found
        if site.workspace.desired
        or any(workspace.selection.prunes(t.id) for t in site.workspace.repo.config.teams)
    )


async def each_site(
    sites: Sequence[Site], job: Callable[[Site], Awaitable[T]]
) -> tuple[list[tuple[Site, T]], list[SiteFault]]:
    """``job`` for every site at once: what each returned, and the sites it failed on. With
    one site its error is raised as it is (what the single-site commands always did)."""
    tasks = [asyncio.ensure_future(job(site)) for site in sites]
    if tasks:
        await asyncio.wait(tasks)  # every site ends before any error is raised
    done, faults = _sorted(sites, tasks)
    _refuse_if_all(faults, done)
    return done, faults


def _refuse_if_all(faults: Sequence[SiteFault], done: Sequence[object]) -> None:
    """Every site failed: the command's error, not an empty result ("No changes.") above it."""
    if faults and not done:
        raise ConfsyncError("every site failed: " + "; ".join(map(str, faults)))


async def plan_sites(workspace: Workspace) -> tuple[Plan, list[SiteFault]]:
    """One plan of every site's (a site that failed has no part in it)."""

    async def plan(site: Site) -> Plan:
        async with open_backend(site.workspace) as confluence:
            return (await run_plan(site.workspace, confluence)).of_site(site.name)

    done, faults = await each_site(sites_of(workspace), plan)
    return Plan.joined(workspace.origin, [part for _, part in done]), faults


async def check_sites(
    workspace: Workspace, teams: Sequence[str] = ()
) -> tuple[list[tuple[Site, CheckReport]], list[SiteFault]]:
    """``check`` of every site: each signs in and checks its teams (or those named)."""

    async def check(site: Site) -> CheckReport:
        async with open_backend(site.workspace) as confluence:
            return await check_connection(site.workspace, confluence, teams=teams)

    return await each_site(sites_of(workspace), check)


Approve = Callable[[Plan], Awaitable[bool]]
"""Shown the plan of every site that planned: True to apply it (it may raise to refuse it)."""


async def apply_sites(
    workspace: Workspace,
    saved: Plan | None,
    *,
    approve: Approve,
    progress: Progress | None = None,
    lock_timeout: float,
    lock_ttl: float,
) -> tuple[Plan, ApplyResult, list[SiteFault]]:
    """Lock, plan (or re-check ``saved``), ask ``approve`` once with every site's plan, then
    apply, on every site at once. Each site holds its lock from before its plan to after its
    last write, so what was approved is what is written."""
    sites = sites_of(workspace)
    planned = {site.name: asyncio.get_running_loop().create_future() for site in sites}
    go: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    # What each site applied, kept when the site fails after it (its lock's release, say).
    made = {site.name: ApplyResult() for site in sites}

    async def work(site: Site) -> Plan:
        here = site.workspace
        part = None if saved is None else saved.on_site(site.name)
        ready: asyncio.Future[Plan] = planned[site.name]
        try:
            async with (
                open_backend(here) as confluence,
                lock_spaces(here, confluence, part, timeout=lock_timeout, ttl=lock_ttl),
            ):
                if part is not None:
                    await check_still_current(part, confluence)
                plan = part or (await run_plan(here, confluence)).of_site(site.name)
                ready.set_result(plan)
                if await go and plan.has_changes:
                    made[site.name] = await run_apply(here, plan, confluence, progress)
                return plan
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    tasks = [asyncio.ensure_future(work(site)) for site in sites]
    try:
        if planned:  # none: a selection with nothing on any site
            await asyncio.wait(planned.values())
        before, faults = _sorted(sites, [planned[site.name] for site in sites])
        _refuse_if_all(faults, before)
        plan = Plan.joined(workspace.origin, [part for _, part in before])
        go.set_result(await approve(plan))
    finally:
        if not go.done():
            go.set_result(False)
        # Every site finishes (or lets go of its lock) before the command ends.
        if tasks:
            await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()  # read here; raised, or reported, just below
    _, late = _sorted(sites, tasks)
    result = ApplyResult([outcome for site in sites for outcome in made[site.name].outcomes])
    failed = {fault.site for fault in faults}
    return plan, result, faults + [fault for fault in late if fault.site not in failed]


def _sorted(
    sites: Sequence[Site], futures: Sequence[asyncio.Future[T]]
) -> tuple[list[tuple[Site, T]], list[SiteFault]]:
    """What the sites' finished ``futures`` hold, and their faults. With one site, its error
    is raised (the command's error, as with a single site it always was); any error other
    than a ``ConfsyncError`` is a bug or an interrupt, not a site's fault, and is raised."""
    done: list[tuple[Site, T]] = []
    faults: list[SiteFault] = []
    for site, future in zip(sites, futures, strict=True):
        error = future.exception()
        if error is None:
            done.append((site, future.result()))
        elif isinstance(error, ConfsyncError) and len(sites) > 1:
            faults.append(SiteFault(site.name, error))
        else:
            raise error
    return done, faults


async def run_preview(
    workspace: Workspace, out: Path, *, offline: bool, changed_only: bool
) -> list[PreviewEntry]:
    """Write the review preview (preview.py): against Confluence's plan, or, offline, every
    page as new."""
    if offline:
        return write_preview(workspace.repo, workspace.desired, out, changed_only=changed_only)

    async def read(site: Workspace) -> tuple[Plan, dict[str, str], dict[str, str]]:
        async with open_backend(site) as confluence:
            plan = await run_plan(site, confluence)
            current = await current_bodies(confluence, plan)
            urls = {
                c.address: confluence.page_url(_found(c.before.page_id))
                for c in plan.changes
                if c.before is not None and c.before.page_id
            }
            return plan, current, urls

    done, faults = await each_site(sites_of(workspace), lambda site: read(site.workspace))
    if faults:
        raise ConfsyncError("; ".join(map(str, faults)))
    return write_preview(
        workspace.repo,
        workspace.desired,
        out,
        plan=Plan.joined(workspace.origin, [plan for _, (plan, _, _) in done]),
        current={a: b for _, (_, bodies, _) in done for a, b in bodies.items()},
        page_urls={a: u for _, (_, _, urls) in done for a, u in urls.items()},
        changed_only=changed_only,
    )


def _found(page_id: str) -> Page:
    """A page known by its id alone: enough for its link."""
    return Page(page_id, "", "", None, PageStatus.CURRENT, PageVersion(1))
