"""``confsync test-publish``: publish one test page per team, with its PDF, then delete it.

What a team admin runs once, before handing the repo to CI, to see that publishing works:
the page is a built-in sample report of the chosen kind, titled ``confsync test <UTC time>
<random>`` so that it cannot collide with a real page, and it is written the way apply
writes (create, then a new version with a message, then the PDF), so each permission that
apply needs is exercised once.

Where it goes: under the team's configured parent when that page exists; otherwise (a
``create:`` parent not created yet, or ``parent: none``) at the space root. A test never
creates a parent page, since that page would outlive the test. An ``existing:`` parent that
is missing is an error, as it would be for apply.

Nothing is left behind on failure: before writing, the permissions Confluence reports are
read and a missing one stops the test with nothing written; once the page exists, any
failure deletes it (and its files with it) before the error is raised, and a failed delete
names the page's link to delete by hand. Deleted pages go to the space's trash, as every
delete does in Confluence.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from confsync.config import Config, CreateParent, ExistingParent, Team
from confsync.confluence.api import Confluence
from confsync.errors import AuthError, ConfluenceError, ConfsyncError, PermissionDeniedError
from confsync.loading import Repo
from confsync.lock import LockError, SpaceLocks
from confsync.render.pages import PageFile, PageRenderer, RenderError
from confsync.reports import HealthCheck, Retrospective
from confsync.setup_check import find_parent
from confsync.types import Operation, Page, ReportKind, Space

__all__ = ["PdfPrinter", "TestPage", "publish_test_pages", "sample_report"]

T = TypeVar("T")

PdfPrinter = Callable[[str, str, str], bytes]
"""(storage body, title, cover line) -> PDF bytes."""

MESSAGE = "confsync test-publish"
PDF_NAME = "confsync-test.pdf"


@dataclass(frozen=True)
class TestPage:
    """One published test page: where it went and whether it is still there."""

    __test__ = False  # not a pytest test class, despite its name

    team: str
    space_key: str
    title: str
    url: str
    parent: str
    """The parent page's title, or "the space root"."""
    attachment: str
    kept: bool


def sample_report(kind: ReportKind, today: dt.date) -> Retrospective | HealthCheck:
    """A small report of ``kind``, dated ``today``: the test page's content."""
    common = {
        "title": "confsync test",
        "date": today,
        "summary": "A test page published by confsync test-publish.",
    }
    if kind is ReportKind.HEALTH_CHECK:
        return HealthCheck.model_validate(
            {
                "kind": "health-check",
                **common,
                "dimensions": [
                    {"name": "Easy to release", "votes": {"green": 3, "amber": 1}},
                    {"name": "Fun", "votes": {"green": 2, "amber": 1, "red": 1}},
                ],
            }
        )
    return Retrospective.model_validate(
        {
            "kind": "retrospective",
            **common,
            "columns": [
                {"name": "Went well", "items": [{"text": "Publishing works", "votes": 3}]},
                {"name": "To improve", "items": [{"text": "Nothing yet"}]},
            ],
        }
    )


def _body(repo: Repo, team: Team, report: Retrospective | HealthCheck) -> str:
    templates = repo.root / team.templates if team.templates else None
    renderer = PageRenderer(templates, repo_root=repo.root)
    files = [PageFile(PDF_NAME, False)]
    try:
        if isinstance(report, HealthCheck):
            body = renderer.health_check(report, team_name=team.name, previous=None, files=files)
        else:
            body = renderer.retrospective(report, team_name=team.name, files=files)
    except RenderError as exc:
        raise ConfsyncError(f"team {team.id}: cannot render the test page: {exc}") from exc
    note = (
        "<p><strong>A test page published by confsync test-publish.</strong> "
        "It is deleted at once unless --keep was given; delete it when you are done.</p>"
    )
    return note + "\n" + body


async def _parent(
    confluence: Confluence, config: Config, team: Team, space: Space, kind: ReportKind
) -> tuple[str | None, str]:
    setting = config.kind_settings(team, kind.value).parent
    if not isinstance(setting, CreateParent | ExistingParent):
        return None, "the space root"
    found = await find_parent(confluence, space, setting)
    if found is not None:
        title = setting.create if isinstance(setting, CreateParent) else setting.existing
        return found, title if not title.isdigit() else f"page {title}"
    if isinstance(setting, CreateParent):
        return None, "the space root"  # the parent does not exist yet; a test never makes one
    raise ConfsyncError(
        f"team {team.id}: the parent page {setting.existing!r} is not in space {space.key}: "
        f"find it with `confsync pages search TEXT --space {space.key}`; nothing was published"
    )


