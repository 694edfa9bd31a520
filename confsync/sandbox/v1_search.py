"""v1 ``GET .../rest/api/search``: CQL search answering search results, not bare content.

Each result wraps the content with its title, an excerpt, its URL and its space; the answer
carries ``totalSize`` and ``cqlQuery``. Data Center pages by ``start``/``limit``; Cloud by the
``cursor`` in ``_links.next`` (with ``next=true``), and still honours a bare ``start``.
"""

from __future__ import annotations

import html
import re
import time
from typing import Any
from urllib.parse import quote, quote_plus

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.cql import parse_cql
from confsync.sandbox.model import Page
from confsync.sandbox.paging import decode_cursor, encode_cursor, next_link
from confsync.sandbox.v1_common import SEARCH, SEARCH_CAP, window
from confsync.sandbox.v1_shapes import content_json, expansions

__all__ = ["search_routes"]

_CLOUD_CAP = 250
_EXCERPT_CHARS = 240
_TAG = re.compile(r"<[^>]*>")


def _excerpt(page: Page, mode: str) -> str:
    if mode == "none":
        return ""
    text = " ".join(html.unescape(_TAG.sub(" ", page.body)).split())
    return text[:_EXCERPT_CHARS]


def _result(call: Call, page: Page, expand: set[str], mode: str) -> dict[str, Any]:
    space = call.sandbox.store.space_by_id(page.space_id)
    key = page.space_key
    if call.sandbox.cloud:
        url = f"/spaces/{key}/pages/{page.id}/{quote(page.title.replace(' ', '+'), safe='+')}"
        space_url = f"/spaces/{key}"
    else:
        url = f"/display/{key}/{quote_plus(page.title)}"
        space_url = f"/display/{key}"
    return {
        "content": content_json(call, page, expand),
        "title": page.title,
        "excerpt": _excerpt(page, mode),
        "url": url,
        "resultGlobalContainer": {"title": space.name if space else key, "displayUrl": space_url},
        "breadcrumbs": [],
        "entityType": "content",
        "iconCssClass": "aui-icon content-type-page",
        "lastModified": page.version.created_at,
    }


def _window(call: Call) -> tuple[int, int]:
    if not call.sandbox.cloud:
        return window(call, SEARCH_CAP)
    cursor = call.query("cursor")
    start = decode_cursor(cursor) if cursor else call.int_query("start", 0)
    return start, max(1, min(call.int_query("limit", 25), _CLOUD_CAP))


@endpoint("v1", SEARCH)
async def search(call: Call) -> Response:
    began = time.perf_counter()
    cql = call.query("cql")
    if not cql:
        raise ApiError(400, "cql is required")
    query = parse_cql(cql)
    start, limit = _window(call)
    pages: list[Page] = []
    more, total = False, 0
    if "page" in query.types:
        found, more = call.sandbox.pages.find(
            call.user, query.where, sort=query.sort, offset=start, limit=limit
        )
        pages = [p for p in found if p.title not in query.excluded_titles]
        total = call.sandbox.pages.count(call.user, query.where)
    # Search expansions name the result's parts: content.version, content.space...
    expand = {e.split(".", 1)[1] for e in expansions(call) if e.startswith("content.")}
    mode = call.query("excerpt") or "highlight"
    base = call.site_base
    path = call.request.url.path
    relative = path[path.index("/rest/api/") :]
    query_string = call.request.url.query
    links: dict[str, str] = {
        "base": base,
        "context": call.context,
        "self": f"{base}{relative}" + (f"?{query_string}" if query_string else ""),
    }
    if more:
        after = _paging(call, start + limit, limit, "next")
        links["next"] = next_link(call.request, relative, after)
    if start > 0 and call.sandbox.cloud:
        before = _paging(call, max(0, start - limit), limit, "prev")
        links["prev"] = next_link(call.request, relative, before)
    body = {
        "results": [_result(call, p, expand, mode) for p in pages],
        "start": start,
        "limit": limit,
        "size": len(pages),
        "totalSize": total,
        "cqlQuery": cql,
        "searchDuration": int((time.perf_counter() - began) * 1000),
        "_links": links,
    }
    return JSONResponse(body)


def _paging(call: Call, start: int, limit: int, direction: str) -> dict[str, str]:
    params = {"start": str(start), "limit": str(limit)}
    if call.sandbox.cloud:
        other = "prev" if direction == "next" else "next"
        params |= {"cursor": encode_cursor(start), direction: "true", other: "false"}
    return params


def search_routes() -> list[BaseRoute]:
    return [Route("/search", search, methods=["GET"])]
