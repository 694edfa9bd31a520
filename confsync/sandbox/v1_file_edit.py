"""Editing and removing v1 attachments: PUT ``child/attachment/{attachmentId}`` renames a file
or changes its media type or comment as a new version with the same data; Data Center's
DELETE ``child/attachment/{attachmentId}`` trashes it (Cloud v1 trashes files through
DELETE ``/content/{id}``, see ``v1.delete_content``); Cloud's ``.../download`` redirects to
the file's download link."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.attachments import parse_attachment_id
from confsync.sandbox.model import Attachment, Page
from confsync.sandbox.v1_common import DELETE_CONTENT, READ_CONTENT, WRITE_FILE, page_id
from confsync.sandbox.v1_shapes import attachment_json

__all__ = ["file_edit_routes"]


def _attachment(call: Call) -> tuple[Page, Attachment]:
    page = call.sandbox.pages.get(call.user, page_id(call))
    raw = str(call.request.path_params["attachment_id"])
    number = parse_attachment_id(raw)
    if number is None:
        raise ApiError(400, f"Invalid attachment id: {raw}")
    return page, call.sandbox.attachments.get(number, page.id)


def _text(data: dict[str, Any], *path: str) -> str | None:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"{'.'.join(path)} must be a string")
    return value


@endpoint("v1", WRITE_FILE)
async def update_attachment(call: Call) -> Response:
    page, att = _attachment(call)
    data = await call.json()
    # Cloud's AttachmentPropertiesUpdateBody requires id, type and version.
    if str(data.get("id", "")) not in (att.api_id, str(att.id)):
        raise ApiError(400, f"The body's id must be the attachment's id, {att.api_id}")
    if data.get("type") != "attachment":
        raise ApiError(400, "type must be attachment")
    version = data.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise ApiError(400, "version.number is required")
    container = _text(data, "container", "id")
    if container is not None and container != str(page.id):
        raise ApiError(400, "The sandbox does not move attachments to other content")
    updated = call.sandbox.attachments.edit(
        call.user,
        att.id,
        version=version["number"],
        filename=_text(data, "title"),
        media_type=_text(data, "metadata", "mediaType") or _text(data, "extensions", "mediaType"),
        comment=_text(data, "metadata", "comment"),
    )
    return JSONResponse(attachment_json(call, updated, page, {"version"}))


@endpoint("v1", DELETE_CONTENT)
async def remove_attachment(call: Call) -> Response:
    _, att = _attachment(call)
    call.sandbox.attachments.trash(att.id)
    return Response(status_code=204)


@endpoint("v1", READ_CONTENT)
async def download(call: Call) -> Response:
    """Cloud: a redirect to the file's download link (at ``version``, else the latest)."""
    page, att = _attachment(call)
    version = call.int_query("version", att.version.number, minimum=1)
    if version > att.version.number:
        raise ApiError(400, f"The attachment has no version {version}")
    url = f"{call.site_base}/download/attachments/{page.id}/{quote(att.filename)}"
    return RedirectResponse(f"{url}?version={version}&api=v2", status_code=302)


def file_edit_routes(*, cloud: bool) -> list[BaseRoute]:
    path = "/content/{id}/child/attachment/{attachment_id}"
    if cloud:
        return [
            Route(path, update_attachment, methods=["PUT"]),
            Route(f"{path}/download", download, methods=["GET"]),
        ]
    return [
        Route(path, update_attachment, methods=["PUT"]),
        Route(path, remove_attachment, methods=["DELETE"]),
    ]
