"""Content watches (v1 ``/user/watch/content/{contentId}``, both editions).

Publishers unwatch every page and file they create, so that their bulk edits send no mail
(sphinxcontrib-confluencebuilder does unless ``confluence_watch`` is set). A watch belongs to
the caller; the ``key``/``username``/``accountId`` parameters are accepted and ignored, as the
sandbox has one administrator acting for everyone. Removing a watch that is not there is
204, as on Confluence. Unknown content: Cloud's spec documents 403, Data Center's 404.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.attachments import parse_attachment_id
from confsync.sandbox.auth import scopes
from confsync.sandbox.model import Page, SandboxError
from confsync.sandbox.v1_shapes import content_json, user_json

__all__ = ["watch_routes"]

READ_WATCH = scopes("read:confluence-content.summary", "read:watcher:confluence")
WRITE_WATCH = scopes("write:confluence-content", "write:watcher:confluence")


def _content(call: Call) -> tuple[int, Page]:
    """The watched content's id and its page (the page itself, or an attachment's page)."""
    raw = str(call.request.path_params["content_id"])
    content_id = parse_attachment_id(raw)
    missing = ApiError(403 if call.sandbox.cloud else 404, f"No content found with id: {raw}")
    if content_id is None:
        raise missing
    try:
        try:
            return content_id, call.sandbox.pages.get(call.user, content_id)
        except SandboxError:
            att = call.sandbox.attachments.get(content_id)
            return content_id, call.sandbox.pages.get(call.user, att.page_id)
    except SandboxError as exc:
        raise missing from exc


def _watching(call: Call, content_id: int) -> bool:
    with call.sandbox.store.reading() as conn:
        row = conn.execute(
            "SELECT 1 FROM watches WHERE content_id = ? AND account_id = ?",
            (content_id, call.user.account_id),
        ).fetchone()
    return row is not None


@endpoint("v1", READ_WATCH)
async def get_watch(call: Call) -> Response:
    content_id, _ = _content(call)
    return JSONResponse({"watching": _watching(call, content_id)})


@endpoint("v1", WRITE_WATCH)
async def add_watch(call: Call) -> Response:
    content_id, page = _content(call)
    with call.sandbox.store.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO watches VALUES (?, ?)", (content_id, call.user.account_id)
        )
    if call.sandbox.cloud:
        return Response(status_code=204)
    # Data Center's spec answers the new watch.
    watch = {"watcher": user_json(call, call.user), "content": content_json(call, page, set())}
    return JSONResponse(watch)


@endpoint("v1", WRITE_WATCH)
async def remove_watch(call: Call) -> Response:
    content_id, _ = _content(call)
    with call.sandbox.store.transaction() as conn:
        conn.execute(
            "DELETE FROM watches WHERE content_id = ? AND account_id = ?",
            (content_id, call.user.account_id),
        )
    return Response(status_code=204)


def watch_routes() -> list[BaseRoute]:
    path = "/user/watch/content/{content_id}"
    return [
        Route(path, get_watch, methods=["GET"]),
        Route(path, add_watch, methods=["POST"]),
        Route(path, remove_watch, methods=["DELETE"]),
    ]
