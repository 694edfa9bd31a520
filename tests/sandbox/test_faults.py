"""Fault injection and the request log, in-process and through the admin API."""

from __future__ import annotations

import time

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import ConnectionDropped, Faults, Sandbox, create_app
from tests.sandbox.conftest import FakeClock
from tests.sandbox.helpers import V2, space_id, v2_page, v2_update
from tests.support.sandbox import sandbox_client

pytestmark = pytest.mark.anyio


async def test_latency_is_added(cloud_app: Starlette) -> None:
    cloud_app.state.sandbox.faults.update(latency_ms=30)
    async with sandbox_client(cloud_app) as client:
        started = time.perf_counter()
        await client.get(f"{V2}/spaces")
        assert time.perf_counter() - started >= 0.03
        # The browse page and the admin API are never faulted.
        started = time.perf_counter()
        await client.get("/_sandbox/faults")
        assert time.perf_counter() - started < 0.03


async def test_quota_per_window_answers_429_with_retry_after(clock: FakeClock) -> None:
    app = create_app(clock=clock, faults=Faults(quota=3, quota_window_s=60))
    async with sandbox_client(app) as client:
        statuses = [(await client.get(f"{V2}/spaces")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await client.get(f"{V2}/spaces")
        assert limited.headers["Retry-After"] == "60"
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert limited.json()["errors"][0]["status"] == 429
        clock.advance(45)
        assert (await client.get(f"{V2}/spaces")).headers["Retry-After"] == "15"
        clock.advance(15)
        assert (await client.get(f"{V2}/spaces")).status_code == 200


async def test_rates_are_deterministic_for_a_seed() -> None:
    async def run(seed: int) -> list[int]:
        app = create_app(faults=Faults(error_rate=0.3, rate_limit_rate=0.2, seed=seed))
        async with sandbox_client(app) as client:
            return [(await client.get(f"{V2}/spaces")).status_code for _ in range(40)]

    first, again, other = await run(7), await run(7), await run(8)
    assert first == again
    assert first != other
    assert {s for s in first if s != 200} <= {429, 500, 502, 503}
    assert 429 in first
    assert any(s >= 500 for s in first)


async def test_dropped_connections_raise_httpx_protocol_errors(cloud_app: Starlette) -> None:
    cloud_app.state.sandbox.faults.update(drop_rate=1.0)
    async with sandbox_client(cloud_app) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{V2}/spaces")
    assert issubclass(ConnectionDropped, httpx.RemoteProtocolError)
    [record] = cloud_app.state.sandbox.request_log.records()
    assert record.status == 200  # the status line went out, then the connection died


async def test_conflict_once_answers_one_put_with_409(cloud: httpx.AsyncClient) -> None:
    space = await space_id(cloud)
    page = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Race"))).json()["id"]
    await cloud.post("/_sandbox/faults", json={"conflict_once": True})
    raced = await cloud.put(f"{V2}/pages/{page}", json=v2_update(page, "Race", 2))
    assert raced.status_code == 409
    again = await cloud.put(f"{V2}/pages/{page}", json=v2_update(page, "Race", 2))
    assert again.status_code == 200


async def test_admin_api_sets_faults_and_reads_the_request_log(cloud: httpx.AsyncClient) -> None:
    set_ = await cloud.post("/_sandbox/faults", json={"error_rate": 1.0, "error_statuses": [503]})
    assert set_.json()["error_rate"] == 1.0
    assert (await cloud.get(f"{V2}/spaces")).status_code == 503
    assert (await cloud.post("/_sandbox/faults", json={"bogus": 1})).status_code == 400
    await cloud.post("/_sandbox/faults", json={"clear": True})
    assert (await cloud.get(f"{V2}/spaces", params={"keys": "DEMO"})).status_code == 200
    log = (await cloud.get("/_sandbox/requests")).json()
    assert [(r["method"], r["path"], r["status"]) for r in log["requests"]] == [
        ("GET", "/wiki/api/v2/spaces", 503),
        ("GET", "/wiki/api/v2/spaces", 200),
    ]
    assert log["requests"][1]["query"] == "keys=DEMO"
    assert all(r["duration_ms"] >= 0 for r in log["requests"])
    assert (await cloud.delete("/_sandbox/requests")).status_code == 204
    assert (await cloud.get("/_sandbox/requests")).json()["count"] == 0


async def test_admin_api_seeds_restricted_spaces_and_archives_pages(
    cloud: httpx.AsyncClient, cloud_app: Starlette
) -> None:
    made = await cloud.post("/_sandbox/spaces", json={"key": "HR", "restricted_to": "other"})
    assert made.status_code == 200
    assert (await cloud.get(f"{V2}/spaces", params={"keys": "HR"})).json()["results"] == []
    space = await space_id(cloud)
    page = (await cloud.post(f"{V2}/pages", json=v2_page(space, "To archive"))).json()["id"]
    archived = await cloud.post(f"/_sandbox/pages/{page}/status", json={"status": "archived"})
    assert archived.status_code == 204
    assert (await cloud.get(f"{V2}/pages/{page}")).json()["status"] == "archived"
    sandbox: Sandbox = cloud_app.state.sandbox
    sandbox.faults.update(latency_ms=5)
    assert (await cloud.post("/_sandbox/reset")).status_code == 204
    assert sandbox.faults.latency_ms == 0


async def test_dc_rate_limit_headers_and_retry_after_on_503(clock: FakeClock) -> None:
    from tests.support.sandbox import DC_AUTH

    app = create_app(edition="datacenter", clock=clock, faults=Faults(quota=1, quota_window_s=10))
    async with sandbox_client(app, auth=DC_AUTH) as client:
        assert (await client.get("/rest/api/space")).status_code == 200
        limited = await client.get("/rest/api/space")
        assert limited.status_code == 429
        assert limited.json()["statusCode"] == 429
        assert limited.headers["X-RateLimit-Interval-Seconds"] == "10"
        assert limited.headers["X-RateLimit-FillRate"] == "1"
        app.state.sandbox.faults.update(quota=None, error_rate=1.0, error_statuses=[503])
        unavailable = await client.get("/rest/api/space")
        assert unavailable.status_code == 503
        assert unavailable.headers["Retry-After"] == "1"


async def test_reset_can_wipe_content_but_keeps_spaces_and_homepages(
    cloud: httpx.AsyncClient,
) -> None:
    space = await space_id(cloud)
    await cloud.post(f"{V2}/pages", json=v2_page(space, "Temporary"))
    assert (await cloud.post("/_sandbox/reset", json={"content": True})).status_code == 204
    left = (await cloud.get(f"{V2}/pages", params={"space-id": space})).json()["results"]
    assert [p["title"] for p in left] == ["DEMO Home"]
    assert (await cloud.post(f"{V2}/pages", json=v2_page(space, "Temporary"))).status_code == 200
