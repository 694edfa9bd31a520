"""OAuth 2.0 endpoints: Cloud 3LO and Data Center's provider, both auto-approving.

Cloud: ``GET /authorize`` (auth.atlassian.com) redirects straight back to ``redirect_uri`` with
a code for the seeded admin, ``POST /oauth/token`` takes a JSON (or form) body with the
``authorization_code`` or ``refresh_token`` grant, ``GET /oauth/token/accessible-resources``
lists the one site, and ``GET /_edge/tenant_info`` tells the cloudId without auth.
Data Center: ``{base}/rest/oauth2/latest/authorize`` and ``.../token`` (form-encoded, PKCE).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.defaults import (
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
    SITE_NAME,
)
from confsync.sandbox.state import Sandbox
from confsync.sandbox.tokens import OAuthError, Tokens

__all__ = ["cloud_routes", "datacenter_routes"]

_CLIENTS = {DEFAULT_OAUTH_CLIENT_ID: DEFAULT_OAUTH_CLIENT_SECRET}


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _oauth_error(error: OAuthError, *, cloud: bool) -> JSONResponse:
    # Atlassian's auth server answers a bad or reused refresh token with 403; RFC 6749 says 400.
    status = 403 if cloud and error.error == "invalid_grant" else 400
    if error.error == "invalid_client":
        status = 401
    return JSONResponse({"error": error.error, "error_description": error.description}, status)


async def _params(request: Request) -> dict[str, str]:
    """Token request parameters from a JSON or a form-encoded body."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise OAuthError("invalid_request", "The body is not JSON") from None
        if not isinstance(body, dict):
            raise OAuthError("invalid_request", "The body must be a JSON object")
        return {k: str(v) for k, v in body.items()}
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


def _authorize(request: Request, flavor: str) -> Response:
    q = request.query_params
    client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
    if client_id not in _CLIENTS or not redirect_uri:
        return JSONResponse(
            {
                "error": "invalid_request",
                "error_description": "Unknown client_id or no redirect_uri",
            },
            400,
        )
    if q.get("response_type", "code") != "code":
        return JSONResponse({"error": "unsupported_response_type"}, 400)
    scope = q.get("scope", "READ" if flavor == "dc" else "")
    sandbox = _sandbox(request)
    code = Tokens(sandbox.store).issue_code(
        flavor,
        client_id,
        sandbox.store.admin.account_id,
        redirect_uri,
        scope,
        q.get("code_challenge"),
        q.get("code_challenge_method"),
    )
    params = {"code": code}
    if "state" in q:
        params["state"] = q["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


async def _token(request: Request, flavor: str) -> Response:
    cloud = flavor == "cloud"
    tokens = Tokens(_sandbox(request).store)
    try:
        params = await _params(request)
        client_id = params.get("client_id", "")
        secret = params.get("client_secret")
        if client_id not in _CLIENTS:
            raise OAuthError("invalid_client", "Unknown client")
        # A public Data Center client may use PKCE instead of its secret; Cloud needs the secret.
        if (cloud or secret is not None) and secret != _CLIENTS[client_id]:
            raise OAuthError("invalid_client", "Wrong client secret")
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            issued = tokens.redeem_code(
                flavor,
                client_id,
                params.get("code", ""),
                params.get("redirect_uri"),
                params.get("code_verifier"),
            )
        elif grant_type == "refresh_token":
            issued = tokens.refresh(flavor, client_id, params.get("refresh_token", ""))
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
    except OAuthError as exc:
        return _oauth_error(exc, cloud=cloud)
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "token_type": "Bearer",
        "scope": issued.scope,
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def cloud_authorize(request: Request) -> Response:
    return _authorize(request, "cloud")


async def cloud_token(request: Request) -> Response:
    return await _token(request, "cloud")


async def accessible_resources(request: Request) -> Response:
    sandbox = _sandbox(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    grant = Tokens(sandbox.store).grant(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None or grant.flavor != "cloud":
        return JSONResponse({"code": 401, "message": "Unauthorized"}, 401)
    origin = str(request.base_url).rstrip("/")
    return JSONResponse(
        [
            {
                "id": sandbox.cloud_id,
                "name": SITE_NAME,
                "url": origin,
                "scopes": sorted(grant.scopes),
                "avatarUrl": f"{origin}/_sandbox/avatar.png",
            }
        ]
    )


async def tenant_info(request: Request) -> Response:
    return JSONResponse({"cloudId": _sandbox(request).cloud_id})


async def dc_authorize(request: Request) -> Response:
    return _authorize(request, "dc")


async def dc_token(request: Request) -> Response:
    return await _token(request, "dc")


def cloud_routes() -> list[BaseRoute]:
    return [
        Route("/authorize", cloud_authorize, methods=["GET"]),
        Route("/oauth/token", cloud_token, methods=["POST"]),
        Route("/oauth/token/accessible-resources", accessible_resources, methods=["GET"]),
        Route("/_edge/tenant_info", tenant_info, methods=["GET"]),
    ]


def datacenter_routes(prefix: str) -> list[BaseRoute]:
    return [
        Route(f"{prefix}/rest/oauth2/latest/authorize", dc_authorize, methods=["GET"]),
        Route(f"{prefix}/rest/oauth2/latest/token", dc_token, methods=["POST"]),
    ]
