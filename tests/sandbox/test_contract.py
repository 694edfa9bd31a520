"""Every operation the sandbox implements answers as Atlassian's OpenAPI files say.

Each scenario drives every implemented operation, with successes and errors, through a
ValidatingTransport; the covered set must equal the implemented set, which is also derived
from the app's own routes.
"""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from confsync.sandbox import create_app
from confsync.sandbox.space_operations import deny
from tests.sandbox.helpers import (
    V1,
    V2,
    XSRF,
    space_id,
    upload,
    v1_page,
    v1_update,
    v2_page,
    v2_update,
)
from tests.sandbox.publisher_ops import v1_tree_and_file_edits, v2_tree_and_files
from tests.support.openapi import KNOWN_GAPS, ContractChecker, require_specs
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, GATEWAY_AUTH, sandbox_client

CONTENT_V1 = {
    ("GET", "/rest/api/space"),
    ("GET", "/rest/api/space/{spaceKey}"),
    ("GET", "/rest/api/space/{spaceKey}/property"),
    ("POST", "/rest/api/space/{spaceKey}/property"),
    ("GET", "/rest/api/space/{spaceKey}/property/{key}"),
    ("PUT", "/rest/api/space/{spaceKey}/property/{key}"),
    ("DELETE", "/rest/api/space/{spaceKey}/property/{key}"),
    ("GET", "/rest/api/content"),
    ("POST", "/rest/api/content"),
    ("GET", "/rest/api/content/search"),
    ("GET", "/rest/api/content/{id}"),
    ("DELETE", "/rest/api/content/{id}"),
    ("GET", "/rest/api/content/{id}/child/{type}"),
    ("GET", "/rest/api/content/{id}/child/attachment"),
    ("POST", "/rest/api/content/{id}/child/attachment"),
    ("POST", "/rest/api/content/{id}/child/attachment/{attachmentId}/data"),
    ("GET", "/rest/api/content/{id}/property"),
    ("POST", "/rest/api/content/{id}/property"),
    ("GET", "/rest/api/content/{id}/property/{key}"),
    ("PUT", "/rest/api/content/{id}/property/{key}"),
    ("DELETE", "/rest/api/content/{id}/property/{key}"),
    ("GET", "/rest/api/user/current"),
    ("GET", "/rest/api/content/{id}/history"),
    ("GET", "/rest/api/search"),
    ("GET", "/rest/api/content/{id}/restriction/byOperation"),
    ("GET", "/rest/api/content/{id}/restriction/byOperation/{operationKey}"),
    ("POST", "/rest/api/content/{id}/property/{key}"),
    ("GET", "/rest/api/space/{spaceKey}/content/{type}"),
    ("GET", "/rest/api/content/{id}/descendant"),
    ("GET", "/rest/api/content/{id}/descendant/{type}"),
    ("PUT", "/rest/api/content/{id}/child/attachment/{attachmentId}"),
    ("GET", "/rest/api/user/watch/content/{contentId}"),
    ("POST", "/rest/api/user/watch/content/{contentId}"),
    ("DELETE", "/rest/api/user/watch/content/{contentId}"),
    ("GET", "/rest/api/content/{id}/label"),
    ("POST", "/rest/api/content/{id}/label"),
    ("DELETE", "/rest/api/content/{id}/label"),
    ("DELETE", "/rest/api/content/{id}/label/{label}"),
}

