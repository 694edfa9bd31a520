"""Space properties on Cloud v2, Cloud v1 and Data Center v1: what a lock built on them needs.

Create is atomic and refuses an existing key; update is checked against the current version;
reads, listings and deletes answer as the specs say. Every exchange is checked against
Atlassian's OpenAPI files when they are available.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import DEFAULT_OAUTH_CLIENT_ID, Sandbox, create_app
from confsync.sandbox.model import ErrorKind, SandboxError
from confsync.sandbox.space_operations import deny
from confsync.sandbox.space_property_store import SpaceProperties
from confsync.sandbox.tokens import Tokens
from tests.sandbox.helpers import V1, V2, error_text, space_id
from tests.support.openapi import ContractChecker, specs_dir
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, sandbox_client

pytestmark = pytest.mark.anyio

GATEWAY = "/ex/confluence/00000000-0000-4000-8000-000000000000/wiki"
LEASE = {"owner": "ci-runner-1", "expires": "2026-12-01T10:00:00Z"}
NOW = "2026-12-01T09:55:00.000Z"


@dataclass
class _Api:
    """One API's space property endpoints, for the behaviour all three share."""

    name: str
    client: httpx.AsyncClient
    lenient: httpx.AsyncClient  # for requests that break the contract on purpose
    collection: str
    created: int  # the status of a create
    refused: int  # the status of a create of a key the space already has

    @property
    def v2(self) -> bool:
        return self.name == "cloud-v2"

    async def create(self, key: str, value: Any) -> httpx.Response:
        return await self.client.post(self.collection, json={"key": key, "value": value})

    async def url(self, key: str) -> str:
        """The property's own URL: by key on v1; on v2 by id, found by key (1 when missing)."""
        if not self.v2:
            return f"{self.collection}/{key}"
        listed = await self.client.get(self.collection, params={"key": key})
        found = listed.json()["results"]
        return f"{self.collection}/{found[0]['id'] if found else 1}"

    async def value(self, key: str) -> Any:
        response = await self.client.get(await self.url(key))
        assert response.status_code == 200, response.text
        return response.json()["value"]

    async def update(self, key: str, value: Any, number: int) -> httpx.Response:
        body = {"key": key, "value": value, "version": version(number)}
        return await self.client.put(await self.url(key), json=body)


def version(number: int) -> dict[str, Any]:
    """A version for an update body that every spec accepts: Cloud v1's Version schema
    requires minorEdit and when in requests too."""
    return {"number": number, "message": "renewed", "minorEdit": True, "when": NOW}


@pytest.fixture
def checker() -> ContractChecker | None:
    folder = specs_dir()
    return ContractChecker(folder) if folder else None


@pytest.fixture
async def cloud(
    cloud_app: Starlette, checker: ContractChecker | None
) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(cloud_app, auth=CLOUD_AUTH, checker=checker) as client:
        yield client


@pytest.fixture
async def dc(
    dc_app: Starlette, checker: ContractChecker | None
) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(dc_app, auth=DC_AUTH, checker=checker) as client:
        yield client


@pytest.fixture(params=["cloud-v2", "cloud-v1", "dc"])
async def api(
    request: pytest.FixtureRequest,
    cloud_app: Starlette,
    dc_app: Starlette,
    checker: ContractChecker | None,
) -> AsyncIterator[_Api]:
    name: str = request.param
    app, auth = (dc_app, DC_AUTH) if name == "dc" else (cloud_app, CLOUD_AUTH)
    async with (
        sandbox_client(app, auth=auth, checker=checker) as client,
        sandbox_client(app, auth=auth, checker=checker, check_requests=False) as lenient,
    ):
        if name == "cloud-v2":
            collection = f"{V2}/spaces/{await space_id(client)}/properties"
            yield _Api(name, client, lenient, collection, created=201, refused=400)
        else:
            base = V1 if name == "cloud-v1" else "/confluence/rest/api"
            collection = f"{base}/space/DEMO/property"
            yield _Api(name, client, lenient, collection, created=200, refused=409)


async def test_a_created_property_reads_back_by_key_and_in_the_listing(api: _Api) -> None:
    created = await api.create("confsync.lock", LEASE)
    assert created.status_code == api.created, created.text
    assert created.json()["key"] == "confsync.lock"
    assert created.json()["value"] == LEASE
    assert created.json()["version"]["number"] == 1
    assert await api.value("confsync.lock") == LEASE
    listed = (await api.client.get(api.collection)).json()["results"]
    assert [(p["key"], p["value"]) for p in listed] == [("confsync.lock", LEASE)]


