"""``confsync login``: the OAuth sign-in of a repo's config, from the authorize URL to a token
store that is enough on its own.

    signed = await login(config.confluence, config_dir=root, prune=any_team_prunes,
                         options=LoginOptions(), ui=my_ui)

Cloud (``oauth2``, 3LO) and Data Center (``app-link``). The browser comes back to a loopback
listener (``http://127.0.0.1:PORT/callback``), or, with ``paste``, to any registered redirect
URI whose address the user pastes back. After the code is exchanged: on Cloud the site is
picked from accessible-resources (the ``ui`` asks when several match the configured url) and
kept in the token store, and the signed-in account is looked up and kept there too, for
``confsync auth status``. Nothing here prints: the ``ui`` shows and asks.
"""

from __future__ import annotations

import os
import secrets
import sys
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import anyio.to_thread
import httpx

from confsync.confluence import make_backend
from confsync.confluence.credentials import store_key, token_store
from confsync.confluence.login import Login, start_login
from confsync.confluence.loopback import Listener
from confsync.confluence.oauth import login_scopes
from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.connection import AppLinkAuth, ConfluenceSettings, OAuth2Auth
from confsync.errors import AuthError, ScopeError

__all__ = ["LoginOptions", "LoginUi", "SignedIn", "Site", "login"]


@dataclass(frozen=True)
class LoginOptions:
    """How to run the sign-in: ``port`` of the listener (0: a free one), or ``paste`` the
    address the browser was sent to ``redirect_uri``; ``scopes`` overrides the default ones."""

    port: int = 0
    paste: bool = False
    redirect_uri: str = "http://localhost:8765/callback"
    open_browser: bool = True
    scopes: str | None = None
    timeout: float = 300.0


@dataclass(frozen=True)
class Site:
    """One Cloud site of accessible-resources."""

    id: str
    name: str
    url: str


class LoginUi(Protocol):
    """What the command line shows and asks during a login."""

    def show_url(self, url: str, redirect_uri: str, *, opened: bool) -> None: ...

    def ask_redirect(self) -> str:
        """The address the browser was sent back to (``paste`` only)."""
        ...

    def choose_site(self, sites: Sequence[Site]) -> Site: ...


@dataclass(frozen=True)
class SignedIn:
    """The outcome of a login, for the command line to print (never a token)."""

    method: str
    account: str
    site: str
    scopes: tuple[str, ...]
    store: Path


async def login(
    settings: ConfluenceSettings,
    *,
    config_dir: Path,
    prune: bool,
    options: LoginOptions,
    ui: LoginUi,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    open_url: Callable[[str], bool] = webbrowser.open,
) -> SignedIn:
    """Sign in with the OAuth method of ``settings`` and fill its token store."""
    auth = settings.auth
    if not isinstance(auth, OAuth2Auth | AppLinkAuth) or settings.url is None:
        raise AuthError(
            "confsync login is for OAuth sign-in: set confluence.auth.method to oauth2 (Cloud) "
            "or app-link (Data Center); API tokens, PATs and passwords need no login."
        )
    env = os.environ if environ is None else environ
    cloud = isinstance(auth, OAuth2Auth)
    scopes = login_scopes(cloud=cloud, prune=prune, override=options.scopes)
    if options.paste:
        flow = _start(settings, config_dir, options.redirect_uri, scopes, env, transport)
        try:
            ui.show_url(flow.url, options.redirect_uri, opened=False)
            tokens = await flow.complete(ui.ask_redirect().strip())
        finally:
            await flow.aclose()
    else:
        state = secrets.token_urlsafe(24)
        with Listener(state=state, port=options.port) as listener:
            flow = _start(
                settings, config_dir, listener.redirect_uri, scopes, env, transport, state
            )
            try:
                opened = options.open_browser and _open(open_url, flow.url)
                ui.show_url(flow.url, listener.redirect_uri, opened=opened)
                answer = await anyio.to_thread.run_sync(listener.wait, options.timeout)
                tokens = await flow.complete(answer)
            finally:
                await flow.aclose()
    url = settings.url.rstrip("/")
    store = token_store(auth, config_dir)
    key = store_key(auth, url)
    site = url
    if isinstance(auth, OAuth2Auth) and auth.cloud_id is None:
        chosen = await _pick_site(auth, url, tokens, ui, transport)
        site = f"{chosen.name} ({chosen.url}, cloud id {chosen.id})"
        await _remember(store, key, cloud_id=chosen.id)
    account = await _who(settings, config_dir, env, transport)
    await _remember(store, key, account=account)
    return SignedIn(auth.method, account, site, tuple(tokens.scope.split()), store.path)


