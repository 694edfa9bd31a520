"""Sandbox sites for the contract suite: one in-process sandbox per test, reached through a
``ValidatingTransport`` (every request and answer checked against Atlassian's OpenAPI files),
signed in with any of the six ways confsync supports.

OAuth methods sign in first through the sandbox's authorize endpoint and confsync's own
``exchange_code``, as ``confsync login`` will, so the token store holds a refresh token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette

from confsync.confluence import make_backend
from confsync.confluence.api import Confluence
from confsync.confluence.auth import HeaderAuth, OAuthClient
from confsync.confluence.http import HttpClient, RetryPolicy, build_async_client
from confsync.confluence.oauth import CLOUD_SCOPES, Pkce, authorization_url, exchange_code
from confsync.confluence.redact import Redactor
from confsync.confluence.tokens import TokenStore
from confsync.connection import ConfluenceSettings
from confsync.sandbox import create_app
from confsync.sandbox.faults import Faults
from confsync.sandbox.state import Sandbox
from tests.support.openapi import ContractChecker, ValidatingTransport

ORIGIN = "http://sandbox.local"
METHODS = ("api-token", "scoped-token", "oauth2", "pat", "basic", "app-link")
CLOUD_METHODS = frozenset({"api-token", "scoped-token", "oauth2"})
REDIRECT = "http://localhost:8765/callback"

# The sandbox's built-in credentials, handed to confsync through environment variables.
SANDBOX_ENV = {
    "CONFLUENCE_EMAIL": "admin@example.com",
    "CONFLUENCE_API_TOKEN": "sandbox-token",
    "CONFLUENCE_SCOPED_API_TOKEN": "sandbox-scoped-token",
    "CONFLUENCE_PAT": "sandbox-pat",
    "CONFLUENCE_USER": "admin",
    "CONFLUENCE_PASSWORD": "admin",
    "CONFLUENCE_CLIENT_SECRET": "sandbox-secret",
}
ALL_CLOUD_SCOPES = (*CLOUD_SCOPES, "delete:page:confluence")


@dataclass
class Clock:
    """Epoch seconds that tests move forward, shared by the sandbox and the client."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Site:
    method: str
    app: Starlette
    transport: ValidatingTransport
    settings: ConfluenceSettings
    tmp: Path
    clock: Clock
    policy: RetryPolicy
    opened: list[Confluence] = field(default_factory=list)

    @property
    def edition(self) -> str:
        return self.settings.edition

    @property
    def sandbox(self) -> Sandbox:
        state: Sandbox = self.app.state.sandbox
        return state

    @property
    def faults(self) -> Faults:
        return self.sandbox.faults

    def open(self, **env: str) -> Confluence:
        """A new client, as a new process would make it (sharing only the token store)."""
        backend = make_backend(
            self.settings,
            config_dir=self.tmp,
            environ={**SANDBOX_ENV, **env},
            transport=self.transport,
            policy=self.policy,
            clock=self.clock,
        )
        self.opened.append(backend)
        return backend

    def requests(self, method: str | None = None, contains: str = "") -> list[Any]:
        return [
            r
            for r in self.sandbox.request_log.records()
            if (method is None or r.method == method) and contains in r.path
        ]

    async def close(self) -> None:
        for backend in self.opened:
            await backend.aclose()


def settings_for(method: str, tmp: Path) -> ConfluenceSettings:
    store = str(tmp / "tokens.json")
    methods: dict[str, dict[str, Any]] = {
        "api-token": {
            "method": "api-token",
            "email": "${CONFLUENCE_EMAIL}",
            "token": "${CONFLUENCE_API_TOKEN}",
        },
        "scoped-token": {
            "method": "api-token",
            "email": "${CONFLUENCE_EMAIL}",
            "token": "${CONFLUENCE_SCOPED_API_TOKEN}",
            "scoped": True,
            "api_url": ORIGIN,
        },
        "oauth2": {
            "method": "oauth2",
            "client_id": "sandbox-client",
            "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
            "token_store": store,
            "auth_url": ORIGIN,
            "api_url": ORIGIN,
        },
        "pat": {"method": "pat", "token": "${CONFLUENCE_PAT}"},
        "basic": {
            "method": "basic",
            "username": "${CONFLUENCE_USER}",
            "password": "${CONFLUENCE_PASSWORD}",
        },
        "app-link": {
            "method": "app-link",
            "client_id": "sandbox-client",
            "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
            "token_store": store,
        },
    }
    auth = methods[method]
    cloud = method in CLOUD_METHODS
    return ConfluenceSettings.model_validate(
        {
            "edition": "cloud" if cloud else "datacenter",
            "url": f"{ORIGIN}/wiki" if cloud else f"{ORIGIN}/confluence",
            "auth": auth,
        }
    )


async def sign_in(site: Site, scopes: tuple[str, ...] | None = None) -> None:
    """The interactive authorization-code flow against the sandbox (it approves at once)."""
    cloud = site.edition == "cloud"
    redactor = Redactor()
    token_url = (
        f"{ORIGIN}/oauth/token" if cloud else f"{ORIGIN}/confluence/rest/oauth2/latest/token"
    )
    authorize = (
        f"{ORIGIN}/authorize" if cloud else f"{ORIGIN}/confluence/rest/oauth2/latest/authorize"
    )
    client = OAuthClient(token_url, "sandbox-client", "sandbox-secret", "json" if cloud else "form")
    pkce = None if cloud else Pkce()
    state = secrets.token_urlsafe(8)
    url = authorization_url(
        authorize,
        client_id=client.client_id,
        redirect_uri=REDIRECT,
        scopes=scopes or (ALL_CLOUD_SCOPES if cloud else ("WRITE",)),
        state=state,
        pkce=pkce,
        cloud=cloud,
    )
    identity = HeaderAuth("", description="the sandbox OAuth client", remedy="")
    http = HttpClient(
        build_async_client(auth=None, timeout=5, concurrency=2, transport=site.transport),
        base=ORIGIN,
        identity=identity,
        redactor=redactor,
        policy=site.policy,
    )
    async with httpx.AsyncClient(transport=site.transport) as browser:
        redirect = await browser.get(url)
    assert redirect.status_code == 302, redirect.text
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert query["state"] == [state]
    await exchange_code(
        http,
        client,
        code=query["code"][0],
        redirect_uri=REDIRECT,
        store=TokenStore(site.tmp / "tokens.json"),
        pkce=pkce,
        clock=site.clock,
    )
    await http.aclose()


async def open_site(
    method: str,
    tmp: Path,
    checker: ContractChecker,
    policy: RetryPolicy,
    *,
    faults: Faults | None = None,
    clock: Clock | None = None,
) -> Site:
    clock = clock or Clock()
    cloud = method in CLOUD_METHODS
    app = create_app(edition="cloud" if cloud else "datacenter", clock=clock, faults=faults)
    transport = ValidatingTransport(httpx.ASGITransport(app=app), checker)
    site = Site(method, app, transport, settings_for(method, tmp), tmp, clock, policy)
    if method in {"oauth2", "app-link"}:
        await sign_in(site)
    return site
