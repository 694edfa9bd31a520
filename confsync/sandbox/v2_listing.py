"""How every v2 listing answers: the limit (capped at the maximum, not refused) and the page of
results with its cursor links. One place, for the v2 modules that each serve some listings."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from confsync.sandbox.api import Call
from confsync.sandbox.paging import V2_MAX_LIMIT, decode_cursor, v2_list

__all__ = ["v2_cursor", "v2_limit", "v2_listing"]


def v2_limit(call: Call) -> int:
    # Limits above the maximum are capped, not refused, as Confluence does.
    return min(call.int_query("limit", 25, minimum=1), V2_MAX_LIMIT)


def v2_cursor(call: Call) -> int:
    """The offset the request's cursor stands for (0 without one)."""
    return decode_cursor(call.query("cursor"))


def v2_listing(call: Call, items: list[dict[str, Any]], has_more: bool, offset: int) -> Response:
    body, headers = v2_list(
        call.request,
        items,
        has_more=has_more,
        offset=offset,
        limit=v2_limit(call),
        base=call.site_base,
    )
    return JSONResponse(body, headers=headers)
