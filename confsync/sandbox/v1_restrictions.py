"""Reading content restrictions and space permissions (v1, both editions).

The sandbox restricts nothing per page, so every operation's restriction lists are empty, as
on an unrestricted page; a space grants its operations to the one administrator. Publishers
read these before writing (and refuse to write under a restriction they would break);
changing restrictions is not offered (501, see docs/sandbox-inventory.md).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.model import ErrorKind, Page, SandboxError
from confsync.sandbox.store import visible
from confsync.sandbox.v1_common import READ_CONTENT, READ_SPACE, page_id

__all__ = ["restriction_routes"]

_OPERATIONS = ("read", "update")
_SPACE_OPERATIONS = (
    ("read", "space"),
    ("create", "page"),
    ("delete", "page"),
    ("create", "attachment"),
    ("delete", "attachment"),
    ("administer", "space"),
)


def _empty(limit: int = 200) -> dict[str, Any]:
    return {"results": [], "start": 0, "limit": limit, "size": 0}


def _restriction(call: Call, page: Page, operation: str) -> dict[str, Any]:
    base = f"{call.site_base}/rest/api/content/{page.id}/restriction/byOperation"
    return {
        "operation": operation,
        "restrictions": {"user": _empty(), "group": _empty()},
        "_expandable": {"content": f"/rest/api/content/{page.id}"},
        "_links": {"self": f"{base}/{operation}"},
    }


def _page(call: Call) -> Page:
    return call.sandbox.pages.get(call.user, page_id(call), ("current", "archived", "draft"))


@endpoint("v1", READ_CONTENT)
async def restrictions(call: Call) -> Response:
    """Cloud's GET /content/{id}/restriction: one entry per operation, all empty."""
    page = _page(call)
    results = [_restriction(call, page, op) for op in _OPERATIONS]
    base = call.site_base
    return JSONResponse(
        {
            "results": results,
            "start": 0,
            "limit": 100,
            "size": len(results),
            "restrictionsHash": "0",
            "_links": {"base": base, "context": call.context},
        }
    )


@endpoint("v1", READ_CONTENT)
async def by_operation(call: Call) -> Response:
    page = _page(call)
    grouped = {op: _restriction(call, page, op) for op in _OPERATIONS}
    if call.sandbox.cloud:
        return JSONResponse(grouped)
    return JSONResponse({"restrictions": grouped})


@endpoint("v1", READ_CONTENT)
async def for_operation(call: Call) -> Response:
    page = _page(call)
    operation = call.request.path_params["operation"]
    if operation not in ("read", "update"):
        raise ApiError(400, f"Invalid operation key: {operation}")
    return JSONResponse(_restriction(call, page, operation))


@endpoint("v1", READ_SPACE)
async def space_permissions(call: Call) -> Response:
    """Data Center: what is granted in the space (everything, to the administrator)."""
    key = call.request.path_params["key"]
    space = call.sandbox.store.space_by_key(key)
    if space is None or not visible(space, call.user):
        raise SandboxError(ErrorKind.FORBIDDEN, f"No space with key : {key}")
    admin = call.sandbox.store.admin
    subject = {"type": "user", "displayName": admin.display_name}
    return JSONResponse(
        [
            {
                "operation": {"operationKey": operation, "targetType": target},
                "subject": subject,
                "spaceKey": space.key,
                "spaceId": space.id,
            }
            for operation, target in _SPACE_OPERATIONS
        ]
    )


def restriction_routes(*, cloud: bool) -> list[BaseRoute]:
    base = "/content/{id}/restriction"
    routes: list[BaseRoute] = [
        Route(f"{base}/byOperation", by_operation, methods=["GET"]),
        Route(f"{base}/byOperation/{{operation}}", for_operation, methods=["GET"]),
    ]
    if cloud:
        return [Route(base, restrictions, methods=["GET"]), *routes]
    return [*routes, Route("/space/{key}/permissions", space_permissions, methods=["GET"])]
