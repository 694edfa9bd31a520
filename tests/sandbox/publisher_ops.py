"""Scenarios for the operations third-party publishers use beyond confsync's own: watches,
ancestors and descendants, editing and removing files, file properties.

The contract suite (test_contract.py) runs them under a ValidatingTransport, so every request
and answer here is checked against the edition's spec; the asserts check behaviour.
"""

from __future__ import annotations

import httpx

from tests.sandbox.helpers import V2, XSRF, upload, v1_page, v2_page


async def v1_watches(client: httpx.AsyncClient, base: str, page: str) -> None:
    cloud = base.startswith("/wiki")
    url = f"{base}/user/watch/content/{page}"
    assert (await client.get(url)).json() == {"watching": False}
    added = await client.post(url, headers=XSRF)
    assert added.status_code == (204 if cloud else 200), added.text
    assert (await client.get(url)).json() == {"watching": True}
    assert (await client.delete(url, headers=XSRF)).status_code == 204
    assert (await client.get(url)).json() == {"watching": False}
    # Removing a watch that is not there is no error.
    assert (await client.delete(url, headers=XSRF)).status_code == 204
    missing = await client.get(f"{base}/user/watch/content/1")
    assert missing.status_code == (403 if cloud else 404)


async def v1_restrictions(client: httpx.AsyncClient, base: str, page: str, space_key: str) -> None:
    """Restrictions read empty on every page; Data Center lists the space's grants."""
    cloud = base.startswith("/wiki")
    url = f"{base}/content/{page}/restriction"
    if cloud:
        listed = await client.get(url)
        assert listed.status_code == 200
        assert {r["operation"] for r in listed.json()["results"]} == {"read", "update"}
        assert (await client.get(f"{base}/content/1/restriction")).status_code == 404
    grouped = (await client.get(f"{url}/byOperation")).json()
    by_op = grouped if cloud else grouped["restrictions"]
    assert by_op["read"]["restrictions"]["user"]["size"] == 0
    read = await client.get(f"{url}/byOperation/read")
    assert read.json()["restrictions"]["group"]["results"] == []
    if not cloud:
        granted = await client.get(f"{base}/space/{space_key}/permissions")
        assert granted.status_code == 200
        assert {"operationKey": "read", "targetType": "space"} in [
            g["operation"] for g in granted.json()
        ]
        assert (await client.get(f"{base}/space/NOPE/permissions")).status_code == 403


async def v1_move_and_space_content(
    client: httpx.AsyncClient, base: str, space_key: str, root: str, child: str
) -> None:
    """Cloud v1 moves a page; both editions list a space's pages by type."""
    cloud = base.startswith("/wiki")
    listed = await client.get(f"{base}/space/{space_key}/content/page", params={"limit": 200})
    assert child in [p["id"] for p in listed.json()["results"]]
    tops = await client.get(f"{base}/space/{space_key}/content/page", params={"depth": "root"})
    assert child not in [p["id"] for p in tops.json()["results"]]
    assert (await client.get(f"{base}/space/{space_key}/content/blogpost")).json()["size"] == 0
    assert (await client.get(f"{base}/space/NOPE/content/page")).status_code == 404
    if not cloud:
        return
    moved = await client.put(f"{base}/content/{child}/move/before/{root}")
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"pageId": child}
    read = await client.get(f"{base}/content/{child}", params={"expand": "ancestors,version"})
    root_read = await client.get(f"{base}/content/{root}", params={"expand": "ancestors"})
    assert read.json()["ancestors"] == root_read.json()["ancestors"]
    assert read.json()["version"]["number"] == 1  # a move makes no new version
    assert (await client.put(f"{base}/content/{child}/move/append/{root}")).status_code == 200
    loop = await client.put(f"{base}/content/{root}/move/append/{child}")
    assert loop.status_code == 400
    assert (await client.put(f"{base}/content/{child}/move/append/1")).status_code == 404