IMPLEMENTED: set[tuple[str, str, str]] = {
    *{("cloud-v2", m, p) for m, p in [
        ("GET", "/spaces"),
        ("GET", "/pages"),
        ("POST", "/pages"),
        ("GET", "/pages/{id}"),
        ("PUT", "/pages/{id}"),
        ("DELETE", "/pages/{id}"),
        ("GET", "/pages/{id}/direct-children"),
        ("GET", "/pages/{page-id}/properties"),
        ("POST", "/pages/{page-id}/properties"),
        ("GET", "/pages/{page-id}/properties/{property-id}"),
        ("PUT", "/pages/{page-id}/properties/{property-id}"),
        ("DELETE", "/pages/{page-id}/properties/{property-id}"),
        ("GET", "/pages/{id}/attachments"),
        ("GET", "/pages/{id}/labels"),
        ("GET", "/pages/{id}/versions"),
        ("GET", "/pages/{page-id}/versions/{version-number}"),
        ("GET", "/spaces/{id}"),
        ("GET", "/spaces/{id}/pages"),
        ("GET", "/spaces/{id}/permissions"),
        ("GET", "/spaces/{id}/operations"),
        ("GET", "/pages/{id}/children"),
        ("PUT", "/pages/{id}/title"),
        ("GET", "/pages/{id}/ancestors"),
        ("GET", "/pages/{id}/descendants"),
        ("GET", "/attachments"),
        ("GET", "/attachments/{id}/versions"),
        ("GET", "/attachments/{attachment-id}/versions/{version-number}"),
        ("GET", "/attachments/{id}/labels"),
        ("GET", "/attachments/{id}"),
        ("DELETE", "/attachments/{id}"),
        ("GET", "/attachments/{attachment-id}/properties"),
        ("POST", "/attachments/{attachment-id}/properties"),
        ("GET", "/attachments/{attachment-id}/properties/{property-id}"),
        ("PUT", "/attachments/{attachment-id}/properties/{property-id}"),
        ("DELETE", "/attachments/{attachment-id}/properties/{property-id}"),
        ("GET", "/spaces/{space-id}/properties"),
        ("POST", "/spaces/{space-id}/properties"),
        ("GET", "/spaces/{space-id}/properties/{property-id}"),
        ("PUT", "/spaces/{space-id}/properties/{property-id}"),
        ("DELETE", "/spaces/{space-id}/properties/{property-id}"),
    ]},
    *{("cloud-v1", m, "/wiki" + p) for m, p in CONTENT_V1},
    ("cloud-v1", "PUT", "/wiki/rest/api/content/{id}"),
    # Cloud's create-or-update upload; Data Center has no such call.
    ("cloud-v1", "PUT", "/wiki/rest/api/content/{id}/child/attachment"),
    # Reading versions: Data Center's spec has only DELETE /content/{id}/version/{versionNumber}.
    ("cloud-v1", "GET", "/wiki/rest/api/content/{id}/version"),
    ("cloud-v1", "GET", "/wiki/rest/api/content/{id}/version/{versionNumber}"),
    *{("dc", m, p) for m, p in CONTENT_V1},
    # The DC spec names the update's path parameter differently.
    ("dc", "PUT", "/rest/api/content/{contentId}"),
    # Data Center removes a file by its own path; Cloud v1 through DELETE /content/{id}.
    ("dc", "DELETE", "/rest/api/content/{id}/child/attachment/{attachmentId}"),
    ("cloud-v1", "GET", "/wiki/rest/api/content/{id}/restriction"),
    ("dc", "GET", "/rest/api/space/{spaceKey}/permissions"),
    ("cloud-v1", "PUT", "/wiki/rest/api/content/{pageId}/move/{position}/{targetId}"),
    ("cloud-v1", "GET", "/wiki/rest/api/content/{id}/child/attachment/{attachmentId}/download"),
}  # fmt: skip


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return ContractChecker(require_specs())


def _api_routes(app: Starlette) -> set[tuple[str, str]]:
    """(METHOD, sample path) of every API route the app serves."""
    found: set[tuple[str, str]] = set()
    for mount in app.routes:
        if not isinstance(mount, Mount) or "/ex/confluence" in mount.path:
            continue
        for route in mount.routes:
            assert isinstance(route, Route)
            sample = re.sub(r"\{attachment_id\}", "att123", route.path)
            sample = re.sub(r"\{type\}", "page", sample)
            sample = re.sub(r"\{key\}", "KEY", sample)
            sample = re.sub(r"\{label:path\}", "some-label", sample)
            sample = re.sub(r"\{[a-z_]+\}", "123", sample)
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, mount.path + sample))
    return found


