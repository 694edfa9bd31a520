"""``check`` and ``test-publish``: each permission taken away in turn is named and leaves no
page; with all of them a test publish leaves nothing behind, and ``--keep`` exactly one page.

The permission cases run the workflow functions on a backend from ``tests.client.sites``
(every sign-in method, requests checked against the OpenAPI files): a credential lacks a
permission through its OAuth scopes (the sandbox enforces them) or through the space's
reported operations (``sandbox.space_operations.deny``). The command-line cases run the
real commands on the embedded sandbox.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from confsync.confluence.api import Confluence
from confsync.errors import ConfsyncError
from confsync.loading import Repo, load_repo
from confsync.sandbox.pages import Pages
from confsync.sandbox.space_operations import deny
from confsync.sandbox.store import Store
from confsync.setup_check import run_check
from confsync.testpublish import publish_test_pages
from confsync.types import ReportKind
from tests.client.conftest import Sleeps
from tests.client.sites import ALL_CLOUD_SCOPES, METHODS, Site, open_site, sign_in
from tests.plan.cli import CliResult, confsync
from tests.support.openapi import ContractChecker

CONFIG = """\
version: 1
confluence:
  edition: {edition}
  sandbox: .confsync/sandbox.sqlite
defaults:
  retrospectives:
    parent: {retro_parent}
    title: "{{{{RetrospectiveTitleOrDate}}}} - Retrospective"
  health_checks:
    parent: {{create: Health Checks}}
    title: "{{{{HealthCheckTitleOrDate}}}} - Health Check"
teams:
  - id: platform
    name: Platform Team
    space: {space}
    reports: reports
    prune: true
