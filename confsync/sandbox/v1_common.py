"""What the v1 endpoints share: scopes, limits, id parsing and the start/limit list shape."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from confsync.sandbox.api import Call
from confsync.sandbox.auth import Scopes, scopes
from confsync.sandbox.model import ErrorKind, SandboxError
from confsync.sandbox.paging import next_link

__all__ = [
    "DELETE_CONTENT",
    "LIMIT_CAP",
    "READ_CONTENT",
    "READ_PROPS",
    "READ_SPACE",
    "READ_USER",
    "SEARCH",
    "SEARCH_CAP",
    "WRITE_CONTENT",
    "WRITE_FILE",
    "WRITE_PROPS",
    "listing",
    "page_id",
    "window",
]

# Confluence caps limit silently: ask for 1000, get this many and a next link.
LIMIT_CAP = 200
SEARCH_CAP = 100


def _s(classic: str, granular: str) -> Scopes:
    return scopes(classic, granular)


READ_CONTENT = _s("read:confluence-content.summary", "read:content-details:confluence")
WRITE_CONTENT = _s(
    "write:confluence-content", "read:content-details:confluence write:content:confluence"
)
DELETE_CONTENT = _s("write:confluence-content", "delete:content:confluence")
WRITE_FILE = _s(
    "write:confluence-file", "read:content-details:confluence write:attachment:confluence"
)
READ_PROPS = _s("read:confluence-props", "read:content-details:confluence")
WRITE_PROPS = _s(
    "write:confluence-props", "read:content.property:confluence write:content.property:confluence"
)
SEARCH = _s("search:confluence", "read:content-details:confluence")
READ_USER = _s("read:confluence-user", "read:content-details:confluence")
READ_SPACE = _s("read:confluence-space.summary", "read:content-details:confluence")


def page_id(call: Call, name: str = "id") -> int:
    raw = call.request.path_params[name]
    if not str(raw).isdigit():
        raise SandboxError(ErrorKind.NOT_FOUND, f"No content found with id: {raw}")
    return int(raw)


def listing(
    call: Call, results: list[dict[str, Any]], *, start: int, limit: int, has_more: bool
) -> JSONResponse:
    base = call.site_base
    path = call.request.url.path
    relative = path[path.index("/rest/api/") :]
    links = {"base": base, "context": call.context, "self": f"{base}{relative}"}
    if has_more:
        links["next"] = next_link(
            call.request, relative, {"start": str(start + limit), "limit": str(limit)}
        )
    body = {
        "results": results,
        "start": start,
        "limit": limit,
        "size": len(results),
        "_links": links,
    }
    return JSONResponse(body)


def window(call: Call, cap: int = LIMIT_CAP) -> tuple[int, int]:
    # A limit of 0 would page forever; Confluence answers at least one result per page.
    return call.int_query("start", 0), max(1, min(call.int_query("limit", 25), cap))
