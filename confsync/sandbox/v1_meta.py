"""v1 content history and labels (Data Center and Cloud ``/wiki/rest/api``).

History answers the page's latest state: clients read ``lastUpdated.number`` from it before an
update (atlassian-python-api does). Labels follow Confluence: POST takes one ``{prefix, name}``
or a list of them and answers every label the content now carries; DELETE answers 204, or 404
when the content does not carry the label.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.auth import scopes
from confsync.sandbox.labels import split_labels
from confsync.sandbox.model import Page
from confsync.sandbox.v1_common import page_id
from confsync.sandbox.v1_shapes import expansions, history_json, label_array

__all__ = ["label_pairs", "meta_routes"]

READ_HISTORY = scopes(
    "read:confluence-content.summary", "read:content.metadata:confluence read:user:confluence"
)
READ_LABELS = scopes("read:confluence-content.summary", "read:label:confluence")
WRITE_LABELS = scopes("write:confluence-content", "read:label:confluence write:label:confluence")
DELETE_LABELS = scopes("write:confluence-content", "write:label:confluence")

# The DC spec's default expansion of history; Cloud answers lastUpdated unasked too.
_HISTORY_DEFAULT = {"previousVersion", "nextVersion", "lastUpdated"}
_LABEL_LIMIT = 200


@endpoint("v1", READ_HISTORY, gone_on_gateway=True)
async def get_history(call: Call) -> Response:
    # Trashed pages keep their history, as in Confluence.
    page = call.sandbox.pages.get(call.user, page_id(call))
    expand = expansions(call) if "expand" in call.request.query_params else _HISTORY_DEFAULT
    return JSONResponse(history_json(call, page, expand))


def _page(call: Call) -> Page:
    return call.sandbox.pages.get(call.user, page_id(call), ("current", "archived", "draft"))


def _labels(call: Call, page: Page, *, prefix: str | None = None, start: int = 0) -> Response:
    limit = max(1, min(call.int_query("limit", _LABEL_LIMIT), _LABEL_LIMIT))
    found, more = call.sandbox.labels.find(page.id, prefix=prefix, offset=start, limit=limit)
    path = f"/rest/api/content/{page.id}/label"
    return JSONResponse(label_array(call, found, path, start=start, limit=limit, more=more))


@endpoint("v1", READ_LABELS, gone_on_gateway=True)
async def get_labels(call: Call) -> Response:
    page = _page(call)
    return _labels(call, page, prefix=call.query("prefix"), start=call.int_query("start", 0))


def label_pairs(data: Any) -> list[tuple[str, str]]:
    """(prefix, name) pairs from one label object or a list of them (400 if malformed)."""
    items = data if isinstance(data, list) else [data]
    pairs: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ApiError(400, "Each label needs a name")
        prefix = item.get("prefix") or "global"
        if not isinstance(prefix, str):
            raise ApiError(400, "A label prefix must be a string")
        pairs.append((prefix, item["name"]))
    return split_labels(pairs)


@endpoint("v1", WRITE_LABELS)
async def add_labels(call: Call) -> Response:
    page = _page(call)
    # One label object or a list of them: Call.json() would refuse the list.
    call.sandbox.labels.add(page.id, label_pairs(await call.json_value()))
    return _labels(call, page)


@endpoint("v1", DELETE_LABELS)
async def delete_label_by_query(call: Call) -> Response:
    page = _page(call)
    name = call.query("name")
    if not name:
        raise ApiError(400, "The name of the label to remove is required")
    call.sandbox.labels.remove(page.id, name)
    return Response(status_code=204)


@endpoint("v1", DELETE_LABELS)
async def delete_label(call: Call) -> Response:
    page = _page(call)
    name = call.request.path_params["label"]
    if "/" in name:
        # A name with "/" cannot travel in the path: the query-parameter call removes it.
        raise ApiError(400, "Use DELETE .../label?name= for a label with '/' in its name")
    call.sandbox.labels.remove(page.id, name)
    return Response(status_code=204)


def meta_routes() -> list[BaseRoute]:
    return [
        Route("/content/{id}/history", get_history, methods=["GET"]),
        Route("/content/{id}/label", get_labels, methods=["GET"]),
        Route("/content/{id}/label", add_labels, methods=["POST"]),
        Route("/content/{id}/label", delete_label_by_query, methods=["DELETE"]),
        Route("/content/{id}/label/{label:path}", delete_label, methods=["DELETE"]),
    ]