"""
REPORT = "kind: retrospective\ndate: 2026-11-20\ncolumns: [{name: Went well}]\n"


def write_repo(
    root: Path, *, edition: str = "cloud", space: str = "DEMO", parent: str = "none"
) -> Path:
    (root / "reports").mkdir(parents=True, exist_ok=True)
    (root / "reports" / "2026-11-20-retro.yaml").write_text(REPORT)
    (root / "confsync.yaml").write_text(
        CONFIG.format(edition=edition, space=space, retro_parent=parent)
    )
    return root


def fake_pdf(body: str, title: str, cover: str) -> bytes:
    return b"%PDF-1.4\n% confsync test\n"


async def count(confluence: Confluence) -> int:
    return len(await confluence.pages_in_space(await confluence.space("DEMO")))


@pytest.fixture
def demo_repo(tmp_path: Path) -> Repo:
    return load_repo(write_repo(tmp_path / "repo"))


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return ContractChecker()


pytestmark = pytest.mark.anyio


async def site_for(method: str, tmp_path: Path, checker: ContractChecker) -> Site:
    return await open_site(method, tmp_path, checker, Sleeps().policy())


# ---- with every permission ----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
async def test_a_test_publish_leaves_nothing_behind_and_keep_leaves_one_page(
    method: str, tmp_path: Path, checker: ContractChecker, demo_repo: Repo
) -> None:
    site = await site_for(method, tmp_path, checker)
    confluence = site.open()
    report = await run_check(demo_repo.config, confluence)
    assert report.first_problem is None
    before = await count(confluence)
    kinds = (ReportKind.RETROSPECTIVE, ReportKind.HEALTH_CHECK)
    for kind in kinds:
        published = await publish_test_pages(demo_repo, confluence, kind=kind, printer=fake_pdf)
        assert [p.kept for p in published] == [False]
        assert published[0].title.startswith("confsync test ")
    assert await count(confluence) == before
    kept = await publish_test_pages(demo_repo, confluence, keep=True, printer=fake_pdf)
    pages = await confluence.pages_in_space(await confluence.space("DEMO"))
    assert len(pages) == before + 1
    page = next(p for p in pages if p.title == kept[0].title)
    files = await confluence.attachments(page.id)
    assert [(f.filename, f.media_type) for f in files] == [("confsync-test.pdf", "application/pdf")]
    assert kept[0].url == confluence.page_url(page)
    await site.close()


async def test_a_test_page_goes_under_an_existing_parent_and_never_creates_one(
    tmp_path: Path, checker: ContractChecker
) -> None:
    site = await site_for("api-token", tmp_path, checker)
    confluence = site.open()
    space = await confluence.space("DEMO")
    creating = load_repo(write_repo(tmp_path / "a", parent="{create: Retrospectives}"))
    check = await run_check(creating.config, confluence)
    assert "will be created" in check.teams[0].parents[0].detail
    [kept] = await publish_test_pages(creating, confluence, keep=True, printer=fake_pdf)
    assert kept.parent == "the space root"
    assert await confluence.pages_by_title(space, "Retrospectives") == []
    parent = await confluence.create_page(
        space, title="Team retros", body="<p/>", parent_id=None, message="m"
    )
    existing = load_repo(write_repo(tmp_path / "b", parent="{existing: Team retros}"))
    [under] = await publish_test_pages(existing, confluence, keep=True, printer=fake_pdf)
    assert under.parent == "Team retros"
    assert [c.title for c in await confluence.children(parent.id)] == [under.title]
    await site.close()


async def test_a_missing_existing_parent_is_named_and_nothing_is_published(
    tmp_path: Path, checker: ContractChecker
) -> None:
    site = await site_for("pat", tmp_path, checker)
    confluence = site.open()
    repo = load_repo(write_repo(tmp_path / "r", edition="datacenter", parent="{existing: Nope}"))
    report = await run_check(repo.config, confluence)
    assert report.first_problem is not None
    assert "'Nope'" in report.first_problem
    assert "confsync pages search" in report.first_problem
    before = await count(confluence)
    with pytest.raises(ConfsyncError, match=r"'Nope'.*nothing was published"):
        await publish_test_pages(repo, confluence, printer=fake_pdf)
    assert await count(confluence) == before
    await site.close()


# ---- one permission missing at a time --------------------------------------------------------


async def assert_named_and_nothing_left(repo: Repo, confluence: Confluence, operation: str) -> None:
    report = await run_check(repo.config, confluence)
    assert report.first_problem is not None
    assert f"no permission to {operation}" in report.first_problem
    before = await count(confluence)
    with pytest.raises(ConfsyncError, match=f"no permission to {operation}") as refused:
        await publish_test_pages(repo, confluence, printer=fake_pdf)
    assert "nothing was published" in str(refused.value)
    assert await count(confluence) == before


@pytest.mark.parametrize(
    ("scope", "operation"),
    [
        ("write:page:confluence", "create"),
        ("write:attachment:confluence", "upload"),
        ("delete:page:confluence", "delete"),
    ],
)
async def test_an_oauth_token_lacking_a_scope(
    scope: str, operation: str, tmp_path: Path, checker: ContractChecker, demo_repo: Repo
) -> None:
    site = await site_for("oauth2", tmp_path, checker)
    await sign_in(site, scopes=tuple(s for s in ALL_CLOUD_SCOPES if s != scope))
    confluence = site.open()
    await assert_named_and_nothing_left(demo_repo, confluence, operation)
    await site.close()


async def test_an_application_link_token_that_may_only_read(
    tmp_path: Path, checker: ContractChecker
) -> None:
    site = await site_for("app-link", tmp_path, checker)
    await sign_in(site, scopes=("READ",))
    confluence = site.open()
    repo = load_repo(write_repo(tmp_path / "r", edition="datacenter"))
    await assert_named_and_nothing_left(repo, confluence, "create")
    await site.close()


@pytest.mark.parametrize("method", ["api-token", "scoped-token"])
@pytest.mark.parametrize(
    ("denied", "operation"),
    [
        (("create", "page"), "create"),
        (("create", "attachment"), "upload"),
        (("delete", "page"), "delete"),
    ],
)
async def test_an_account_lacking_a_space_permission(
    method: str,
    denied: tuple[str, str],
    operation: str,
    tmp_path: Path,
    checker: ContractChecker,
    demo_repo: Repo,
) -> None:
    site = await site_for(method, tmp_path, checker)
    store = site.sandbox.store
    deny(store, "DEMO", store.admin.account_id, *denied)
    await assert_named_and_nothing_left(demo_repo, site.open(), operation)
    await site.close()


class Refusing(httpx.AsyncBaseTransport):
    """Answers 403 to one kind of request, as a Data Center space without that permission
    would (Data Center reports no permissions before a write)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, path_part: str) -> None:
        self.inner, self.method, self.path_part = inner, method, path_part

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        # Pages, not properties: the lock is a property of the homepage, taken first.
        if request.method == self.method and self.path_part in path and "/property" not in path:
            body = {"statusCode": 403, "message": "Not permitted to do that"}
            return httpx.Response(403, json=body, request=request)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize(
    ("method", "path_part", "operation"),
    [
        ("POST", "/rest/api/content", "create"),
        ("PUT", "/rest/api/content/", "update"),
        ("POST", "/child/attachment", "upload"),
    ],
)
async def test_data_center_refusing_a_write_is_named_and_cleaned_up(
    method: str, path_part: str, operation: str, tmp_path: Path, checker: ContractChecker
) -> None:
    site = await site_for("pat", tmp_path, checker)
    repo = load_repo(write_repo(tmp_path / "r", edition="datacenter"))
    inner = site.transport
    site.transport = Refusing(inner, method, path_part)  # type: ignore[assignment]
    confluence = site.open()
    report = await run_check(repo.config, confluence)
    assert report.first_problem is None  # Data Center cannot tell before trying
    before = await count(confluence)
    with pytest.raises(ConfsyncError, match=f"no permission to {operation} in space DEMO"):
        await publish_test_pages(repo, confluence, printer=fake_pdf)
    assert await count(confluence) == before
    await site.close()


