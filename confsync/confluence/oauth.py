"""OAuth 2.0 sign-in flows and Cloud site discovery.

- ``authorization_url`` and ``exchange_code``: the interactive authorization-code flow, for a
  ``confsync login`` command: Cloud 3LO at ``https://auth.atlassian.com/authorize``
  (https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/) and the Data Center
  OAuth 2.0 provider at ``{base}/rest/oauth2/latest/authorize`` with PKCE (its endpoints and
  scopes as docs/confluence-api.md "Sign-in methods" records them; token lifetime unverified).
- ``cloud_id_from_resources`` / ``cloud_id_from_tenant_info``: the cloudId that addresses a site
  through the ``api.atlassian.com`` gateway.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlencode, urlsplit

from confsync.confluence.auth import OAuthClient, token_set
from confsync.confluence.errormap import Call
from confsync.confluence.http import HttpClient
from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.errors import AuthError, ConfluenceError

__all__ = [
    "CLASSIC_SCOPES",
    "CLOUD_SCOPES",
    "DC_SCOPES",
    "DELETE_SCOPE",
    "Pkce",
    "authorization_url",
    "cloud_id_from_resources",
    "cloud_id_from_tenant_info",
    "exchange_code",
    "login_scopes",
]

CLOUD_SCOPES = (
    "read:space:confluence",
    "read:page:confluence",
    "write:page:confluence",
    "read:attachment:confluence",
    "write:attachment:confluence",
    "read:content-details:confluence",
    "read:hierarchical-content:confluence",
    "read:label:confluence",
    "write:label:confluence",
    "offline_access",
)
"""Granular scopes confsync needs (see docs/confluence-api.md "OAuth scopes"); add
``delete:page:confluence`` to let it delete pages (prune). The apply lock is a content
property of each space's homepage, written with the page scopes (a space without homepage
would need ``write:space:confluence`` too); the label scopes are for the labels of each page
(v1 label writes)."""

DC_SCOPES = ("WRITE",)

DELETE_SCOPE = "delete:page:confluence"

CLASSIC_SCOPES = (
    "read:confluence-user",
    "read:confluence-space.summary",
    "read:confluence-content.summary",
    "write:confluence-content",
    "write:confluence-file",
    "search:confluence",
    "read:confluence-props",
    "write:confluence-props",
    "offline_access",
)
"""The classic scopes that cover what confsync does (``write:confluence-content`` includes
deleting), for an app configured with classic scopes: ``confsync login --scopes "..."``."""


def login_scopes(*, cloud: bool, prune: bool, override: str | None = None) -> tuple[str, ...]:
    """The scopes ``confsync login`` asks for.

    ``override`` (``--scopes``, separated by spaces or commas) replaces the default: the granular
    ``CLOUD_SCOPES``, plus ``delete:page:confluence`` when a team prunes, on Cloud; ``WRITE`` on
    Data Center. On Cloud ``offline_access`` is always asked for: without it no refresh token
    comes back, and confsync could not sign in again an hour later.
    """
    if override is not None:
        chosen = tuple(dict.fromkeys(override.replace(",", " ").split()))
        if not chosen:
            raise AuthError("--scopes names no scope; give them separated by spaces")
    elif cloud:
        chosen = (*CLOUD_SCOPES, DELETE_SCOPE) if prune else CLOUD_SCOPES
    else:
        chosen = DC_SCOPES
    if cloud and "offline_access" not in chosen:
        chosen = (*chosen, "offline_access")
    return chosen


class Pkce:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""

    def __init__(self, verifier: str | None = None) -> None:
        self.verifier = verifier or secrets.token_urlsafe(48)
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        self.challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def __repr__(self) -> str:
        return "Pkce(...)"


def authorization_url(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Iterable[str],
    state: str,
    pkce: Pkce | None = None,
    cloud: bool = True,
) -> str:
    """Where to send the user's browser to grant access."""
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "state": state,
    }
    if cloud:
        params |= {"audience": "api.atlassian.com", "prompt": "consent"}
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    return f"{authorize_url}?{urlencode(params)}"


async def exchange_code(
    http: HttpClient,
    client: OAuthClient,
    *,
    code: str,
    redirect_uri: str,
    store: TokenStore,
    pkce: Pkce | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """Trade an authorization code for tokens and persist them in the store."""
    http.redactor.add(code)
    fields = {
        "grant_type": "authorization_code",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
    }
    if pkce is not None:
        fields["code_verifier"] = pkce.verifier
    sent = {"json": fields} if client.style == "json" else {"data": fields}
    response = await http.request(
        "POST",
        client.token_url,
        call=Call("exchange the authorization code for tokens"),
        accept=frozenset({400, 401, 403}),
        **sent,
    )
    if response.status_code >= 400:
        raise AuthError(
            f"The OAuth token endpoint refused the authorization code ({response.status_code}). "
            "Codes are single-use and expire within minutes: run `confsync login` again, and "
            "check the client id, client secret and redirect URI of the app."
        )
    tokens = token_set(response, http.redactor, clock)
    async with store.locked():
        store.write(client.key(), tokens)
    return tokens


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def cloud_id_from_resources(http: HttpClient, api_url: str, site_url: str) -> str:
    """The cloudId of ``site_url`` among the sites the OAuth token may access."""
    resources = await http.get_json(
        f"{api_url.rstrip('/')}/oauth/token/accessible-resources",
        call=Call("list the sites the OAuth token may access"),
    )
    wanted = _origin(site_url)
    seen: list[str] = []
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("url"), str):
            seen.append(resource["url"])
            if _origin(resource["url"]) == wanted and isinstance(resource.get("id"), str):
                return str(resource["id"])
    listed = ", ".join(seen) or "none"
    raise AuthError(
        f"The OAuth grant does not cover {wanted} (it covers: {listed}). Sign in again with "
        "`confsync login` and choose that site, or correct confluence.url."
    )


async def cloud_id_from_tenant_info(http: HttpClient, site_url: str) -> str:
    """The cloudId from the site's public ``/_edge/tenant_info``."""
    info = await http.get_json(
        f"{_origin(site_url)}/_edge/tenant_info", call=Call("look up the site's cloudId")
    )
    if isinstance(info, dict) and isinstance(info.get("cloudId"), str):
        return str(info["cloudId"])
    raise ConfluenceError(
        f"{_origin(site_url)}/_edge/tenant_info gave no cloudId: is confluence.url a Confluence "
        "Cloud site (https://SITE.atlassian.net/wiki)? You may also set the cloud id explicitly."
    )