def test_the_app_routes_are_exactly_the_implemented_spec_operations(
    checker: ContractChecker,
) -> None:
    mapped = set()
    for edition in ("cloud", "datacenter"):
        for method, path in _api_routes(create_app(edition=edition)):
            operation = checker.operation(method, path)
            assert operation is not None, (method, path)
            mapped.add(operation.key)
    assert mapped == IMPLEMENTED
    assert len(IMPLEMENTED) == 83 + 43


@pytest.mark.anyio
async def test_exactly_the_deprecated_cloud_v1_operations_are_gone_on_the_gateway(
    checker: ContractChecker,
) -> None:
    app = create_app()
    gateway = "/ex/confluence/00000000-0000-4000-8000-000000000000"
    async with sandbox_client(app, auth=CLOUD_AUTH) as client:
        for method, path in sorted(_api_routes(app)):
            operation = checker.operation(method, path)
            assert operation is not None
            if operation.spec != "cloud-v1":
                continue
            response = await client.request(method, gateway + path, headers=XSRF, auth=GATEWAY_AUTH)
            deprecated = bool(operation.doc.get("deprecated"))
            assert (response.status_code == 410) is deprecated, (method, path, response.text)
            if not deprecated:
                site = await client.request(method, path, headers=XSRF)
                assert site.status_code == response.status_code