async def test_a_failed_clean_up_names_the_page_to_delete_by_hand(
    tmp_path: Path, checker: ContractChecker
) -> None:
    site = await site_for("pat", tmp_path, checker)
    repo = load_repo(write_repo(tmp_path / "r", edition="datacenter"))
    site.transport = Refusing(site.transport, "DELETE", "/rest/api/content/")  # type: ignore[assignment]
    confluence = site.open()
    with pytest.raises(ConfsyncError) as failed:
        await publish_test_pages(repo, confluence, printer=fake_pdf)
    message = str(failed.value)
    assert "no permission to delete" in message
    assert "delete it by hand: http://sandbox.local/confluence/pages/viewpage.action?pageId=" in (
        message
    )
    await site.close()


# ---- the commands, on the embedded sandbox -----------------------------------------------------


def sandbox_file(root: Path) -> Path:
    return root / ".confsync" / "sandbox.sqlite"


def current_pages(root: Path) -> int:
    with sqlite3.connect(sandbox_file(root)) as db:
        (found,) = db.execute("SELECT count(*) FROM pages WHERE status = 'current'").fetchone()
    return int(found)


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
def test_check_and_test_publish_commands(tmp_path: Path, edition: str) -> None:
    root = write_repo(tmp_path, edition=edition, space="PLAT", parent="{create: Retrospectives}")
    checked = confsync(root, "check")
    assert checked.code == 0, checked.err
    assert checked.out.startswith("Signed in as Sandbox Admin")
    assert "Ready to publish." in checked.out
    document = json.loads(confsync(root, "check", "--format", "json").out)
    assert document["format_version"] == "1.1"
    assert document["ok"] is True
    [team] = document["teams"]
    assert team["space"]["key"] == "PLAT"
    assert [p["operation"] for p in team["permissions"]] == [
        "create",
        "update",
        "upload",
        "delete",
        "lock",
    ]
    before = current_pages(root)
    published = confsync(root, "test-publish", "--kind", "health-check")
    assert published.code == 0, published.err
    assert "published 'confsync test " in published.out
    assert "viewpage.action?pageId=" in published.out
    assert current_pages(root) == before
    kept = confsync(root, "test-publish", "--team", "platform", "--keep")
    assert kept.code == 0, kept.err
    assert "kept (--keep)" in kept.out
    assert current_pages(root) == before + 1


