"""v1 attachments (multipart upload, new versions, download) and content properties."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.model import ErrorKind, Page, SandboxError
from confsync.sandbox.v1_common import (
    READ_CONTENT,
    READ_PROPS,
    WRITE_FILE,
    WRITE_PROPS,
    listing,
    page_id,
    window,
)
from confsync.sandbox.v1_shapes import attachment_json, expansions, property_json

__all__ = ["download_routes", "file_routes"]

# attachments


def _xsrf(call: Call) -> None:
    token = call.request.headers.get("x-atlassian-token", "").lower()
    if token not in {"no-check", "nocheck"}:
        raise ApiError(403, "XSRF check failed")


async def _files(call: Call) -> tuple[list[tuple[str, str, bytes, str]], bool]:
    if not call.request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "Attachments are uploaded as multipart/form-data")
    form = await call.request.form()
    uploads = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
    if not uploads:
        raise ApiError(400, "No file part named 'file' in the request")
    # A comment may come as a plain field or as a file part (Cloud's spec types it as binary,
    # and requests sends it so when given in ``files=``): Confluence reads either as text.
    comments = [
        (await c.read()).decode("utf-8", "replace") if isinstance(c, UploadFile) else str(c)
        for c in form.getlist("comment")
    ]
    if comments and len(comments) != len(uploads):
        raise ApiError(400, "Give one comment per file, or none")
    files = []
    for index, upload in enumerate(uploads):
        data = await upload.read()
        media = upload.content_type or "application/octet-stream"
        files.append((upload.filename or "file", media, data, comments[index] if comments else ""))
    minor = str(form.get("minorEdit", "false")).lower() == "true"
    return files, minor


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def get_attachments(call: Call) -> Response:
    page = call.sandbox.pages.get(call.user, page_id(call))
    start, limit = window(call)
    found, more = call.sandbox.attachments.find(
        page.id,
        filename=call.query("filename"),
        media_type=call.query("mediaType"),
        offset=start,
        limit=limit,
    )
    expand = expansions(call)
    return listing(
        call,
        [attachment_json(call, a, page, expand) for a in found],
        start=start,
        limit=limit,
        has_more=more,
    )


@endpoint("v1", WRITE_FILE)
async def create_attachment(call: Call) -> Response:
    _xsrf(call)
    page = call.sandbox.pages.get(call.user, page_id(call))
    files, minor = await _files(call)
    created = call.sandbox.attachments.create(call.user, page.id, files, minor_edit=minor)
    results = [attachment_json(call, a, page, {"version"}) for a in created]
    return listing(call, results, start=0, limit=len(results), has_more=False)


@endpoint("v1", WRITE_FILE)
async def create_or_update_attachments(call: Call) -> Response:
    """Cloud only: each file becomes a new attachment, or a new version of the one so named."""
    _xsrf(call)
    page = call.sandbox.pages.get(call.user, page_id(call))
    files, minor = await _files(call)
    results = []
    for filename, media, data, comment in files:
        found, _ = call.sandbox.attachments.find(page.id, filename=filename, limit=1)
        if found:
            att = call.sandbox.attachments.new_version(
                call.user, page.id, found[0].id, media, data, comment, minor_edit=minor
            )
        else:
            att = call.sandbox.attachments.create(
                call.user, page.id, [(filename, media, data, comment)], minor_edit=minor
            )[0]
        results.append(attachment_json(call, att, page, {"version"}))
    return listing(call, results, start=0, limit=len(results), has_more=False)


@endpoint("v1", WRITE_FILE)
async def update_attachment_data(call: Call) -> Response:
    _xsrf(call)
    page = call.sandbox.pages.get(call.user, page_id(call))
    raw = call.request.path_params["attachment_id"]
    digits = raw[3:] if raw.startswith("att") else raw
    if not digits.isdigit():
        raise ApiError(400, f"Invalid attachment id: {raw}")
    files, minor = await _files(call)
    filename, media, data, comment = files[0]
    updated = call.sandbox.attachments.new_version(
        call.user, page.id, int(digits), media, data, comment, minor_edit=minor, filename=filename
    )
    return JSONResponse(attachment_json(call, updated, page, {"version"}))


# properties


def _visible(call: Call) -> Page:
    return call.sandbox.pages.get(call.user, page_id(call))


@endpoint("v1", READ_PROPS, gone_on_gateway=True)
async def get_properties(call: Call) -> Response:
    page = _visible(call)
    start, limit = window(call)
    found, more = call.sandbox.properties.find(page.id, offset=start, limit=limit)
    return listing(
        call, [property_json(call, p, page) for p in found], start=start, limit=limit, has_more=more
    )


@endpoint("v1", WRITE_PROPS, gone_on_gateway=True)
async def create_property(call: Call) -> Response:
    try:
        page = _visible(call)
    except SandboxError as exc:
        # Both specs document 403, not 404, for content the caller cannot edit.
        raise ApiError(403, exc.message) from exc
    data = await call.json()
    key = data.get("key")
    if not isinstance(key, str) or "value" not in data:
        raise ApiError(400, "key and value are required")
    prop = call.sandbox.properties.create(call.user, page.id, key, data["value"])
    return JSONResponse(property_json(call, prop, page))


@endpoint("v1", WRITE_PROPS, gone_on_gateway=True)
async def create_property_for_key(call: Call) -> Response:
    """POST .../property/{key}: the key comes from the path, the value from the body."""
    try:
        page = _visible(call)
    except SandboxError as exc:
        raise ApiError(403, exc.message) from exc
    data = await call.json()
    if "value" not in data:
        raise ApiError(400, "value is required")
    key = call.request.path_params["key"]
    prop = call.sandbox.properties.create(call.user, page.id, key, data["value"])
    return JSONResponse(property_json(call, prop, page))


@endpoint("v1", READ_PROPS, gone_on_gateway=True)
async def get_property(call: Call) -> Response:
    page = _visible(call)
    prop = call.sandbox.properties.get(page.id, key=call.request.path_params["key"])
    return JSONResponse(property_json(call, prop, page))


@endpoint("v1", WRITE_PROPS, gone_on_gateway=True)
async def update_property(call: Call) -> Response:
    page = _visible(call)
    key = call.request.path_params["key"]
    data = await call.json()
    version = data.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise ApiError(400, "version.number is required")
    try:
        current = call.sandbox.properties.get(page.id, key=key)
    except SandboxError:
        # Confluence creates a missing property when asked for version 1.
        if version["number"] != 1:
            raise
        prop = call.sandbox.properties.create(call.user, page.id, key, data.get("value"))
        return JSONResponse(property_json(call, prop, page))
    updated = call.sandbox.properties.update(
        call.user,
        page.id,
        current,
        data.get("value"),
        version["number"],
        minor_edit=bool(version.get("minorEdit", False)),
    )
    return JSONResponse(property_json(call, updated, page))


@endpoint("v1", WRITE_PROPS, gone_on_gateway=True)
async def delete_property(call: Call) -> Response:
    page = _visible(call)
    prop = call.sandbox.properties.get(page.id, key=call.request.path_params["key"])
    call.sandbox.properties.delete(page.id, prop)
    return Response(status_code=204)


@endpoint("v1", READ_CONTENT)
async def download(call: Call) -> Response:
    page = call.sandbox.pages.get(call.user, page_id(call, "page_id"))
    filename = call.request.path_params["filename"]
    found, _ = call.sandbox.attachments.find(page.id, filename=filename, limit=1)
    if not found:
        raise SandboxError(ErrorKind.NOT_FOUND, f"No attachment named {filename}")
    version = call.int_query("version", found[0].version.number, minimum=1)
    data = call.sandbox.attachments.data(found[0].id, version)
    return Response(data, media_type=found[0].media_type)


def file_routes(*, cloud: bool) -> list[BaseRoute]:
    # Data Center has no create-or-update call: a PUT there answers 405, as on a real server.
    put = [Route("/content/{id}/child/attachment", create_or_update_attachments, methods=["PUT"])]
    return [
        Route("/content/{id}/child/attachment", get_attachments, methods=["GET"]),
        Route("/content/{id}/child/attachment", create_attachment, methods=["POST"]),
        *(put if cloud else []),
        Route(
            "/content/{id}/child/attachment/{attachment_id}/data",
            update_attachment_data,
            methods=["POST"],
        ),
        Route("/content/{id}/property", get_properties, methods=["GET"]),
        Route("/content/{id}/property", create_property, methods=["POST"]),
        Route("/content/{id}/property/{key}", get_property, methods=["GET"]),
        Route("/content/{id}/property/{key}", create_property_for_key, methods=["POST"]),
        Route("/content/{id}/property/{key}", update_property, methods=["PUT"]),
        Route("/content/{id}/property/{key}", delete_property, methods=["DELETE"]),
    ]


def download_routes(prefix: str) -> list[BaseRoute]:
    return [
        Route(f"{prefix}/download/attachments/{{page_id}}/{{filename}}", download, methods=["GET"])
    ]