async def _cloud_scenario(client: httpx.AsyncClient, gateway: httpx.AsyncClient) -> None:
    space = await space_id(client)
    ok = await client.post(f"{V2}/pages", json=v2_page(space, "Contract"))
    page = ok.json()["id"]
    assert (await client.post(f"{V2}/pages", json=v2_page(space, "Contract"))).status_code == 400
    too_big = v2_page(space, "Big", "<p>" + "x" * 5_300_000 + "</p>")
    assert (await client.post(f"{V2}/pages", json=too_big)).status_code == 413
    assert (await client.post(f"{V2}/pages", json=v2_page("1", "Nowhere"))).status_code == 404
    assert (
        await client.get(f"{V2}/pages", params={"space-id": space, "limit": 1})
    ).status_code == 200
    assert (
        await client.get(f"{V2}/pages/{page}", params={"body-format": "storage"})
    ).status_code == 200
    assert (await client.get(f"{V2}/pages/1")).status_code == 404
    assert (
        await client.put(f"{V2}/pages/{page}", json=v2_update(page, "Contract", 2))
    ).status_code == 200
    assert (
        await client.put(f"{V2}/pages/{page}", json=v2_update(page, "Contract", 2))
    ).status_code == 409
    assert (await client.get(f"{V2}/pages/{page}/direct-children")).status_code == 200
    assert (await client.get(f"{V2}/pages/1/direct-children")).status_code == 404
    prop = await client.post(f"{V2}/pages/{page}/properties", json={"key": "k", "value": {"a": 1}})
    prop_id = prop.json()["id"]
    assert (await client.get(f"{V2}/pages/{page}/properties")).status_code == 200
    assert (await client.get(f"{V2}/pages/{page}/properties/{prop_id}")).status_code == 200
    assert (await client.get(f"{V2}/pages/{page}/properties/1")).status_code == 404
    new = {"key": "k", "value": 2, "version": {"number": 2}}
    assert (
        await client.put(f"{V2}/pages/{page}/properties/{prop_id}", json=new)
    ).status_code == 200
    assert (
        await client.put(f"{V2}/pages/{page}/properties/{prop_id}", json=new)
    ).status_code == 409
    dup = await client.post(f"{V2}/pages/{page}/properties", json={"key": "k", "value": 1})
    assert dup.status_code == 409
    big_update = v2_update(page, "Contract", 3, "<p>" + "x" * 5_300_000 + "</p>")
    assert (await client.put(f"{V2}/pages/{page}", json=big_update)).status_code == 413
    assert (await client.delete(f"{V2}/pages/{page}/properties/{prop_id}")).status_code == 204
    assert (await client.delete(f"{V2}/pages/{page}/properties/{prop_id}")).status_code == 404
    files = upload("chart.png", b"png", "first")
    att = await client.post(f"{V1}/content/{page}/child/attachment", **files)
    assert att.status_code == 200, att.text
    att_id = att.json()["results"][0]["id"]
    assert (await client.post(f"{V1}/content/{page}/child/attachment", **files)).status_code == 400
    no_xsrf = {k: v for k, v in files.items() if k != "headers"}
    assert (
        await client.post(f"{V1}/content/{page}/child/attachment", **no_xsrf)
    ).status_code == 403
    assert (await client.post(f"{V1}/content/1/child/attachment", **files)).status_code == 404
    data = await client.post(f"{V1}/content/{page}/child/attachment/{att_id}/data", **files)
    assert data.status_code == 200
    data_no_xsrf = await client.post(
        f"{V1}/content/{page}/child/attachment/{att_id}/data", files=files["files"]
    )
    assert data_no_xsrf.status_code == 403
    missing = await client.post(f"{V1}/content/{page}/child/attachment/att1/data", **files)
    assert missing.status_code == 404
    assert (
        await client.get(f"{V2}/pages/{page}/attachments", params={"filename": "chart.png"})
    ).status_code == 200
    assert (await client.get(f"{V2}/pages/1/attachments")).status_code == 404
    await _cloud_upsert_and_v2_labels(client, page)
    await _cloud_page_versions(client, page)
    await _v2_space_properties(client, space)
    await _v1_content(client, V1, space_key="DEMO", page=page)
    await v2_tree_and_files(client, V1, space)
    assert (await client.delete(f"{V2}/pages/{page}")).status_code == 204
    assert (await client.delete(f"{V2}/pages/{page}")).status_code == 404
    assert (await client.delete(f"{V2}/pages/{page}", params={"purge": "true"})).status_code == 204
    unauthorised = await client.get(f"{V2}/spaces", auth=("admin@example.com", "wrong"))
    assert unauthorised.status_code == 401
    gone = await gateway.get(f"/ex/confluence/00000000-0000-4000-8000-000000000000{V1}/content")
    assert gone.status_code == 410