def _checked_without(tmp_path: Path, operation: str, target: str) -> tuple[Path, CliResult]:
    """A repo in space PLAT, and ``check`` once the account may not ``operation`` ``target``
    there (the first check makes the sandbox file)."""
    root = write_repo(tmp_path, space="PLAT")
    assert confsync(root, "check").code == 0
    store = Store(sandbox_file(root))
    deny(store, "PLAT", store.admin.account_id, operation, target)
    store.close()
    return root, confsync(root, "check")


def test_check_command_names_the_missing_permission(tmp_path: Path) -> None:
    root, checked = _checked_without(tmp_path, "create", "attachment")
    assert checked.code == 1
    assert "upload: NO (space permission create attachment in PLAT)" in checked.out
    assert checked.err.startswith("Error: team platform: no permission to upload: ask an admin")
    before = current_pages(root)
    refused = confsync(root, "test-publish")
    assert refused.code == 1
    assert "no permission to upload in space PLAT" in refused.err
    assert current_pages(root) == before


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
def test_spaces_and_pages_search_commands_read_every_page(tmp_path: Path, edition: str) -> None:
    root = write_repo(tmp_path, edition=edition, space="PLAT")
    assert confsync(root, "spaces").code == 0  # creates the sandbox file
    store = Store(sandbox_file(root))
    for i in range(260):
        store.create_space(f"K{i:03d}", f"Space {i}", home_page=False)
    store.close()
    listed = json.loads(confsync(root, "spaces", "--format", "json").out)
    assert {f"K{i:03d}" for i in range(260)} | {"PLAT"} <= {s["key"] for s in listed["spaces"]}
    text = confsync(root, "spaces").out
    assert "K007  Space 7  http://127.0.0.1:8090/" in text

    store = Store(sandbox_file(root))
    pages, space, admin = Pages(store), store.space_by_key("PLAT"), store.admin
    home = pages.create(admin, space, "Platform home", "<p/>")
    for i in range(260):
        pages.create(admin, space, f"Retro {i}", "<p/>", parent_id=home.id)
    pages.create(admin, space, "Retro 7 board", "<p/>")
    store.close()
    found = json.loads(
        confsync(root, "pages", "search", "Retro", "--space", "PLAT", "--format", "json").out
    )
    assert len(found["pages"]) == 261
    by_title = {p["title"]: p for p in found["pages"]}
    assert by_title["Retro 7"]["ancestors"][-1] == "Platform home"
    assert "Platform home" not in by_title["Retro 7 board"]["ancestors"]
    shown = confsync(root, "pages", "search", "Retro 7", "--space", "PLAT").out
    assert "Retro 7  in " in shown
    assert "Platform home" in shown
    missing = confsync(root, "pages", "search", "Retro", "--space", "NOPE")
    assert missing.code == 1
    assert "NOPE" in missing.err


def test_a_publishing_account_that_is_not_a_space_admin_can_take_the_lock(
    tmp_path: Path,
) -> None:
    # Cloud asks the space's Admin permission to write a space property (the sandbox refuses
    # it, as the v2 reference says); the lock is a property of the homepage instead, which
    # the permission to add and edit pages covers.
    root, checked = _checked_without(tmp_path, "administer", "space")
    assert checked.code == 0, checked.err
    assert "lock: yes (space permission create page in PLAT)" in checked.out
    applied = confsync(root, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "Apply complete: 1 changed, 0 failed." in applied.out
    published = confsync(root, "test-publish")
    assert published.code == 0, published.err


def test_check_names_the_page_permission_the_apply_lock_needs(tmp_path: Path) -> None:
    _, checked = _checked_without(tmp_path, "create", "page")
    assert checked.code == 1
    assert "lock: NO (space permission create page in PLAT)" in checked.out
