"""What every API endpoint shares: authentication, error answers, query and body parsing.

An endpoint is an async function of a ``Call``; the ``endpoint`` decorator turns it into a
Starlette endpoint that authenticates, enforces the body size limit, answers 410 for
deprecated endpoints on the OAuth gateway, and maps ``SandboxError`` to the dialect's status
and error shape.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from confsync.sandbox.auth import AuthError, Principal, Scopes, authenticate
from confsync.sandbox.defaults import MAX_BODY_BYTES
from confsync.sandbox.model import ErrorKind, SandboxError, User
from confsync.sandbox.state import Sandbox

__all__ = ["ApiError", "Call", "Dialect", "endpoint", "error_response"]

Dialect = Literal["v2", "v1"]

_STATUS: dict[Dialect, dict[ErrorKind, int]] = {
    "v2": {
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.DUPLICATE_TITLE: 400,
        ErrorKind.STALE_VERSION: 409,
        ErrorKind.BAD_PARENT: 404,
        ErrorKind.INVALID: 400,
        ErrorKind.TOO_LARGE: 413,
        ErrorKind.FORBIDDEN: 403,
        ErrorKind.CONFLICT: 409,
        ErrorKind.NO_SPACE: 404,
    },
    "v1": {
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.DUPLICATE_TITLE: 400,
        ErrorKind.STALE_VERSION: 409,
        ErrorKind.BAD_PARENT: 404,
        ErrorKind.INVALID: 400,
        ErrorKind.TOO_LARGE: 413,
        ErrorKind.FORBIDDEN: 403,
        # v1 create answers 403 for a missing space (or one the caller may not see).
        ErrorKind.NO_SPACE: 403,
        ErrorKind.CONFLICT: 409,
    },
}

_V2_CODES = {
    400: "INVALID_REQUEST_PARAMETER",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    410: "GONE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class ApiError(Exception):
    """A refusal with an explicit status (bad query parameter, missing header, gone...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(
    dialect: Dialect,
    status: int,
    message: str,
    *,
    datacenter: bool = False,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Cloud v2: ``{"errors": [...]}``; v1 (Cloud and Data Center): ``{"statusCode", ...}``."""
    body: dict[str, Any]
    if dialect == "v2":
        code = _V2_CODES.get(status, HTTPStatus(status).phrase.upper().replace(" ", "_"))
        body = {"errors": [{"status": status, "code": code, "title": message, "detail": None}]}
    else:
        body = {
            "statusCode": status,
            "data": {
                "authorized": status not in (401, 403),
                "valid": status != 400,
                # The DC spec types errors as an object; Cloud answers a list.
                "errors": {} if datacenter else [],
                "successful": False,
            },
            "message": message,
            "reason": HTTPStatus(status).phrase,
        }
    return JSONResponse(body, status_code=status, headers=headers)


@dataclass
class Call:
    request: Request
    sandbox: Sandbox
    principal: Principal
    dialect: Dialect

    @property
    def user(self) -> User:
        return self.principal.user

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def query_list(self, name: str) -> list[str]:
        """Every value of a repeated or comma-separated parameter."""
        return [p for raw in self.request.query_params.getlist(name) for p in raw.split(",") if p]

    def int_query(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self.query(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, f"Invalid value for parameter {name}: {raw}") from None
        if value < minimum:
            raise ApiError(400, f"Parameter {name} must be at least {minimum}")
        return value

    async def json_value(self) -> Any:
        """The JSON body; 415 for a body of another declared media type, as JAX-RS answers."""
        media = self.request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media and media != "application/json" and not media.endswith("+json"):
            raise ApiError(415, f"Unsupported Media Type: {media}")
        raw = await self.request.body()
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Could not parse the request body as JSON") from None

    async def json(self) -> dict[str, Any]:
        body = await self.json_value()
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return body

    @property
    def site_base(self) -> str:
        """``_links.base``: the site's wiki URL (Cloud) or the base URL with context path (DC)."""
        origin = str(self.request.base_url).rstrip("/")
        if self.sandbox.cloud:
            return f"{origin}/wiki"
        path = self.request.url.path
        return origin + path[: path.index("/rest/api/")] if "/rest/api/" in path else origin

    @property
    def context(self) -> str:
        path = self.request.url.path
        return path[: path.index("/rest/api/")] if "/rest/api/" in path else ""


Handler = Callable[[Call], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(
    dialect: Dialect,
    required: Scopes = (),
    *,
    gone_on_gateway: bool = False,
    limit_body: bool = False,
) -> Callable[[Handler], Endpoint]:
    def wrap(handler: Handler) -> Endpoint:
        async def run(request: Request) -> Response:
            sandbox: Sandbox = request.app.state.sandbox
            dc = not sandbox.cloud
            try:
                cloud_id = request.path_params.get("cloud_id")
                if cloud_id is not None and cloud_id != sandbox.cloud_id:
                    return JSONResponse({"code": 404, "message": "Site not found"}, 404)
                principal = authenticate(sandbox, request, required)
                if gone_on_gateway and principal.gateway:
                    raise ApiError(410, "This endpoint has been removed; use the v2 API")
                if limit_body and request.method in {"POST", "PUT"}:
                    declared = int(request.headers.get("content-length") or 0)
                    if declared > MAX_BODY_BYTES or len(await request.body()) > MAX_BODY_BYTES:
                        raise ApiError(413, "Request entity too large")
                return await handler(Call(request, sandbox, principal, dialect))
            except AuthError as exc:
                if exc.gateway:
                    body = {"code": exc.status, "message": exc.message}
                    return JSONResponse(body, exc.status, headers=exc.headers)
                return error_response(
                    dialect, exc.status, exc.message, datacenter=dc, headers=exc.headers
                )
            except ApiError as exc:
                return error_response(dialect, exc.status, exc.message, datacenter=dc)
            except SandboxError as exc:
                status = _STATUS[dialect][exc.kind]
                return error_response(dialect, status, exc.message, datacenter=dc)

        run.__name__ = handler.__name__
        return run

    return wrap
