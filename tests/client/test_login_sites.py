"""`setup.login`: the browser is opened at the authorize URL, and the Cloud site is picked from
accessible-resources, asking only when several sites match the configured url."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from confsync.confluence.credentials import store_key
from confsync.confluence.tokens import TokenStore
from confsync.errors import AuthError
from confsync.sandbox import create_app
from confsync.setup.login import LoginOptions, Site, login
from tests.client.sites import ORIGIN, SANDBOX_ENV, settings_for

pytestmark = pytest.mark.anyio

OTHER_ID = "11111111-0000-4000-8000-000000000000"


class Ui:
    def __init__(self, pick: int = 0) -> None:
        self.shown: list[tuple[str, bool]] = []
        self.asked: list[Sequence[Site]] = []
        self.pick = pick

    def show_url(self, url: str, redirect_uri: str, *, opened: bool) -> None:
        self.shown.append((url, opened))

    def ask_redirect(self) -> str:
        raise AssertionError("the listener takes the answer")

    def choose_site(self, sites: Sequence[Site]) -> Site:
        self.asked.append(sites)
        return sites[self.pick]


class Gateway(httpx.AsyncBaseTransport):
    """The sandbox, whose accessible-resources lists ``sites`` (id, url) instead of its own."""

    def __init__(self, app: object, sites: list[tuple[str, str]]) -> None:
        self.inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.sites = sites

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token/accessible-resources":
            listed = [
                {"id": i, "name": f"site {i[:4]}", "url": u, "scopes": []} for i, u in self.sites
            ]
            return httpx.Response(200, json=listed)
        return await self.inner.handle_async_request(request)


def browser(app: object) -> tuple[list[str], object]:
    """A browser that follows the authorize URL (in the sandbox) into the real listener."""
    visited: list[str] = []

    def open_url(url: str) -> bool:
        def go() -> None:
            import asyncio

            async def follow() -> None:
                transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
                async with httpx.AsyncClient(transport=transport) as sandbox:
                    answer = await sandbox.get(url)
                location = answer.headers["location"]
                visited.append(location)
                async with httpx.AsyncClient(trust_env=False) as real:
                    await real.get(location)

            asyncio.run(follow())

        threading.Thread(target=go, daemon=True).start()
        return True

    return visited, open_url


SANDBOX_ID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("sites", "asked"),
    [
        ([(SANDBOX_ID, ORIGIN)], False),
        ([(SANDBOX_ID, ORIGIN), (OTHER_ID, ORIGIN + "/")], True),
    ],
)
async def test_the_site_comes_from_accessible_resources(
    tmp_path: Path, sites: list[tuple[str, str]], asked: bool
) -> None:
    app = create_app()
    settings = settings_for("oauth2", tmp_path)
    visited, open_url = browser(app)
    ui = Ui(pick=0)
    signed = await login(
        settings,
        config_dir=tmp_path,
        prune=True,
        options=LoginOptions(timeout=30),
        ui=ui,
        environ=SANDBOX_ENV,
        transport=Gateway(app, sites),
        open_url=open_url,  # type: ignore[arg-type]
    )
    assert signed.account == "Sandbox Admin (admin@example.com)"
    assert "delete:page:confluence" in signed.scopes  # a team prunes
    assert ui.shown[0][1] is True  # the browser was opened
    assert visited[0].startswith("http://127.0.0.1:")
    assert [len(s) for s in ui.asked] == ([2] if asked else [])
    key = store_key(settings.auth, ORIGIN + "/wiki")  # type: ignore[arg-type]
    stored = TokenStore(tmp_path / "tokens.json").read(key)
    assert stored is not None
    assert stored.cloud_id == SANDBOX_ID
    assert stored.account == signed.account


async def test_a_grant_for_other_sites_only_is_refused(tmp_path: Path) -> None:
    app = create_app()
    _, open_url = browser(app)
    with pytest.raises(AuthError, match=r"does not cover http://sandbox\.local"):
        await login(
            settings_for("oauth2", tmp_path),
            config_dir=tmp_path,
            prune=False,
            options=LoginOptions(timeout=30),
            ui=Ui(),
            environ=SANDBOX_ENV,
            transport=Gateway(app, [(OTHER_ID, "https://elsewhere.atlassian.net")]),
            open_url=open_url,  # type: ignore[arg-type]
        )
