"""The steps behind ``plan`` and ``apply``, for the CLI to call: load, render, plan, apply.

Nothing here prints or exits; the CLI shows what these return.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache, partial
from multiprocessing import forkserver
from pathlib import Path

import httpx

from confsync import __version__
from confsync.apply import ApplyResult, Progress, apply_plan
from confsync.confluence import make_backend
from confsync.confluence.api import Confluence
from confsync.confluence.base import MAX_BODY_BYTES
from confsync.desired import (
    attachment_bytes,
    desired_pages,
    digest_of,
    image_bytes,
    pdf_cover,
)
from confsync.errors import ConfsyncError, InputError, PlanError, Problem, StalePlanError
from confsync.glyphs import glyph_warnings
from confsync.loading import LoadedReport, Repo, load_repo
from confsync.lock import LOCK_TTL, SpaceLocks
from confsync.plan.model import Action, AttachmentChange, Plan, PlanOrigin, Selection
from confsync.plan.planner import make_plan
from confsync.plan.recheck import moved_on
from confsync.render.fonts import require_fonts
from confsync.render.pdf import render_pdf
from confsync.selection import changed_files, check_teams, notice, select
from confsync.setup_check import CheckReport, run_check
from confsync.teams import TeamInfo, team_infos
from confsync.types import DesiredPage

__all__ = [
    "Workspace",
    "check_connection",
    "check_plan_origin",
    "check_still_current",
    "list_teams",
    "lock_spaces",
    "open_backend",
    "prepare",
    "run_apply",
    "run_plan",
    "start_printing",
]


@dataclass(frozen=True)
class Workspace:
    """A loaded repo, its desired pages and what a plan made from it is made from."""

    repo: Repo
    desired: tuple[DesiredPage, ...]
    origin: PlanOrigin
    selection: Selection
    notice: str | None = None
    """For the user: what a partial selection covers, and that prune is off."""
    render_warnings: tuple[Problem, ...] = ()
    """Found while rendering: report text no installed font can draw (glyphs.py)."""

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Everything to warn about: the repo's, then rendering's."""
        return self.repo.warnings + self.render_warnings

    def on_site(self, name: str) -> Workspace:
        """This workspace as if the config named only the site ``name``: its teams and their
        pages (``Repo.on_site``); what a plan, an apply and a check of that site work on."""
        repo = self.repo.on_site(name)
        teams = {team.id for team in repo.config.teams}
        desired = tuple(d for d in self.desired if d.address.team in teams)
        return replace(self, repo=repo, desired=desired)

    def by_address(self) -> dict[str, DesiredPage]:
        return {str(d.address): d for d in self.desired}

    def report_at(self, address: str) -> LoadedReport:
        return next(r for r in self.repo.reports if str(r.address) == address)


def _git_commit(root: Path) -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return found.stdout.strip() or None if found.returncode == 0 else None


def prepare(
    root: Path,
    *,
    teams: Sequence[str] = (),
    targets: Sequence[str] = (),
    changed_since: str | None = None,
) -> Workspace:
    """Load and render the repo at ``root`` and select the pages to plan (all, when no team,
    target or ref is given; see ``selection.py``); raises InputError / ConfsyncError when it
    cannot."""
    repo = load_repo(root)
    selection = Selection.of(teams, targets, changed_since)
    check_teams(repo, selection)
    changed = None
    if changed_since is not None:
        commit, changed = changed_files(root, changed_since)
        selection = replace(selection, changed_since_commit=commit)
    desired = desired_pages(repo)
    oversized = _oversized(repo, _maybe_oversized(repo, desired))
    if oversized:
        raise InputError(oversized)
    chosen = select(repo, desired, selection, changed)
    origin = PlanOrigin(
        confsync_version=__version__,
        config_digest=digest_of(repo.config.model_dump(mode="json")),
        commit=_git_commit(root),
        selection=None if selection.everything else selection,
    )
    note = notice(selection, chosen, total=len(repo.reports))
    warnings = tuple(glyph_warnings(repo))
    return Workspace(repo, tuple(chosen), origin, selection, note, warnings)


_EXPANSION = 16
"""At most how many times larger than its report file a page body renders (escaping, and the
markup around each short item): a body cannot reach Confluence's limit from a file smaller
than ``MAX_BODY_BYTES / _EXPANSION``."""


def _maybe_oversized(repo: Repo, desired: Sequence[DesiredPage]) -> list[DesiredPage]:
    """The pages whose report file is large enough that the body might be too large: rendered
    and measured before any call to Confluence, so that such a report is refused like any
    other invalid input. The others are measured only if the plan writes them."""
    sizes = {str(r.address): r.path.stat().st_size for r in repo.reports}
    floor = MAX_BODY_BYTES // _EXPANSION
    return [page for page in desired if sizes.get(str(page.address), 0) >= floor]


