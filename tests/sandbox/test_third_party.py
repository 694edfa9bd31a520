"""What unmodified third-party clients send, replayed as plain httpx calls over the app.

Recorded from atlassian-python-api 5.0.5 (``Confluence(url, ..., cloud=False)``: the classic
v1 API, on Cloud at ``/wiki`` too) and md2cf 2.3.0, run against ``confsync sandbox serve`` in
both editions. Neither package is a dependency: these sequences keep the sandbox usable by
them. Every answer is checked against Atlassian's specs; requests are not, because the clients
send parameters the specs do not list (``status`` on an update, ``id`` on a label delete,
``allowDuplicated`` on an upload), which Confluence ignores.

Where a client is wrong against real Confluence too, the test pins what Confluence answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import DEFAULT_PAT, create_app
from tests.support.openapi import ContractChecker
from tests.support.sandbox import BASE_URL, CLOUD_AUTH, DC_AUTH, sandbox_client

pytestmark = pytest.mark.anyio

NOCHECK = {"X-Atlassian-Token": "no-check"}
# atlassian-python-api sends these page settings with every create and update.
APPEARANCE = {
    "properties": {
        "content-appearance-draft": {"value": "fixed-width"},
        "content-appearance-published": {"value": "fixed-width"},
    }
}


@dataclass
class Site:
    """One sandbox as a client sees it: the API base, a checked client and an unchecked one."""

    api: str
    client: httpx.AsyncClient
    raw: httpx.AsyncClient
    cloud: bool


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return ContractChecker()


@pytest.fixture(params=["cloud", "datacenter-basic", "datacenter-pat"])
async def site(request: pytest.FixtureRequest, checker: ContractChecker) -> AsyncIterator[Site]:
    cloud = request.param == "cloud"
    app: Starlette = create_app(edition="cloud" if cloud else "datacenter")
    auth: tuple[str, str] | None = CLOUD_AUTH if cloud else DC_AUTH
    headers = {}
    if request.param == "datacenter-pat":
        auth, headers = None, {"Authorization": f"Bearer {DEFAULT_PAT}"}
    api = "/wiki/rest/api" if cloud else "/confluence/rest/api"
    async with (
        sandbox_client(app, auth=auth, checker=checker, check_requests=False) as client,
        sandbox_client(app, auth=auth) as raw,
    ):
        client.headers.update(headers)
        raw.headers.update(headers)
        yield Site(api, client, raw, cloud)


def _page(title: str, body: str, parent: str | None = None) -> dict[str, object]:
    """The body of atlassian-python-api's ``create_page``."""
    data: dict[str, object] = {
        "type": "page",
        "title": title,
        "status": "current",
        "space": {"key": "DEMO"},
        "body": {"storage": {"value": body, "representation": "storage"}},
        "metadata": APPEARANCE,
    }
    if parent is not None:
        data["ancestors"] = [{"type": "page", "id": parent}]
    return data


async def _update(site: Site, page_id: str, title: str, body: str, message: str) -> httpx.Response:
    """atlassian-python-api's ``update_page``: history first, then PUT with the next number."""
    history = await site.client.get(f"{site.api}/content/{page_id}/history")
    assert history.status_code == 200, history.text
    number = history.json()["lastUpdated"]["number"] + 1
    data = {
        "id": page_id,
        "type": "page",
        "title": title,
        "version": {"number": number, "minorEdit": False, "message": message},
        "metadata": APPEARANCE,
        "body": {"storage": {"value": body, "representation": "storage"}},
    }
    return await site.client.put(
        f"{site.api}/content/{page_id}", params={"status": "current"}, json=data
    )