async def _v1_content(
    client: httpx.AsyncClient, base: str, *, space_key: str, page: str | None = None
) -> None:
    """The v1 content, space, property, search and user operations (Cloud v1 and DC)."""
    created = await client.post(f"{base}/content", json=v1_page(space_key, "V1 page"))
    assert created.status_code == 200, created.text
    v1_id = created.json()["id"]
    assert (
        await client.post(f"{base}/content", json=v1_page(space_key, "V1 page"))
    ).status_code == 400
    assert (await client.post(f"{base}/content", json=v1_page("NOPE", "X"))).status_code == 403
    assert (
        await client.post(f"{base}/content", json=v1_page(space_key, "Orphan", parent="1"))
    ).status_code == 404
    big = v1_page(space_key, "Big", "<p>" + "x" * 5_300_000 + "</p>")
    assert (await client.post(f"{base}/content", json=big)).status_code == 413
    big_update = v1_update("V1 page", 2, "<p>" + "x" * 5_300_000 + "</p>")
    assert (await client.put(f"{base}/content/{v1_id}", json=big_update)).status_code == 413
    listed = await client.get(
        f"{base}/content",
        params={
            "spaceKey": space_key,
            "title": "V1 page",
            "expand": "version,ancestors,body.storage",
        },
    )
    assert listed.status_code == 200
    assert listed.json()["size"] == 1
    assert (
        await client.get(
            f"{base}/content/{v1_id}", params={"expand": "body.storage,version,ancestors,space"}
        )
    ).status_code == 200
    assert (await client.get(f"{base}/content/1")).status_code == 404
    assert (
        await client.put(f"{base}/content/{v1_id}", json=v1_update("V1 page", 2))
    ).status_code == 200
    assert (
        await client.put(f"{base}/content/{v1_id}", json=v1_update("V1 page", 2))
    ).status_code == 409
    assert (await client.put(f"{base}/content/{v1_id}", json=v1_update("", 3))).status_code == 400
    assert (
        await client.get(f"{base}/content/{v1_id}/child/page", params={"expand": "version"})
    ).status_code == 200
    assert (await client.get(f"{base}/content/1/child/page")).status_code == 404
    attach_to = page or v1_id
    files = upload("dc.png", b"png", "first")
    att = await client.post(f"{base}/content/{attach_to}/child/attachment", **files)
    assert att.status_code in (200, 400), att.text  # 400: Cloud already uploaded it above
    if att.status_code == 200:
        att_id = att.json()["results"][0]["id"]
        assert (
            await client.post(f"{base}/content/{attach_to}/child/attachment", **files)
        ).status_code == 400
        assert (
            await client.post(f"{base}/content/{attach_to}/child/attachment/{att_id}/data", **files)
        ).status_code == 200
        assert (
            await client.post(f"{base}/content/{attach_to}/child/attachment/att1/data", **files)
        ).status_code == 404
        no_xsrf = {k: v for k, v in files.items() if k != "headers"}
        assert (
            await client.post(f"{base}/content/{attach_to}/child/attachment", **no_xsrf)
        ).status_code == 403
    assert (
        await client.get(
            f"{base}/content/{attach_to}/child/attachment",
            params={"expand": "version", "filename": "dc.png"},
        )
    ).status_code == 200
    assert (await client.get(f"{base}/content/1/child/attachment")).status_code == 404
    prop = await client.post(
        f"{base}/content/{v1_id}/property", json={"key": "confsync", "value": {"a": 1}}
    )
    assert prop.status_code == 200
    again = {"key": "confsync", "value": {"a": 1}}
    assert (await client.post(f"{base}/content/{v1_id}/property", json=again)).status_code == 409
    assert (
        await client.post(f"{base}/content/1/property", json={"key": "x", "value": {"x": 1}})
    ).status_code == 403
    assert (await client.get(f"{base}/content/{v1_id}/property")).status_code == 200
    assert (await client.get(f"{base}/content/1/property")).status_code == 404
    assert (await client.get(f"{base}/content/{v1_id}/property/confsync")).status_code == 200
    assert (await client.get(f"{base}/content/{v1_id}/property/missing")).status_code == 404
    update = {"key": "confsync", "value": {"a": 2}, "version": {"number": 2}}
    assert (
        await client.put(f"{base}/content/{v1_id}/property/confsync", json=update)
    ).status_code == 200
    assert (
        await client.put(f"{base}/content/{v1_id}/property/confsync", json=update)
    ).status_code == 409
    assert (await client.delete(f"{base}/content/{v1_id}/property/confsync")).status_code == 204
    assert (await client.delete(f"{base}/content/{v1_id}/property/confsync")).status_code == 404
    search = await client.get(
        f"{base}/content/search", params={"cql": f'space = {space_key} AND title ~ "V1"'}
    )
    assert search.status_code == 200
    assert search.json()["size"] == 1
    assert (
        await client.get(f"{base}/content/search", params={"cql": "nosuchfield = x"})
    ).status_code == 400
    await _history_labels_and_search(client, base, v1_id)
    old = await client.get(
        f"{base}/content/{v1_id}", params={"version": 1, "expand": "body.storage,version"}
    )
    assert old.json()["status"] == "historical"
    assert (await client.get(f"{base}/content/{v1_id}", params={"version": 9})).status_code == 404
    await _v1_space_properties(client, base, space_key)
    await v1_tree_and_file_edits(client, base, space_key)
    assert (await client.get(f"{base}/space", params={"spaceKey": space_key})).status_code == 200
    assert (await client.get(f"{base}/space/{space_key}")).status_code == 200
    assert (await client.get(f"{base}/space/NOPE")).status_code == 404
    assert (await client.get(f"{base}/user/current")).status_code == 200
    assert (await client.delete(f"{base}/content/{v1_id}")).status_code == 204
    assert (await client.delete(f"{base}/content/1")).status_code == 404
    assert (
        await client.delete(f"{base}/content/{v1_id}", params={"status": "trashed"})
    ).status_code == 204