async def v1_tree_and_file_edits(client: httpx.AsyncClient, base: str, space_key: str) -> None:
    """Descendants of a small tree, and PUT (and on DC DELETE) of one attachment."""
    cloud = base.startswith("/wiki")
    root = (await client.post(f"{base}/content", json=v1_page(space_key, "Tree root"))).json()
    child = (
        await client.post(f"{base}/content", json=v1_page(space_key, "Tree kid", parent=root["id"]))
    ).json()
    grand = await client.post(
        f"{base}/content", json=v1_page(space_key, "Tree grandkid", parent=child["id"])
    )
    found = await client.get(f"{base}/content/{root['id']}/descendant/page", params={"limit": 10})
    assert [c["title"] for c in found.json()["results"]] == ["Tree kid", "Tree grandkid"]
    assert (await client.get(f"{base}/content/{root['id']}/descendant/comment")).json()["size"] == 0
    assert (await client.get(f"{base}/content/1/descendant/page")).status_code == 404
    grouped = await client.get(f"{base}/content/{root['id']}/descendant", params={"expand": "page"})
    assert grouped.json()["page"]["size"] == 2
    assert (await client.get(f"{base}/content/1/descendant")).status_code == 404
    await v1_watches(client, base, grand.json()["id"])
    by_key = await client.post(
        f"{base}/content/{root['id']}/property/by-key", json={"value": {"a": 1}}
    )
    assert by_key.status_code == 200, by_key.text
    assert by_key.json()["key"] == "by-key"
    again = await client.post(f"{base}/content/{root['id']}/property/by-key", json={"value": "b"})
    assert again.status_code == 409
    await v1_restrictions(client, base, root["id"], space_key)
    await v1_move_and_space_content(client, base, space_key, root["id"], child["id"])

    path = f"{base}/content/{root['id']}/child/attachment"
    att = (await client.post(path, **upload("edit.png", b"png", "first"))).json()["results"][0]
    edit = {
        "id": att["id"],
        "type": "attachment",
        "title": "renamed.png",
        "metadata": {"mediaType": "image/gif", "comment": "renamed"},
        # Cloud v1's Version schema requires minorEdit and when in a request too.
        "version": {"number": 2, "minorEdit": False, "when": "2026-01-01T00:00:00.000Z"},
    }
    done = await client.put(f"{path}/{att['id']}", json=edit)
    assert done.status_code == 200, done.text
    assert done.json()["title"] == "renamed.png"
    assert done.json()["version"]["number"] == 2
    assert done.json()["metadata"]["mediaType"] == "image/gif"
    assert (await client.put(f"{path}/{att['id']}", json=edit)).status_code == 409
    assert (await client.put(f"{path}/att1", json=edit)).status_code == 404
    listed = await client.get(path, params={"filename": "renamed.png"})
    assert listed.json()["size"] == 1
    if cloud:
        link = await client.get(f"{path}/{att['id']}/download", params={"version": 1})
        assert link.status_code == 302
        assert "/download/attachments/" in link.headers["location"]
        assert (await client.get(link.headers["location"])).content == b"png"
        too_far = await client.get(f"{path}/{att['id']}/download", params={"version": 9})
        assert too_far.status_code == 400
        assert (await client.get(f"{path}/att1/download")).status_code == 404
    if cloud:
        # Cloud v1 removes a file through DELETE /content/{attachmentId}.
        gone = await client.delete(f"{base}/content/{att['id']}")
        assert gone.status_code == 204, gone.text
    else:
        assert (await client.delete(f"{path}/{att['id']}")).status_code == 204
        assert (await client.delete(f"{path}/att1")).status_code == 404
    assert (await client.get(path, params={"filename": "renamed.png"})).json()["size"] == 0
    # The name is free again.
    again = await client.post(path, **upload("renamed.png", b"png", "again"))
    assert again.status_code == 200, again.text


