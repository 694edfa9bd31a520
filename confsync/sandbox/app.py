"""Assembly: one Starlette app serving one edition, all its APIs on one origin.

Cloud: the site API under ``/wiki/api/v2`` and ``/wiki/rest/api``, the same handlers behind
the OAuth gateway prefix ``/ex/confluence/{cloudId}``, and the OAuth endpoints. Data Center:
``/rest/api`` both at the root and under the context path, and ``/rest/oauth2/latest``.
Everyone: the browse page at ``/`` and the admin API under ``/_sandbox``.

The database is opened and seeded here, not in a lifespan handler, because httpx's
ASGITransport sends no lifespan events.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from confsync.sandbox.admin import routes as admin_routes
from confsync.sandbox.api import error_response
from confsync.sandbox.browse import routes as browse_routes
from confsync.sandbox.browse import viewpage_routes
from confsync.sandbox.cloud_v2 import routes as v2_routes
from confsync.sandbox.cloud_v2_more import more_routes as more_v2_routes
from confsync.sandbox.cloud_v2_spaces import space_routes as v2_space_routes
from confsync.sandbox.defaults import DEFAULT_CLOUD_ID, DEFAULT_SPACE
from confsync.sandbox.faults import FaultMiddleware, Faults
from confsync.sandbox.oauth import cloud_routes, datacenter_routes
from confsync.sandbox.spec_catalog import find_operation
from confsync.sandbox.state import Edition, Sandbox
from confsync.sandbox.store import Clock, Store
from confsync.sandbox.v1 import download_routes
from confsync.sandbox.v1 import routes as v1_routes

__all__ = ["create_app"]


def create_app(
    db: str | Path = ":memory:",
    *,
    edition: Edition = "cloud",
    spaces: Sequence[str] = (DEFAULT_SPACE,),
    context_path: str = "/confluence",
    faults: Faults | None = None,
    latency_ms: float = 0.0,
    fail_rate: float = 0.0,
    seed: int | None = 0,
    clock: Clock = time.time,
    cloud_id: str = DEFAULT_CLOUD_ID,
) -> Starlette:
    """A sandbox app over ``db`` (a file path, or ``":memory:"``).

    ``spaces`` are created if missing (``DEMO`` by default). ``faults`` (or the shorthand
    ``latency_ms``/``fail_rate``/``seed``) sets fault injection; ``clock`` (epoch seconds) is
    what token expiry and rate-limit windows read, so tests can move time.
    """
    if edition not in ("cloud", "datacenter"):
        raise ValueError(f"edition must be cloud or datacenter, not {edition!r}")
    context_path = "/" + context_path.strip("/") if context_path.strip("/") else ""
    store = Store(db, clock=clock)
    store.ensure_spaces(list(dict.fromkeys([DEFAULT_SPACE, *spaces])), home_parent=True)
    if faults is None:
        faults = Faults(latency_ms=latency_ms, error_rate=fail_rate, seed=seed)
    sandbox = Sandbox(store, edition, cloud_id, context_path, faults)
    app = Starlette(
        routes=_routes(edition, context_path),
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    app.state.sandbox = sandbox
    app.add_middleware(_V1TrailingSlash)
    app.add_middleware(
        FaultMiddleware,
        faults=faults,
        log=sandbox.request_log,
        clock=clock,
        datacenter=edition == "datacenter",
    )
    return app


def _routes(edition: Edition, context_path: str) -> list[BaseRoute]:
    routes: list[BaseRoute] = [*admin_routes(), *browse_routes()]
    if edition == "cloud":
        v2 = [*v2_routes(), *more_v2_routes(), *v2_space_routes()]
        rest = v1_routes(cloud=True)
        gateway = "/ex/confluence/{cloud_id}/wiki"
        routes += [
            Mount("/wiki/api/v2", routes=v2),
            Mount("/wiki/rest/api", routes=rest),
            Mount(f"{gateway}/api/v2", routes=v2),
            Mount(f"{gateway}/rest/api", routes=rest),
            *download_routes("/wiki"),
            *viewpage_routes("/wiki"),
            *cloud_routes(),
        ]
    else:
        prefixes = ["", context_path] if context_path else [""]
        for prefix in prefixes:
            routes += [
                Mount(f"{prefix}/rest/api", routes=v1_routes()),
                *download_routes(prefix),
                *viewpage_routes(prefix),
                *datacenter_routes(prefix),
            ]
    return routes


class _V1TrailingSlash:
    """Serves ``.../rest/api/content/`` as ``.../rest/api/content``.

    Confluence's REST layer (Jersey) matches a resource with or without a trailing slash, and
    clients rely on it (atlassian-python-api creates pages with POST ``rest/api/content/``).
    Starlette would answer a 307 redirect instead, which clients that do not follow redirects
    for a POST cannot use. The v2 API is served the same way (Atlassian documents no
    redirect, and a client that adds a slash expects the resource, not a 404).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        api = "/rest/api/" in path or "/api/v2/" in path
        if scope["type"] == "http" and api and path.endswith("/"):
            trimmed = path.rstrip("/")
            scope = {**scope, "path": trimmed, "raw_path": trimmed.encode()}
        await self.app(scope, receive, send)


def _dialect_error(request: Request, status: int, message: str) -> Response:
    path = request.url.path
    sandbox: Sandbox = request.app.state.sandbox
    if "/api/v2/" in path:
        return error_response("v2", status, message)
    if "/rest/api/" in path:
        return error_response("v1", status, message, datacenter=not sandbox.cloud)
    return JSONResponse({"code": status, "message": message}, status_code=status)


def _unimplemented(request: Request) -> Response | None:
    """501 naming the operationId, for a documented operation the sandbox lacks: a gap shows
    as a gap, not as a missing endpoint."""
    sandbox: Sandbox = request.app.state.sandbox
    op = find_operation(request.method, request.url.path, cloud=sandbox.cloud)
    if op is None:
        return None
    message = (
        f"Not implemented by the sandbox: {op.operation_id} ({op.method} {op.template} in "
        f"the {op.spec} spec); see docs/sandbox-inventory.md"
    )
    return _dialect_error(request, 501, message)


async def _not_found(request: Request, exc: Any) -> Response:
    del exc
    unimplemented = _unimplemented(request)
    if unimplemented is not None:
        return unimplemented
    return _dialect_error(request, 404, f"No such endpoint: {request.method} {request.url.path}")


async def _not_allowed(request: Request, exc: Any) -> Response:
    unimplemented = _unimplemented(request)
    if unimplemented is not None:
        return unimplemented
    headers = getattr(exc, "headers", None) or {}
    response = _dialect_error(request, 405, f"Method {request.method} is not allowed here")
    response.headers.update(headers)
    return response