async def test_atlassian_python_api_page_lifecycle(site: Site) -> None:
    client, api = site.client, site.api
    space = await client.get(f"{api}/space/DEMO", params={"expand": "description.plain,homepage"})
    assert space.status_code == 200
    assert space.json()["homepage"]["id"]
    assert (await client.get(f"{api}/user/current")).status_code == 200
    # create_page posts to "content/" with a trailing slash: served, not redirected.
    parent = await client.post(f"{api}/content/", json=_page("APA Parent", "<p>parent</p>"))
    assert parent.status_code == 200, parent.text
    parent_id = parent.json()["id"]
    child = await client.post(f"{api}/content/", json=_page("APA Child", "<p>c</p>", parent_id))
    child_id = child.json()["id"]
    by_title = await client.get(
        f"{api}/content",
        params={
            "spaceKey": "DEMO",
            "title": "APA Parent",
            "type": "page",
            "expand": "body.storage,version,ancestors",
        },
    )
    assert [p["id"] for p in by_title.json()["results"]] == [parent_id]
    by_id = await client.get(
        f"{api}/content/{child_id}", params={"expand": "body.storage,version,ancestors"}
    )
    assert by_id.json()["ancestors"][-1]["id"] == parent_id
    assert by_id.json()["body"]["storage"]["value"] == "<p>c</p>"
    updated = await _update(site, parent_id, "APA Parent", "<p>parent v2</p>", "second")
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"]["number"] == 2
    history = (await client.get(f"{api}/content/{parent_id}/history")).json()
    assert history["lastUpdated"]["number"] == 2
    assert history["lastUpdated"]["message"] == "second"
    assert history["previousVersion"]["number"] == 1
    assert history["latest"] is True
    # update_or_create finds a child by CQL, sending "{}" as the body of a GET.
    found = await client.request(
        "GET",
        f"{api}/content/search",
        params={"cql": f'parent={parent_id} AND space="DEMO"'},
        content=b"{}",
    )
    assert [p["title"] for p in found.json()["results"]] == ["APA Child"]
    children = await client.get(f"{api}/content/{parent_id}/child/page")
    assert [p["id"] for p in children.json()["results"]] == [child_id]
    # remove_page(recursive=True): children first, then the page.
    assert (await client.delete(f"{api}/content/{child_id}")).status_code == 204
    assert (await client.delete(f"{api}/content/{parent_id}")).status_code == 204
    gone = await client.get(
        f"{api}/content", params={"spaceKey": "DEMO", "title": "APA Parent", "type": "page"}
    )
    assert gone.json()["results"] == []


async def test_atlassian_python_api_attachments(site: Site) -> None:
    client, api = site.client, site.api
    page_id = (await client.post(f"{api}/content/", json=_page("Files", "<p/>"))).json()["id"]
    path = f"{api}/content/{page_id}/child/attachment"
    fields = {"type": "attachment", "fileName": "chart.png", "contentType": "image/png"}
    form = {**fields, "comment": "first upload", "minorEdit": "true"}
    assert (await client.get(path, headers=NOCHECK)).json()["results"] == []
    first = await client.post(
        path, data=form, files={"file": ("chart.png", b"one", "image/png")}, headers=NOCHECK
    )
    assert first.status_code == 200, first.text
    att_id = first.json()["results"][0]["id"]
    # attach_file's new version (api_version "latest") PUTs multipart to content/{attachmentId}:
    # a JSON-only resource, so Confluence (JAX-RS) answers 415 and so does the sandbox.
    wrong = await site.raw.put(
        f"{api}/content/{att_id}",
        data=form,
        files={"file": ("chart.png", b"two", "image/png")},
        headers=NOCHECK,
    )
    assert wrong.status_code == 415
    # The documented call for a new version; md2cf sends the comment as a file part.
    second = await client.post(
        f"{path}/{att_id}/data",
        files={"file": ("chart.png", b"two", "image/png"), "comment": ("comment", b"second")},
        headers=NOCHECK,
    )
    assert second.status_code == 200, second.text
    assert second.json()["version"]["number"] == 2
    listed = await client.get(path, params={"limit": 50, "expand": "version"})
    [attachment] = listed.json()["results"]
    assert (attachment["title"], attachment["version"]["number"]) == ("chart.png", 2)
    assert attachment["metadata"]["comment"] == "second"
    context = "/wiki" if site.cloud else "/confluence"
    download = await client.get(context + attachment["_links"]["download"])
    assert download.content == b"two"


async def test_atlassian_python_api_properties_labels_and_cql(site: Site) -> None:
    client, api = site.client, site.api
    ids = [
        (await client.post(f"{api}/content/", json=_page(f"Report {n}", "<p>r</p>"))).json()["id"]
        for n in range(3)
    ]
    prop = f"{api}/content/{ids[0]}/property"
    assert (await client.post(prop, json={"key": "k", "value": {"h": "a"}})).status_code == 200
    assert (await client.get(f"{prop}/k")).json()["value"] == {"h": "a"}
    # The page appearance atlassian-python-api sends in metadata.properties was stored with
    # the page, as Confluence stores properties given on create.
    assert [
        p["key"] for p in (await client.get(prop, params={"limit": 100})).json()["results"]
    ] == ["content-appearance-draft", "content-appearance-published", "k"]
    again = {"key": "k", "value": {"h": "b"}, "version": {"number": 2}}
    assert (await client.put(f"{prop}/k", json=again)).status_code == 200
    assert (await client.delete(f"{prop}/k")).status_code == 204
    # set_page_label posts one {prefix, name} object; the answer lists every label.
    for page_id in ids[:2]:
        label = {"prefix": "global", "name": "team-report"}
        added = await client.post(f"{api}/content/{page_id}/label", json=label)
        assert added.status_code == 200, added.text
        assert [lb["name"] for lb in added.json()["results"]] == ["team-report"]
    labels = (await client.get(f"{api}/content/{ids[0]}/label")).json()
    assert labels["results"][0]["label"] == "team-report"
    cql = 'label = "team-report" and space = DEMO'
    search = await client.get(f"{api}/search", params={"start": 0, "cql": cql})
    assert search.status_code == 200, search.text
    assert [r["content"]["id"] for r in search.json()["results"]] == ids[:2]
    assert search.json()["totalSize"] == 2
    # remove_page_label sends the page id as a query parameter too; Confluence ignores it.
    removed = await client.delete(
        f"{api}/content/{ids[0]}/label", params={"id": ids[0], "name": "team-report"}
    )
    assert removed.status_code == 204
    left = await client.get(f"{api}/search", params={"cql": cql})
    assert [r["content"]["id"] for r in left.json()["results"]] == [ids[1]]