async def test_a_second_create_of_a_key_is_refused_and_the_value_kept(api: _Api) -> None:
    assert (await api.create("confsync.lock", LEASE)).status_code == api.created
    again = await api.create("confsync.lock", {"owner": "intruder"})
    assert again.status_code == api.refused
    assert error_text(again) == "A property with key 'confsync.lock' already exists in space DEMO"
    if api.v2:
        assert again.json()["errors"][0]["code"] == "INVALID_REQUEST_PARAMETER"
    else:
        assert again.json()["statusCode"] == 409
    assert await api.value("confsync.lock") == LEASE


async def test_an_update_must_name_the_next_version(api: _Api) -> None:
    await api.create("confsync.lock", LEASE)
    renewed = {**LEASE, "expires": "2026-12-01T10:05:00Z"}
    updated = await api.update("confsync.lock", renewed, 2)
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"]["number"] == 2
    assert updated.json()["value"] == renewed
    for stale in (2, 1, 4):
        refused = await api.update("confsync.lock", {"owner": "late"}, stale)
        assert refused.status_code == 409, (stale, refused.text)
        assert error_text(refused) == "Version must be incremented on update. Current version is: 2"
    assert await api.value("confsync.lock") == renewed


async def test_a_deleted_property_is_gone(api: _Api) -> None:
    await api.create("confsync.lock", LEASE)
    url = await api.url("confsync.lock")
    assert (await api.client.delete(url)).status_code == 204
    assert (await api.client.get(url)).status_code == 404
    assert (await api.client.delete(url)).status_code == 404
    assert (await api.client.get(api.collection)).json()["results"] == []
    # The key is free again: a released lock can be taken anew.
    assert (await api.create("confsync.lock", LEASE)).status_code == api.created


async def test_missing_properties_and_spaces_answer_404(api: _Api) -> None:
    missing = await api.url("nothing-here")
    assert (await api.client.get(missing)).status_code == 404
    assert (await api.client.delete(missing)).status_code == 404
    nowhere = api.collection.replace("DEMO", "NOPE") if not api.v2 else f"{V2}/spaces/1/properties"
    assert (await api.client.get(nowhere)).status_code == 404
    assert (await api.client.get(f"{nowhere}/{'1' if api.v2 else 'k'}")).status_code == 404
    if api.v2 or api.name == "cloud-v1":
        # The DC spec documents 403, not 404, for a create in a space one may not edit.
        assert (await api.client.post(nowhere, json={"key": "k", "value": {}})).status_code == 404


async def test_two_concurrent_creates_of_one_key_leave_exactly_one_winner(api: _Api) -> None:
    first, second = await asyncio.gather(
        api.create("confsync.lock", {"owner": "a"}), api.create("confsync.lock", {"owner": "b"})
    )
    assert sorted([first.status_code, second.status_code]) == sorted([api.created, api.refused])
    winner = first if first.status_code == api.created else second
    assert await api.value("confsync.lock") == winner.json()["value"]


