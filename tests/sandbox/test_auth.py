"""Sign-in methods, scopes, and the OAuth flows of both editions."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from starlette.applications import Starlette

from tests.sandbox.conftest import FakeClock
from tests.sandbox.helpers import V1, V2
from tests.support.sandbox import sandbox_client

pytestmark = pytest.mark.anyio

GATEWAY = "/ex/confluence/00000000-0000-4000-8000-000000000000/wiki"
REDIRECT = "http://localhost:8765/callback"
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


async def _cloud_tokens(client: httpx.AsyncClient, scope: str) -> dict[str, Any]:
    authorize = await client.get(
        "/authorize",
        params={
            "audience": "api.atlassian.com",
            "client_id": "sandbox-client",
            "scope": scope,
            "redirect_uri": REDIRECT,
            "state": "xyz",
            "response_type": "code",
            "prompt": "consent",
        },
    )
    assert authorize.status_code == 302
    location = urlparse(authorize.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == ["xyz"]
    token = await client.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            **CLIENT,
        },
    )
    assert token.status_code == 200, token.text
    body: dict[str, Any] = token.json()
    return body


async def test_cloud_basic_auth_on_the_site(cloud_app: Starlette) -> None:
    async with sandbox_client(cloud_app, auth=("admin@example.com", "sandbox-token")) as ok:
        assert (await ok.get(f"{V2}/spaces")).status_code == 200
        me = (await ok.get(f"{V1}/user/current")).json()
        assert me["email"] == "admin@example.com"
    for auth in (("admin@example.com", "nope"), ("admin", "admin"), None):
        async with sandbox_client(cloud_app, auth=auth) as bad:
            assert (await bad.get(f"{V2}/spaces")).status_code == 401


async def test_dc_basic_pat_and_wrong_credentials(dc_app: Starlette) -> None:
    async with sandbox_client(dc_app, auth=("admin", "admin")) as basic:
        assert (await basic.get("/rest/api/user/current")).json()["username"] == "admin"
    async with sandbox_client(dc_app, auth=None) as anonymous:
        pat = await anonymous.get(
            "/confluence/rest/api/user/current", headers={"Authorization": "Bearer sandbox-pat"}
        )
        assert pat.json()["username"] == "admin"
        wrong = await anonymous.get(
            "/rest/api/space", headers={"Authorization": "Bearer not-a-token"}
        )
        assert wrong.status_code == 401
        missing = await anonymous.get("/rest/api/space")
        assert missing.status_code == 401
        assert missing.headers["WWW-Authenticate"].startswith("Basic")
    async with sandbox_client(dc_app, auth=("admin@example.com", "sandbox-token")) as cloudish:
        assert (await cloudish.get("/rest/api/space")).status_code == 401


async def test_oauth_3lo_tokens_work_only_on_the_gateway_with_the_right_scopes(
    cloud_app: Starlette,
) -> None:
    async with sandbox_client(cloud_app, auth=None) as client:
        tokens = await _cloud_tokens(client, "read:page:confluence read:space:confluence")
        assert tokens["expires_in"] == 3600
        assert tokens["token_type"] == "Bearer"
        assert "refresh_token" not in tokens  # no offline_access asked for
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await client.get(f"{GATEWAY}/api/v2/pages", headers=bearer)).status_code == 200
        site = await client.get(f"{V2}/pages", headers=bearer)
        assert site.status_code == 401
        write = await client.post(
            f"{GATEWAY}/api/v2/pages", headers=bearer, json={"spaceId": "1", "title": "x"}
        )
        assert write.status_code == 401
        assert write.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
        search = await client.get(
            f"{GATEWAY}/rest/api/content/search", params={"cql": "type=page"}, headers=bearer
        )
        assert search.json()["message"] == "Unauthorized; scope does not match"
        wrong_site = await client.get(
            "/ex/confluence/11111111-0000-4000-8000-000000000000/wiki/api/v2/pages", headers=bearer
        )
        assert wrong_site.status_code == 404


async def test_deprecated_v1_content_is_gone_on_the_gateway_but_works_on_the_site(
    cloud_app: Starlette,
) -> None:
    async with sandbox_client(cloud_app, auth=None) as client:
        tokens = await _cloud_tokens(
            client, "read:confluence-content.summary search:confluence read:confluence-user"
        )
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await client.get(f"{GATEWAY}/rest/api/content", headers=bearer)).status_code == 410
        me = await client.get(f"{GATEWAY}/rest/api/user/current", headers=bearer)
        assert me.status_code == 200
    async with sandbox_client(cloud_app) as basic:
        assert (await basic.get(f"{V1}/content")).status_code == 200


async def test_accessible_resources_and_tenant_info(cloud_app: Starlette) -> None:
    async with sandbox_client(cloud_app, auth=None) as client:
        info = await client.get("/_edge/tenant_info")
        assert info.json() == {"cloudId": "00000000-0000-4000-8000-000000000000"}
        tokens = await _cloud_tokens(client, "read:page:confluence offline_access")
        resources = await client.get(
            "/oauth/token/accessible-resources",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        [site] = resources.json()
        assert set(site) == {"id", "name", "url", "scopes", "avatarUrl"}
        assert site["id"] == "00000000-0000-4000-8000-000000000000"
        assert "read:page:confluence" in site["scopes"]
        assert (await client.get("/oauth/token/accessible-resources")).status_code == 401


async def test_refresh_tokens_rotate_and_the_old_one_dies_after_the_leeway(
    cloud_app: Starlette, clock: FakeClock
) -> None:
    async with sandbox_client(cloud_app, auth=None) as client:
        first = await _cloud_tokens(client, "read:page:confluence offline_access")

        async def refresh(token: str) -> httpx.Response:
            return await client.post(
                "/oauth/token",
                json={"grant_type": "refresh_token", "refresh_token": token, **CLIENT},
            )

        second = (await refresh(first["refresh_token"])).json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        clock.advance(9 * 60)
        # Within the 10-minute leeway the old token still works (a crash before saving).
        assert (await refresh(first["refresh_token"])).status_code == 200
        clock.advance(2 * 60)
        reused = await refresh(first["refresh_token"])
        assert reused.status_code == 403
        assert reused.json()["error"] == "invalid_grant"
        assert (await refresh(second["refresh_token"])).status_code == 200
        clock.advance(3601)
        expired = await client.get(
            f"{GATEWAY}/api/v2/pages",
            headers={"Authorization": f"Bearer {second['access_token']}"},
        )
        assert expired.status_code == 401


async def test_cloud_token_endpoint_refuses_bad_clients_and_codes(cloud_app: Starlette) -> None:
    async with sandbox_client(cloud_app, auth=None) as client:
        tokens = await _cloud_tokens(client, "read:page:confluence")
        del tokens
        wrong_secret = await client.post(
            "/oauth/token",
            json={
                "grant_type": "authorization_code",
                "code": "x",
                "client_id": "sandbox-client",
                "client_secret": "nope",
            },
        )
        assert wrong_secret.status_code == 401
        bad_code = await client.post(
            "/oauth/token", json={"grant_type": "authorization_code", "code": "x", **CLIENT}
        )
        assert bad_code.json()["error"] == "invalid_grant"
        unknown = await client.post("/oauth/token", json={"grant_type": "password", **CLIENT})
        assert unknown.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("prefix", ["", "/confluence"])
async def test_dc_oauth_with_pkce_and_form_bodies(dc_app: Starlette, prefix: str) -> None:
    verifier = "a-verifier-that-is-long-enough-to-be-valid-0123456789"
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    async with sandbox_client(dc_app, auth=None) as client:
        authorize = await client.get(
            f"{prefix}/rest/oauth2/latest/authorize",
            params={
                "client_id": "sandbox-client",
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "scope": "WRITE",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        code = parse_qs(urlparse(authorize.headers["location"]).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": "sandbox-client",
        }
        wrong = await client.post(
            f"{prefix}/rest/oauth2/latest/token", data={**form, "code_verifier": "wrong"}
        )
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"
        # The failed attempt did not burn the code: a right verifier still redeems it.
        token = await client.post(
            f"{prefix}/rest/oauth2/latest/token", data={**form, "code_verifier": verifier}
        )
        assert token.status_code == 200, token.text
        body = token.json()
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        me = await client.get(f"{prefix}/rest/api/user/current", headers=bearer)
        assert me.json()["username"] == "admin"
        created = await client.post(
            f"{prefix}/rest/api/content",
            headers=bearer,
            json={"type": "page", "title": "Via OAuth", "space": {"key": "DEMO"}},
        )
        assert created.status_code == 200
        refreshed = await client.post(
            f"{prefix}/rest/oauth2/latest/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": body["refresh_token"],
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
        )
        assert refreshed.status_code == 200


async def test_dc_oauth_read_scope_cannot_write(dc_app: Starlette) -> None:
    async with sandbox_client(dc_app, auth=None) as client:
        authorize = await client.get(
            "/rest/oauth2/latest/authorize",
            params={"client_id": "sandbox-client", "redirect_uri": REDIRECT, "scope": "READ"},
        )
        code = parse_qs(urlparse(authorize.headers["location"]).query)["code"][0]
        token = await client.post(
            "/rest/oauth2/latest/token",
            data={"grant_type": "authorization_code", "code": code, **CLIENT},
        )
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert (await client.get("/rest/api/space", headers=bearer)).status_code == 200
        write = await client.post(
            "/rest/api/content",
            headers=bearer,
            json={"type": "page", "title": "No", "space": {"key": "DEMO"}},
        )
        assert write.status_code == 401