def _start(
    settings: ConfluenceSettings,
    config_dir: Path,
    redirect_uri: str,
    scopes: Sequence[str],
    env: Mapping[str, str],
    transport: httpx.AsyncBaseTransport | None,
    state: str | None = None,
) -> Login:
    return start_login(
        settings,
        config_dir=config_dir,
        redirect_uri=redirect_uri,
        environ=env,
        scopes=scopes,
        transport=transport,
        state=state,
    )


def _graphical() -> bool:
    """Whether a browser can open beside the terminal. Without a desktop, Python's
    ``webbrowser`` falls back to text browsers (lynx, w3m) that would take over the terminal
    the login is waiting in; ``BROWSER`` set by the user is their choice."""
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open(open_url: Callable[[str], bool], url: str) -> bool:
    if open_url is webbrowser.open and not _graphical():
        return False
    try:
        return bool(open_url(url))
    except Exception:  # any browser trouble: the URL is printed anyway
        return False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _pick_site(
    auth: OAuth2Auth,
    url: str,
    tokens: TokenSet,
    ui: LoginUi,
    transport: httpx.AsyncBaseTransport | None,
) -> Site:
    """The site of accessible-resources that is the configured url (asking when several)."""
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        try:
            answer = await client.get(
                f"{auth.api_url.rstrip('/')}/oauth/token/accessible-resources",
                headers={"Authorization": f"Bearer {tokens.access_token}"},
            )
        except httpx.HTTPError as exc:
            raise AuthError(f"Cannot list the sites the sign-in may access: {exc}") from exc
    if answer.status_code != 200:
        raise AuthError(
            f"The gateway refused to list the sites of this sign-in ({answer.status_code}); "
            f"check confluence.auth.api_url ({auth.api_url})."
        )
    found = [
        Site(str(r["id"]), str(r.get("name", "")), str(r["url"]))
        for r in answer.json()
        if isinstance(r, dict) and isinstance(r.get("id"), str) and isinstance(r.get("url"), str)
    ]
    matching = [s for s in found if _origin(s.url) == _origin(url)]
    if not matching:
        covered = ", ".join(s.url for s in found) or "none"
        raise AuthError(
            f"The sign-in does not cover {_origin(url)} (it covers: {covered}). Run `confsync "
            "login` again and choose that site on the consent page, or correct confluence.url."
        )
    return matching[0] if len(matching) == 1 else ui.choose_site(matching)


async def _who(
    settings: ConfluenceSettings,
    config_dir: Path,
    env: Mapping[str, str],
    transport: httpx.AsyncBaseTransport | None,
) -> str:
    """Who signed in, through the same client plan will use (the token store's tokens).

    A grant without the scope to read the user is still a login: plan then names what is
    missing, with the command that adds it."""
    try:
        async with make_backend(
            settings, config_dir=config_dir, environ=env, transport=transport
        ) as confluence:
            user = await confluence.current_user()
    except ScopeError:
        return "unknown (the grant may not read the signed-in user)"
    who = user.email or user.username
    return f"{user.display_name} ({who})" if who else user.display_name


async def _remember(
    store: TokenStore, key: str, *, cloud_id: str | None = None, account: str | None = None
) -> None:
    """Add the site or account to the stored tokens, whichever they are by now."""
    async with store.locked():
        current = store.read(key)
        if current is None:
            raise AuthError(f"The token store {store.path} lost the new tokens; sign in again.")
        current = replace(
            current, cloud_id=cloud_id or current.cloud_id, account=account or current.account
        )
        store.write(key, current)
