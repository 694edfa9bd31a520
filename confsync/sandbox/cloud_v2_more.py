"""Cloud REST v2 beyond the page basics: ancestors, descendants, attachments (list, one,
delete, versions, labels) and attachment content properties."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.attachments import parse_attachment_id
from confsync.sandbox.auth import scopes
from confsync.sandbox.cloud_v2 import (
    attachment_json,
    create_property_on,
    page_json,
    properties_of,
    property_json,
    update_property_of,
    version_json,
)
from confsync.sandbox.model import Attachment, Page, Property, Version
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.paging import decode_cursor
from confsync.sandbox.v2_listing import v2_limit, v2_listing

__all__ = ["more_routes"]

READ_TREE = scopes("read:hierarchical-content:confluence")
READ_FILES = scopes("read:attachment:confluence")
DELETE_FILES = scopes("delete:attachment:confluence")
WRITE_PAGE = scopes("write:page:confluence")
WRITE_FILE_PROPS = scopes("read:attachment:confluence write:attachment:confluence")
_MAX_DEPTH = 5
_ALL = 100_000


def _page(call: Call) -> Page:
    raw = str(call.request.path_params["id"])
    if not raw.isdigit():
        raise ApiError(400, f"Invalid id: {raw}")
    return call.sandbox.pages.get(call.user, int(raw), ("current", "archived", "draft"))


@endpoint("v2", READ_TREE)
async def ancestors(call: Call) -> Response:
    """Top-down; with fewer than all asked for, the nearest ones (the caller asks again with
    the first one's id), as Cloud documents."""
    chain = call.sandbox.pages.ancestors(_page(call))
    shown = chain[-v2_limit(call) :]
    body = {"results": [{"id": str(p.id), "type": "page"} for p in shown], "_links": {}}
    return JSONResponse(body)


@endpoint("v2", READ_TREE)
async def descendants(call: Call) -> Response:
    root = _page(call)
    depth_limit = min(call.int_query("depth", _MAX_DEPTH, minimum=1), _MAX_DEPTH)
    found: list[dict[str, Any]] = []

    def walk(parent: Page, depth: int) -> None:
        where = PageFilter(parent_id=parent.id, statuses=("current", "archived"))
        children, _ = call.sandbox.pages.find(call.user, where, sort="child-position", limit=10_000)
        for child in children:
            found.append(
                {
                    "id": str(child.id),
                    "status": child.status,
                    "title": child.title,
                    "type": "page",
                    "parentId": str(parent.id),
                    "depth": depth,
                    "childPosition": child.position,
                }
            )
            if depth < depth_limit:
                walk(child, depth + 1)

    walk(root, 1)
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    return v2_listing(call, found[offset : offset + limit], len(found) > offset + limit, offset)


@endpoint("v2", WRITE_PAGE)
async def update_title(call: Call) -> Response:
    """A new version with the new title and the same body (``PUT /pages/{id}/title``)."""
    page = _page(call)
    data = await call.json()
    title, status = data.get("title"), data.get("status")
    if not isinstance(title, str) or status is None:
        raise ApiError(400, "Missing required field(s): status, title")
    if status != page.status:
        raise ApiError(400, f"The page's status is {page.status}, not {status}")
    updated = call.sandbox.pages.update(
        call.user, page.id, title=title, body=None, version=page.version.number + 1
    )
    data = page_json(call, updated, None)
    return JSONResponse({**data, "_links": {**data["_links"], "base": call.site_base}})


def _attachment(call: Call, name: str = "id") -> Attachment:
    raw = str(call.request.path_params[name])
    number = parse_attachment_id(raw)
    if number is None:
        raise ApiError(400, f"Invalid attachment id: {raw}")
    att = call.sandbox.attachments.get(number)
    call.sandbox.pages.get(call.user, att.page_id)  # the file is as visible as its page
    return att


@endpoint("v2", READ_FILES)
async def get_attachment(call: Call) -> Response:
    att = _attachment(call)
    if att.status != "current":
        raise _missing(att)
    return JSONResponse({**attachment_json(att), "_links": _links(call, att)})


def _missing(att: Attachment) -> ApiError:
    return ApiError(404, f"No attachment found with id: {att.api_id}")


def _links(call: Call, att: Attachment) -> dict[str, str]:
    return {**attachment_json(att)["_links"], "base": call.site_base}


@endpoint("v2", DELETE_FILES)
async def delete_attachment(call: Call) -> Response:
    att = _attachment(call)
    if call.query("purge") == "true":
        if att.status != "trashed":
            raise ApiError(400, "Only a trashed attachment can be purged")
        call.sandbox.attachments.purge(att.id)
    elif att.status == "trashed":
        raise _missing(att)
    else:
        call.sandbox.attachments.trash(att.id)
    return Response(status_code=204)


@endpoint("v2", READ_FILES)
async def get_attachments(call: Call) -> Response:
    """Every current file the caller can see, oldest first, by filename or media type."""
    pages_sql, args = call.sandbox.pages.ids_sql(
        call.user, PageFilter(statuses=("current", "archived"))
    )
    found, _ = call.sandbox.attachments.on_pages(pages_sql, args, limit=_ALL)
    filename, media = call.query("filename"), call.query("mediaType")
    chosen = [
        a
        for a in found
        if (filename is None or a.filename == filename) and (media is None or a.media_type == media)
    ]
    if call.query("sort") in ("-created-date", "-modified-date"):
        chosen.reverse()
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    window = chosen[offset : offset + limit]
    more = len(chosen) > offset + limit
    return v2_listing(call, [attachment_json(a) for a in window], more, offset)


def _file_version(att: Attachment, version: Version) -> dict[str, Any]:
    return {
        **version_json(version),
        "attachment": {"id": att.api_id, "title": att.filename},
    }


@endpoint("v2", READ_FILES)
async def attachment_versions(call: Call) -> Response:
    att = _attachment(call)
    versions = call.sandbox.attachments.versions(att.id)
    if call.query("sort") != "modified-date":
        versions.reverse()  # newest first, Cloud's default
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    window = [_file_version(att, v) for v in versions[offset : offset + limit]]
    return v2_listing(call, window, len(versions) > offset + limit, offset)


@endpoint("v2", READ_FILES)
async def attachment_version(call: Call) -> Response:
    att = _attachment(call, "attachment_id")
    raw = str(call.request.path_params["number"])
    versions = {v.number: v for v in call.sandbox.attachments.versions(att.id)}
    if not raw.isdigit() or int(raw) not in versions:
        raise ApiError(404, f"No version {raw} of attachment {att.api_id}")
    number = int(raw)
    data: dict[str, Any] = {**version_json(versions[number]), "contentTypeModified": False}
    data["collaborators"] = [versions[number].author_id]
    if number > 1:
        data["prevVersion"] = number - 1
    if number + 1 in versions:
        data["nextVersion"] = number + 1
    return JSONResponse(data)


@endpoint("v2", READ_FILES)
async def attachment_labels(call: Call) -> Response:
    att = _attachment(call)
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    found, more = call.sandbox.labels.find(
        att.id, prefix=call.query("prefix"), offset=offset, limit=limit
    )
    items = [{"id": str(lb.id), "name": lb.name, "prefix": lb.prefix} for lb in found]
    return v2_listing(call, items, more, offset)


def _file_property(call: Call) -> tuple[Attachment, Property]:
    att = _attachment(call, "attachment_id")
    raw = str(call.request.path_params["property_id"])
    if not raw.isdigit():
        raise ApiError(400, f"Invalid property-id: {raw}")
    return att, call.sandbox.properties.get(att.id, property_id=int(raw))


@endpoint("v2", READ_FILES)
async def get_file_properties(call: Call) -> Response:
    att = _attachment(call, "attachment_id")
    return properties_of(call, att.id)


@endpoint("v2", WRITE_FILE_PROPS)
async def create_file_property(call: Call) -> Response:
    att = _attachment(call, "attachment_id")
    return await create_property_on(call, att.id)


@endpoint("v2", READ_FILES)
async def get_file_property(call: Call) -> Response:
    return JSONResponse(property_json(_file_property(call)[1]))


@endpoint("v2", WRITE_FILE_PROPS)
async def update_file_property(call: Call) -> Response:
    att, prop = _file_property(call)
    return await update_property_of(call, att.id, prop)


@endpoint("v2", WRITE_FILE_PROPS)
async def delete_file_property(call: Call) -> Response:
    att, prop = _file_property(call)
    call.sandbox.properties.delete(att.id, prop)
    return Response(status_code=204)


def more_routes() -> list[BaseRoute]:
    props = "/attachments/{attachment_id}/properties"
    return [
        Route("/pages/{id}/ancestors", ancestors, methods=["GET"]),
        Route("/pages/{id}/descendants", descendants, methods=["GET"]),
        Route("/pages/{id}/title", update_title, methods=["PUT"]),
        Route("/attachments", get_attachments, methods=["GET"]),
        Route("/attachments/{id}", get_attachment, methods=["GET"]),
        Route("/attachments/{id}/versions", attachment_versions, methods=["GET"]),
        Route(
            "/attachments/{attachment_id}/versions/{number}", attachment_version, methods=["GET"]
        ),
        Route("/attachments/{id}/labels", attachment_labels, methods=["GET"]),
        Route("/attachments/{id}", delete_attachment, methods=["DELETE"]),
        Route(props, get_file_properties, methods=["GET"]),
        Route(props, create_file_property, methods=["POST"]),
        Route(f"{props}/{{property_id}}", get_file_property, methods=["GET"]),
        Route(f"{props}/{{property_id}}", update_file_property, methods=["PUT"]),
        Route(f"{props}/{{property_id}}", delete_file_property, methods=["DELETE"]),
    ]
