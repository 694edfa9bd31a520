"""v1 descendants: ``/content/{id}/descendant`` (by type) and ``/descendant/{type}``.

Descendants are every page below, ordered by child position; the sandbox holds no
comments, and attachments are not listed here (``child/attachment`` lists them).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import Call, endpoint
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.v1_common import READ_CONTENT, listing, page_id, window
from confsync.sandbox.v1_shapes import content_json, expansions

__all__ = ["tree_routes"]


@endpoint("v1", READ_CONTENT)
async def descendants_of_type(call: Call) -> Response:
    page = call.sandbox.pages.get(call.user, page_id(call))
    start, limit = window(call)
    if call.request.path_params["type"] != "page":
        return listing(call, [], start=start, limit=limit, has_more=False)
    where = PageFilter(ancestor_id=page.id, statuses=("current", "archived"))
    found, more = call.sandbox.pages.find(
        call.user, where, sort="child-position", offset=start, limit=limit
    )
    expand = expansions(call)
    results = [content_json(call, p, expand) for p in found]
    return listing(call, results, start=start, limit=limit, has_more=more)


@endpoint("v1", READ_CONTENT)
async def descendants(call: Call) -> Response:
    page = call.sandbox.pages.get(call.user, page_id(call))
    base = call.site_base
    path = f"/rest/api/content/{page.id}/descendant"
    where = PageFilter(ancestor_id=page.id, statuses=("current", "archived"))
    found, more = call.sandbox.pages.find(call.user, where, sort="child-position", limit=25)
    expand = expansions(call)
    body: dict[str, Any] = {
        "_expandable": {"attachment": f"{path}/attachment", "comment": f"{path}/comment"},
        "_links": {"base": base, "context": call.context, "self": f"{base}{path}"},
    }
    if "page" in expand:
        body["page"] = {
            "results": [content_json(call, p, set()) for p in found],
            "start": 0,
            "limit": 25,
            "size": len(found),
            "_links": {"self": f"{base}{path}/page"}
            | ({"next": f"{path}/page?start=25&limit=25"} if more else {}),
        }
    else:
        body["_expandable"]["page"] = f"{path}/page"
    return JSONResponse(body)


def tree_routes() -> list[BaseRoute]:
    return [
        Route("/content/{id}/descendant", descendants, methods=["GET"]),
        Route("/content/{id}/descendant/{type}", descendants_of_type, methods=["GET"]),
    ]
