"""The v1 REST API: Data Center's whole API, and Cloud's ``/wiki/rest/api``.

On Cloud the deprecated content endpoints answer 410 Gone through the OAuth gateway (as real
Cloud does) and still work with basic auth on the site URL; content search pages by cursor.
On Data Center everything pages by ``start``/``limit``. Limits above a cap are silently cut.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.attachments import parse_attachment_id
from confsync.sandbox.cql import CqlQuery, parse_cql
from confsync.sandbox.model import ErrorKind, Page, SandboxError
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.paging import decode_cursor, encode_cursor, next_link
from confsync.sandbox.space_properties import v1_routes as space_property_routes
from confsync.sandbox.store import visible
from confsync.sandbox.v1_common import (
    DELETE_CONTENT,
    READ_CONTENT,
    READ_SPACE,
    READ_USER,
    SEARCH,
    SEARCH_CAP,
    WRITE_CONTENT,
    listing,
    page_id,
    window,
)
from confsync.sandbox.v1_file_edit import file_edit_routes
from confsync.sandbox.v1_files import download_routes, file_routes
from confsync.sandbox.v1_meta import label_pairs, meta_routes
from confsync.sandbox.v1_move import move_routes
from confsync.sandbox.v1_restrictions import restriction_routes
from confsync.sandbox.v1_search import search_routes
from confsync.sandbox.v1_shapes import (
    attachment_json,
    content_json,
    expansions,
    space_json,
    user_json,
)
from confsync.sandbox.v1_tree import tree_routes
from confsync.sandbox.versions import requested_page
from confsync.sandbox.versions import v1_routes as version_routes
from confsync.sandbox.watches import watch_routes

__all__ = ["download_routes", "routes"]


# spaces


@endpoint("v1", READ_SPACE, gone_on_gateway=True)
async def get_spaces(call: Call) -> Response:
    keys = set(call.query_list("spaceKey")) | set(call.query_list("spaceKeys"))
    found = [s for s in call.sandbox.store.spaces(call.user) if not keys or s.key in keys]
    start, limit = window(call)
    shown = found[start : start + limit]
    expand = expansions(call)
    return listing(
        call,
        [space_json(call, s, expand) for s in shown],
        start=start,
        limit=limit,
        has_more=len(found) > start + limit,
    )


@endpoint("v1", READ_SPACE, gone_on_gateway=True)
async def get_space(call: Call) -> Response:
    key = call.request.path_params["key"]
    space = call.sandbox.store.space_by_key(key)
    if space is None or not visible(space, call.user):
        raise SandboxError(ErrorKind.NOT_FOUND, f"No space with key : {key}")
    return JSONResponse(space_json(call, space, expansions(call)))


# content


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def get_content(call: Call) -> Response:
    kind = call.query("type") or "page"
    start, limit = window(call)
    if kind != "page":
        return listing(call, [], start=start, limit=limit, has_more=False)
    title = call.query("title")
    where = PageFilter(
        space_keys=tuple(call.query_list("spaceKey")),
        titles=(title,) if title is not None else (),
        statuses=_statuses(call.query_list("status")),
        ids=tuple(int(i) for i in call.query_list("ids") if i.isdigit()),
    )
    pages, more = call.sandbox.pages.find(call.user, where, offset=start, limit=limit)
    expand = expansions(call)
    return listing(
        call,
        [content_json(call, p, expand) for p in pages],
        start=start,
        limit=limit,
        has_more=more,
    )


def _statuses(asked: list[str]) -> tuple[str, ...]:
    if "any" in asked:
        return ()
    return tuple(asked) or ("current",)


def _storage(data: dict[str, Any]) -> str | None:
    body = data.get("body")
    if body is None:
        return None
    storage = body.get("storage") if isinstance(body, dict) else None
    if not isinstance(storage, dict) or not isinstance(storage.get("value"), str):
        raise ApiError(400, "body.storage.value is required")
    if storage.get("representation", "storage") != "storage":
        raise ApiError(400, "The sandbox accepts only the storage representation")
    return str(storage["value"])


def _parent(data: dict[str, Any]) -> int | None:
    ancestors = data.get("ancestors")
    if not ancestors:
        return None
    if not isinstance(ancestors, list) or not isinstance(ancestors[-1], dict):
        raise ApiError(400, "ancestors must be a list of {id}")
    raw = str(ancestors[-1].get("id", ""))
    if not raw.isdigit():
        raise ApiError(400, f"Invalid ancestor id: {raw}")
    return int(raw)


def _require_type(data: dict[str, Any]) -> None:
    """Both specs mark ``type`` required on create and update; Confluence answers 400 without
    it (it cannot tell a page from a blog post)."""
    kind = data.get("type")
    if kind is None:
        raise ApiError(400, "The content type is required: set type to page")
    if kind != "page":
        raise ApiError(400, f"The sandbox creates and updates pages only, not {kind!r}")


def _message(data: dict[str, Any]) -> str:
    """``version.message`` of a create: Confluence keeps it on the first version."""
    version = data.get("version")
    message = version.get("message") if isinstance(version, dict) else None
    return message if isinstance(message, str) else ""


def _full() -> set[str]:
    # What create and update answer with: md2cf reads metadata.labels from an update's answer.
    return {"space", "version", "ancestors", "body.storage", "history", "metadata.labels"}


def _one(call: Call, page: Page, expand: set[str]) -> Response:
    """A single content answer: its links carry ``base`` and ``context``, as Confluence's do."""
    data = content_json(call, page, expand)
    data["_links"] |= {"base": call.site_base, "context": call.context}
    return JSONResponse(data)


