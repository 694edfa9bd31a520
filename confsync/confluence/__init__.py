"""The Confluence client layer; ``make_backend`` is the one place that chooses the backend
(Cloud or Data Center), the sign-in method, and the transport (the network, or the in-process
sandbox).

    async with make_backend(config.confluence, config_dir=repo) as confluence:
        space = await confluence.space("DEMO")

The backend satisfies ``confsync.confluence.api.Confluence``; it is an async context manager
(or call ``aclose()``). Nothing is sent until the first call: a Cloud gateway base URL, which
needs the site's cloudId, is resolved on first use. ``start_login`` runs the interactive OAuth
sign-in (for ``confsync login``) that fills the token store the OAuth methods read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import httpx

from confsync.confluence.api import MARK_KEY, Confluence
from confsync.confluence.auth import (
    CredentialsAuth,
    HeaderAuth,
    OAuthAuth,
    TokenRefresher,
)
from confsync.confluence.cloud import CloudBackend
from confsync.confluence.credentials import (
    header_auth,
    oauth_client,
    oauth_remedy,
    refresh_hint,
    seed_token,
    token_store,
)
from confsync.confluence.datacenter import DataCenterBackend
from confsync.confluence.http import HttpClient, RetryPolicy, build_async_client, require_secure_url
from confsync.confluence.login import Login, start_login
from confsync.confluence.oauth import cloud_id_from_resources, cloud_id_from_tenant_info
from confsync.confluence.redact import Redactor
from confsync.connection import ApiTokenAuth, AppLinkAuth, BasicAuth, ConfluenceSettings, PatAuth
from confsync.errors import ConfsyncError
from confsync.paths import Refused, sandbox_file

__all__ = [
    "MARK_KEY",
    "SANDBOX_ORIGIN",
    "Confluence",
    "Login",
    "RetryPolicy",
    "make_backend",
    "start_login",
]

SANDBOX_ORIGIN = "http://sandbox.local"
SANDBOX_SERVE_ORIGIN = "http://127.0.0.1:8090"
SANDBOX_CONTEXT = {"cloud": "/wiki", "datacenter": "/confluence"}


def make_backend(
    settings: ConfluenceSettings,
    *,
    config_dir: Path,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: RetryPolicy | None = None,
    sandbox_spaces: Sequence[str] = ("DEMO",),
    clock: Callable[[], float] = time.time,
    wrap_transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> Confluence:
    """The backend for ``settings``.

    ``transport`` replaces the network (tests: a ``ValidatingTransport`` around the sandbox, or
    respx); ``policy`` the retry policy (tests: a sleep that does not sleep). For ``sandbox``
    settings the in-process sandbox app is built on the SQLite file (relative to
    ``config_dir``) and ``sandbox_spaces`` are the spaces it creates when new. ``clock`` (epoch
    seconds) is what OAuth token expiry is judged by (tests: a movable clock).
    ``wrap_transport`` wraps the transport of the embedded sandbox (tests: a
    ``ValidatingTransport``).
    """
    env = os.environ if environ is None else environ
    redactor = Redactor()
    if settings.sandbox is not None:
        return _sandbox_backend(
            settings, config_dir, redactor, transport, policy, sandbox_spaces, wrap_transport
        )
    assert settings.url is not None
    assert settings.auth is not None
    url = settings.url.rstrip("/")
    require_secure_url(url, in_process=transport is not None)
    auth = settings.auth

    def client(auth_: httpx.Auth | None) -> httpx.AsyncClient:
        return build_async_client(
            auth=auth_,
            timeout=settings.timeout,
            concurrency=settings.concurrency,
            ca_bundle=settings.ca_bundle,
            transport=transport,
        )

    def http(auth_: CredentialsAuth, base: str | Callable[[], Awaitable[str]]) -> HttpClient:
        return HttpClient(
            client(auth_),
            base=base,
            identity=auth_,
            redactor=redactor,
            policy=policy,
            concurrency=settings.concurrency,
        )

    if isinstance(auth, ApiTokenAuth | BasicAuth | PatAuth):
        header = header_auth(auth, env, redactor)
        if isinstance(auth, ApiTokenAuth) and auth.scoped:
            # A scoped token works only through the gateway, addressed by the site's cloudId.
            site = http(header, url)

            async def scoped_base() -> str:
                found = await cloud_id_from_tenant_info(site, url)
                return _gateway_url(auth.api_url.rstrip("/"), found)

            return CloudBackend(http(header, scoped_base), site_url=url, closers=[site.aclose])
        if settings.edition == "cloud":
            return CloudBackend(http(header, url), site_url=url)
        return DataCenterBackend(http(header, url), site_url=url)

    seed = seed_token(auth, env)
    oauth = oauth_client(auth, url, env, redactor)
    remedy = oauth_remedy(auth)
    token_http = HttpClient(
        client(None),
        base=url,
        identity=HeaderAuth("", description=f"the OAuth client {auth.client_id}", remedy=remedy),
        redactor=redactor,
        policy=policy,
        concurrency=settings.concurrency,
    )
    refresher = TokenRefresher(
        oauth,
        http=token_http,
        store=token_store(auth, config_dir),
        redactor=redactor,
        seed_refresh_token=seed,
        refresh_hint=refresh_hint(auth),
        clock=clock,
    )
    bearer = OAuthAuth(
        refresher, description=f"the OAuth access token of app {auth.client_id}", remedy=remedy
    )
    if isinstance(auth, AppLinkAuth):
        return DataCenterBackend(http(bearer, url), site_url=url, closers=[token_http.aclose])
    api_url = auth.api_url.rstrip("/")
    cloud_id = auth.cloud_id

    async def gateway_base() -> str:
        # The site chosen at login, kept in the token store, unless the config names one.
        await refresher.access_token()
        found = cloud_id or refresher.cloud_id
        found = found or await cloud_id_from_resources(main, api_url, url)
        return _gateway_url(api_url, found)

    main = http(bearer, gateway_base)
    return CloudBackend(main, site_url=url, closers=[token_http.aclose])


def _gateway_url(api_url: str, cloud_id: str) -> str:
    return f"{api_url}/ex/confluence/{cloud_id}/wiki"


def _sandbox_path(config_dir: Path, value: str) -> Path:
    """The sandbox's SQLite file, its folder created; ConfsyncError (not a traceback from
    SQLite at the first request) when it is no SQLite file or lies outside the repo."""
    try:
        db = sandbox_file(config_dir, value)
        db.parent.mkdir(parents=True, exist_ok=True)
    except Refused as exc:
        raise ConfsyncError(f"confluence.sandbox: {value!r} {exc}") from exc
    except OSError as exc:
        raise ConfsyncError(
            f"confluence.sandbox: cannot create the folder of {value!r}: {exc.strerror}"
        ) from exc
    return db


def _sandbox_backend(
    settings: ConfluenceSettings,
    config_dir: Path,
    redactor: Redactor,
    transport: httpx.AsyncBaseTransport | None,
    policy: RetryPolicy | None,
    spaces: Sequence[str],
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None,
) -> Confluence:
    assert settings.sandbox is not None
    if transport is None:
        # Imported here: only make_backend (and the sandbox CLI commands) may load the sandbox.
        from confsync.sandbox import create_app

        db = _sandbox_path(config_dir, settings.sandbox)
        app = create_app(str(db), edition=settings.edition, spaces=tuple(spaces))
        transport = httpx.ASGITransport(app=app)
    if wrap is not None:
        transport = wrap(transport)
    url = SANDBOX_ORIGIN + SANDBOX_CONTEXT[settings.edition]
    # The sandbox's built-in accounts: no environment needed. Imported here, like create_app:
    # only make_backend (and the sandbox CLI commands) may load the sandbox.
    from confsync.sandbox import defaults

    if settings.edition == "cloud":
        user, secret = defaults.DEFAULT_CLOUD_EMAIL, defaults.DEFAULT_API_TOKEN
    else:
        user, secret = defaults.DEFAULT_DC_USER, defaults.DEFAULT_DC_PASSWORD
    header = HeaderAuth.basic(
        user,
        secret,
        redactor=redactor,
        description=f"the sandbox account {user}",
        remedy="The sandbox accepts its built-in account; recreate the sandbox file if it fails.",
    )
    http = HttpClient(
        build_async_client(
            auth=header,
            timeout=settings.timeout,
            concurrency=settings.concurrency,
            transport=transport,
        ),
        base=url,
        identity=header,
        redactor=redactor,
        policy=policy,
        concurrency=settings.concurrency,
    )
    # Links point where `confsync sandbox serve` answers by default, so they open once it runs.
    links = SANDBOX_SERVE_ORIGIN + SANDBOX_CONTEXT[settings.edition]
    if settings.edition == "cloud":
        return CloudBackend(http, site_url=links)
    return DataCenterBackend(http, site_url=links)