async def _cloud_upsert_and_v2_labels(client: httpx.AsyncClient, page: str) -> None:
    """Cloud only: PUT child/attachment (create or new version) and v2 page labels."""
    path = f"{V1}/content/{page}/child/attachment"
    new = await client.put(path, **upload("upsert.png", b"1", "first"))
    assert new.status_code == 200, new.text
    again = await client.put(path, **upload("upsert.png", b"2", "second"))
    assert again.status_code == 200
    assert again.json()["results"][0]["version"]["number"] == 2
    no_xsrf = {k: v for k, v in upload("x.png", b"x", "c").items() if k != "headers"}
    assert (await client.put(path, **no_xsrf)).status_code == 403
    missing = await client.put(f"{V1}/content/1/child/attachment", **upload("x.png", b"x", "c"))
    assert missing.status_code == 404
    label = [{"prefix": "global", "name": "v2-label"}]
    assert (await client.post(f"{V1}/content/{page}/label", json=label)).status_code == 200
    labels = await client.get(f"{V2}/pages/{page}/labels", params={"limit": 1})
    assert [lb["name"] for lb in labels.json()["results"]] == ["v2-label"]
    assert (await client.get(f"{V2}/pages/1/labels")).status_code == 404


async def _v2_space_properties(client: httpx.AsyncClient, space: str) -> None:
    url = f"{V2}/spaces/{space}/properties"
    operations = await client.get(f"{V2}/spaces/{space}/operations")
    assert {"operation": "create", "targetType": "page"} in operations.json()["operations"]
    assert (await client.get(f"{V2}/spaces/1/operations")).status_code == 404
    created = await client.post(url, json={"key": "lock", "value": {"owner": "a"}})
    assert created.status_code == 201
    one = f"{url}/{created.json()['id']}"
    assert (await client.post(url, json={"key": "lock", "value": 1})).status_code == 400
    assert (await client.post(f"{V2}/spaces/1/properties", json={"key": "k"})).status_code == 404
    assert (await client.get(url, params={"key": "lock", "limit": 1})).status_code == 200
    assert (await client.get(f"{V2}/spaces/1/properties")).status_code == 404
    assert (await client.get(one)).status_code == 200
    assert (await client.get(f"{url}/1")).status_code == 404
    renew = {"key": "lock", "value": {"owner": "a"}, "version": {"number": 2, "message": "m"}}
    assert (await client.put(one, json=renew)).status_code == 200
    assert (await client.put(one, json=renew)).status_code == 409
    assert (await client.put(f"{url}/1", json=renew)).status_code == 404
    assert (await client.delete(one)).status_code == 204
    assert (await client.delete(one)).status_code == 404


