"""Who is calling, and may they call this endpoint?

Cloud: basic ``email:api-token`` on the site paths (``/wiki/...``); on the OAuth gateway
(``/ex/confluence/{cloudId}/wiki/...``) a 3LO bearer token whose granular or classic scopes
cover the endpoint (else 401 "Unauthorized; scope does not match"), or a basic scoped API token
(its scopes checked the same way). As on Atlassian's, a bearer token or a scoped API token sent
to the site URL gets 401, and so does a plain API token sent to the gateway.
Data Center: basic ``user:password``, a bearer personal access token, or a bearer token from
the OAuth 2.0 provider (scope READ for reads, WRITE for writes).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from confsync.sandbox.model import User
from confsync.sandbox.state import Sandbox
from confsync.sandbox.tokens import Tokens

__all__ = ["AuthError", "Principal", "Scopes", "authenticate", "effective_scopes", "scopes"]

# Alternatives: the caller's scopes must include every scope of at least one of them.
Scopes = tuple[frozenset[str], ...]

_DC_READ = frozenset({"READ", "WRITE", "ADMIN", "SYSTEM_ADMIN"})
_DC_WRITE = frozenset({"WRITE", "ADMIN", "SYSTEM_ADMIN"})


def scopes(*alternatives: str) -> Scopes:
    """``scopes("read:page:confluence", "a b")``: each string is one space-separated set."""
    return tuple(frozenset(a.split()) for a in alternatives)


@dataclass(frozen=True)
class Principal:
    user: User
    method: Literal["basic", "pat", "oauth"]
    gateway: bool


class AuthError(Exception):
    """A refusal before the endpoint runs; on the gateway it answers in the gateway's shape."""

    def __init__(self, status: int, message: str, *, gateway: bool, realm: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.gateway = gateway
        self.headers = {"WWW-Authenticate": realm} if realm else {}


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme not in {"basic", "bearer"} or not value.strip():
        return None
    return scheme, value.strip()


def _basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, sep, secret = decoded.partition(":")
    return (login, secret) if sep else None


def is_gateway(request: Request) -> bool:
    return request.url.path.startswith("/ex/confluence/")


def authenticate(sandbox: Sandbox, request: Request, required: Scopes) -> Principal:
    """The caller, or AuthError (401) with the answer Atlassian gives."""
    credentials = _credentials(request)
    if sandbox.cloud:
        return _cloud(sandbox, request, credentials, required)
    return _datacenter(sandbox, request, credentials)


def _cloud(
    sandbox: Sandbox, request: Request, credentials: tuple[str, str] | None, required: Scopes
) -> Principal:
    gateway = is_gateway(request)
    if credentials is None:
        raise AuthError(401, "Unauthorized", gateway=gateway)
    scheme, value = credentials
    if scheme == "basic":
        pair = _basic(value)
        if pair is not None and gateway:
            # The gateway takes scoped API tokens only; a plain API token is refused there,
            # and a scoped one on the site URL (it is in no user's api_token).
            scoped = sandbox.store.check_scoped_token(*pair)
            if scoped is None:
                raise AuthError(401, "Unauthorized", gateway=True)
            _check_scopes(required, scoped[1])
            return Principal(scoped[0], "basic", True)
        user = sandbox.store.check_secret("email", *pair) if pair else None
        if user is None:
            raise AuthError(401, "Unauthorized", gateway=gateway)
        return Principal(user, "basic", gateway)
    if not gateway:
        # A 3LO token is only good on api.atlassian.com, never on the site URL.
        raise AuthError(401, "Unauthorized", gateway=False)
    grant = Tokens(sandbox.store).grant(value)
    if grant is None or grant.flavor != "cloud":
        raise AuthError(401, "Unauthorized", gateway=True)
    _check_scopes(required, grant.scopes)
    user = sandbox.store.user_by("account_id", grant.account_id)
    if user is None:
        raise AuthError(401, "Unauthorized", gateway=True)
    return Principal(user, "oauth", True)


# What a classic scope grants in granular terms, for the endpoints whose spec lists granular
# scopes only (v2). Atlassian recommends classic scopes for 3LO apps and scoped tokens; whether
# v2 honours them is unverified (docs/confluence-api.md "OAuth scopes"): the sandbox does, each
# classic scope standing for the granular ones of the same operations.
_CLASSIC = {
    "read:confluence-space.summary": {"read:space:confluence"},
    "read:confluence-content.summary": {
        "read:page:confluence",
        "read:hierarchical-content:confluence",
        "read:attachment:confluence",
    },
    "read:confluence-content.all": {
        "read:page:confluence",
        "read:hierarchical-content:confluence",
        "read:attachment:confluence",
    },
    "write:confluence-content": {"write:page:confluence", "delete:page:confluence"},
    "write:confluence-file": {"write:attachment:confluence"},
    "write:confluence-props": {"write:space:confluence"},
    "write:confluence-space": {"write:space:confluence"},
}


def effective_scopes(granted: frozenset[str]) -> frozenset[str]:
    """``granted`` with the granular scopes its classic ones stand for."""
    implied = (g for scope in granted for g in _CLASSIC.get(scope, ()))
    return granted | frozenset(implied)


def _check_scopes(required: Scopes, granted: frozenset[str]) -> None:
    effective = effective_scopes(granted)
    if required and not any(option <= effective for option in required):
        raise AuthError(401, "Unauthorized; scope does not match", gateway=True)


def _datacenter(
    sandbox: Sandbox, request: Request, credentials: tuple[str, str] | None
) -> Principal:
    realm = 'Basic realm="Confluence"'
    if credentials is None:
        raise AuthError(401, "Authentication required", gateway=False, realm=realm)
    scheme, value = credentials
    if scheme == "basic":
        pair = _basic(value)
        user = sandbox.store.check_secret("username", *pair) if pair else None
        if user is None:
            raise AuthError(401, "Authentication failed", gateway=False, realm=realm)
        return Principal(user, "basic", False)
    user = sandbox.store.user_by("pat", value)
    if user is not None:
        return Principal(user, "pat", False)
    grant = Tokens(sandbox.store).grant(value)
    if grant is None or grant.flavor != "dc":
        raise AuthError(
            401, "Authentication failed", gateway=False, realm='Bearer realm="Confluence"'
        )
    needed = _DC_READ if request.method in {"GET", "HEAD"} else _DC_WRITE
    if not grant.scopes & needed:
        raise AuthError(401, "The token's scope does not allow this request", gateway=False)
    owner = sandbox.store.user_by("account_id", grant.account_id)
    if owner is None:
        raise AuthError(401, "Authentication failed", gateway=False)
    return Principal(owner, "oauth", False)