async def _step(team: Team, space: Space, operation: Operation, action: Awaitable[T]) -> T:
    """Run one write, naming the permission when Confluence refuses it."""
    try:
        return await action
    except (AuthError, PermissionDeniedError) as exc:  # ScopeError is an AuthError
        raise ConfsyncError(
            f"team {team.id}: no permission to {operation.value} in space {space.key}: {exc}"
        ) from exc
    except ConfluenceError as exc:
        raise ConfsyncError(
            f"team {team.id}: the test publish failed at {operation.value}: {exc}"
        ) from exc


async def _preflight(confluence: Confluence, team: Team, space: Space) -> None:
    """Stop before writing when Confluence says a needed permission is missing (delete too:
    without it, a failed test could not clean up)."""
    for permission in await confluence.permissions(space):
        if permission.granted is False:
            raise ConfsyncError(
                f"team {team.id}: no permission to {permission.operation.value} in space "
                f"{space.key} ({permission.source}): {permission.remedy}; nothing was published"
            )


async def _lock_and_release(confluence: Confluence, space: Space) -> None:
    """Take the space's apply lock and give it back, as apply does. Held by a running apply,
    it proves nothing either way: that is not a refusal."""
    try:
        async with SpaceLocks(confluence, [space.key], timeout=0):
            pass
    except LockError as exc:
        if isinstance(exc.__cause__, ConfluenceError):
            raise exc.__cause__ from exc  # refused: _step names the permission


async def _delete(confluence: Confluence, team: Team, space: Space, page: Page) -> None:
    try:
        await _step(team, space, Operation.DELETE, confluence.delete_page(page.id))
    except ConfsyncError as exc:
        raise ConfsyncError(
            f"{exc}. The test page {page.title!r} is still there: delete it by hand: "
            f"{confluence.page_url(page)}"
        ) from exc


async def _publish_one(
    repo: Repo,
    confluence: Confluence,
    team: Team,
    kind: ReportKind,
    *,
    keep: bool,
    printer: PdfPrinter,
    now: dt.datetime,
) -> TestPage:
    space = await confluence.space(team.space)
    parent_id, parent_label = await _parent(confluence, repo.config, team, space, kind)
    await _preflight(confluence, team, space)
    await _step(team, space, Operation.LOCK, _lock_and_release(confluence, space))
    title = f"confsync test {now:%Y-%m-%d %H:%M:%S} UTC {secrets.token_hex(3)}"
    report = sample_report(kind, now.date())
    body = _body(repo, team, report)
    pdf = printer(body, title, f"{team.name} · confsync test-publish")
    created: Page | None = None
    try:
        created = await _step(
            team,
            space,
            Operation.CREATE,
            confluence.create_page(
                space, title=title, body=body, parent_id=parent_id, message=MESSAGE, stamp=False
            ),
        )
        # A second version, as apply writes one for every page (and it tests "update").
        await _step(
            team,
            space,
            Operation.UPDATE,
            confluence.update_page(
                created.id,
                title=title,
                body=body,
                parent_id=None,
                version_number=created.version.number,
                message=MESSAGE,
            ),
        )
        await _step(
            team,
            space,
            Operation.UPLOAD,
            confluence.upload_attachment(
                created.id,
                filename=PDF_NAME,
                data=pdf,
                media_type="application/pdf",
                comment=MESSAGE,
            ),
        )
    except BaseException as exc:
        if created is not None:
            try:
                await _delete(confluence, team, space, created)
            except ConfsyncError as cleanup:
                raise ConfsyncError(f"{exc}. Then cleaning up: {cleanup}") from exc
        raise
    url = confluence.page_url(created)
    if not keep:
        await _delete(confluence, team, space, created)
    return TestPage(team.id, space.key, title, url, parent_label, PDF_NAME, keep)


async def publish_test_pages(
    repo: Repo,
    confluence: Confluence,
    *,
    teams: Sequence[str] = (),
    kind: ReportKind = ReportKind.RETROSPECTIVE,
    keep: bool = False,
    printer: PdfPrinter,
    clock: Callable[[], float] = time.time,
) -> list[TestPage]:
    """One test page per team (all, or those named), each deleted again unless ``keep``."""
    unknown = sorted(set(teams) - {t.id for t in repo.config.teams})
    if unknown:
        raise ConfsyncError(f"no team {', '.join(unknown)} in confsync.yaml")
    now = dt.datetime.fromtimestamp(clock(), dt.UTC)
    chosen = [t for t in repo.config.teams if not teams or t.id in teams]
    return [
        await _publish_one(repo, confluence, team, kind, keep=keep, printer=printer, now=now)
        for team in chosen
    ]