def check_sizes(workspace: Workspace, plan: Plan) -> None:
    """Refuse pages Confluence would refuse as too large (413) before the first write, so that
    no apply publishes some pages and then stops at this one. Only the pages the plan writes
    are rendered to measure: the others are unchanged, and were not too large."""
    desired = workspace.by_address()
    written = [
        desired[c.address] for c in plan.changes if c.changes_anything and c.address in desired
    ]
    oversized = _oversized(workspace.repo, written)
    if oversized:
        raise InputError(oversized)


def _oversized(repo: Repo, desired: Sequence[DesiredPage]) -> list[Problem]:
    paths = {str(r.address): r.path for r in repo.reports}
    problems = []
    for page in desired:
        size = len(page.body.encode("utf-8"))
        if size > MAX_BODY_BYTES:
            path = paths.get(str(page.address))
            shown = os.path.relpath(path) if path is not None else page.source
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    "",
                    f"renders the page {page.title!r} at {size:,} bytes; Confluence accepts at "
                    f"most {MAX_BODY_BYTES:,}: shorten the report, or keep long text in a file "
                    "it attaches",
                )
            )
    return problems


def open_backend(
    workspace: Workspace, *, transport: httpx.AsyncBaseTransport | None = None
) -> Confluence:
    config = workspace.repo.config
    spaces: Sequence[str] = sorted({t.space for t in config.teams})
    return make_backend(
        config.settings,
        config_dir=workspace.repo.root,
        transport=transport,
        sandbox_spaces=spaces,
    )


async def run_plan(workspace: Workspace, confluence: Confluence) -> Plan:
    selection = workspace.selection
    # Prune only what the plan speaks for: the teams it covers whole.
    teams = {
        t.id: t if selection.prunes(t.id) else t.model_copy(update={"prune": False})
        for t in workspace.repo.config.teams
    }

    def scope(address: str) -> bool:
        return selection.prunes(address.split("/", 1)[0])

    plan = await make_plan(confluence, workspace.desired, teams, workspace.origin, scope=scope)
    check_sizes(workspace, plan)
    return plan


def check_plan_origin(workspace: Workspace, plan: Plan) -> None:
    """Refuse a saved plan whose config, confsync version or desired pages are not today's.

    The commit is recorded, not required: a plan reviewed in a pull request stays valid after
    the merge commit, as long as nothing it depends on changed.
    """
    mine, theirs = workspace.origin, plan.origin
    if theirs.confsync_version != mine.confsync_version:
        raise StalePlanError(
            f"the plan was made by confsync {theirs.confsync_version}, this is "
            f"{mine.confsync_version}: run plan again"
        )
    if theirs.config_digest != mine.config_digest:
        raise StalePlanError("confsync.yaml changed since the plan was made: run plan again")
    if mine.selection != theirs.selection:
        made, asked = theirs.selection or Selection(), mine.selection or Selection()
        raise PlanError(
            f"the plan was made with {made.flags()}, this apply has {asked.flags()}: apply "
            "it with the options it was made with (--changed-since naming the same commit), "
            "or plan again"
        )
    desired = workspace.by_address()
    planned = {change.address for change in plan.changes}
    for change in plan.changes:
        if change.action in (Action.DELETE, Action.ORPHAN) or change.after is None:
            continue
        now = desired.get(change.address)
        if now is None or now.digest != change.after.digest:
            raise StalePlanError(
                f"{change.source or change.address} changed since the plan was made: run plan again"
            )
    unplanned = [
        str(d.address) if d.address.is_parent else d.source
        for d in workspace.desired
        if str(d.address) not in planned
    ]
    if unplanned:
        raise StalePlanError(
            f"{', '.join(sorted(set(unplanned))[:5])} {'is' if len(unplanned) == 1 else 'are'} "
            "not in the plan (added since it was made): run plan again"
        )


def lock_spaces(
    workspace: Workspace,
    confluence: Confluence,
    plan: Plan | None,
    *,
    timeout: float,
    ttl: float = LOCK_TTL,
) -> SpaceLocks:
    """The leases an apply holds while it writes: every space it may write, taken before it
    plans (so what it plans is what it writes) or, for a saved plan, the plan's spaces."""
    if plan is not None:
        keys = {c.space for c in plan.changes if c.changes_anything}
    else:
        keys = {d.space_key for d in workspace.desired}
        keys |= {t.space for t in workspace.repo.config.teams if t.prune}
    site = next(iter(workspace.repo.config.sites()))  # named: one of several (on_site)
    return SpaceLocks(confluence, sorted(keys), timeout=timeout, ttl=ttl, site=site)