async def test_two_concurrent_updates_from_one_version_leave_exactly_one_winner(
    api: _Api,
) -> None:
    await api.create("confsync.lock", LEASE)
    first, second = await asyncio.gather(
        api.update("confsync.lock", {"owner": "a"}, 2),
        api.update("confsync.lock", {"owner": "b"}, 2),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner = first if first.status_code == 200 else second
    assert await api.value("confsync.lock") == winner.json()["value"]


async def test_bad_requests_answer_400(api: _Api) -> None:
    assert (await api.lenient.post(api.collection, json={"key": "k"})).status_code == 400
    assert (await api.create("", "v")).status_code == 400
    await api.create("k", "v")
    url = await api.url("k")
    no_version = await api.lenient.put(url, json={"key": "k", "value": "w"})
    assert no_version.status_code == 400
    no_value = await api.lenient.put(url, json={"key": "k", "version": version(2)})
    assert no_value.status_code == 400
    other_key = await api.client.put(url, json={"key": "x", "value": "w", "version": version(2)})
    assert other_key.status_code == 400
    assert await api.value("k") == "v"


async def test_v2_answers_the_spec_shape_and_pages_by_cursor(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    created = await cloud.post(f"{V2}/spaces/{space}/properties", json={"key": "a", "value": 1})
    body = created.json()
    assert created.headers["Location"].endswith(
        f"/wiki/api/v2/spaces/{space}/properties/{body['id']}"
    )
    admin = body["createdBy"]
    at = body["createdAt"]
    assert body == {
        "id": body["id"],
        "key": "a",
        "value": 1,
        "createdAt": at,
        "createdBy": admin,
        "version": {"createdAt": at, "createdBy": admin, "message": "", "number": 1},
    }
    for key in ("b", "c"):
        await cloud.post(f"{V2}/spaces/{space}/properties", json={"key": key, "value": key})
    page = await cloud.get(f"{V2}/spaces/{space}/properties", params={"limit": 2})
    assert [p["key"] for p in page.json()["results"]] == ["a", "b"]
    assert 'rel="next"' in page.headers["Link"]
    rest = await cloud.get(page.json()["_links"]["next"])
    assert [p["key"] for p in rest.json()["results"]] == ["c"]
    assert "next" not in rest.json()["_links"]
    by_key = await cloud.get(f"{V2}/spaces/{space}/properties", params={"key": "b"})
    assert [p["value"] for p in by_key.json()["results"]] == ["b"]


async def test_v1_pages_by_start_and_limit_and_expands_the_space(dc: httpx.AsyncClient) -> None:
    base = "/rest/api/space/DEMO/property"
    for key in ("a", "b", "c"):
        assert (await dc.post(base, json={"key": key, "value": {"k": key}})).status_code == 200
    page = (await dc.get(base, params={"limit": 2})).json()
    assert (page["start"], page["limit"], page["size"]) == (0, 2, 2)
    assert "start=2" in page["_links"]["next"]
    rest = (await dc.get(base, params={"start": 2, "limit": 2})).json()
    assert [p["key"] for p in rest["results"]] == ["c"]
    one = (await dc.get(f"{base}/a", params={"expand": "space"})).json()
    assert one["space"]["key"] == "DEMO"
    assert one["version"]["by"]["username"] == "admin"


async def test_dc_put_of_version_1_creates_but_cloud_v1_answers_404(
    dc: httpx.AsyncClient, cloud: httpx.AsyncClient
) -> None:
    body = {"key": "new", "value": {"a": 1}, "version": version(1)}
    created = await dc.put("/rest/api/space/DEMO/property/new", json=body)
    assert created.status_code == 200
    assert created.json()["version"]["number"] == 1
    assert (await cloud.put(f"{V1}/space/DEMO/property/new", json=body)).status_code == 404
    nowhere = await dc.post("/rest/api/space/NOPE/property", json={"key": "k", "value": "v"})
    assert nowhere.status_code == 403


async def test_a_space_the_caller_cannot_see_has_no_properties_for_them(
    cloud_app: Starlette, cloud: httpx.AsyncClient
) -> None:
    await cloud.post("/_sandbox/spaces", json={"key": "HR", "restricted_to": "admin@example.com"})
    hr = await space_id(cloud, "HR")
    assert (
        await cloud.post(f"{V2}/spaces/{hr}/properties", json={"key": "k", "value": 1})
    ).status_code == 201
    async with sandbox_client(cloud_app, auth=("other@example.com", "other-token")) as other:
        assert (await other.get(f"{V2}/spaces/{hr}/properties")).status_code == 404
        post = await other.post(f"{V2}/spaces/{hr}/properties", json={"key": "x", "value": 1})
        assert post.status_code == 404
        assert (await other.get(f"{V1}/space/HR/property/k")).status_code == 404


def _bearer(app: Starlette, scope: str) -> dict[str, str]:
    store = app.state.sandbox.store
    tokens = Tokens(store)
    redirect = "http://localhost:8765/callback"
    code = tokens.issue_code(
        "cloud", DEFAULT_OAUTH_CLIENT_ID, store.admin.account_id, redirect, scope
    )
    grant = tokens.redeem_code("cloud", DEFAULT_OAUTH_CLIENT_ID, code, redirect, None)
    return {"Authorization": f"Bearer {grant.access_token}"}


async def test_the_gateway_wants_space_scopes_on_v2_and_has_no_v1(cloud_app: Starlette) -> None:
    reader = _bearer(cloud_app, "read:space:confluence")
    writer = _bearer(cloud_app, "read:space:confluence write:space:confluence")
    classic = _bearer(cloud_app, "read:confluence-props write:confluence-props")
    async with sandbox_client(cloud_app, auth=None) as client:
        space = (await client.get(f"{GATEWAY}/api/v2/spaces", headers=reader)).json()["results"][0]
        url = f"{GATEWAY}/api/v2/spaces/{space['id']}/properties"
        lease = {"key": "confsync.lock", "value": LEASE}
        refused = await client.post(url, json=lease, headers=reader)
        assert refused.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
        assert (await client.post(url, json=lease, headers=writer)).status_code == 201
        assert (await client.get(url, headers=reader)).status_code == 200
        gone = await client.get(f"{GATEWAY}/rest/api/space/DEMO/property", headers=classic)
        assert gone.status_code == 410


async def test_a_content_reset_clears_space_properties(cloud: httpx.AsyncClient) -> None:
    url = f"{V2}/spaces/{await space_id(cloud)}/properties"
    await cloud.post(url, json={"key": "confsync.lock", "value": LEASE})
    assert (await cloud.post("/_sandbox/reset", json={"content": True})).status_code == 204
    assert (await cloud.get(url)).json()["results"] == []
    assert (await cloud.post(url, json={"key": "confsync.lock", "value": LEASE})).status_code == 201


async def test_two_apps_on_one_file_race_for_one_key(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    apps = [create_app(db), create_app(db)]
    async with sandbox_client(apps[0]) as a, sandbox_client(apps[1]) as b:
        url = f"{V2}/spaces/{await space_id(a)}/properties"
        answers = await asyncio.gather(
            *(
                c.post(url, json={"key": "confsync.lock", "value": i})
                for i, c in enumerate([a, b] * 4)
            )
        )
        assert sorted(r.status_code for r in answers) == [201] + [400] * 7


def test_threads_racing_on_a_file_get_one_create_and_one_update(tmp_path: Path) -> None:
    sandbox: Sandbox = create_app(tmp_path / "race.sqlite").state.sandbox
    space = sandbox.store.space_by_key("DEMO")
    assert space is not None
    properties = SpaceProperties(sandbox.store)
    outcomes: list[str] = []

    def attempt(write: Any) -> None:
        try:
            write()
            outcomes.append("ok")
        except SandboxError as exc:
            outcomes.append(exc.kind.value)

    def race(write: Any) -> list[str]:
        outcomes.clear()
        threads = [threading.Thread(target=attempt, args=(write,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(outcomes)

    admin = sandbox.store.admin
    assert race(lambda: properties.create(admin, space, "lock", 1)) == ["conflict"] * 7 + ["ok"]
    lock = properties.get(space, key="lock")
    stale = ErrorKind.STALE_VERSION.value
    assert race(lambda: properties.update(admin, space, lock.id, 2, 2)) == ["ok"] + [stale] * 7
    assert properties.get(space, key="lock").version.number == 2


async def test_a_database_from_before_space_properties_still_opens(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    async with sandbox_client(create_app(db)) as first:
        space = await space_id(first)
    # An earlier version's file: everything but the space_properties table.
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE space_properties")
    conn.close()
    async with sandbox_client(create_app(db)) as second:
        url = f"{V2}/spaces/{space}/properties"
        assert (await second.post(url, json={"key": "k", "value": 1})).status_code == 201


async def test_v2_space_property_writes_need_the_spaces_admin_permission(
    cloud_app: Starlette, cloud: httpx.AsyncClient
) -> None:
    # The v2 reference asks "'Admin' permission for the space" to write a space property.
    url = f"{V2}/spaces/{await space_id(cloud)}/properties"
    made = await cloud.post(url, json={"key": "kept", "value": LEASE})
    assert made.status_code == 201
    store = cloud_app.state.sandbox.store
    deny(store, "DEMO", store.admin.account_id, "administer", "space")

    refused = await cloud.post(url, json={"key": "confsync.lock", "value": LEASE})
    assert refused.status_code == 403
    kept = made.json()
    update = {"key": "kept", "value": LEASE, "version": {"number": 2, "message": "m"}}
    assert (await cloud.put(f"{url}/{kept['id']}", json=update)).status_code == 403
    assert (await cloud.delete(f"{url}/{kept['id']}")).status_code == 403
    assert [p["key"] for p in (await cloud.get(url)).json()["results"]] == ["kept"]