def _labels(data: dict[str, Any]) -> list[tuple[str, str]] | None:
    """``metadata.labels`` of a create or update body (None when absent)."""
    metadata = data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if labels is None:
        return None
    if isinstance(labels, dict):
        labels = labels.get("results", [])
    return label_pairs(labels) if labels else []


def _properties(data: dict[str, Any]) -> dict[str, Any]:
    """``metadata.properties`` of a create body: key → value. Confluence creates these content
    properties with the page ("Content properties can also be added when creating a new piece
    of content by including them in the metadata.properties of the request")."""
    metadata = data.get("metadata")
    found = metadata.get("properties") if isinstance(metadata, dict) else None
    if not isinstance(found, dict):
        return {}
    properties: dict[str, Any] = {}
    for key, item in found.items():
        if not isinstance(item, dict) or "value" not in item:
            raise ApiError(400, f"metadata.properties.{key} needs a value")
        properties[str(item.get("key") or key)] = item["value"]
    return properties


@endpoint("v1", WRITE_CONTENT, gone_on_gateway=True, limit_body=True)
async def create_content(call: Call) -> Response:
    data = await call.json()
    _require_type(data)
    title = data.get("title")
    space_key = (
        (data.get("space") or {}).get("key") if isinstance(data.get("space"), dict) else None
    )
    if not isinstance(title, str) or not isinstance(space_key, str):
        raise ApiError(400, "title and space.key are required")
    space = call.sandbox.store.space_by_key(space_key)
    labels = _labels(data)
    properties = _properties(data)
    page = call.sandbox.pages.create(
        call.user,
        space,
        title,
        _storage(data) or "",
        parent_id=_parent(data),
        message=_message(data),
        under_homepage=False,
    )
    if labels:
        call.sandbox.labels.add(page.id, labels)
    for key, value in properties.items():
        call.sandbox.properties.create(call.user, page.id, key, value)
    return _one(call, page, _full())


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def get_content_by_id(call: Call) -> Response:
    status = tuple(call.query_list("status")) or ("current", "archived", "draft")
    page = requested_page(call, page_id(call), () if "any" in status else status)
    return _one(call, page, expansions(call))


@endpoint("v1", WRITE_CONTENT, gone_on_gateway=True, limit_body=True)
async def update_content(call: Call) -> Response:
    data = await call.json()
    _require_type(data)
    version = data.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise ApiError(400, "version.number is required")
    title = data.get("title")
    if not isinstance(title, str):
        raise ApiError(400, "title is required")
    labels = _labels(data)
    page = call.sandbox.pages.update(
        call.user,
        page_id(call),
        title=title,
        body=_storage(data),
        version=version["number"],
        message=str(version.get("message") or ""),
        parent_id=_parent(data),
        minor_edit=bool(version.get("minorEdit", False)),
    )
    if labels is not None:
        # Labels sent with an update replace the page's labels (md2cf's --replace-all-labels).
        call.sandbox.labels.replace(page.id, labels)
    return _one(call, page, _full())


@endpoint("v1", DELETE_CONTENT, gone_on_gateway=True)
async def delete_content(call: Call) -> Response:
    if _delete_attachment(call):
        return Response(status_code=204)
    content_id = page_id(call)
    if call.query("status") == "trashed":
        call.sandbox.pages.purge(call.user, content_id)
    else:
        call.sandbox.pages.trash(call.user, content_id)
    return Response(status_code=204)


