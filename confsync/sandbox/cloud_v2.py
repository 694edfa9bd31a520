"""Cloud REST v2 (``/wiki/api/v2``): spaces, pages, children, properties, attachments."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.auth import scopes
from confsync.sandbox.media import media_type_description
from confsync.sandbox.model import Attachment, Page, Property, Space, Version
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.paging import V2_MAX_LIMIT, decode_cursor
from confsync.sandbox.space_operations import routes as space_operation_routes
from confsync.sandbox.space_properties import v2_routes as space_property_routes
from confsync.sandbox.storage_format import storage_to_html
from confsync.sandbox.v2_listing import v2_limit, v2_listing
from confsync.sandbox.versions import requested_page
from confsync.sandbox.versions import v2_routes as version_routes

__all__ = ["routes"]

READ_SPACE = scopes("read:space:confluence")
READ_PAGE = scopes("read:page:confluence")
WRITE_PAGE = scopes("write:page:confluence")
DELETE_PAGE = scopes("delete:page:confluence")
READ_TREE = scopes("read:hierarchical-content:confluence")
WRITE_PROPS = scopes("read:page:confluence write:page:confluence")
READ_FILES = scopes("read:attachment:confluence")

_STATUSES = ("current", "archived", "trashed", "deleted", "draft", "any")


def version_json(version: Version) -> dict[str, Any]:
    return {
        "createdAt": version.created_at,
        "message": version.message,
        "number": version.number,
        "minorEdit": version.minor_edit,
        "authorId": version.author_id,
    }


def page_json(call: Call, page: Page, body_format: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if body_format == "storage":
        body["storage"] = {"value": page.body, "representation": "storage"}
    elif body_format == "view":
        html = storage_to_html(page.body, lambda _: None, lambda _: None)
        body["view"] = {"value": html, "representation": "view"}
    data: dict[str, Any] = {
        "id": str(page.id),
        "status": page.status,
        "title": page.title,
        "spaceId": str(page.space_id),
        "position": page.position,
        "authorId": page.author_id,
        "ownerId": page.author_id,
        "lastOwnerId": None,
        "createdAt": page.created_at,
        "version": version_json(page.version),
        "body": body,
        "_links": {
            "webui": f"/spaces/{page.space_key}/pages/{page.id}",
            "editui": f"/pages/resumedraft.action?draftId={page.id}",
            "tinyui": f"/x/{page.id}",
        },
    }
    if page.parent_id is not None:
        # The spec types parentId as a non-nullable string: a root page has none.
        data["parentId"] = str(page.parent_id)
        data["parentType"] = "page"
    return data


def space_json(space: Space) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(space.id),
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "authorId": space.author_id,
        "createdAt": space.created_at,
        "_links": {"webui": f"/spaces/{space.key}"},
    }
    if space.homepage_id is not None:
        data["homepageId"] = str(space.homepage_id)
    return data


def property_json(prop: Property) -> dict[str, Any]:
    return {
        "id": str(prop.id),
        "key": prop.key,
        "value": prop.value,
        "version": version_json(prop.version),
    }


# ---- content properties: a page's and an attachment's are served alike ----------------------


def properties_of(call: Call, owner_id: int) -> Response:
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    found, more = call.sandbox.properties.find(
        owner_id, key=call.query("key"), offset=offset, limit=limit
    )
    return v2_listing(call, [property_json(p) for p in found], more, offset)


async def create_property_on(call: Call, owner_id: int) -> Response:
    data = await call.json()
    key = data.get("key")
    if not isinstance(key, str) or "value" not in data:
        raise ApiError(400, "key and value are required")
    prop = call.sandbox.properties.create(call.user, owner_id, key, data["value"])
    return JSONResponse(property_json(prop))


async def update_property_of(call: Call, owner_id: int, prop: Property) -> Response:
    data = await call.json()
    version = data.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise ApiError(400, "version.number is required")
    if "key" in data and data["key"] != prop.key:
        raise ApiError(400, "The key of a property cannot be changed")
    updated = call.sandbox.properties.update(
        call.user,
        owner_id,
        prop,
        data.get("value"),
        version["number"],
        message=str(version.get("message") or ""),
    )
    return JSONResponse(property_json(updated))


def attachment_json(att: Attachment) -> dict[str, Any]:
    download = f"/download/attachments/{att.page_id}/{att.filename}?version={att.version.number}"
    return {
        "id": att.api_id,
        "status": att.status,
        "title": att.filename,
        "createdAt": att.created_at,
        "pageId": str(att.page_id),
        "mediaType": att.media_type,
        "mediaTypeDescription": media_type_description(att.media_type),
        "comment": att.comment,
        "fileId": f"sandbox-file-{att.id}",
        "fileSize": att.size,
        "webuiLink": f"/pages/viewpageattachments.action?pageId={att.page_id}",
        "downloadLink": download,
        "version": version_json(att.version),
        "_links": {
            "webui": f"/pages/viewpageattachments.action?pageId={att.page_id}",
            "download": download,
        },
    }


def _id(raw: object, what: str = "id") -> int:
    text = str(raw)
    if not text.isdigit():
        raise ApiError(400, f"Invalid {what}: {text}")
    return int(text)


def _visible_page(call: Call, raw: object, statuses: tuple[str, ...] = ()) -> Page:
    return call.sandbox.pages.get(call.user, _id(raw), statuses)


@endpoint("v2", READ_SPACE)
async def get_spaces(call: Call) -> Response:
    keys = set(call.query_list("keys"))
    ids = {_id(i, "ids") for i in call.query_list("ids")}
    found = [
        s
        for s in call.sandbox.store.spaces(call.user)
        if (not keys or s.key in keys) and (not ids or s.id in ids)
    ]
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    window = found[offset : offset + limit]
    return v2_listing(call, [space_json(s) for s in window], len(found) > offset + limit, offset)


@endpoint("v2", READ_PAGE)
async def get_pages(call: Call) -> Response:
    statuses = tuple(call.query_list("status")) or ("current", "archived")
    if any(s not in _STATUSES for s in statuses):
        raise ApiError(400, f"Invalid status: {','.join(statuses)}")
    if "any" in statuses:
        statuses = ()
    ids = tuple(_id(i) for i in call.query_list("id"))
    if len(ids) > V2_MAX_LIMIT:
        raise ApiError(400, f"At most {V2_MAX_LIMIT} ids may be given")
    title = call.query("title")
    where = PageFilter(
        space_ids=tuple(_id(s, "space-id") for s in call.query_list("space-id")),
        titles=(title,) if title is not None else (),
        statuses=statuses,
        ids=ids,
    )
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    sort = call.query("sort") or "id"
    pages, more = call.sandbox.pages.find(call.user, where, sort=sort, offset=offset, limit=limit)
    fmt = call.query("body-format")
    return v2_listing(call, [page_json(call, p, fmt) for p in pages], more, offset)


def _body_value(data: dict[str, Any]) -> str | None:
    body = data.get("body")
    if body is None:
        return None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be an object")
    nested = body.get("storage")
    if isinstance(nested, dict):
        body = nested
    if body.get("representation", "storage") != "storage":
        raise ApiError(400, "The sandbox accepts only the storage representation")
    value = body.get("value", "")
    if not isinstance(value, str):
        raise ApiError(400, "body value must be a string")
    return value


@endpoint("v2", WRITE_PAGE, limit_body=True)
async def create_page(call: Call) -> Response:
    data = await call.json()
    if data.get("status", "current") != "current":
        raise ApiError(400, "The sandbox creates current pages only (no drafts)")
    title = data.get("title")
    if not isinstance(title, str):
        raise ApiError(400, "A title is required to create a page")
    space = call.sandbox.store.space_by_id(_id(data.get("spaceId"), "spaceId"))
    parent = data.get("parentId")
    root_level = call.query("root-level") == "true"
    if root_level and parent is not None:
        raise ApiError(400, "parentId may not be given with root-level=true")
    page = call.sandbox.pages.create(
        call.user,
        space,
        title,
        _body_value(data) or "",
        parent_id=_id(parent, "parentId") if parent is not None else None,
        under_homepage=not root_level,
    )
    # v2 answers 200 for a created page, not 201.
    return JSONResponse({**page_json(call, page, "storage"), "_links": _links(call, page)})


def _links(call: Call, page: Page) -> dict[str, str]:
    links = page_json(call, page, None)["_links"]
    return {**links, "base": call.site_base}


@endpoint("v2", READ_PAGE)
async def get_page(call: Call) -> Response:
    statuses = tuple(call.query_list("status")) or ("current", "archived", "draft")
    page = requested_page(call, _id(call.request.path_params["id"]), statuses)
    return JSONResponse(page_json(call, page, call.query("body-format")))


@endpoint("v2", WRITE_PAGE, limit_body=True)
async def update_page(call: Call) -> Response:
    page_id = _id(call.request.path_params["id"])
    data = await call.json()
    # PageUpdateRequest requires all of these; Cloud refuses an update that lacks one rather
    # than keep the old body (https://developer.atlassian.com/cloud/confluence/rest/v2/api-group-page/#api-pages-id-put).
    missing = [k for k in ("id", "status", "title", "body", "version") if data.get(k) is None]
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}")
    if str(data["id"]) != str(page_id):
        raise ApiError(400, "The id in the body does not match the id in the path")
    if data["status"] not in ("current", "draft"):
        raise ApiError(400, f"Invalid status: {data['status']}")
    version = data.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise ApiError(400, "version.number is required")
    title = data.get("title")
    if not isinstance(title, str):
        raise ApiError(400, "title is required")
    current = call.sandbox.pages.get(call.user, page_id)
    if data["status"] == "draft" and current.status != "draft":
        # Cloud keeps a published page published; a draft of it is a separate object.
        raise ApiError(400, "A published page cannot be updated to status draft")
    if "spaceId" in data and str(data["spaceId"]) != str(current.space_id):
        raise ApiError(400, "Moving a page to a different space is not supported")
    parent = data.get("parentId")
    page = call.sandbox.pages.update(
        call.user,
        page_id,
        title=title,
        body=_body_value(data),
        version=version["number"],
        message=str(version.get("message") or ""),
        parent_id=_id(parent, "parentId") if parent is not None else None,
    )
    return JSONResponse(page_json(call, page, "storage"))


@endpoint("v2", DELETE_PAGE)
async def delete_page(call: Call) -> Response:
    page_id = _id(call.request.path_params["id"])
    if call.query("purge") == "true":
        call.sandbox.pages.purge(call.user, page_id)
    else:
        call.sandbox.pages.trash(call.user, page_id)
    return Response(status_code=204)


@endpoint("v2", READ_TREE)
async def direct_children(call: Call) -> Response:
    parent = _visible_page(call, call.request.path_params["id"])
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    where = PageFilter(parent_id=parent.id, statuses=("current", "archived"))
    sort = call.query("sort") or "child-position"
    pages, more = call.sandbox.pages.find(call.user, where, sort=sort, offset=offset, limit=limit)
    items = [
        {
            "id": str(p.id),
            "status": p.status,
            "title": p.title,
            "type": "page",
            "spaceId": str(p.space_id),
            "childPosition": p.position,
        }
        for p in pages
    ]
    return v2_listing(call, items, more, offset)


@endpoint("v2", READ_PAGE)
async def get_properties(call: Call) -> Response:
    page = _visible_page(call, call.request.path_params["page_id"])
    return properties_of(call, page.id)


@endpoint("v2", WRITE_PROPS)
async def create_property(call: Call) -> Response:
    page = _visible_page(call, call.request.path_params["page_id"])
    return await create_property_on(call, page.id)


def _property(call: Call) -> tuple[Page, Property]:
    page = _visible_page(call, call.request.path_params["page_id"])
    prop_id = _id(call.request.path_params["property_id"], "property-id")
    return page, call.sandbox.properties.get(page.id, property_id=prop_id)


@endpoint("v2", READ_PAGE)
async def get_property(call: Call) -> Response:
    return JSONResponse(property_json(_property(call)[1]))


@endpoint("v2", WRITE_PROPS)
async def update_property(call: Call) -> Response:
    page, prop = _property(call)
    return await update_property_of(call, page.id, prop)


@endpoint("v2", WRITE_PROPS)
async def delete_property(call: Call) -> Response:
    page, prop = _property(call)
    call.sandbox.properties.delete(page.id, prop)
    return Response(status_code=204)


@endpoint("v2", READ_FILES)
async def get_attachments(call: Call) -> Response:
    page = _visible_page(call, call.request.path_params["id"])
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    found, more = call.sandbox.attachments.find(
        page.id,
        filename=call.query("filename"),
        media_type=call.query("mediaType"),
        offset=offset,
        limit=limit,
    )
    return v2_listing(call, [attachment_json(a) for a in found], more, offset)


@endpoint("v2", READ_PAGE)
async def get_labels(call: Call) -> Response:
    page = _visible_page(call, call.request.path_params["id"])
    offset, limit = decode_cursor(call.query("cursor")), v2_limit(call)
    found, more = call.sandbox.labels.find(
        page.id, prefix=call.query("prefix"), offset=offset, limit=limit
    )
    items = [{"id": str(lb.id), "name": lb.name, "prefix": lb.prefix} for lb in found]
    return v2_listing(call, items, more, offset)


def routes() -> list[BaseRoute]:
    return [
        Route("/spaces", get_spaces, methods=["GET"]),
        Route("/pages", get_pages, methods=["GET"]),
        Route("/pages", create_page, methods=["POST"]),
        Route("/pages/{id}", get_page, methods=["GET"]),
        Route("/pages/{id}", update_page, methods=["PUT"]),
        Route("/pages/{id}", delete_page, methods=["DELETE"]),
        Route("/pages/{id}/direct-children", direct_children, methods=["GET"]),
        Route("/pages/{page_id}/properties", get_properties, methods=["GET"]),
        Route("/pages/{page_id}/properties", create_property, methods=["POST"]),
        Route("/pages/{page_id}/properties/{property_id}", get_property, methods=["GET"]),
        Route("/pages/{page_id}/properties/{property_id}", update_property, methods=["PUT"]),
        Route("/pages/{page_id}/properties/{property_id}", delete_property, methods=["DELETE"]),
        Route("/pages/{id}/attachments", get_attachments, methods=["GET"]),
        Route("/pages/{id}/labels", get_labels, methods=["GET"]),
        *version_routes(),
        *space_property_routes(),
        *space_operation_routes(),
    ]
