"""Labels, content history and v1 CQL search behave as Confluence's do."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.helpers import V1, XSRF, error_text, upload, v1_page, v1_update

pytestmark = pytest.mark.anyio

DC = "/rest/api"


async def _page(client: httpx.AsyncClient, base: str, title: str, body: str = "<p>x</p>") -> str:
    created = await client.post(f"{base}/content", json=v1_page("DEMO", title, body))
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


async def _names(client: httpx.AsyncClient, base: str, page: str) -> list[str]:
    labels = await client.get(f"{base}/content/{page}/label")
    return [lb["name"] for lb in labels.json()["results"]]


async def test_labels_are_lower_case_split_on_spaces_and_shared(dc: httpx.AsyncClient) -> None:
    first, second = await _page(dc, DC, "One"), await _page(dc, DC, "Two")
    body = [{"prefix": "global", "name": "Q3 Release,ops"}, {"name": "q3"}]
    added = await dc.post(f"{DC}/content/{first}/label", json=body)
    assert added.status_code == 200, added.text
    assert await _names(dc, DC, first) == ["ops", "q3", "release"]
    again = await dc.post(f"{DC}/content/{second}/label", json={"prefix": "global", "name": "OPS"})
    shared = {lb["name"]: lb["id"] for lb in added.json()["results"]}
    assert again.json()["results"][0]["id"] == shared["ops"]
    # Adding a label the page has changes nothing.
    assert (await dc.post(f"{DC}/content/{first}/label", json={"name": "ops"})).json()["size"] == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"prefix": "global", "name": "bad!"}, "Label name is invalid: bad!"),
        ({"prefix": "weird", "name": "fine"}, "Invalid label prefix: weird"),
        ({"prefix": "global"}, "Each label needs a name"),
        ({"prefix": "global", "name": " , "}, "At least one label name is required"),
    ],
)
async def test_invalid_labels_are_refused_with_400(
    dc: httpx.AsyncClient, body: dict[str, str], message: str
) -> None:
    page = await _page(dc, DC, "Labelled")
    refused = await dc.post(f"{DC}/content/{page}/label", json=body)
    assert refused.status_code == 400
    assert error_text(refused) == message
    assert await _names(dc, DC, page) == []


async def test_a_label_with_a_slash_is_removed_by_query_not_by_path(
    cloud: httpx.AsyncClient,
) -> None:
    page = await _page(cloud, V1, "Slashed")
    await cloud.post(f"{V1}/content/{page}/label", json=[{"prefix": "global", "name": "a/b"}])
    assert (await cloud.delete(f"{V1}/content/{page}/label/a/b")).status_code == 400
    removed = await cloud.delete(f"{V1}/content/{page}/label", params={"name": "a/b"})
    assert removed.status_code == 204
    assert await _names(cloud, V1, page) == []


async def test_labels_sent_with_content_are_set_on_create_and_replaced_on_update(
    dc: httpx.AsyncClient,
) -> None:
    data = {
        **v1_page("DEMO", "With labels"),
        "metadata": {"labels": [{"name": "a"}, {"name": "b"}]},
    }
    created = await dc.post(f"{DC}/content", json=data)
    page = created.json()["id"]
    assert [lb["name"] for lb in created.json()["metadata"]["labels"]["results"]] == ["a", "b"]
    update = {**v1_update("With labels", 2), "metadata": {"labels": {"results": [{"name": "c"}]}}}
    assert (await dc.put(f"{DC}/content/{page}", json=update)).status_code == 200
    assert await _names(dc, DC, page) == ["c"]
    # An update without metadata leaves the labels alone.
    assert (
        await dc.put(f"{DC}/content/{page}", json=v1_update("With labels", 3))
    ).status_code == 200
    assert await _names(dc, DC, page) == ["c"]
    bad = {**v1_page("DEMO", "Bad labels"), "metadata": {"labels": [{"name": "x?"}]}}
    assert (await dc.post(f"{DC}/content", json=bad)).status_code == 400
    missing = await dc.get(f"{DC}/content", params={"spaceKey": "DEMO", "title": "Bad labels"})
    assert missing.json()["size"] == 0


async def test_cql_label_clauses_and_or_and_purge_forgets_labels(dc: httpx.AsyncClient) -> None:
    red, blue, both = [await _page(dc, DC, t) for t in ("Red", "Blue", "Both")]
    for page, names in ((red, "red"), (blue, "blue"), (both, "red blue")):
        await dc.post(f"{DC}/content/{page}/label", json={"name": names})

    async def ids(cql: str) -> list[str]:
        found = await dc.get(f"{DC}/search", params={"cql": cql})
        assert found.status_code == 200, found.text
        return [r["content"]["id"] for r in found.json()["results"]]

    assert await ids("label in (red, blue)") == [red, blue, both]
    assert await ids("label = red AND label = blue") == [both]
    assert await ids('label = "RED" and title = Red') == [red]
    await dc.delete(f"{DC}/content/{red}")
    await dc.delete(f"{DC}/content/{red}", params={"status": "trashed"})
    assert await ids("label = red") == [both]


async def test_history_reports_versions_and_contributors(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    for client, base in ((cloud, V1), (dc, DC)):
        page = await _page(client, base, "History")
        await client.put(f"{base}/content/{page}", json=v1_update("History", 2))
        expand = {"expand": "lastUpdated,previousVersion,contributors"}
        history = (await client.get(f"{base}/content/{page}/history", params=expand)).json()
        assert (history["lastUpdated"]["number"], history["previousVersion"]["number"]) == (2, 1)
        publishers = history["contributors"]["publishers"]
        assert len(publishers["users"]) == 1
        assert ("userAccountIds" in publishers) is (client is cloud)
        assert "nextVersion" not in history
        # History stays readable in the trash, as Confluence's does.
        await client.delete(f"{base}/content/{page}")
        trashed = await client.get(f"{base}/content/{page}/history")
        assert trashed.status_code == 200
        # Content expanded with history carries the same shape.
        content = await client.get(
            f"{base}/content/{page}", params={"status": "trashed", "expand": "history.lastUpdated"}
        )
        assert content.json()["history"]["lastUpdated"]["number"] == 2


async def test_search_results_wrap_content_with_excerpt_url_and_space(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    for client, base in ((cloud, V1), (dc, DC)):
        page = await _page(client, base, "Find me", "<p>Hello <b>world</b> &amp; all</p>")
        found = await client.get(f"{base}/search", params={"cql": 'title = "Find me"'})
        [result] = found.json()["results"]
        assert result["content"]["id"] == page
        assert result["excerpt"] == "Hello world & all"
        assert result["resultGlobalContainer"]["title"] == "DEMO space"
        assert result["url"].endswith("Find+me")
        assert found.json()["cqlQuery"] == 'title = "Find me"'
        quiet = await client.get(f"{base}/search", params={"cql": "title = x", "excerpt": "none"})
        assert quiet.json()["results"] == []
        spaces = await client.get(f"{base}/search", params={"cql": "type = space"})
        assert (spaces.json()["results"], spaces.json()["totalSize"]) == ([], 0)
    bad_cursor = await cloud.get(f"{V1}/search", params={"cql": "type = page", "cursor": "!!"})
    assert bad_cursor.status_code == 400


async def test_cloud_pages_search_by_cursor_and_offers_prev(cloud: httpx.AsyncClient) -> None:
    for n in range(5):
        await _page(cloud, V1, f"Cursor {n}")
    query = {"cql": 'title ~ "Cursor"', "limit": 2}
    first = (await cloud.get(f"{V1}/search", params=query)).json()
    second = (await cloud.get("/wiki" + first["_links"]["next"])).json()
    assert [r["title"] for r in second["results"]] == ["Cursor 2", "Cursor 3"]
    back = (await cloud.get("/wiki" + second["_links"]["prev"])).json()
    assert [r["title"] for r in back["results"]] == ["Cursor 0", "Cursor 1"]


async def test_only_cloud_has_the_create_or_update_upload(
    cloud: httpx.AsyncClient, dc: httpx.AsyncClient
) -> None:
    page = await _page(dc, DC, "No upsert")
    refused = await dc.put(f"{DC}/content/{page}/child/attachment", **upload("a.png", b"a", "c"))
    assert refused.status_code == 405
    page = await _page(cloud, V1, "Upsert")
    files = {
        "files": [("file", ("a.png", b"1", "image/png")), ("file", ("b.png", b"2", "image/png"))],
        "data": {"minorEdit": "true"},
        "headers": XSRF,
    }
    first = await cloud.put(f"{V1}/content/{page}/child/attachment", **files)
    assert [a["title"] for a in first.json()["results"]] == ["a.png", "b.png"]
    second = await cloud.put(f"{V1}/content/{page}/child/attachment", **files)
    assert [a["version"]["number"] for a in second.json()["results"]] == [2, 2]


async def test_json_endpoints_refuse_other_media_types_with_415(cloud: httpx.AsyncClient) -> None:
    page = await _page(cloud, V1, "Media")
    refused = await cloud.put(
        f"{V1}/content/{page}", content=b"title=x", headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 415
    assert error_text(refused) == "Unsupported Media Type: text/plain"


async def test_cql_type_attachment_lists_the_files_of_a_space_with_their_pages(
    dc: httpx.AsyncClient,
) -> None:
    pages = [await _page(dc, DC, f"Files {n}") for n in range(3)]
    for n, page in enumerate(pages):
        for name in ("a.png", "b.png"):
            sent = await dc.post(
                f"{DC}/content/{page}/child/attachment", **upload(name, b"x", f"c{n}{name}")
            )
            assert sent.status_code == 200, sent.text
    query = {
        "cql": 'type = attachment AND space = "DEMO"',
        "limit": 4,
        "expand": "version,container",
    }
    first = (await dc.get(f"{DC}/content/search", params=query)).json()
    rest = (await dc.get(first["_links"]["next"])).json()
    found = first["results"] + rest["results"]

    assert [r["type"] for r in found] == ["attachment"] * 6
    assert sorted(
        (r["container"]["id"], r["title"], r["extensions"]["comment"]) for r in found
    ) == [
        (page, name, f"c{n}{name}") for n, page in enumerate(pages) for name in ("a.png", "b.png")
    ]
    assert "next" not in rest["_links"]
    # Another space's files are not among them.
    other = await dc.get(
        f"{DC}/content/search", params={"cql": 'type = attachment AND space = "NOPE"'}
    )
    assert other.json()["results"] == []
