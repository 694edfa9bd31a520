"""Finding the Cloud gateway base: the cloudId from the configuration, from the OAuth grant's
accessible resources, or from the site's ``_edge/tenant_info`` (scoped API tokens)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from confsync.confluence import make_backend
from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.connection import ConfluenceSettings
from confsync.errors import AuthError
from confsync.types import Page, PageStatus, PageVersion
from tests.client.conftest import FAKE_ENV, SITE, Sleeps, cloud_settings

pytestmark = pytest.mark.anyio

GATEWAY = "https://api.atlassian.com/ex/confluence"
SPACES = {"results": [{"id": "1", "key": "DEMO", "name": "Demo"}]}


def oauth(tmp_path: Path, **extra: str) -> ConfluenceSettings:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(
        "https://auth.atlassian.com/oauth/token#client-1",
        TokenSet("access-1", "refresh-1", 4_000_000_000.0),
    )
    return cloud_settings(
        method="oauth2",
        client_id="client-1",
        client_secret="${CONFLUENCE_CLIENT_SECRET}",
        token_store=str(store.path),
        **extra,
    )


async def test_a_configured_cloud_id_needs_no_lookup(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    route = router.get(f"{GATEWAY}/c-42/wiki/api/v2/spaces").respond(200, json=SPACES)
    settings = oauth(tmp_path, cloud_id="c-42")
    async with make_backend(
        settings,
        config_dir=tmp_path,
        environ=FAKE_ENV,
        transport=mocked,
        policy=sleeps.policy(),
    ) as confluence:
        await confluence.space("DEMO")
    assert route.calls.last.request.headers["Authorization"] == "Bearer access-1"


async def test_the_grant_must_cover_the_configured_site(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get("https://api.atlassian.com/oauth/token/accessible-resources").respond(
        200, json=[{"id": "c-9", "url": "https://other.atlassian.net", "name": "other"}]
    )
    async with make_backend(
        oauth(tmp_path),
        config_dir=tmp_path,
        environ=FAKE_ENV,
        transport=mocked,
        policy=sleeps.policy(),
    ) as confluence:
        with pytest.raises(AuthError, match=r"does not cover https://acme\.atlassian\.net"):
            await confluence.space("DEMO")


async def test_a_scoped_token_finds_the_cloud_id_at_tenant_info(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    info = router.get("https://acme.atlassian.net/_edge/tenant_info").respond(
        200, json={"cloudId": "c-7"}
    )
    spaces = router.get(f"{GATEWAY}/c-7/wiki/api/v2/spaces").respond(200, json=SPACES)
    settings = cloud_settings(
        method="api-token", email="ana@example.com", token="${CONFLUENCE_API_TOKEN}", scoped=True
    )
    async with make_backend(
        settings, config_dir=tmp_path, environ=FAKE_ENV, transport=mocked, policy=sleeps.policy()
    ) as confluence:
        await confluence.space("DEMO")
        await confluence.space("DEMO")
    assert info.call_count == 1  # resolved once, then reused
    assert spaces.call_count == 2
    page = Page("5", "1", "T", None, PageStatus.CURRENT, PageVersion(1))
    # Links go to the site, never the gateway.
    assert confluence.page_url(page) == f"{SITE}/pages/viewpage.action?pageId=5"
