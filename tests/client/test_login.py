"""The interactive sign-in helper (for ``confsync login``) against the sandbox's OAuth servers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from confsync.confluence.login import start_login
from confsync.errors import AuthError
from tests.client.conftest import Sleeps
from tests.client.sites import SANDBOX_ENV, Site, open_site
from tests.support.openapi import ContractChecker

pytestmark = pytest.mark.anyio

REDIRECT = "http://localhost:8765/callback"


async def browse(site: Site, url: str) -> str:
    async with httpx.AsyncClient(transport=site.transport) as browser:
        answer = await browser.get(url)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


@pytest.mark.parametrize("method", ["oauth2", "app-link"])
async def test_login_then_use(
    method: str, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    site = await open_site(method, tmp_path, checker, sleeps.policy())
    (tmp_path / "tokens.json").unlink()  # forget the fixture's own sign-in
    login = start_login(
        site.settings,
        config_dir=tmp_path,
        redirect_uri=REDIRECT,
        environ=SANDBOX_ENV,
        transport=site.transport,
        policy=site.policy,
    )
    assert "sandbox-secret" not in login.url
    if method == "app-link":
        assert "code_challenge_method=S256" in login.url
    tokens = await login.complete(await browse(site, login.url))
    await login.aclose()
    assert tokens.refresh_token
    assert "secret" not in repr(login)
    confluence = site.open()
    assert (await confluence.space("DEMO")).key == "DEMO"
    await site.close()


async def test_login_refuses_a_foreign_or_denied_answer(
    tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    site = await open_site("oauth2", tmp_path, checker, sleeps.policy())
    login = start_login(
        site.settings,
        config_dir=tmp_path,
        redirect_uri=REDIRECT,
        environ=SANDBOX_ENV,
        transport=site.transport,
    )
    with pytest.raises(AuthError, match="state mismatch"):
        await login.complete(f"{REDIRECT}?code=abc&state=forged")
    with pytest.raises(AuthError, match="access_denied"):
        await login.complete(f"{REDIRECT}?error=access_denied&state=x")
    await login.aclose()
    await site.close()


def test_login_is_only_for_oauth(tmp_path: Path) -> None:
    from tests.client.sites import settings_for

    with pytest.raises(AuthError, match="need no login"):
        start_login(settings_for("pat", tmp_path), config_dir=tmp_path, redirect_uri=REDIRECT)
