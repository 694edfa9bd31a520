"""Rules third-party publishers meet that the specs do not spell out (issue 12).

Every answer is validated against the edition's spec; requests that break the contract on
purpose (a missing required field) are sent with request checks off.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.sandbox.helpers import V1, V2, space_id, upload, v1_page, v1_update, v2_page, v2_update
from tests.support.openapi import ContractChecker
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, sandbox_client

pytestmark = pytest.mark.anyio

DC = "/rest/api"


@pytest.fixture
async def lenient_cloud(cloud_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    checker = ContractChecker()
    async with sandbox_client(
        cloud_app, auth=CLOUD_AUTH, checker=checker, check_requests=False
    ) as client:
        yield client


@pytest.fixture
async def lenient_dc(dc_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    checker = ContractChecker()
    async with sandbox_client(
        dc_app, auth=DC_AUTH, checker=checker, check_requests=False
    ) as client:
        yield client


@pytest.mark.parametrize("title", ["release notes", "RELEASE NOTES", "Release Notes"])
async def test_v2_titles_are_unique_per_space_whatever_their_case(
    lenient_cloud: httpx.AsyncClient, title: str
) -> None:
    space = await space_id(lenient_cloud)
    first = await lenient_cloud.post(f"{V2}/pages", json=v2_page(space, "Release Notes"))
    assert first.status_code == 200
    clash = await lenient_cloud.post(f"{V2}/pages", json=v2_page(space, title))
    assert clash.status_code == 400
    assert "already exists" in clash.json()["errors"][0]["title"]
    other_space = await space_id(lenient_cloud, "PLAT")
    elsewhere = await lenient_cloud.post(f"{V2}/pages", json=v2_page(other_space, title))
    assert elsewhere.status_code == 200


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_v1_titles_are_unique_per_space_whatever_their_case(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str
) -> None:
    client, base = (lenient_cloud, V1) if edition == "cloud" else (lenient_dc, DC)
    assert (await client.post(f"{base}/content", json=v1_page("DEMO", "Ärger"))).status_code == 200
    clash = await client.post(f"{base}/content", json=v1_page("DEMO", "ÄRGER"))
    assert clash.status_code == 400, clash.text
    renamed = await client.post(f"{base}/content", json=v1_page("DEMO", "Other"))
    to_clash = await client.put(
        f"{base}/content/{renamed.json()['id']}", json=v1_update("ärger", 2)
    )
    assert to_clash.status_code == 400
    # A page may change the case of its own title.
    page = (await client.get(f"{base}/content", params={"title": "Ärger"})).json()["results"][0]
    own = await client.put(f"{base}/content/{page['id']}", json=v1_update("ÄRGER", 2))
    assert own.status_code == 200


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_v1_create_and_update_need_a_type(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str
) -> None:
    client, base = (lenient_cloud, V1) if edition == "cloud" else (lenient_dc, DC)
    untyped = {k: v for k, v in v1_page("DEMO", "Untyped").items() if k != "type"}
    refused = await client.post(f"{base}/content", json=untyped)
    assert refused.status_code == 400
    assert "type" in refused.json()["message"]
    page = (await client.post(f"{base}/content", json=v1_page("DEMO", "Typed"))).json()
    update = {k: v for k, v in v1_update("Typed", 2).items() if k != "type"}
    assert (await client.put(f"{base}/content/{page['id']}", json=update)).status_code == 400
    blog = await client.post(f"{base}/content", json={**v1_page("DEMO", "B"), "type": "blogpost"})
    assert blog.status_code == 400


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_v1_create_keeps_the_version_message(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str
) -> None:
    client, base = (lenient_cloud, V1) if edition == "cloud" else (lenient_dc, DC)
    body = {**v1_page("DEMO", "Hashed"), "version": {"number": 1, "message": "sha:abc"}}
    created = await client.post(f"{base}/content", json=body)
    assert created.json()["version"]["message"] == "sha:abc"
    read = await client.get(f"{base}/content/{created.json()['id']}", params={"expand": "version"})
    assert read.json()["version"]["message"] == "sha:abc"


@pytest.mark.parametrize("missing", ["id", "status", "body", "title", "version"])
async def test_v2_update_needs_every_required_field(
    lenient_cloud: httpx.AsyncClient, missing: str
) -> None:
    space = await space_id(lenient_cloud)
    page = (
        await lenient_cloud.post(f"{V2}/pages", json=v2_page(space, "Whole", "<p>a</p>"))
    ).json()
    update = {k: v for k, v in v2_update(page["id"], "Whole", 2).items() if k != missing}
    refused = await lenient_cloud.put(f"{V2}/pages/{page['id']}", json=update)
    assert refused.status_code == 400
    assert missing in refused.json()["errors"][0]["title"]
    kept = await lenient_cloud.get(f"{V2}/pages/{page['id']}", params={"body-format": "storage"})
    assert kept.json()["version"]["number"] == 1
    assert kept.json()["body"]["storage"]["value"] == "<p>a</p>"


async def test_v2_attachments_describe_their_media_type(lenient_cloud: httpx.AsyncClient) -> None:
    space = await space_id(lenient_cloud)
    page = (await lenient_cloud.post(f"{V2}/pages", json=v2_page(space, "Files"))).json()["id"]
    await lenient_cloud.post(f"{V1}/content/{page}/child/attachment", **upload("a.png", b"x", "c"))
    listed = await lenient_cloud.get(f"{V2}/pages/{page}/attachments")
    assert listed.json()["results"][0]["mediaTypeDescription"] == "PNG Image"


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_an_attachment_update_needs_its_id_type_and_next_version(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str
) -> None:
    client, base = (lenient_cloud, V1) if edition == "cloud" else (lenient_dc, DC)
    page = (await client.post(f"{base}/content", json=v1_page("DEMO", "Holder"))).json()["id"]
    path = f"{base}/content/{page}/child/attachment"
    att = (await client.post(path, **upload("a.png", b"x", "c"))).json()["results"][0]["id"]
    good = {"id": att, "type": "attachment", "version": {"number": 2}, "title": "b.png"}
    for broken in (
        {k: v for k, v in good.items() if k != "type"},
        {k: v for k, v in good.items() if k != "version"},
        {**good, "id": "att1"},
    ):
        assert (await client.put(f"{path}/{att}", json=broken)).status_code == 400
    assert (
        await client.put(f"{path}/{att}", json={**good, "version": {"number": 3}})
    ).status_code == 409
    done = await client.put(f"{path}/{att}", json=good)
    assert done.status_code == 200
    assert done.json()["title"] == "b.png"
    data = await client.get(f"{base.removesuffix('/rest/api')}/download/attachments/{page}/b.png")
    assert data.content == b"x"


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_v1_version_numbers_go_up_by_exactly_one(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str
) -> None:
    client, base = (lenient_cloud, V1) if edition == "cloud" else (lenient_dc, DC)
    page = (await client.post(f"{base}/content", json=v1_page("DEMO", "Counted"))).json()["id"]
    for number, status in ((3, 409), (1, 409), (2, 200), (2, 409), (3, 200)):
        answer = await client.put(f"{base}/content/{page}", json=v1_update("Counted", number))
        assert answer.status_code == status, (number, answer.text)


async def test_v2_version_numbers_go_up_by_exactly_one(lenient_cloud: httpx.AsyncClient) -> None:
    space = await space_id(lenient_cloud)
    page = (await lenient_cloud.post(f"{V2}/pages", json=v2_page(space, "Counted"))).json()["id"]
    for number, status in ((3, 409), (2, 200), (2, 409)):
        answer = await lenient_cloud.put(
            f"{V2}/pages/{page}", json=v2_update(page, "Counted", number)
        )
        assert answer.status_code == status


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_storage_is_normalised_on_save_as_confluence_does(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str
) -> None:
    client, base = (lenient_cloud, V1) if edition == "cloud" else (lenient_dc, DC)
    sent = (
        '<ac:structured-macro ac:name="toc"/>'
        '<ac:structured-macro ac:name="info" ac:macro-id="kept"><ac:rich-text-body><p>i</p>'
        "</ac:rich-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA['
        '<ac:structured-macro ac:name="x">]]></ac:plain-text-body></ac:structured-macro>'
    )
    created = await client.post(f"{base}/content", json=v1_page("DEMO", "Macros", sent))
    stored = created.json()["body"]["storage"]["value"]
    assert stored != sent
    ids = re.findall(r'ac:macro-id="([^"]+)"', stored)
    assert len(ids) == 3
    assert ids[1] == "kept"
    assert '<![CDATA[<ac:structured-macro ac:name="x">]]>' in stored
    again = await client.put(
        f"{base}/content/{created.json()['id']}", json=v1_update("Macros", 2, stored)
    )
    assert again.json()["body"]["storage"]["value"] == stored  # ids, once given, are kept


@pytest.mark.parametrize(
    ("edition", "path"),
    [
        ("cloud", f"{V2}/pages/"),
        ("cloud", f"{V1}/content/"),
        ("datacenter", f"{DC}/content/"),
    ],
)
async def test_a_trailing_slash_addresses_the_same_resource(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str, path: str
) -> None:
    client = lenient_cloud if edition == "cloud" else lenient_dc
    answer = await client.get(path)
    assert answer.status_code == 200
    assert "results" in answer.json()


@pytest.mark.parametrize(
    ("edition", "path"),
    [
        ("cloud", f"{V2}/pages"),
        ("cloud", f"{V1}/content"),
        ("datacenter", f"{DC}/content"),
        ("datacenter", f"{DC}/space"),
    ],
)
async def test_unknown_query_parameters_are_ignored(
    lenient_cloud: httpx.AsyncClient, lenient_dc: httpx.AsyncClient, edition: str, path: str
) -> None:
    """Confluence ignores query parameters it does not know (JAX-RS and Cloud v2 alike)."""
    client = lenient_cloud if edition == "cloud" else lenient_dc
    plain = await client.get(path)
    extra = await client.get(path, params={"no-such-parameter": "1", "_": "1700000000"})
    assert extra.status_code == plain.status_code == 200
    assert extra.json()["results"] == plain.json()["results"]


def test_confsync_reads_a_normalised_body_as_the_same_text() -> None:
    """plan/diff.py finds an unfinished create by comparing body_text, which drops tags and
    their attributes: a macro id added on save does not make the page look changed."""
    from confsync.plan.bodytext import body_text
    from confsync.sandbox.normalise import normalise_storage

    sent = '<p>a</p><ac:structured-macro ac:name="status"><ac:parameter ac:name="title">OK'
    sent += "</ac:parameter></ac:structured-macro>"
    saved = normalise_storage(sent)
    assert saved != sent
    assert body_text(saved) == body_text(sent)


async def test_v2_a_published_page_is_not_updated_to_a_draft(
    lenient_cloud: httpx.AsyncClient,
) -> None:
    space = await space_id(lenient_cloud)
    page = (await lenient_cloud.post(f"{V2}/pages", json=v2_page(space, "Live"))).json()["id"]
    draft = {**v2_update(page, "Live", 2), "status": "draft"}
    refused = await lenient_cloud.put(f"{V2}/pages/{page}", json=draft)
    assert refused.status_code == 400
    bogus = {**v2_update(page, "Live", 2), "status": "bogus"}
    assert (await lenient_cloud.put(f"{V2}/pages/{page}", json=bogus)).status_code == 400
