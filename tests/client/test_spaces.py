"""``spaces()``, ``search_pages`` with ancestors, and ``permissions()``: over both backends and
every sign-in method, with more results than one page of the server's answer holds, every
request and answer checked against Atlassian's OpenAPI files."""

from __future__ import annotations

from pathlib import Path

import pytest

from confsync.confluence.api import Confluence
from confsync.sandbox.space_operations import deny
from confsync.types import Operation
from tests.client.conftest import Sleeps
from tests.client.sites import ALL_CLOUD_SCOPES, Site, open_site, sign_in
from tests.support.openapi import ContractChecker

pytestmark = pytest.mark.anyio

# More than the largest page any listing answers (Cloud v2: 250; DC spaces 200, search 100).
MANY = 260


async def test_spaces_follow_every_page(site: Site, confluence: Confluence) -> None:
    store = site.sandbox.store
    for i in range(MANY):
        store.create_space(f"S{i:03d}", f"Space {i}", home_page=False)
    site.sandbox.request_log.clear()
    found = await confluence.spaces()
    keys = {s.key for s in found}
    assert {f"S{i:03d}" for i in range(MANY)} <= keys
    assert "DEMO" in keys
    assert len(site.requests("GET", "space")) >= 2  # paging followed, not one capped answer
    space = next(s for s in found if s.key == "S007")
    assert space.name == "Space 7"
    prefix = "/wiki/spaces/" if site.edition == "cloud" else "/confluence/display/"
    assert confluence.space_url(space) == f"http://sandbox.local{prefix}S007"


async def test_search_follows_every_page_and_names_ancestors(
    site: Site, confluence: Confluence
) -> None:
    sandbox = site.sandbox
    space = sandbox.store.space_by_key("DEMO")
    admin = sandbox.store.admin
    team = sandbox.pages.create(admin, space, "Team pages", "<p/>")
    mobile = sandbox.pages.create(admin, space, "Mobile", "<p/>", parent_id=team.id)
    for i in range(MANY):
        sandbox.pages.create(admin, space, f"Retro {i}", "<p/>", parent_id=mobile.id)
    sandbox.pages.create(admin, space, "Retro elsewhere", "<p/>")
    sandbox.request_log.clear()
    found = await confluence.search_pages("Retro", space_key="DEMO", limit=None)
    assert len(found) == MANY + 1
    assert len(site.requests("GET", "content/search")) >= 2
    nested = next(m for m in found if m.page.title == "Retro 7")
    assert nested.ancestors[-2:] == ("Team pages", "Mobile")
    top = next(m for m in found if m.page.title == "Retro elsewhere")
    assert "Mobile" not in top.ancestors
    # A limit stops reading early.
    assert len(await confluence.search_pages("Retro", space_key="DEMO", limit=3)) == 3


@pytest.mark.parametrize("method", ["api-token", "scoped-token", "oauth2"])
@pytest.mark.parametrize(
    ("denied", "missing"),
    [
        # The lock is a property of the homepage: editing pages is what it takes.
        (("create", "page"), {Operation.CREATE, Operation.UPDATE, Operation.LOCK}),
        (("create", "attachment"), {Operation.UPLOAD}),
        (("delete", "page"), {Operation.DELETE}),
        (("administer", "space"), set()),
    ],
)
async def test_cloud_reads_the_space_permissions(
    method: str,
    denied: tuple[str, str],
    missing: set[Operation],
    tmp_path: Path,
    checker: ContractChecker,
    sleeps: Sleeps,
) -> None:
    site = await open_site(method, tmp_path, checker, sleeps.policy())
    store = site.sandbox.store
    confluence = site.open()
    space = await confluence.space("DEMO")
    assert all(p.granted for p in await confluence.permissions(space))
    deny(store, "DEMO", store.admin.account_id, *denied)
    found = {p.operation: p for p in await confluence.permissions(space)}
    assert {op for op, p in found.items() if p.granted is False} == missing
    assert all(
        f"space permission {denied[0]} {denied[1]} in DEMO" in found[op].source for op in missing
    )
    await site.close()


@pytest.mark.parametrize(
    ("scope", "missing"),
    [
        ("write:page:confluence", {Operation.CREATE, Operation.UPDATE, Operation.LOCK}),
        ("write:attachment:confluence", {Operation.UPLOAD}),
        ("delete:page:confluence", {Operation.DELETE}),
    ],
)
async def test_oauth_scopes_decide_first(
    scope: str, missing: set[Operation], tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    site = await open_site("oauth2", tmp_path, checker, sleeps.policy())
    await sign_in(site, scopes=tuple(s for s in ALL_CLOUD_SCOPES if s != scope))
    confluence = site.open()
    space = await confluence.space("DEMO")
    found = {p.operation: p for p in await confluence.permissions(space)}
    assert {op for op, p in found.items() if p.granted is False} == missing
    for op in missing:
        assert scope in found[op].source
        assert "confsync login" in found[op].remedy
    await site.close()


@pytest.mark.parametrize("method", ["pat", "basic", "app-link"])
async def test_data_center_cannot_tell_without_a_test_publish(
    method: str, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    site = await open_site(method, tmp_path, checker, sleeps.policy())
    confluence = site.open()
    space = await confluence.space("DEMO")
    found = await confluence.permissions(space)
    assert [p.operation for p in found] == list(Operation)
    assert all(p.granted is None for p in found)
    assert all("confsync test-publish" in p.source for p in found)
    if method == "app-link":
        await sign_in(site, scopes=("READ",))
        reader = site.open()
        refused = await reader.permissions(await reader.space("DEMO"))
        assert all(p.granted is False and "WRITE" in p.source for p in refused)
    await site.close()
