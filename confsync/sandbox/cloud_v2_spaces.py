"""Cloud REST v2 space reads beyond the listing: one space, its pages, its permission
assignments; and the deprecated ``/pages/{id}/children`` that older v2 clients still call."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.auth import scopes
from confsync.sandbox.cloud_v2 import page_json, space_json
from confsync.sandbox.model import ErrorKind, SandboxError, Space
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.paging import decode_cursor
from confsync.sandbox.store import visible
from confsync.sandbox.v2_listing import v2_limit, v2_listing

__all__ = ["space_routes"]

READ_SPACE = scopes("read:space:confluence")
READ_PAGE = scopes("read:page:confluence")
READ_PERMISSIONS = scopes("read:space.permission:confluence")
READ_TREE = scopes("read:hierarchical-content:confluence")

# What the one administrator is granted in every space.
_GRANTS = (
    ("read", "space"),
    ("create", "page"),
    ("delete", "page"),
    ("create", "attachment"),
    ("delete", "attachment"),
    ("administer", "space"),
)


def _space(call: Call) -> Space:
    raw = str(call.request.path_params["id"])
    if not raw.isdigit():
        raise ApiError(400, f"Invalid id: {raw}")
    space = call.sandbox.store.space_by_id(int(raw))
    if space is None or not visible(space, call.user):
        raise SandboxError(ErrorKind.NOT_FOUND, f"No space found with id: {raw}")
    return space


@endpoint("v2", READ_SPACE)
async def get_space(call: Call) -> Response:
    space = _space(call)
    data = space_json(space)
    return JSONResponse({**data, "_links": {**data["_links"], "base": call.site_base}})


@endpoint("v2", READ_PAGE)
async def space_pages(call: Call) -> Response:
    space = _space(call)
    statuses = tuple(call.query_list("status")) or ("current", "archived")
    title = call.query("title")
    where = PageFilter(space_ids=(space.id,), titles=(title,) if title else (), statuses=statuses)
    if call.query("depth") == "root":
        where = PageFilter(space_ids=(space.id,), statuses=statuses, ids=_roots(call, space))
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    sort = call.query("sort") or "id"
    pages, more = call.sandbox.pages.find(call.user, where, sort=sort, offset=offset, limit=limit)
    fmt = call.query("body-format")
    return v2_listing(call, [page_json(call, p, fmt) for p in pages], more, offset)


def _roots(call: Call, space: Space) -> tuple[int, ...]:
    with call.sandbox.store.reading() as conn:
        rows = conn.execute(
            "SELECT id FROM pages WHERE space_id = ? AND parent_id IS NULL", (space.id,)
        ).fetchall()
    return tuple(r["id"] for r in rows) or (0,)


@endpoint("v2", READ_PERMISSIONS)
async def space_permissions(call: Call) -> Response:
    space = _space(call)
    admin = call.sandbox.store.admin
    items = [
        {
            "id": f"{space.id}-{index}",
            "principal": {"type": "user", "id": admin.account_id},
            "operation": {"key": key, "targetType": target},
        }
        for index, (key, target) in enumerate(_GRANTS)
    ]
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    return v2_listing(call, items[offset : offset + limit], len(items) > offset + limit, offset)


@endpoint("v2", READ_TREE)
async def children(call: Call) -> Response:
    raw = str(call.request.path_params["id"])
    if not raw.isdigit():
        raise ApiError(400, f"Invalid id: {raw}")
    parent = call.sandbox.pages.get(call.user, int(raw))
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    where = PageFilter(parent_id=parent.id, statuses=("current", "archived"))
    sort = call.query("sort") or "child-position"
    pages, more = call.sandbox.pages.find(call.user, where, sort=sort, offset=offset, limit=limit)
    items = [
        {
            "id": str(p.id),
            "status": p.status,
            "title": p.title,
            "spaceId": str(p.space_id),
            "childPosition": p.position,
        }
        for p in pages
    ]
    return v2_listing(call, items, more, offset)


def space_routes() -> list[BaseRoute]:
    return [
        Route("/spaces/{id}", get_space, methods=["GET"]),
        Route("/spaces/{id}/pages", space_pages, methods=["GET"]),
        Route("/spaces/{id}/permissions", space_permissions, methods=["GET"]),
        Route("/pages/{id}/children", children, methods=["GET"]),
    ]
