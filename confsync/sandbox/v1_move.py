"""Moving a page (Cloud v1 ``PUT /content/{pageId}/move/{position}/{targetId}``) and listing
a space's content of one type (``GET /space/{spaceKey}/content/{type}``, both editions)."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.model import ErrorKind, SandboxError
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.store import visible
from confsync.sandbox.v1_common import READ_CONTENT, WRITE_CONTENT, listing, page_id, window
from confsync.sandbox.v1_shapes import content_json, expansions

__all__ = ["move_routes"]


@endpoint("v1", WRITE_CONTENT)
async def move_page(call: Call) -> Response:
    position = call.request.path_params["position"]
    if position not in ("before", "after", "append"):
        raise ApiError(400, f"Invalid position: {position}; use before, after or append")
    target = str(call.request.path_params["target"])
    if not target.isdigit():
        raise SandboxError(ErrorKind.NOT_FOUND, f"No content found with id: {target}")
    moved = call.sandbox.pages.move(call.user, page_id(call, "page_id"), position, int(target))
    return JSONResponse({"pageId": str(moved.id)})


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def space_content(call: Call) -> Response:
    key = call.request.path_params["key"]
    space = call.sandbox.store.space_by_key(key)
    if space is None or not visible(space, call.user):
        raise SandboxError(ErrorKind.NOT_FOUND, f"No space with key : {key}")
    start, limit = window(call)
    if call.request.path_params["type"] != "page":
        return listing(call, [], start=start, limit=limit, has_more=False)
    where = PageFilter(space_ids=(space.id,))
    if call.query("depth") == "root":
        # The space's top-level pages only.
        with call.sandbox.store.reading() as conn:
            rows = conn.execute(
                "SELECT id FROM pages WHERE space_id = ? AND parent_id IS NULL", (space.id,)
            ).fetchall()
        where = PageFilter(space_ids=(space.id,), ids=tuple(r["id"] for r in rows) or (0,))
    found, more = call.sandbox.pages.find(call.user, where, offset=start, limit=limit)
    expand = expansions(call)
    results = [content_json(call, p, expand) for p in found]
    return listing(call, results, start=start, limit=limit, has_more=more)


def move_routes(*, cloud: bool) -> list[BaseRoute]:
    move = Route("/content/{page_id}/move/{position}/{target}", move_page, methods=["PUT"])
    return [
        *([move] if cloud else []),
        Route("/space/{key}/content/{type}", space_content, methods=["GET"]),
    ]