async def v2_tree_and_files(client: httpx.AsyncClient, v1: str, space: str) -> None:
    """v2 ancestors, descendants, one attachment and its content properties (Cloud)."""
    root = (await client.post(f"{V2}/pages", json=v2_page(space, "V2 root"))).json()
    kid = (
        await client.post(f"{V2}/pages", json=v2_page(space, "V2 kid", parentId=root["id"]))
    ).json()
    up = await client.get(f"{V2}/pages/{kid['id']}/ancestors")
    assert up.status_code == 200, up.text
    ids = [a["id"] for a in up.json()["results"]]
    assert ids[-1] == root["id"]
    assert all(a["type"] == "page" for a in up.json()["results"])
    nearest = await client.get(f"{V2}/pages/{kid['id']}/ancestors", params={"limit": 1})
    assert [a["id"] for a in nearest.json()["results"]] == [root["id"]]
    assert (await client.get(f"{V2}/pages/1/ancestors")).status_code == 404
    down = await client.get(f"{V2}/pages/{root['id']}/descendants", params={"depth": 2})
    assert [(d["id"], d["depth"]) for d in down.json()["results"]] == [(kid["id"], 1)]
    assert (await client.get(f"{V2}/pages/1/descendants")).status_code == 404
    renamed = await client.put(
        f"{V2}/pages/{kid['id']}/title", json={"status": "current", "title": "V2 kid"}
    )
    assert renamed.json()["version"]["number"] == 2
    assert (
        await client.put(f"{V2}/pages/1/title", json={"status": "current", "title": "x"})
    ).status_code == 404
    kids = await client.get(f"{V2}/pages/{root['id']}/children")
    assert [c["id"] for c in kids.json()["results"]] == [kid["id"]]
    assert (await client.get(f"{V2}/pages/1/children")).status_code == 404
    one_space = await client.get(f"{V2}/spaces/{space}")
    assert one_space.json()["key"] == "DEMO"
    assert (await client.get(f"{V2}/spaces/1")).status_code == 404
    in_space = await client.get(f"{V2}/spaces/{space}/pages", params={"title": "V2 kid"})
    assert [p["id"] for p in in_space.json()["results"]] == [kid["id"]]
    assert (await client.get(f"{V2}/spaces/1/pages")).status_code == 404
    granted = await client.get(f"{V2}/spaces/{space}/permissions", params={"limit": 2})
    assert len(granted.json()["results"]) == 2
    assert "next" in granted.json()["_links"]
    assert (await client.get(f"{V2}/spaces/1/permissions")).status_code == 404

    files = await client.post(
        f"{v1}/content/{kid['id']}/child/attachment", **upload("v2.png", b"png", "c")
    )
    att = files.json()["results"][0]["id"]
    one = await client.get(f"{V2}/attachments/{att}")
    assert one.status_code == 200
    assert one.json()["mediaTypeDescription"] == "PNG Image"
    assert (await client.get(f"{V2}/attachments/att1")).status_code == 404
    again = await client.post(
        f"{v1}/content/{kid['id']}/child/attachment/{att}/data", **upload("v2.png", b"2", "c2")
    )
    assert again.status_code == 200
    listed = await client.get(f"{V2}/attachments", params={"filename": "v2.png", "limit": 5})
    assert [a["id"] for a in listed.json()["results"]] == [att]
    versions = await client.get(f"{V2}/attachments/{att}/versions", params={"limit": 1})
    assert [v["number"] for v in versions.json()["results"]] == [2]
    assert "next" in versions.json()["_links"]
    assert (await client.get(f"{V2}/attachments/att1/versions")).status_code == 404
    first = await client.get(f"{V2}/attachments/{att}/versions/1")
    assert first.json()["nextVersion"] == 2
    assert (await client.get(f"{V2}/attachments/{att}/versions/9")).status_code == 404
    # The spec types this id as an integer: "att" is dropped.
    labels = await client.get(f"{V2}/attachments/{att.removeprefix('att')}/labels")
    assert labels.json()["results"] == []
    assert (await client.get(f"{V2}/attachments/1/labels")).status_code == 404
    props = f"{V2}/attachments/{att}/properties"
    created = await client.post(props, json={"key": "hash", "value": {"sha": "1"}})
    assert created.status_code == 200, created.text
    prop = created.json()["id"]
    assert (await client.post(props, json={"key": "hash", "value": 1})).status_code == 409
    assert (await client.get(props, params={"key": "hash"})).json()["results"][0]["id"] == prop
    assert (await client.get(f"{V2}/attachments/att1/properties")).status_code == 404
    assert (await client.get(f"{props}/{prop}")).json()["value"] == {"sha": "1"}
    assert (await client.get(f"{props}/1")).status_code == 404
    renew = {"key": "hash", "value": {"sha": "2"}, "version": {"number": 2}}
    assert (await client.put(f"{props}/{prop}", json=renew)).json()["version"]["number"] == 2
    assert (await client.put(f"{props}/{prop}", json=renew)).status_code == 409
    assert (await client.delete(f"{props}/{prop}")).status_code == 204
    assert (await client.delete(f"{props}/{prop}")).status_code == 404
    # The spec types the id of DELETE as an integer: "att" is dropped.
    number = att.removeprefix("att")
    assert (await client.delete(f"{V2}/attachments/{number}")).status_code == 204
    assert (await client.get(f"{V2}/attachments/{att}")).status_code == 404
    assert (await client.delete(f"{V2}/attachments/{number}")).status_code == 404
    purge = await client.delete(f"{V2}/attachments/{number}", params={"purge": "true"})
    assert purge.status_code == 204