async def check_still_current(plan: Plan, confluence: Confluence) -> None:
    """Refuse a saved plan, before its first write, when Confluence moved on since."""
    problems = await moved_on(plan, confluence)
    if problems:
        shown = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
        raise StalePlanError(
            f"Confluence changed since the plan was made ({shown}); nothing was applied. "
            "Was this plan applied already? Run plan again."
        )


_PRINTING = multiprocessing.get_context("forkserver")
"""forkserver: forking a process that runs threads is unsafe; the server is a fresh process."""


def start_printing(workspace: Workspace) -> None:
    """When some page prints a PDF, start the process PDF workers are forked from, with
    WeasyPrint loaded, now: it loads while apply locks and plans, and the first PDF starts as
    soon as the plan is known instead of after an import in every worker."""
    if any(a.origin == "pdf" for d in workspace.desired for a in d.attachments):
        _PRINTING.set_forkserver_preload(["confsync.render.preload"])
        forkserver.ensure_running()


@contextmanager
def _print_pool(plan: Plan) -> Iterator[Executor | None]:
    """Processes to print PDFs in, one per core, when the plan uploads any: WeasyPrint is
    CPU-bound and holds the GIL, so printing in the event loop's process would stall every
    request of the apply."""
    if not any(f.origin == "pdf" for c in plan.changes for f in c.attachments):
        yield None
        return
    require_fonts()  # the clear error before any page is written, not a crash in a worker
    _PRINTING.set_forkserver_preload(["confsync.render.preload"])  # if not started yet
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=_PRINTING) as pool:
        yield pool


async def _printed(pool: Executor | None, body: str, title: str, cover: str,
                   files: Mapping[str, bytes]) -> bytes:  # fmt: skip
    job = partial(render_pdf, body, title=title, cover=cover, files=files)
    if pool is None:
        return job()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, job)
    except BrokenProcessPool as exc:
        raise ConfsyncError(
            f"printing the PDF of {title!r} crashed its process (a missing font or library?): "
            "run confsync validate, or set pdf: false"
        ) from exc


async def run_apply(
    workspace: Workspace, plan: Plan, confluence: Confluence, progress: Progress | None = None
) -> ApplyResult:
    check_plan_origin(workspace, plan)
    check_sizes(workspace, plan)

    repo = workspace.repo
    desired = workspace.by_address()

    async def print_pdf(page: DesiredPage) -> bytes:
        cover = pdf_cover(workspace.report_at(str(page.address)))
        images = image_bytes(repo, page, file_bytes)
        return await _printed(pool, page.body, page.title, cover, images)

    @cache
    def chart(address: str, filename: str) -> bytes:
        # Drawn once for the upload and the PDF both (a chart is drawn in this process).
        return attachment_bytes(repo, desired[address], filename)

    def file_bytes(page: DesiredPage, filename: str) -> bytes:
        if any(a.filename == filename and a.origin == "chart" for a in page.attachments):
            return chart(str(page.address), filename)
        return attachment_bytes(repo, page, filename)

    def attachment_data(page: DesiredPage, file: AttachmentChange) -> bytes | Awaitable[bytes]:
        if file.origin != "pdf":
            return file_bytes(page, file.filename)
        return printing.pop(str(page.address), None) or print_pdf(page)

    with _print_pool(plan) as pool:
        # Every PDF starts printing now, in the pool, while apply writes pages: printing then
        # overlaps the whole run instead of each page waiting for its own PDF.
        printing = {
            c.address: asyncio.ensure_future(print_pdf(desired[c.address]))
            for c in plan.changes
            if c.address in desired and any(f.origin == "pdf" for f in c.attachments)
        }
        try:
            return await apply_plan(
                plan,
                desired,
                confluence,
                attachment_data=attachment_data,
                progress=progress,
                notify={team.id for team in repo.config.teams if team.notify},
            )
        finally:
            # PDFs of pages that failed before their upload: not needed, not left running.
            for task in printing.values():
                task.cancel()
            await asyncio.gather(*printing.values(), return_exceptions=True)


async def check_connection(
    workspace: Workspace, confluence: Confluence, *, teams: Sequence[str] = ()
) -> CheckReport:
    """Sign in, then per team (all, or those named): the space, the parents, the permissions
    (see ``setup_check``); raises the client's error when signing in fails."""
    return await run_check(workspace.repo.config, confluence, teams)


def list_teams(root: Path) -> tuple[TeamInfo, ...]:
    """The teams of the repo at ``root``, offline (the repo is validated, nothing rendered)."""
    return team_infos(load_repo(root))