async def _v2_space_properties_refused(client: httpx.AsyncClient, app: Starlette) -> None:
    """What an account that is not the space's admin is answered (the v2 reference asks Admin
    to write a space property)."""
    space = await space_id(client)
    url = f"{V2}/spaces/{space}/properties"
    kept = await client.post(url, json={"key": "kept", "value": 1})
    one = f"{url}/{kept.json()['id']}"
    store = app.state.sandbox.store
    deny(store, "DEMO", store.admin.account_id, "administer", "space")
    assert (await client.post(url, json={"key": "lock", "value": 1})).status_code == 403
    renew = {"key": "kept", "value": 2, "version": {"number": 2, "message": "m"}}
    assert (await client.put(one, json=renew)).status_code == 403
    assert (await client.delete(one)).status_code == 403


async def _v1_space_properties(client: httpx.AsyncClient, base: str, space_key: str) -> None:
    url = f"{base}/space/{space_key}/property"
    lock = {"key": "lock", "value": {"owner": "a"}}
    assert (await client.post(url, json=lock)).status_code == 200
    assert (await client.post(url, json=lock)).status_code == 409
    assert (await client.post(url, json={"key": "", "value": "v"})).status_code == 400
    missing_space = await client.post(f"{base}/space/NOPE/property", json=lock)
    assert missing_space.status_code == (404 if base.startswith("/wiki") else 403)
    assert (await client.get(url, params={"expand": "space"})).status_code == 200
    assert (await client.get(f"{base}/space/NOPE/property")).status_code == 404
    assert (await client.get(f"{url}/lock")).status_code == 200
    assert (await client.get(f"{url}/missing")).status_code == 404
    # Cloud v1's Version schema requires minorEdit and when in a request too.
    version = {"number": 2, "minorEdit": False, "when": "2026-01-01T00:00:00.000Z"}
    renew = {"key": "lock", "value": {"owner": "b"}, "version": version}
    assert (await client.put(f"{url}/lock", json=renew)).status_code == 200
    assert (await client.put(f"{url}/lock", json=renew)).status_code == 409
    assert (await client.put(f"{url}/lock", json={**renew, "key": "other"})).status_code == 400
    missing = {**renew, "key": "missing"}
    assert (await client.put(f"{url}/missing", json=missing)).status_code == 404
    assert (await client.delete(f"{url}/lock")).status_code == 204
    assert (await client.delete(f"{url}/lock")).status_code == 404


async def _cloud_page_versions(client: httpx.AsyncClient, page: str) -> None:
    """Page versions, v2 and Cloud v1, of a page at version 2."""
    old = await client.get(f"{V2}/pages/{page}", params={"version": 1, "body-format": "storage"})
    assert old.json()["status"] == "historical"
    assert (await client.get(f"{V2}/pages/{page}", params={"version": 9})).status_code == 404
    listed = await client.get(
        f"{V2}/pages/{page}/versions", params={"limit": 1, "body-format": "storage"}
    )
    assert [v["number"] for v in listed.json()["results"]] == [2]
    assert (await client.get(f"{V2}/pages/1/versions")).status_code == 404
    assert (await client.get(f"{V2}/pages/{page}/versions/1")).json()["nextVersion"] == 2
    assert (await client.get(f"{V2}/pages/{page}/versions/9")).status_code == 404
    versions = await client.get(f"{V1}/content/{page}/version", params={"limit": 1})
    assert versions.json()["size"] == 1
    assert (await client.get(f"{V1}/content/1/version")).status_code == 404
    first = await client.get(f"{V1}/content/{page}/version/1", params={"expand": "collaborators"})
    assert first.json()["number"] == 1
    assert (await client.get(f"{V1}/content/{page}/version/9")).status_code == 404


