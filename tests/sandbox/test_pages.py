"""The page rules, through Cloud v2 and Data Center v1."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import Sandbox
from tests.sandbox.helpers import V2, error_text, space_id, v1_page, v1_update, v2_page, v2_update
from tests.support.sandbox import sandbox_client

pytestmark = pytest.mark.anyio

DUPLICATE = "A page with this title already exists"


async def test_v2_create_answers_200_with_the_page(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    response = await cloud.post(f"{V2}/pages", json=v2_page(space, "Sprint 22", "<p>hi</p>"))
    assert response.status_code == 200
    page = response.json()
    assert isinstance(page["id"], str)
    assert page["spaceId"] == space
    assert page["version"]["number"] == 1
    assert set(page["version"]) == {"number", "message", "createdAt", "authorId", "minorEdit"}
    assert page["body"]["storage"] == {"value": "<p>hi</p>", "representation": "storage"}
    homepage = (await cloud.get(f"{V2}/spaces", params={"keys": "DEMO"})).json()["results"][0]
    assert page["parentId"] == homepage["homepageId"]


async def test_duplicate_title_in_a_space_is_refused(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "Same"))).status_code == 200
    again = await cloud.post(f"{V2}/pages", json=v2_page(space, "Same"))
    assert again.status_code == 400
    assert DUPLICATE in error_text(again)
    other = await space_id(cloud, "PLAT")
    assert (await cloud.post(f"{V2}/pages", json=v2_page(other, "Same"))).status_code == 200


async def test_archived_pages_keep_their_title_and_trashed_ones_give_it_up(
    cloud: httpx.AsyncClient, cloud_app: Starlette
) -> None:
    sandbox: Sandbox = cloud_app.state.sandbox
    space = await space_id(cloud)
    archived = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Old"))).json()["id"]
    sandbox.pages.set_status(int(archived), "archived")
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "Old"))).status_code == 400
    trashed = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Gone"))).json()["id"]
    assert (await cloud.delete(f"{V2}/pages/{trashed}")).status_code == 204
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "Gone"))).status_code == 200


async def test_v2_list_returns_current_and_archived_unless_status_is_given(
    cloud: httpx.AsyncClient, cloud_app: Starlette
) -> None:
    space = await space_id(cloud)
    archived = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Archived"))).json()["id"]
    cloud_app.state.sandbox.pages.set_status(int(archived), "archived")
    everything = await cloud.get(f"{V2}/pages", params={"space-id": space, "title": "Archived"})
    assert [p["status"] for p in everything.json()["results"]] == ["archived"]
    current = await cloud.get(
        f"{V2}/pages", params={"space-id": space, "title": "Archived", "status": "current"}
    )
    assert current.json()["results"] == []


async def test_stale_version_answers_409_with_the_current_version(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    space = await space_id(cloud)
    page = (await cloud.post(f"{V2}/pages", json=v2_page(space, "V"))).json()["id"]
    assert (await cloud.put(f"{V2}/pages/{page}", json=v2_update(page, "V", 2))).status_code == 200
    for number in (2, 4, 1):
        stale = await cloud.put(f"{V2}/pages/{page}", json=v2_update(page, "V", number))
        assert stale.status_code == 409
        assert error_text(stale) == ("Version must be incremented on update. Current version is: 2")
    created = (await dc.post("/rest/api/content", json=v1_page("DEMO", "V"))).json()["id"]
    stale = await dc.put(f"/rest/api/content/{created}", json=v1_update("V", 3))
    assert stale.status_code == 409
    assert stale.json()["message"] == "Version must be incremented on update. Current version is: 1"
    assert stale.json()["statusCode"] == 409


async def test_parent_must_exist_in_the_same_space(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    demo, plat = await space_id(cloud), await space_id(cloud, "PLAT")
    missing = await cloud.post(f"{V2}/pages", json=v2_page(demo, "Orphan", parentId="999"))
    assert missing.status_code == 404
    elsewhere = (await cloud.post(f"{V2}/pages", json=v2_page(plat, "Plat parent"))).json()["id"]
    crossed = await cloud.post(f"{V2}/pages", json=v2_page(demo, "Crossed", parentId=elsewhere))
    assert crossed.status_code == 400
    assert "not in space DEMO" in error_text(crossed)
    dc_missing = await dc.post("/rest/api/content", json=v1_page("DEMO", "Orphan", parent="999"))
    assert dc_missing.status_code == 404


async def test_a_page_cannot_move_below_itself(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    parent = (await cloud.post(f"{V2}/pages", json=v2_page(space, "P"))).json()["id"]
    child = await cloud.post(f"{V2}/pages", json=v2_page(space, "C", parentId=parent))
    move = {**v2_update(parent, "P", 2), "parentId": child.json()["id"]}
    assert (await cloud.put(f"{V2}/pages/{parent}", json=move)).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        "<p>unclosed",
        "<p><b>crossed</p></b>",
        "<p>&bogus;</p>",
        '<ac:structured-macro ac:name="info"><p>x</ac:structured-macro>',
        "<p>a & b</p>",
    ],
)
async def test_malformed_storage_is_refused(cloud: httpx.AsyncClient, body: str) -> None:
    space = await space_id(cloud)
    response = await cloud.post(f"{V2}/pages", json=v2_page(space, "Bad", body))
    assert response.status_code == 400
    assert error_text(response).startswith("Error parsing xhtml")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "plain text",
        "<p>a&nbsp;b &amp; c&mdash;d</p><p>second</p>",
        '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>x</p></ac:rich-text-body>'
        "</ac:structured-macro>",
        '<ac:image><ri:attachment ri:filename="chart.png"/></ac:image>',
        '<ac:link><ri:page ri:content-title="Retrospectives"/></ac:link>',
    ],
)
async def test_well_formed_storage_is_accepted(cloud: httpx.AsyncClient, body: str) -> None:
    space = await space_id(cloud)
    response = await cloud.post(f"{V2}/pages", json=v2_page(space, "Good", body))
    assert response.status_code == 200, response.text
    # Saved as Confluence saves it: a macro without an id gains one (test_publishers.py).
    stored = response.json()["body"]["storage"]["value"]
    assert re.sub(r' ac:macro-id="[^"]*"', "", stored) == body


async def test_a_body_over_5_mib_answers_413(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    space = await space_id(cloud)
    big = "<p>" + "x" * 5_242_880 + "</p>"
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "Big", big))).status_code == 413
    assert (await dc.post("/rest/api/content", json=v1_page("DEMO", "Big", big))).status_code == 413
    fits = "<p>" + "x" * 5_000_000 + "</p>"
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "Fits", fits))).status_code == 200


async def test_titles_over_255_characters_are_refused(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    space = await space_id(cloud)
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "t" * 255))).status_code == 200
    long = await cloud.post(f"{V2}/pages", json=v2_page(space, "t" * 256))
    assert long.status_code == 400
    assert "255" in error_text(long)
    assert (await dc.post("/rest/api/content", json=v1_page("DEMO", "t" * 256))).status_code == 400


async def test_pages_in_a_space_restricted_to_someone_else_are_404(
    cloud_app: Starlette, dc_app: Starlette
) -> None:
    for app, auth, other in (
        (cloud_app, ("admin@example.com", "sandbox-token"), ("other@example.com", "other-token")),
        (dc_app, ("admin", "admin"), ("other", "other")),
    ):
        sandbox: Sandbox = app.state.sandbox
        secret = sandbox.store.create_space("SECRET", restricted_to=sandbox.store.admin.account_id)
        page = sandbox.pages.create(sandbox.store.admin, secret, "Hidden", "<p/>")
        async with sandbox_client(app, auth=auth) as owner, sandbox_client(app, auth=other) as out:
            if sandbox.cloud:
                assert (await owner.get(f"{V2}/pages/{page.id}")).status_code == 200
                assert (await out.get(f"{V2}/pages/{page.id}")).status_code == 404
                listed = await out.get(f"{V2}/pages", params={"id": str(page.id)})
                assert listed.json()["results"] == []
                spaces = await out.get(f"{V2}/spaces", params={"keys": "SECRET"})
                assert spaces.json()["results"] == []
            else:
                assert (await owner.get(f"/rest/api/content/{page.id}")).status_code == 200
                assert (await out.get(f"/rest/api/content/{page.id}")).status_code == 404
                assert (await out.get("/rest/api/space/SECRET")).status_code == 404
                created = await out.post("/rest/api/content", json=v1_page("SECRET", "Mine"))
                assert created.status_code == 403


async def test_delete_trashes_then_purge_removes(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    page = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Temp"))).json()["id"]
    purge_current = await cloud.delete(f"{V2}/pages/{page}", params={"purge": "true"})
    assert purge_current.status_code == 400
    assert (await cloud.delete(f"{V2}/pages/{page}")).status_code == 204
    assert (await cloud.get(f"{V2}/pages/{page}")).status_code == 404
    trashed = await cloud.get(f"{V2}/pages/{page}", params={"status": "trashed"})
    assert trashed.json()["status"] == "trashed"
    assert (await cloud.delete(f"{V2}/pages/{page}", params={"purge": "true"})).status_code == 204
    assert (await cloud.get(f"{V2}/pages/{page}", params={"status": "trashed"})).status_code == 404


async def test_trashing_a_parent_moves_its_children_up(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    parent = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Parent"))).json()
    child = (
        await cloud.post(f"{V2}/pages", json=v2_page(space, "Child", parentId=parent["id"]))
    ).json()
    await cloud.delete(f"{V2}/pages/{parent['id']}")
    moved = (await cloud.get(f"{V2}/pages/{child['id']}")).json()
    assert moved["parentId"] == parent["parentId"]


async def test_update_renames_moves_and_keeps_the_version_message(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    a = (await cloud.post(f"{V2}/pages", json=v2_page(space, "A"))).json()["id"]
    b = (await cloud.post(f"{V2}/pages", json=v2_page(space, "B"))).json()["id"]
    update = {**v2_update(b, "B renamed", 2), "parentId": a}
    update["version"]["message"] = "confsync abc123"
    assert (await cloud.put(f"{V2}/pages/{b}", json=update)).status_code == 200
    page = (await cloud.get(f"{V2}/pages/{b}", params={"body-format": "storage"})).json()
    assert (page["title"], page["parentId"], page["version"]["message"]) == (
        "B renamed",
        a,
        "confsync abc123",
    )
    children = (await cloud.get(f"{V2}/pages/{a}/direct-children")).json()["results"]
    assert [c["title"] for c in children] == ["B renamed"]
    bulk = await cloud.get(f"{V2}/pages", params={"id": f"{a},{b}"})
    assert {p["version"]["message"] for p in bulk.json()["results"]} == {"", "confsync abc123"}


async def test_dc_content_with_expand_and_children(dc: httpx.AsyncClient) -> None:
    parent = (await dc.post("/rest/api/content", json=v1_page("DEMO", "Parent"))).json()
    assert "ancestors" in parent
    child = await dc.post(
        "/confluence/rest/api/content", json=v1_page("DEMO", "Child", parent=parent["id"])
    )
    child_id = child.json()["id"]
    got = await dc.get(
        f"/rest/api/content/{child_id}", params={"expand": "body.storage,version,ancestors"}
    )
    body = got.json()
    assert [a["id"] for a in body["ancestors"]] == [parent["id"]]
    assert body["version"]["number"] == 1
    assert body["body"]["storage"]["value"] == "<p>x</p>"
    plain = (await dc.get(f"/rest/api/content/{child_id}")).json()
    assert "body" not in plain
    assert "version" in plain["_expandable"]
    children = await dc.get(f"/rest/api/content/{parent['id']}/child/page")
    assert [c["title"] for c in children.json()["results"]] == ["Child"]
    found = await dc.get(
        "/rest/api/content", params={"spaceKey": "DEMO", "title": "Child", "type": "page"}
    )
    assert [c["id"] for c in found.json()["results"]] == [child_id]
    moved = {**v1_update("Child", 2), "ancestors": []}
    assert (await dc.put(f"/rest/api/content/{child_id}", json=moved)).status_code == 200


async def test_unknown_routes_bad_json_and_bad_cursors_answer_in_the_dialect(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    missing = await cloud.get(f"{V2}/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["status"] == 404
    wrong_method = await cloud.patch(f"{V2}/spaces")
    assert wrong_method.status_code == 405
    bad_json = await cloud.post(
        f"{V2}/pages", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    bad_cursor = await cloud.get(f"{V2}/pages", params={"cursor": "%%%"})
    assert bad_cursor.status_code == 400
    dc_missing = await dc.get("/rest/api/nothing")
    assert dc_missing.json()["statusCode"] == 404
