"""Attachments, content properties, CQL search and paging in both dialects."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import Sandbox
from tests.sandbox.helpers import V1, V2, XSRF, error_text, space_id, upload, v1_page, v2_page

pytestmark = pytest.mark.anyio


async def _page(cloud: httpx.AsyncClient, title: str = "Files") -> str:
    space = await space_id(cloud)
    return str((await cloud.post(f"{V2}/pages", json=v2_page(space, title))).json()["id"])


async def test_attachments_keep_versions_with_comments(
    cloud: httpx.AsyncClient, cloud_app: Starlette
) -> None:
    page = await _page(cloud)
    first = await cloud.post(
        f"{V1}/content/{page}/child/attachment", **upload("chart.png", b"one", "first upload")
    )
    att = first.json()["results"][0]
    assert (att["title"], att["version"]["number"], att["metadata"]["comment"]) == (
        "chart.png",
        1,
        "first upload",
    )
    duplicate = await cloud.post(
        f"{V1}/content/{page}/child/attachment", **upload("chart.png", b"x", "again")
    )
    assert duplicate.status_code == 400
    assert "same file name" in error_text(duplicate)
    second = await cloud.post(
        f"{V1}/content/{page}/child/attachment/{att['id']}/data",
        **upload("chart.png", b"second!", "second upload"),
    )
    assert second.status_code == 200
    assert second.json()["version"]["number"] == 2
    listed = await cloud.get(f"{V2}/pages/{page}/attachments", params={"filename": "chart.png"})
    [item] = listed.json()["results"]
    assert (item["version"]["number"], item["comment"], item["fileSize"]) == (2, "second upload", 7)
    assert (await cloud.get(f"{V2}/pages/{page}/attachments", params={"filename": "x"})).json()[
        "results"
    ] == []
    sandbox: Sandbox = cloud_app.state.sandbox
    versions = sandbox.attachments.versions(int(att["id"][3:]))
    assert [(v.number, v.message, v.minor_edit) for v in versions] == [
        (1, "first upload", True),
        (2, "second upload", True),
    ]
    download = await cloud.get(f"/wiki{item['downloadLink']}")
    assert download.content == b"second!"
    old = await cloud.get(f"/wiki/download/attachments/{page}/chart.png", params={"version": 1})
    assert old.content == b"one"


async def test_upload_needs_the_xsrf_header_and_a_file_part(cloud: httpx.AsyncClient) -> None:
    page = await _page(cloud)
    files = {"file": ("a.png", b"x", "image/png")}
    no_header = await cloud.post(f"{V1}/content/{page}/child/attachment", files=files)
    assert no_header.status_code == 403
    assert "XSRF" in no_header.json()["message"]
    no_file = await cloud.post(
        f"{V1}/content/{page}/child/attachment", files={"other": ("a", b"x")}, headers=XSRF
    )
    assert no_file.status_code == 400


async def test_dc_attachments_and_several_files_at_once(dc: httpx.AsyncClient) -> None:
    page = (await dc.post("/rest/api/content", json=v1_page("DEMO", "DC files"))).json()["id"]
    files = [("file", ("a.txt", b"a", "text/plain")), ("file", ("b.txt", b"bb", "text/plain"))]
    data = {"comment": ["for a", "for b"]}
    both = await dc.post(
        f"/rest/api/content/{page}/child/attachment",
        files=files,
        data=data,
        headers={"X-Atlassian-Token": "nocheck"},
    )
    assert both.status_code == 200, both.text
    assert [a["metadata"]["comment"] for a in both.json()["results"]] == ["for a", "for b"]
    listed = await dc.get(
        f"/rest/api/content/{page}/child/attachment", params={"filename": "b.txt"}
    )
    assert [a["extensions"]["fileSize"] for a in listed.json()["results"]] == [2]


async def test_content_properties_are_versioned(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    page = await _page(cloud)
    created = await cloud.post(
        f"{V2}/pages/{page}/properties", json={"key": "confsync", "value": {"digest": "a"}}
    )
    prop = created.json()
    assert prop["version"]["number"] == 1
    again = await cloud.post(f"{V2}/pages/{page}/properties", json={"key": "confsync", "value": 1})
    assert again.status_code == 409
    url = f"{V2}/pages/{page}/properties/{prop['id']}"
    update = {"key": "confsync", "value": {"digest": "b"}, "version": {"number": 2}}
    assert (await cloud.put(url, json=update)).json()["version"]["number"] == 2
    stale = await cloud.put(url, json=update)
    assert stale.status_code == 409
    assert "Current version is: 2" in error_text(stale)
    by_key = await cloud.get(f"{V2}/pages/{page}/properties", params={"key": "confsync"})
    assert [p["value"] for p in by_key.json()["results"]] == [{"digest": "b"}]

    dc_page = (await dc.post("/rest/api/content", json=v1_page("DEMO", "Props"))).json()["id"]
    base = f"/rest/api/content/{dc_page}/property"
    # PUT creates a missing property at version 1, as Confluence does.
    put_new = await dc.put(f"{base}/k", json={"key": "k", "value": [1], "version": {"number": 1}})
    assert put_new.json()["version"]["number"] == 1
    bumped = await dc.put(f"{base}/k", json={"key": "k", "value": [2], "version": {"number": 2}})
    assert (bumped.json()["value"], bumped.json()["version"]["number"]) == ([2], 2)
    assert (await dc.get(f"{base}/k")).json()["value"] == [2]


async def test_cql_search_subset(cloud: httpx.AsyncClient, dc: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    parent = await cloud.post(f"{V2}/pages", json=v2_page(space, "Retrospectives"))
    pid = parent.json()["id"]
    for title in ("Sprint 21 - Retrospective", "Sprint 22 - Retrospective"):
        await cloud.post(f"{V2}/pages", json=v2_page(space, title, parentId=pid))
    await cloud.post(f"{V2}/pages", json=v2_page(await space_id(cloud, "PLAT"), "Sprint 23"))

    async def titles(client: httpx.AsyncClient, base: str, cql: str) -> list[str]:
        response = await client.get(f"{base}/content/search", params={"cql": cql, "limit": 50})
        assert response.status_code == 200, response.text
        return sorted(r["title"] for r in response.json()["results"])

    assert await titles(cloud, V1, 'space = DEMO AND title ~ "sprint"') == [
        "Sprint 21 - Retrospective",
        "Sprint 22 - Retrospective",
    ]
    assert await titles(cloud, V1, 'title = "Sprint 23" and type = page') == ["Sprint 23"]
    assert len(await titles(cloud, V1, f"ancestor = {pid}")) == 2
    assert await titles(cloud, V1, "type = blogpost") == []
    assert await titles(cloud, V1, 'space in (DEMO, PLAT) AND title ~ "23"') == ["Sprint 23"]
    bad = await cloud.get(f"{V1}/content/search", params={"cql": "title ~"})
    assert bad.status_code == 400
    await dc.post("/rest/api/content", json=v1_page("DEMO", "DC Retro"))
    assert await titles(dc, "/rest/api", 'space = "DEMO" AND title ~ "retro"') == ["DC Retro"]


@pytest.fixture
def many_pages(cloud_app: Starlette, dc_app: Starlette) -> None:
    """600 pages in DEMO of both apps, written straight to the store (fast)."""
    for app in (cloud_app, dc_app):
        sandbox: Sandbox = app.state.sandbox
        space = sandbox.store.space_by_key("DEMO")
        for number in range(600):
            sandbox.pages.create(sandbox.store.admin, space, f"Page {number:03d}", "<p/>")


@pytest.mark.usefixtures("many_pages")
async def test_v2_cursor_paging_through_600_pages(cloud_app: Starlette) -> None:
    from tests.support.sandbox import sandbox_client

    async with sandbox_client(cloud_app) as cloud:
        space = await space_id(cloud)
        url: str | None = f"{V2}/pages?space-id={space}&status=current&limit=1000"
        seen: list[str] = []
        sizes = []
        while url:
            response = await cloud.get(url)
            body = response.json()
            sizes.append(len(body["results"]))
            seen += [p["title"] for p in body["results"]]
            url = body["_links"].get("next")
            if url:
                assert url.startswith("/wiki/api/v2/pages?")
                assert response.headers["Link"].startswith(f'<{url}>; rel="next"')
            else:
                assert "Link" not in response.headers
    # The limit is capped at 250; the space homepage is the 601st page.
    assert sizes == [250, 250, 101]
    assert len(set(seen)) == 601


@pytest.mark.usefixtures("many_pages")
async def test_v2_paging_through_the_gateway_keeps_site_relative_links(
    cloud_app: Starlette,
) -> None:
    from tests.support.sandbox import GATEWAY_AUTH, sandbox_client

    gateway = "/ex/confluence/00000000-0000-4000-8000-000000000000"
    async with sandbox_client(cloud_app, auth=GATEWAY_AUTH) as cloud:
        first = await cloud.get(f"{gateway}{V2}/pages", params={"limit": 250})
        next_url = first.json()["_links"]["next"]
        assert next_url.startswith("/wiki/api/v2/pages?")
        second = await cloud.get(gateway + next_url)
        assert len(second.json()["results"]) == 250


@pytest.mark.usefixtures("many_pages")
async def test_v1_start_limit_paging_through_600_pages_with_silent_caps(
    dc_app: Starlette,
) -> None:
    from tests.support.sandbox import DC_AUTH, sandbox_client

    async with sandbox_client(dc_app, auth=DC_AUTH) as dc:
        url: str | None = "/confluence/rest/api/content?spaceKey=DEMO&type=page&limit=1000"
        seen: list[str] = []
        while url:
            body = (await dc.get(url)).json()
            assert body["limit"] == 200  # asked for 1000, silently capped
            assert body["size"] == len(body["results"])
            seen += [p["title"] for p in body["results"]]
            url = body["_links"].get("next")
            if url:
                assert url.startswith("/rest/api/content?")
                url = "/confluence" + url
        search = "/rest/api/content/search?cql=space%3DDEMO&limit=500"
        searched = 0
        while search:
            body = (await dc.get(search)).json()
            assert body["limit"] == 100
            searched += body["size"]
            search = body["_links"].get("next")
    assert len(set(seen)) == 601  # with the space's homepage
    assert searched == 601


@pytest.mark.usefixtures("many_pages")
async def test_cloud_cql_search_pages_by_cursor(cloud_app: Starlette) -> None:
    from tests.support.sandbox import sandbox_client

    async with sandbox_client(cloud_app) as cloud:
        url: str | None = f"{V1}/content/search?cql=space%3DDEMO%20AND%20type%3Dpage&limit=250"
        seen: list[str] = []
        while url:
            body = (await cloud.get(url)).json()
            seen += [r["id"] for r in body["results"]]
            url = body["_links"].get("next")
            if url:
                assert "cursor=" in url
                assert "start=" not in url
                url = "/wiki" + url
    assert len(set(seen)) == 601


async def test_v1_limit_zero_still_pages_forward(dc: httpx.AsyncClient) -> None:
    body = (await dc.get("/rest/api/space", params={"limit": 0})).json()
    assert body["limit"] == 1
    assert body["_links"]["next"].startswith("/rest/api/space?")
