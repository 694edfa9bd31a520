"""The five sign-in methods as ``httpx.Auth`` classes.

- Cloud API token, and Server/DC user name and password: HTTP basic (``HeaderAuth.basic``).
- Data Center personal access token: bearer (``HeaderAuth.bearer``).
- Cloud OAuth 2.0 (3LO) and Data Center application links (OAuth 2.0 provider): ``OAuthAuth``,
  bearer access tokens kept fresh by a ``TokenRefresher``: refreshed shortly before they expire
  and once on a 401, with the rotated refresh token persisted to the ``TokenStore`` before the new
  access token is used for anything.

Each carries a ``description`` and a ``remedy`` for error messages (naming the environment
variable, never its value) and registers its secrets with the client's ``Redactor``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import httpx

from confsync.confluence.errormap import Call, confluence_message
from confsync.confluence.http import HttpClient
from confsync.confluence.redact import Redactor
from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.errors import AuthError

__all__ = ["CredentialsAuth", "HeaderAuth", "OAuthAuth", "TokenRefresher"]

_REFRESH_SKEW = 60.0  # refresh this many seconds before the access token expires


class CredentialsAuth(httpx.Auth):
    """An ``httpx.Auth`` that can name itself in messages (satisfies ``errormap.Identity``)."""

    def __init__(self, *, description: str, remedy: str, scope_remedy: str | None = None) -> None:
        self._description = description
        self._remedy = remedy
        self._scope_remedy = scope_remedy

    def scope_advice(self, scope: str | None) -> str:
        """What to do when Confluence says the credentials lack ``scope`` (errormap asks)."""
        if self._scope_remedy is not None:
            return self._scope_remedy.format(scope=scope or "the missing scope")
        return (
            "Add the scope to the app in the Atlassian developer console, then sign in again "
            "with `confsync login`."
        )

    @property
    def description(self) -> str:
        return self._description

    @property
    def remedy(self) -> str:
        return self._remedy

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._description!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("confsync's Confluence client is async only")


class HeaderAuth(CredentialsAuth):
    """A fixed ``Authorization`` header: basic (API token, password) or bearer (PAT)."""

    def __init__(
        self, header: str, *, description: str, remedy: str, scope_remedy: str | None = None
    ) -> None:
        super().__init__(description=description, remedy=remedy, scope_remedy=scope_remedy)
        self._header = header

    @classmethod
    def basic(
        cls,
        user: str,
        secret: str,
        *,
        redactor: Redactor,
        description: str,
        remedy: str,
        scope_remedy: str | None = None,
    ) -> HeaderAuth:
        redactor.add(secret)
        encoded = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        redactor.add(encoded)
        return cls(
            f"Basic {encoded}", description=description, remedy=remedy, scope_remedy=scope_remedy
        )

    @classmethod
    def bearer(cls, token: str, *, redactor: Redactor, description: str, remedy: str) -> HeaderAuth:
        redactor.add(token)
        return cls(f"Bearer {token}", description=description, remedy=remedy)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = self._header
        yield request


@dataclass(frozen=True)
class OAuthClient:
    """An OAuth client registration and its token endpoint.

    ``style`` is how the token endpoint wants its parameters: Atlassian's Cloud endpoint takes
    JSON (https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/), Data Center's
    ``/rest/oauth2/latest/token`` the standard form encoding (RFC 6749 section 4.1.3).
    """

    token_url: str
    client_id: str
    client_secret: str
    style: Literal["json", "form"]

    def __repr__(self) -> str:
        return f"OAuthClient({self.token_url!r}, client_id={self.client_id!r})"

    def key(self) -> str:
        return f"{self.token_url}#{self.client_id}"


class TokenRefresher:
    """Keeps one access token fresh for every request of a process, and of other processes
    sharing the token store: refreshes are serialised by an in-process lock and the store's
    file lock, and the store is re-read under the lock before a refresh token is spent."""

    def __init__(
        self,
        client: OAuthClient,
        *,
        http: HttpClient,
        store: TokenStore,
        redactor: Redactor,
        seed_refresh_token: str | None = None,
        refresh_hint: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self._http = http
        self._store = store
        self._redactor = redactor
        self._seed = seed_refresh_token
        self._hint = refresh_hint
        self._clock = clock
        self._current: TokenSet | None = None
        self._lock = anyio.Lock()
        redactor.add(client.client_secret)
        redactor.add(seed_refresh_token)

    def __repr__(self) -> str:
        return f"TokenRefresher({self.client!r}, store={self._store!r})"

    @property
    def granted_scopes(self) -> frozenset[str] | None:
        """The scopes of the access token in use (None before the first request)."""
        current = self._current
        return None if current is None else frozenset(current.scope.split())

    @property
    def cloud_id(self) -> str | None:
        """The Cloud site chosen at ``confsync login`` (None before the first request, or for
        tokens that came from a seed refresh token alone)."""
        current = self._current
        return None if current is None else current.cloud_id

    def _fresh(self, tokens: TokenSet | None) -> bool:
        return tokens is not None and tokens.expires_at - _REFRESH_SKEW > self._clock()

    async def access_token(self) -> str:
        current = self._current
        if current is not None and self._fresh(current):
            return current.access_token
        return await self.refresh(stale=current.access_token if current else None)

    async def refresh(self, *, stale: str | None) -> str:
        """A new access token, unless someone replaced ``stale`` meanwhile (then theirs)."""
        async with self._lock:
            current = self._current
            if current is not None and current.access_token != stale and self._fresh(current):
                return current.access_token
            async with self._store.locked():
                stored = self._store.read(self.client.key())
                if stored is not None:
                    self._redactor.add(stored.access_token)
                    self._redactor.add(stored.refresh_token)
                    if stored.access_token != stale and self._fresh(stored):
                        self._current = stored
                        return stored.access_token
                candidates = [t for t in (stored and stored.refresh_token, self._seed) if t]
                refusals: list[str] = []
                for refresh_token in dict.fromkeys(candidates):
                    spent = await self._spend(refresh_token, refusals)
                    if spent is None:
                        continue
                    tokens = spent.carrying(stored)
                    # Persist first: the old refresh token is spent from this moment on.
                    self._store.write(self.client.key(), tokens)
                    self._current = tokens
                    return tokens.access_token
        reason = f" ({'; '.join(refusals)})" if refusals else ""
        raise AuthError(
            f"No usable OAuth refresh token for client {self.client.client_id}{reason}. "
            f"Sign in again with `confsync login`{self._hint}."
        )

    async def _spend(self, refresh_token: str, refusals: list[str]) -> TokenSet | None:
        fields = {
            "grant_type": "refresh_token",
            "client_id": self.client.client_id,
            "client_secret": self.client.client_secret,
            "refresh_token": refresh_token,
        }
        sent: dict[str, Any] = {"json": fields} if self.client.style == "json" else {"data": fields}
        response = await self._http.request(
            "POST",
            self.client.token_url,
            call=Call("refresh the OAuth access token"),
            accept=frozenset({400, 401, 403}),
            **sent,
        )
        if response.status_code >= 400:
            refusals.append(self._redactor.text(_oauth_error(response)))
            return None
        return token_set(response, self._redactor, self._clock, previous=refresh_token)


def token_set(
    response: httpx.Response,
    redactor: Redactor,
    clock: Callable[[], float],
    *,
    previous: str | None = None,
) -> TokenSet:
    """The tokens of a token endpoint answer, registered with the redactor."""
    try:
        body = response.json()
        access = body["access_token"]
        if not isinstance(access, str):
            raise TypeError("access_token")
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthError(
            f"The OAuth token endpoint answered without an access token ({response.status_code})."
        ) from exc
    refresh = body.get("refresh_token")
    redactor.add(access)
    redactor.add(refresh if isinstance(refresh, str) else None)
    return TokenSet(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else previous,
        expires_at=clock() + float(body.get("expires_in", 3600)),
        scope=str(body.get("scope", "")),
    )


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"token endpoint answered {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        described = body.get("error_description")
        detail = f": {described}" if isinstance(described, str) else ""
        return f"{body['error']}{detail}"
    return confluence_message(response) or f"token endpoint answered {response.status_code}"


class OAuthAuth(CredentialsAuth):
    """Bearer access tokens from a ``TokenRefresher``; one refresh and retry on a 401."""

    requires_request_body = True  # the request may be sent twice

    def __init__(self, refresher: TokenRefresher, *, description: str, remedy: str) -> None:
        super().__init__(description=description, remedy=remedy)
        self.refresher = refresher

    def scope_advice(self, scope: str | None) -> str:
        # The exact command: what this sign-in was granted, plus the one that is missing.
        granted = set(self.refresher.granted_scopes or ())
        wanted = " ".join(sorted(granted | ({scope} if scope else set())))
        named = scope or "the missing scope"
        return (
            f"Make sure the app has {named} (Atlassian developer console > the app > "
            f'Permissions), then sign in again with: confsync login --scopes "{wanted}"'
        )

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.refresher.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        if b"scope does not match" in response.content:
            return  # a refresh cannot add a scope: let errormap say which one is missing
        token = await self.refresher.refresh(stale=token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