def _delete_attachment(call: Call) -> bool:
    """DELETE /content/{id} on an attachment's id ("att123" or 123) trashes (or purges) it."""
    content_id = parse_attachment_id(str(call.request.path_params["id"]))
    if content_id is None:
        return False
    try:
        att = call.sandbox.attachments.get(content_id)
    except SandboxError:
        return False
    call.sandbox.pages.get(call.user, att.page_id)
    if call.query("status") == "trashed":
        call.sandbox.attachments.purge(att.id)
    else:
        call.sandbox.attachments.trash(att.id)
    return True


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def get_children(call: Call) -> Response:
    kind = call.request.path_params["type"]
    parent = call.sandbox.pages.get(call.user, page_id(call))
    start, limit = window(call)
    if kind != "page":
        return listing(call, [], start=start, limit=limit, has_more=False)
    where = PageFilter(parent_id=parent.id)
    pages, more = call.sandbox.pages.find(
        call.user, where, sort="child-position", offset=start, limit=limit
    )
    expand = expansions(call)
    return listing(
        call,
        [content_json(call, p, expand) for p in pages],
        start=start,
        limit=limit,
        has_more=more,
    )


def _attachments(
    call: Call, query: CqlQuery, expand: set[str], start: int, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """``type = attachment``: the files on the pages the rest of the query selects (by space,
    ancestor, parent or page id), in upload order."""
    pages_sql, args = call.sandbox.pages.ids_sql(call.user, query.where)
    found, more = call.sandbox.attachments.on_pages(pages_sql, args, offset=start, limit=limit)
    pages = {a.page_id: call.sandbox.pages.get(call.user, a.page_id) for a in found}
    return [attachment_json(call, a, pages[a.page_id], expand) for a in found], more


@endpoint("v1", SEARCH)
async def search(call: Call) -> Response:
    cql = call.query("cql")
    if not cql:
        raise ApiError(400, "cql is required")
    query = parse_cql(cql)
    expand = expansions(call)
    if call.sandbox.cloud:
        # Cloud pages CQL results by cursor; Data Center by start.
        start, limit = (
            decode_cursor(call.query("cursor")),
            max(1, min(call.int_query("limit", 25), 250)),
        )
    else:
        start, limit = window(call, SEARCH_CAP)
    if query.types == {"attachment"}:
        results, more = _attachments(call, query, expand, start, limit)
    elif "page" in query.types:
        pages, more = call.sandbox.pages.find(
            call.user, query.where, sort=query.sort, offset=start, limit=limit
        )
        results = [
            content_json(call, p, expand) for p in pages if p.title not in query.excluded_titles
        ]
    else:
        return listing(call, [], start=start, limit=limit, has_more=False)
    if not call.sandbox.cloud:
        return listing(call, results, start=start, limit=limit, has_more=more)
    response = listing(call, results, start=start, limit=limit, has_more=False)
    if more:
        body = json.loads(bytes(response.body))
        path = call.request.url.path
        relative = path[path.index("/rest/api/") :]
        body["_links"]["next"] = next_link(
            call.request, relative, {"cursor": encode_cursor(start + limit)}
        )
        return JSONResponse(body)
    return response


@endpoint("v1", READ_USER)
async def current_user(call: Call) -> Response:
    return JSONResponse(user_json(call, call.user))


def routes(*, cloud: bool = False) -> list[BaseRoute]:
    """The whole v1 API as the sandbox serves it (relative to ``.../rest/api``)."""
    return [
        Route("/space", get_spaces, methods=["GET"]),
        Route("/space/{key}", get_space, methods=["GET"]),
        *space_property_routes(),
        Route("/content", get_content, methods=["GET"]),
        Route("/content", create_content, methods=["POST"]),
        Route("/content/search", search, methods=["GET"]),
        Route("/content/{id}", get_content_by_id, methods=["GET"]),
        Route("/content/{id}", update_content, methods=["PUT"]),
        Route("/content/{id}", delete_content, methods=["DELETE"]),
        *search_routes(),
        *meta_routes(),
        *file_routes(cloud=cloud),
        *file_edit_routes(cloud=cloud),
        *watch_routes(),
        *restriction_routes(cloud=cloud),
        *move_routes(cloud=cloud),
        *tree_routes(),
        # Data Center's spec has no GET under /content/{id}/version.
        *(version_routes() if cloud else []),
        # After the attachment routes, so child/attachment is not taken for a child type.
        Route("/content/{id}/child/{type}", get_children, methods=["GET"]),
        Route("/user/current", current_user, methods=["GET"]),
    ]
