"""Paging in both dialects: v2 opaque cursors with ``_links.next`` and a ``Link`` header,
v1 ``start``/``limit`` with silent caps and ``_links.next``."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from confsync.sandbox.api import ApiError

__all__ = ["V2_MAX_LIMIT", "decode_cursor", "encode_cursor", "next_link", "v2_list"]

V2_MAX_LIMIT = 250


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["offset"]
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "Invalid cursor") from None
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, "Invalid cursor")
    return int(offset)


def next_link(request: Request, site_path: str, changes: dict[str, str]) -> str:
    """The request's own URL, relative to the site, with some query parameters changed.

    Through the OAuth gateway real Cloud still answers site-relative links (``/wiki/...``):
    clients prefix the gateway base themselves.
    """
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += list(changes.items())
    return f"{site_path}?{urlencode(params)}"


def v2_list(
    request: Request,
    results: list[dict[str, Any]],
    *,
    has_more: bool,
    offset: int,
    limit: int,
    base: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The v2 list body and its headers."""
    path = request.url.path
    if path.startswith("/ex/confluence/"):
        path = "/wiki" + path.split("/wiki", 1)[1]
    links: dict[str, str] = {"base": base}
    headers: dict[str, str] = {}
    if has_more:
        links["next"] = next_link(request, path, {"cursor": encode_cursor(offset + limit)})
        headers["Link"] = f'<{links["next"]}>; rel="next", <{base}>; rel="base"'
    return {"results": results, "_links": links}, headers