async def test_cql_search_pages_by_next_links_relative_to_the_base(site: Site) -> None:
    client, api = site.client, site.api
    for n in range(3):
        await client.post(f"{api}/content/", json=_page(f"Paged {n}", "<p/>"))
    query = {"start": 0, "limit": 2, "cql": 'space = DEMO and title ~ "Paged"'}
    first = (await client.get(f"{api}/search", params=query)).json()
    assert first["size"] == 2
    assert first["totalSize"] == 3
    links = first["_links"]
    # Confluence's next links are relative to _links.base (which holds /wiki or the context
    # path). atlassian-python-api's cql_all joins them to the bare host instead: on Data
    # Center that works only because the API answers at the root too; on Cloud it is a 404,
    # against Atlassian's servers as against the sandbox.
    assert links["next"].startswith("/rest/api/search?")
    assert ("cursor=" in links["next"]) is site.cloud
    second = await client.get(links["base"].removeprefix(BASE_URL) + links["next"])
    assert [r["title"] for r in second.json()["results"]] == ["Paged 2"]
    assert "next" not in second.json()["_links"]
    if site.cloud:
        assert (await site.raw.get(links["next"])).status_code == 404


async def test_md2cf_upsert(site: Site) -> None:
    client, api = site.client, site.api
    space = (await client.get(f"{api}/space/DEMO", params={"expand": "homepage"})).json()
    assert space["homepage"]["id"]
    query = {"title": "Weekly report", "type": "page", "spaceKey": "DEMO"}
    assert (await client.get(f"{api}/content", params=query)).json()["results"] == []
    labels = [{"name": "weekly", "prefix": "global"}, {"name": "team-a", "prefix": "global"}]
    created = await client.post(
        f"{api}/content",
        json={
            "title": "Weekly report",
            "type": "page",
            "space": {"key": "DEMO"},
            "body": {"storage": {"value": "<h1>Week</h1>", "representation": "storage"}},
            "version": {"message": "[v0123]"},
            "metadata": {"labels": labels},
        },
    )
    assert created.status_code == 200, created.text
    page = created.json()
    # md2cf prints _links.base + _links.webui.
    assert page["_links"]["base"].endswith("/wiki" if site.cloud else "/confluence")
    assert page["_links"]["webui"]
    lookup = await client.get(
        f"{api}/content/{page['id']}/child/attachment",
        params={"filename": "chart.png", "expand": "version"},
        headers={"X-Atlassian-Token": "nocheck"},
    )
    assert lookup.json()["size"] == 0
    uploaded = await client.post(
        f"{api}/content/{page['id']}/child/attachment",
        params={"allowDuplicated": "true"},
        files={"file": ("chart.png", b"png")},
        headers={"X-Atlassian-Token": "nocheck"},
    )
    assert uploaded.status_code == 200, uploaded.text
    # Second run: found by title, then read with md2cf's expansions.
    expand = "space,ancestors,history,version,metadata.labels"
    found = await client.get(f"{api}/content/{page['id']}", params={"expand": expand})
    existing = found.json()
    assert existing["version"]["number"] == 1
    assert sorted(lb["name"] for lb in existing["metadata"]["labels"]["results"]) == [
        "team-a",
        "weekly",
    ]
    # --replace-all-labels sends the labels with the update, which replaces them.
    update = {
        "version": {"number": 2, "minorEdit": False, "message": "[v4567]"},
        "title": "Weekly report",
        "type": "page",
        "body": {"storage": {"value": "<h1>Week 2</h1>", "representation": "storage"}},
        "metadata": {"labels": [{"name": "weekly", "prefix": "global"}]},
    }
    updated = await client.put(f"{api}/content/{page['id']}", json=update)
    assert updated.status_code == 200, updated.text
    assert [lb["name"] for lb in updated.json()["metadata"]["labels"]["results"]] == ["weekly"]
    # Without that flag md2cf adds labels with a form-encoded body (requests' data= with a
    # list): Confluence answers 415 to it, and so does the sandbox.
    form = await site.raw.post(
        f"{api}/content/{page['id']}/label",
        content=b"name=type",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
