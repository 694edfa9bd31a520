"""Sign-in behaviour against the sandbox: OAuth refresh (before expiry, on 401), rotation
persisted across a process restart, one refresh shared by two processes, missing scopes, and
refused credentials that name what to check."""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.errors import AuthError, ScopeError
from tests.client.conftest import Sleeps
from tests.client.sites import ORIGIN, Site, open_site, sign_in
from tests.support.openapi import ContractChecker

pytestmark = pytest.mark.anyio

OAUTH_METHODS = ["oauth2", "app-link"]


@pytest.fixture(params=OAUTH_METHODS)
async def oauth_site(
    request: pytest.FixtureRequest, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> AsyncIterator[Site]:
    site = await open_site(request.param, tmp_path, checker, sleeps.policy())
    yield site
    await site.close()


def stored(site: Site) -> TokenSet:
    data = json.loads((site.tmp / "tokens.json").read_text())
    (entry,) = data["tokens"].values()
    return TokenSet.from_json(entry)


def token_posts(site: Site) -> int:
    return len(site.requests("POST", "/oauth"))


async def spend(site: Site, refresh_token: str) -> int:
    """Offer a refresh token to the sandbox's token endpoint; the status it answers."""
    cloud = site.edition == "cloud"
    url = f"{ORIGIN}/oauth/token" if cloud else f"{ORIGIN}/confluence/rest/oauth2/latest/token"
    fields = {
        "grant_type": "refresh_token",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "refresh_token": refresh_token,
    }
    async with httpx.AsyncClient(transport=site.transport) as client:
        sent = await (client.post(url, json=fields) if cloud else client.post(url, data=fields))
    return sent.status_code


async def test_refresh_rotates_persists_and_survives_a_restart(oauth_site: Site) -> None:
    site = oauth_site
    signed_in = stored(site)
    assert signed_in.refresh_token
    assert stat.S_IMODE((site.tmp / "tokens.json").stat().st_mode) == 0o600

    first = site.open()
    await first.current_user()
    assert token_posts(site) == 1  # only the sign-in: the stored access token was fresh

    site.clock.now += 3600 - 30  # inside the refresh margin: refreshed before it expires
    await first.space("DEMO")
    rotated = stored(site)
    assert token_posts(site) == 2
    assert rotated.refresh_token not in (None, signed_in.refresh_token)
    assert rotated.access_token != signed_in.access_token
    await first.aclose()

    # Later than the old refresh token's 10-minute grace and the access token's hour.
    site.clock.now += 3600 + 700
    assert await spend(site, str(signed_in.refresh_token)) in {400, 403}
    restarted = site.open()  # a new process: nothing but the token store is shared
    assert (await restarted.space("DEMO")).key == "DEMO"
    assert stored(site).refresh_token not in (rotated.refresh_token, signed_in.refresh_token)


async def test_a_401_refreshes_once_and_retries(oauth_site: Site) -> None:
    site = oauth_site
    first = site.open()
    page = await first.create_page(
        await first.space("DEMO"), title="T", body="<p/>", parent_id=None, message="m"
    )
    store = TokenStore(site.tmp / "tokens.json")
    key = next(iter(json.loads(store.path.read_text())["tokens"]))
    current = stored(site)
    revoked = TokenSet("revoked-access", current.refresh_token, current.expires_at, current.scope)
    store.write(key, revoked)  # looks fresh, but the server no longer knows it
    second = site.open()
    # The first request of the new client is a multipart upload: it must survive being resent.
    uploaded = await second.upload_attachment(
        page.id, filename="a.txt", data=b"hello", media_type="text/plain", comment="c"
    )
    assert (uploaded.filename, uploaded.size) == ("a.txt", 5)
    assert token_posts(site) == 2
    assert stored(site).access_token != "revoked-access"


async def test_two_processes_spend_one_refresh_token_once(oauth_site: Site) -> None:
    site = oauth_site
    one, two = site.open(), site.open()  # separate refreshers, one token store
    site.clock.now += 3600
    async with anyio.create_task_group() as group:
        for confluence in (one, two, one, two):
            group.start_soon(confluence.current_user)
    assert token_posts(site) == 2  # the sign-in and exactly one refresh


async def test_a_spent_refresh_token_asks_to_sign_in_again(oauth_site: Site) -> None:
    site = oauth_site
    refresh_token = str(stored(site).refresh_token)
    assert await spend(site, refresh_token) == 200
    site.clock.now += 3600 + 700  # access expired and the refresh token's grace is over
    with pytest.raises(AuthError, match="confsync login") as caught:
        await site.open().current_user()
    assert "invalid_grant" in str(caught.value)
    assert refresh_token not in str(caught.value)


async def test_a_seed_refresh_token_from_the_environment(
    tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    site = await open_site("oauth2", tmp_path, checker, sleeps.policy())
    seed = str(stored(site).refresh_token)
    (tmp_path / "tokens.json").unlink()
    auth = site.settings.auth.model_copy(update={"refresh_token": "${CONFLUENCE_REFRESH_TOKEN}"})  # type: ignore[union-attr]
    site.settings = site.settings.model_copy(update={"auth": auth})
    confluence = site.open(CONFLUENCE_REFRESH_TOKEN=seed)
    assert (await confluence.space("DEMO")).key == "DEMO"
    assert stored(site).refresh_token != seed  # rotated and stored
    await site.close()


async def test_a_missing_scope_is_named(
    tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    site = await open_site("oauth2", tmp_path, checker, sleeps.policy())
    await sign_in(site, scopes=("read:space:confluence", "read:page:confluence", "offline_access"))
    confluence = site.open()
    space = await confluence.space("DEMO")
    pages = await confluence.pages_in_space(space)
    with pytest.raises(ScopeError, match=r"read:attachment:confluence") as caught:
        await confluence.attachments(pages[0].id)
    # The exact command that fixes it: what was granted, and the missing scope.
    wanted = "offline_access read:attachment:confluence read:page:confluence read:space:confluence"
    assert f'confsync login --scopes "{wanted}"' in str(caught.value)
    await site.close()


@pytest.mark.parametrize(
    ("method", "variable", "names"),
    [
        ("api-token", "CONFLUENCE_API_TOKEN", "admin@example.com"),
        ("scoped-token", "CONFLUENCE_SCOPED_API_TOKEN", "scoped API token"),
        ("pat", "CONFLUENCE_PAT", "personal access token"),
        ("basic", "CONFLUENCE_PASSWORD", "user admin"),
    ],
)
async def test_refused_credentials_name_what_to_check(
    method: str,
    variable: str,
    names: str,
    tmp_path: Path,
    checker: ContractChecker,
    sleeps: Sleeps,
) -> None:
    site = await open_site(method, tmp_path, checker, sleeps.policy())
    confluence = site.open(**{variable: "wrong-secret-value"})
    with pytest.raises(AuthError) as caught:
        await confluence.current_user()
    message = str(caught.value)
    assert variable in message
    assert names in message
    assert "401" in message
    assert "wrong-secret-value" not in message
    await site.close()


async def test_a_wrong_client_secret_is_named(oauth_site: Site) -> None:
    site = oauth_site
    site.clock.now += 3600
    with pytest.raises(AuthError, match=r"invalid_client.*CONFLUENCE_CLIENT_SECRET") as caught:
        await site.open(CONFLUENCE_CLIENT_SECRET="not-the-secret").current_user()
    assert "not-the-secret" not in str(caught.value)
