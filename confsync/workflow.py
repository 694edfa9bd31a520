"""The steps behind ``plan`` and ``apply``, for the CLI to call: load, render, plan, apply.

Nothing here prints or exits; the CLI shows what these return.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from confsync import __version__
from confsync.apply import ApplyResult, Progress, apply_plan
from confsync.confluence import make_backend
from confsync.confluence.api import Confluence
from confsync.confluence.base import MAX_BODY_BYTES
from confsync.desired import desired_pages, digest_of, read_attachment
from confsync.errors import ConfsyncError, InputError, Problem, StalePlanError
from confsync.loading import LoadedReport, Repo, load_repo
from confsync.plan.model import Action, AttachmentChange, Plan, PlanOrigin
from confsync.plan.planner import make_plan
from confsync.render.charts import health_check_chart
from confsync.render.pages import RenderError
from confsync.render.pdf import print_template_source, render_pdf
from confsync.reports import HealthCheck
from confsync.types import CurrentUser, DesiredPage, Space

__all__ = [
    "Connection",
    "Workspace",
    "check_connection",
    "check_plan_origin",
    "open_backend",
    "prepare",
    "run_apply",
    "run_plan",
]


@dataclass(frozen=True)
class Workspace:
    """A loaded repo, its desired pages and what a plan made from it is made from."""

    repo: Repo
    desired: tuple[DesiredPage, ...]
    origin: PlanOrigin
    team: str | None

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


def prepare(root: Path, *, team: str | None = None) -> Workspace:
    """Load and render the repo at ``root``; raises InputError / ConfsyncError when it cannot."""
    repo = load_repo(root)
    if team is not None and team not in {t.id for t in repo.config.teams}:
        known = ", ".join(t.id for t in repo.config.teams)
        raise ConfsyncError(f"no team {team!r} in confsync.yaml; teams: {known}")
    try:
        desired = desired_pages(repo, print_template_source=print_template_source())
    except RenderError as exc:
        raise ConfsyncError(f"cannot render a page: {exc}") from exc
    oversized = _oversized(repo, desired)
    if oversized:
        raise InputError(oversized)
    if team is not None:
        desired = [d for d in desired if d.address.team == team]
    origin = PlanOrigin(
        confsync_version=__version__,
        config_digest=digest_of(repo.config.model_dump(mode="json")),
        commit=_git_commit(root),
    )
    return Workspace(repo, tuple(desired), origin, team)


def _oversized(repo: Repo, desired: Sequence[DesiredPage]) -> list[Problem]:
    """Pages Confluence would refuse as too large (413), found before the first write, so that
    no apply publishes some pages and then stops at this one."""
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
        config.confluence,
        config_dir=workspace.repo.root,
        transport=transport,
        sandbox_spaces=spaces,
    )


async def run_plan(workspace: Workspace, confluence: Confluence) -> Plan:
    teams = {t.id: t for t in workspace.repo.config.teams}
    if workspace.team is not None:
        teams = {
            k: (v if k == workspace.team else v.model_copy(update={"prune": False}))
            for k, v in teams.items()
        }
    return await make_plan(confluence, workspace.desired, teams, workspace.origin)


def check_plan_origin(workspace: Workspace, plan: Plan) -> None:
    """Refuse a saved plan made from another config, commit, confsync version or report."""
    mine, theirs = workspace.origin, plan.origin
    if theirs.confsync_version != mine.confsync_version:
        raise StalePlanError(
            f"the plan was made by confsync {theirs.confsync_version}, this is "
            f"{mine.confsync_version}: run plan again"
        )
    if theirs.config_digest != mine.config_digest:
        raise StalePlanError("confsync.yaml changed since the plan was made: run plan again")
    if theirs.commit != mine.commit:
        raise StalePlanError(
            f"the plan was made at commit {theirs.commit or '(none)'}, the repo is at "
            f"{mine.commit or '(none)'}: run plan again"
        )
    desired = workspace.by_address()
    for change in plan.changes:
        if change.action in (Action.DELETE, Action.NOOP) or change.after is None:
            continue
        now = desired.get(change.address)
        if now is None or now.digest != change.after.digest:
            raise StalePlanError(
                f"{change.source or change.address} changed since the plan was made: run plan again"
            )


async def run_apply(
    workspace: Workspace, plan: Plan, confluence: Confluence, progress: Progress | None = None
) -> ApplyResult:
    check_plan_origin(workspace, plan)

    def attachment_data(page: DesiredPage, file: AttachmentChange) -> bytes:
        if file.origin == "pdf":
            loaded = workspace.report_at(str(page.address))
            return render_pdf(loaded.report, title=loaded.title, team_name=loaded.team.name)
        if file.origin == "chart":
            report = workspace.report_at(str(page.address)).report
            assert isinstance(report, HealthCheck)
            return health_check_chart(report)
        found = next(a for a in page.attachments if a.filename == file.filename)
        return read_attachment(workspace.repo.root, found)

    return await apply_plan(
        plan,
        workspace.by_address(),
        confluence,
        attachment_data=attachment_data,
        progress=progress,
    )


@dataclass(frozen=True)
class Connection:
    """Who confsync signs in as, and the spaces of the config it can see."""

    user: CurrentUser
    spaces: tuple[Space, ...]


async def check_connection(workspace: Workspace, confluence: Confluence) -> Connection:
    """Sign in and look up every team's space; raises the client's error when one fails."""
    user = await confluence.current_user()
    keys = sorted({t.space for t in workspace.repo.config.teams})
    spaces = [await confluence.space(key) for key in keys]
    return Connection(user, tuple(spaces))
