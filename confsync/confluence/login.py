"""Interactive OAuth sign-in, for a ``confsync login`` command:

    login = start_login(config.confluence, config_dir=repo, redirect_uri="http://localhost:8765/cb")
    # open login.url in a browser; the browser comes back to redirect_uri?code=...&state=...
    await login.complete(redirected_to)      # exchanges the code, writes the token store
    await login.aclose()

Cloud uses 3LO (``{auth_url}/authorize``); Data Center the OAuth 2.0 provider of an incoming
application link (``{base}/rest/oauth2/latest/authorize``), with PKCE.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from confsync.confluence.auth import HeaderAuth, OAuthClient
from confsync.confluence.credentials import oauth_client, oauth_remedy, token_store
from confsync.confluence.http import HttpClient, RetryPolicy, build_async_client
from confsync.confluence.oauth import (
    CLOUD_SCOPES,
    DC_SCOPES,
    Pkce,
    authorization_url,
    exchange_code,
)
from confsync.confluence.redact import Redactor
from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.connection import AppLinkAuth, ConfluenceSettings, OAuth2Auth
from confsync.errors import AuthError

__all__ = ["Login", "start_login"]


@dataclass
class Login:
    """One sign-in in progress: send the user to ``url``, then ``complete`` it."""

    url: str
    redirect_uri: str
    _state: str = field(repr=False)
    _client: OAuthClient = field(repr=False)
    _store: TokenStore = field(repr=False)
    _http: HttpClient = field(repr=False)
    _pkce: Pkce | None = field(default=None, repr=False)

    async def complete(self, redirected_to: str) -> TokenSet:
        """Exchange the code from the URL the browser was sent back to; store the tokens."""
        query = parse_qs(urlsplit(redirected_to).query)
        if "error" in query:
            described = query.get("error_description", [""])[0]
            raise AuthError(
                f"Sign-in was not granted ({query['error'][0]}{': ' if described else ''}"
                f"{described}). Run `confsync login` again and approve the access."
            )
        if query.get("state") != [self._state]:
            raise AuthError(
                "The sign-in answer does not belong to this login (state mismatch). Run "
                "`confsync login` again and finish it in the browser it opens."
            )
        codes = query.get("code")
        if not codes:
            raise AuthError("The sign-in answer carries no authorization code.")
        return await exchange_code(
            self._http,
            self._client,
            code=codes[0],
            redirect_uri=self.redirect_uri,
            store=self._store,
            pkce=self._pkce,
        )

    async def aclose(self) -> None:
        await self._http.aclose()


def start_login(
    settings: ConfluenceSettings,
    *,
    config_dir: Path,
    redirect_uri: str,
    environ: Mapping[str, str] | None = None,
    scopes: Sequence[str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: RetryPolicy | None = None,
    state: str | None = None,
) -> Login:
    """A sign-in for the OAuth method of ``settings`` (``oauth2`` or ``app-link``); ``state``
    is made here unless a redirect listener already waits for one."""
    auth = settings.auth
    if not isinstance(auth, OAuth2Auth | AppLinkAuth) or settings.url is None:
        raise AuthError(
            "confsync login is for OAuth sign-in: set confluence.auth.method to oauth2 (Cloud) "
            "or app-link (Data Center); API tokens, PATs and passwords need no login."
        )
    env = os.environ if environ is None else environ
    redactor = Redactor()
    url = settings.url.rstrip("/")
    client = oauth_client(auth, url, env, redactor)
    cloud = isinstance(auth, OAuth2Auth)
    pkce = None if cloud else Pkce()
    state = state or secrets.token_urlsafe(16)
    if isinstance(auth, OAuth2Auth):
        authorize = f"{auth.auth_url.rstrip('/')}/authorize"
    else:
        authorize = f"{url}/rest/oauth2/latest/authorize"
    identity = HeaderAuth(
        "", description=f"the OAuth client {auth.client_id}", remedy=oauth_remedy(auth)
    )
    http = HttpClient(
        build_async_client(
            auth=None,
            timeout=settings.timeout,
            concurrency=1,
            ca_bundle=settings.ca_bundle,
            transport=transport,
        ),
        base=url,
        identity=identity,
        redactor=redactor,
        policy=policy,
        concurrency=1,
    )
    return Login(
        url=authorization_url(
            authorize,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes or (CLOUD_SCOPES if cloud else DC_SCOPES),
            state=state,
            pkce=pkce,
            cloud=cloud,
        ),
        redirect_uri=redirect_uri,
        _state=state,
        _client=client,
        _store=token_store(auth, config_dir),
        _http=http,
        _pkce=pkce,
    )