async def _history_labels_and_search(client: httpx.AsyncClient, base: str, page: str) -> None:
    """v1 history, labels and /search (Cloud v1 and DC)."""
    cloud = base.startswith("/wiki")
    history = await client.get(f"{base}/content/{page}/history")
    assert history.status_code == 200
    assert history.json()["lastUpdated"]["number"] == 2
    expanded = await client.get(
        f"{base}/content/{page}/history", params={"expand": "contributors,previousVersion"}
    )
    assert expanded.json()["previousVersion"]["number"] == 1
    assert (await client.get(f"{base}/content/1/history")).status_code == 404
    # Cloud's spec takes a list of labels; the DC spec documents one label object.
    one = {"prefix": "global", "name": "Team-Report"}
    added = await client.post(f"{base}/content/{page}/label", json=[one] if cloud else one)
    assert added.status_code == 200, added.text
    assert added.json()["results"][0]["name"] == "team-report"
    assert (await client.post(f"{base}/content/1/label", json=one)).status_code == 404
    if cloud:  # DC documents no 400 here
        bad = await client.post(
            f"{base}/content/{page}/label", json=[{"prefix": "global", "name": "a!"}]
        )
        assert bad.status_code == 400
    assert (await client.get(f"{base}/content/{page}/label")).json()["size"] == 1
    assert (await client.get(f"{base}/content/1/label")).status_code == 404
    cql = {"cql": "label = team-report", "limit": 1, "expand": "content.version"}
    found = await client.get(f"{base}/search", params=cql)
    assert found.status_code == 200, found.text
    assert found.json()["results"][0]["content"]["id"] == page
    old = await client.get(f"{base}/content/search", params={"cql": "label in (team-report)"})
    assert [c["id"] for c in old.json()["results"]] == [page]
    assert (await client.get(f"{base}/search", params={"cql": "what ever"})).status_code == 400
    assert (await client.delete(f"{base}/content/{page}/label/team-report")).status_code == 204
    assert (await client.delete(f"{base}/content/{page}/label/team-report")).status_code == 404
    await client.post(f"{base}/content/{page}/label", json=one)
    by_name = {"name": "team-report"}
    assert (await client.delete(f"{base}/content/{page}/label", params=by_name)).status_code == 204
    assert (await client.delete(f"{base}/content/{page}/label", params=by_name)).status_code == 404


@pytest.mark.anyio
async def test_cloud_answers_match_the_cloud_specs(checker: ContractChecker) -> None:
    app = create_app()
    async with (
        sandbox_client(app, auth=CLOUD_AUTH, checker=checker) as client,
        sandbox_client(app, auth=GATEWAY_AUTH, checker=checker) as gateway,
    ):
        await _cloud_scenario(client, gateway)
    cloud = {k for k in IMPLEMENTED if k[0] != "dc"}
    assert {k for k in checker.covered if k[0] != "dc"} == cloud


@pytest.mark.anyio
@pytest.mark.parametrize("prefix", ["", "/confluence"])
async def test_datacenter_answers_match_the_dc_spec(prefix: str) -> None:
    checker = ContractChecker(require_specs())
    app = create_app(edition="datacenter")
    async with sandbox_client(app, auth=DC_AUTH, checker=checker) as client:
        await _v1_content(client, f"{prefix}/rest/api", space_key="DEMO")
        unauthorised = await client.get(f"{prefix}/rest/api/space", auth=("admin", "wrong"))
        assert unauthorised.status_code == 401
        assert "WWW-Authenticate" in unauthorised.headers
    assert checker.covered == {k for k in IMPLEMENTED if k[0] == "dc"}


@pytest.mark.anyio
async def test_every_named_spec_gap_is_one_the_sandbox_really_answers() -> None:
    checker = ContractChecker(require_specs())
    cloud_app, dc_app = create_app(), create_app(edition="datacenter")
    async with (
        sandbox_client(cloud_app, auth=CLOUD_AUTH, checker=checker) as cloud,
        sandbox_client(cloud_app, auth=GATEWAY_AUTH, checker=checker) as gateway,
        sandbox_client(dc_app, auth=DC_AUTH, checker=checker) as dc,
    ):
        await _cloud_scenario(cloud, gateway)
        await _v2_space_properties_refused(cloud, cloud_app)
        await _v1_content(dc, "/rest/api", space_key="DEMO")
    assert checker.gaps_seen == set(KNOWN_GAPS)
