"""The contract suite: every protocol method, over both backends, under all six sign-in
methods, against the sandbox. Every request and answer is checked against Atlassian's OpenAPI
files by the ValidatingTransport the site is reached through."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from confsync.confluence.api import Confluence
from confsync.errors import (
    BadRequestError,
    NotFoundError,
    PayloadTooLargeError,
    StaleVersionError,
    TitleTakenError,
)
from confsync.types import ManagedMark, PageStatus, Space
from tests.client.conftest import Sleeps
from tests.client.sites import CLOUD_METHODS, METHODS, Site, open_site
from tests.support.openapi import ContractChecker

pytestmark = pytest.mark.anyio

BODY = "<p>Deploys are faster</p>"
MESSAGE = "confsync d1"


async def demo(confluence: Confluence) -> Space:
    return await confluence.space("DEMO")


async def test_backend_satisfies_the_protocol(site: Site, confluence: Confluence) -> None:
    assert isinstance(confluence, Confluence)
    assert confluence.edition == site.edition


async def test_current_user(site: Site, confluence: Confluence) -> None:
    user = await confluence.current_user()
    assert user.display_name
    if site.edition == "cloud":
        assert user.account_id
    else:
        assert user.username == "admin"


async def test_space_and_missing_space(confluence: Confluence) -> None:
    space = await demo(confluence)
    assert (space.key, bool(space.id), bool(space.homepage_id)) == ("DEMO", True, True)
    with pytest.raises(NotFoundError, match="NOPE"):
        await confluence.space("NOPE")


async def test_create_read_and_list_pages(confluence: Confluence) -> None:
    space = await demo(confluence)
    parent = await confluence.create_page(
        space, title="Retrospectives", body="<p>index</p>", parent_id=None, message=MESSAGE
    )
    child = await confluence.create_page(
        space, title="Sprint 22", body=BODY, parent_id=parent.id, message="confsync d2"
    )
    assert child.parent_id == parent.id
    assert child.space_id == space.id
    assert child.status is PageStatus.CURRENT
    assert (parent.version.message, child.version.message) == (MESSAGE, "confsync d2")

    read = await confluence.page(child.id)
    assert read.body is not None
    assert "Deploys are faster" in read.body
    assert (read.title, read.parent_id, read.version) == ("Sprint 22", parent.id, child.version)
    assert (await confluence.page(child.id, body=False)).body is None

    listed = {p.id: p for p in await confluence.pages_in_space(space)}
    assert listed[child.id].version == child.version
    assert listed[child.id].parent_id == parent.id
    assert listed[parent.id].parent_id is None  # created at the space root
    assert [p.id for p in await confluence.pages_by_title(space, "Sprint 22")] == [child.id]
    assert await confluence.pages_by_title(space, "Nothing like it") == []
    assert [p.id for p in await confluence.children(parent.id)] == [child.id]
    by_id = await confluence.pages_by_id([child.id, parent.id, child.id])
    assert sorted(p.id for p in by_id) == sorted([child.id, parent.id])
    assert {p.id: p.version for p in by_id}[child.id] == child.version


async def test_title_taken(confluence: Confluence) -> None:
    space = await demo(confluence)
    await confluence.create_page(space, title="Taken", body=BODY, parent_id=None, message=MESSAGE)
    with pytest.raises(TitleTakenError):
        await confluence.create_page(
            space, title="Taken", body=BODY, parent_id=None, message=MESSAGE
        )


async def test_update_move_and_stale_version(confluence: Confluence) -> None:
    space = await demo(confluence)
    a = await confluence.create_page(space, title="A", body=BODY, parent_id=None, message=MESSAGE)
    b = await confluence.create_page(space, title="B", body=BODY, parent_id=None, message=MESSAGE)
    updated = await confluence.update_page(
        b.id,
        title="B renamed",
        body="<p>new</p>",
        parent_id=None,
        version_number=b.version.number,
        message="confsync d3",
    )
    assert updated.version.number == b.version.number + 1
    assert (updated.title, updated.version.message) == ("B renamed", "confsync d3")
    with pytest.raises(StaleVersionError, match="plan again"):
        await confluence.update_page(
            b.id,
            title="B",
            body=BODY,
            parent_id=None,
            version_number=b.version.number,
            message="confsync d4",
        )
    moved = await confluence.move_page(
        b.id, parent_id=a.id, version_number=updated.version.number, message="confsync d5"
    )
    assert moved.parent_id == a.id
    reread = await confluence.page(b.id)
    assert (reread.parent_id, reread.title, reread.version.message) == (
        a.id,
        "B renamed",
        "confsync d5",
    )
    assert reread.body is not None
    assert "new" in reread.body


async def test_delete_page(confluence: Confluence) -> None:
    space = await demo(confluence)
    page = await confluence.create_page(
        space, title="Doomed", body=BODY, parent_id=None, message=MESSAGE
    )
    await confluence.delete_page(page.id)
    assert page.id not in {p.id for p in await confluence.pages_in_space(space)}
    await confluence.delete_page(page.id)  # already gone: still fine


async def test_marks(confluence: Confluence) -> None:
    space = await demo(confluence)
    page = await confluence.create_page(
        space, title="Marked", body=BODY, parent_id=None, message=MESSAGE
    )
    assert await confluence.get_mark(page.id) is None
    mark = ManagedMark(
        address="platform/retrospective/sprint-22", source="reports/s22.yaml", version="0.1.0"
    )
    await confluence.set_mark(page.id, mark)
    assert await confluence.get_mark(page.id) == mark
    newer = ManagedMark(
        address="platform/retrospective/sprint-22", source="reports/s-22.yaml", version="0.1.0"
    )
    await confluence.set_mark(page.id, newer)
    await confluence.set_mark(page.id, newer)  # unchanged: no write
    assert await confluence.get_mark(page.id) == newer


async def test_a_page_is_created_with_its_mark_in_one_write_where_the_api_allows(
    site: Site, confluence: Confluence
) -> None:
    space = await demo(confluence)
    mark = ManagedMark(
        address="platform/retrospective/whole",
        source="reports/whole.yaml",
        version="0.1.0",
        labels=("platform", "retrospective"),
    )
    if not confluence.marks_on_create:  # Cloud v2 creates carry no properties
        with pytest.raises(TypeError):
            await confluence.create_page(
                space, title="Whole", body=BODY, parent_id=None, message=MESSAGE, mark=mark
            )
        return
    site.sandbox.request_log.clear()
    page = await confluence.create_page(
        space, title="Whole", body=BODY, parent_id=None, message=MESSAGE, mark=mark
    )
    writes = [r for r in site.sandbox.request_log.records() if r.method != "GET"]
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in writes] == [("POST", "content")]
    assert page.version.message == MESSAGE
    assert await confluence.get_mark(page.id) == mark
    assert _labels(site, page.id) == ["platform", "retrospective"]  # the ones the mark records


def _labels(site: Site, page_id: str) -> list[str]:
    found, _ = site.sandbox.labels.find(int(page_id))
    return [label.name for label in found]


async def test_labels_are_added_in_one_request_and_removed_one_by_one(
    site: Site, confluence: Confluence
) -> None:
    space = await demo(confluence)
    page = await confluence.create_page(
        space, title="Labelled", body=BODY, parent_id=None, message=MESSAGE
    )
    site.sandbox.request_log.clear()
    await confluence.add_labels(page.id, ["retrospective", "platform"])
    assert [r.method for r in site.sandbox.request_log.records()] == ["POST"]
    await confluence.add_labels(page.id, ["platform"])  # on the page already: nothing changes
    assert _labels(site, page.id) == ["platform", "retrospective"]

    await confluence.remove_label(page.id, "retrospective")
    await confluence.remove_label(page.id, "retrospective")  # gone already: removed
    await confluence.remove_label(page.id, "never-there")
    assert _labels(site, page.id) == ["platform"]


async def test_marking_a_new_page_writes_without_reading_first(
    site: Site, confluence: Confluence
) -> None:
    space = await demo(confluence)
    page = await confluence.create_page(space, title="New", body=BODY, parent_id=None, message="m")
    mark = ManagedMark(
        address="platform/retrospective/new", source="reports/new.yaml", version="0.1.0"
    )
    site.sandbox.request_log.clear()
    await confluence.set_mark(page.id, mark, new_page=True)
    sent = [(r.method, r.path) for r in site.sandbox.request_log.records()]
    assert [method for method, _ in sent] == ["POST"], sent
    assert await confluence.get_mark(page.id) == mark


async def test_attachments(confluence: Confluence) -> None:
    space = await demo(confluence)
    page = await confluence.create_page(
        space, title="With files", body=BODY, parent_id=None, message=MESSAGE
    )
    assert await confluence.attachments(page.id) == []
    first = await confluence.upload_attachment(
        page.id,
        filename="report.pdf",
        data=b"%PDF-1",
        media_type="application/pdf",
        comment="confsync a1 — größe",
    )
    assert (first.filename, first.page_id, first.version) == ("report.pdf", page.id, 1)
    assert first.comment == "confsync a1 — größe"
    await confluence.upload_attachment(
        page.id, filename="chart.png", data=b"\x89PNG", media_type="image/png", comment="c"
    )
    listed = await confluence.attachments(page.id)
    assert sorted(a.filename for a in listed) == ["chart.png", "report.pdf"]
    only = await confluence.attachments(page.id, filename="report.pdf")
    assert [(a.id, a.media_type, a.size, a.comment) for a in only] == [
        (first.id, "application/pdf", 6, "confsync a1 — größe")
    ]
    second = await confluence.upload_attachment_version(
        first, data=b"%PDF-2!", media_type="application/pdf", comment="confsync a2"
    )
    assert (second.id, second.version, second.comment) == (first.id, 2, "confsync a2")
    with pytest.raises(BadRequestError):
        await confluence.upload_attachment(
            page.id, filename="report.pdf", data=b"x", media_type="application/pdf", comment=""
        )


async def test_attachments_in_space_lists_every_page_s_files_in_bulk(
    confluence: Confluence,
) -> None:
    space = await demo(confluence)
    pages = [
        await confluence.create_page(
            space, title=f"Files {n}", body=BODY, parent_id=None, message=MESSAGE
        )
        for n in range(3)
    ]
    for n, page in enumerate(pages[:2]):
        for name in ("report.pdf", "chart.png"):
            await confluence.upload_attachment(
                page.id, filename=name, data=b"x" * (n + 1), media_type="image/png",
                comment=f"confsync {name}-{n}",
            )  # fmt: skip
    first = (await confluence.attachments(pages[0].id, filename="report.pdf"))[0]
    await confluence.upload_attachment_version(
        first, data=b"new", media_type="application/pdf", comment="confsync newer"
    )

    found = await confluence.attachments_in_space(space)

    assert sorted((a.page_id, a.filename, a.comment, a.version) for a in found) == sorted(
        [
            (pages[0].id, "report.pdf", "confsync newer", 2),
            (pages[0].id, "chart.png", "confsync chart.png-0", 1),
            (pages[1].id, "report.pdf", "confsync report.pdf-1", 1),
            (pages[1].id, "chart.png", "confsync chart.png-1", 1),
        ]
    )


async def test_search_pages(confluence: Confluence) -> None:
    space = await demo(confluence)
    for title in ("Retrospectives", "Retro board", "Health Checks"):
        await confluence.create_page(space, title=title, body=BODY, parent_id=None, message="m")
    found = await confluence.search_pages("Retro", space_key="DEMO")
    assert sorted(m.page.title for m in found) == ["Retro board", "Retrospectives"]
    assert all(m.page.space_id == space.id for m in found)
    assert await confluence.search_pages('quote " and \\ back', space_key="DEMO") == []


async def test_page_url(site: Site, confluence: Confluence) -> None:
    space = await demo(confluence)
    page = await confluence.create_page(space, title="L", body=BODY, parent_id=None, message="m")
    prefix = "/wiki" if site.edition == "cloud" else "/confluence"
    assert confluence.page_url(page) == (
        f"http://sandbox.local{prefix}/pages/viewpage.action?pageId={page.id}"
    )


@pytest.mark.parametrize("method", METHODS)
async def test_listing_is_bulk(
    method: str, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    """N pages with versions and messages in about ceil(N/250) requests (the server's cap)."""
    site = await open_site(method, tmp_path, checker, sleeps.policy())
    confluence = site.open()
    space = await demo(confluence)
    store = site.sandbox.store
    for i in range(520):
        store_create(site, space, f"P{i}")
    site.sandbox.request_log.clear()
    pages = await confluence.pages_in_space(space)
    assert len(pages) >= 520
    cap = 250 if method in CLOUD_METHODS else 200  # the sandbox's DC cap, like real servers
    assert len(site.requests("GET")) == math.ceil(len(pages) / cap)
    site.sandbox.request_log.clear()
    by_id = await confluence.pages_by_id([p.id for p in pages])
    assert sorted(p.id for p in by_id) == sorted(p.id for p in pages)
    per_request = 250 if method in CLOUD_METHODS else 100  # DC: CQL "id in (...)" chunks
    assert len(site.requests("GET")) == math.ceil(len(pages) / per_request)
    assert store is site.sandbox.store
    await site.close()


def store_create(site: Site, space: Space, title: str) -> None:
    """Seed a page straight into the sandbox's store (fast set-up, not under test)."""
    sandbox = site.sandbox
    sandbox.pages.create(
        sandbox.store.admin,
        sandbox.store.space_by_key(space.key),
        title,
        BODY,
        message="confsync seed",
    )


async def test_oversized_pages_are_refused_before_sending(
    site: Site, confluence: Confluence
) -> None:
    space = await demo(confluence)
    before = len(site.requests())
    with pytest.raises(PayloadTooLargeError, match="5 MB"):
        await confluence.create_page(
            space, title="Huge", body="<p>" + "x" * 5_300_000 + "</p>", parent_id=None, message="m"
        )
    with pytest.raises(BadRequestError, match="256 characters"):
        await confluence.update_page(
            "1", title="T" * 256, body="", parent_id=None, version_number=1, message="m"
        )
    assert len(site.requests()) == before
