"""The admin API under ``/_sandbox``: faults, the request log, seeding and reset.

Unauthenticated on purpose: the sandbox is a local test double. The same controls are
reachable in-process through ``app.state.sandbox`` (``faults``, ``request_log``, ``store``).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.state import Sandbox

__all__ = ["routes"]


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = json.loads(raw) if raw else {}
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


async def get_faults(request: Request) -> Response:
    return JSONResponse(_sandbox(request).faults.as_dict())


async def set_faults(request: Request) -> Response:
    faults = _sandbox(request).faults
    try:
        body = await _body(request)
        if body.pop("clear", False):
            faults.clear()
        faults.update(**body)
    except (ValueError, TypeError) as exc:
        return JSONResponse({"error": str(exc)}, 400)
    return JSONResponse(faults.as_dict())


async def get_requests(request: Request) -> Response:
    records = [dataclasses.asdict(r) for r in _sandbox(request).request_log.records()]
    return JSONResponse({"requests": records, "count": len(records)})


async def clear_requests(request: Request) -> Response:
    _sandbox(request).request_log.clear()
    return Response(status_code=204)


async def create_space(request: Request) -> Response:
    sandbox = _sandbox(request)
    try:
        body = await _body(request)
        key = str(body["key"])
    except (ValueError, KeyError) as exc:
        return JSONResponse({"error": f"give a JSON object with a key: {exc}"}, 400)
    restricted = body.get("restricted_to")
    account = None
    if restricted:
        user = sandbox.store.user_by("email", str(restricted)) or sandbox.store.user_by(
            "username", str(restricted)
        )
        if user is None:
            return JSONResponse({"error": f"no user {restricted}"}, 400)
        account = user.account_id
    space = sandbox.store.space_by_key(key) or sandbox.store.create_space(
        key, body.get("name"), home_page=True
    )
    sandbox.store.restrict_space(key, account)
    return JSONResponse({"id": space.id, "key": space.key, "restricted_to": account})


async def set_page_status(request: Request) -> Response:
    sandbox = _sandbox(request)
    body = await _body(request)
    status = str(body.get("status", ""))
    if status not in {"current", "archived", "trashed"}:
        return JSONResponse({"error": "status must be current, archived or trashed"}, 400)
    sandbox.pages.set_status(int(request.path_params["page_id"]), status)
    return Response(status_code=204)


async def reset(request: Request) -> Response:
    """Faults off and the log cleared; with ``{"content": true}`` also every page but the
    space homepages, every file, page and space property and OAuth token (spaces and users
    stay)."""
    sandbox = _sandbox(request)
    try:
        body = await _body(request)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    sandbox.faults.clear()
    sandbox.request_log.clear()
    if body.get("content"):
        sandbox.store.wipe_content()
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/faults", set_faults, methods=["POST"]),
        Route("/_sandbox/requests", get_requests, methods=["GET"]),
        Route("/_sandbox/requests", clear_requests, methods=["DELETE"]),
        Route("/_sandbox/spaces", create_space, methods=["POST"]),
        Route("/_sandbox/pages/{page_id:int}/status", set_page_status, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
    ]
