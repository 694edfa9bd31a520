"""The REST v1 dialect shared by both editions: content and attachment shapes, CQL, uploads.

Data Center speaks only v1; Cloud uses v1 for uploads, ``user/current`` and CQL search. This
module turns v1 JSON into ``confsync.types`` values; it holds no edition-specific behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confsync.confluence.errormap import Call
from confsync.confluence.http import HttpClient
from confsync.types import Attachment, Page, PageMatch, PageStatus, PageVersion

__all__ = [
    "ATTACHMENT_EXPAND",
    "CONTENT_EXPAND",
    "XSRF_HEADERS",
    "attachment",
    "attachments_cql",
    "cql_string",
    "multipart",
    "page",
    "page_match",
    "page_status",
    "search",
]

CONTENT_EXPAND = "version,ancestors,space"
"""What a listing must expand to give parent, space and latest version with its message."""

XSRF_HEADERS = {"X-Atlassian-Token": "no-check"}
"""Attachment uploads are refused without it (XSRF check):
https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-content---attachments/"""


def page_status(raw: Any) -> PageStatus:
    try:
        return PageStatus(str(raw))
    except ValueError:
        return PageStatus.CURRENT if raw in (None, "") else PageStatus.DRAFT


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def page(item: Mapping[str, Any], *, space_id: str | None = None) -> Page:
    """A v1 content object (``type: page``) as a ``Page``; the parent is the last ancestor."""
    ancestors = item.get("ancestors")
    parent_id = None
    if isinstance(ancestors, list) and ancestors:
        parent_id = str(_dict(ancestors[-1]).get("id")) or None
    version = _dict(item.get("version"))
    storage = _dict(_dict(item.get("body")).get("storage"))
    space = _dict(item.get("space"))
    body = storage.get("value")
    return Page(
        id=str(item["id"]),
        space_id=space_id or str(space.get("id", "")),
        title=str(item.get("title", "")),
        parent_id=parent_id,
        status=page_status(item.get("status")),
        version=PageVersion(int(version.get("number", 0)), str(version.get("message") or "")),
        body=body if isinstance(body, str) else None,
    )


def page_match(item: Mapping[str, Any]) -> PageMatch:
    """A search result (content expanded with its ancestors, root first) as a ``PageMatch``."""
    ancestors = item.get("ancestors")
    titles = [
        str(_dict(a).get("title", "")) for a in (ancestors if isinstance(ancestors, list) else [])
    ]
    return PageMatch(page(item), tuple(titles))


async def search(
    http: HttpClient, path: str, call: Call, *, cql: str, limit: int | None, page_size: int
) -> list[PageMatch]:
    """The pages a CQL search finds, with ancestors, following ``next`` until ``limit``
    results (None: all). Asks for no more per request than it still needs."""
    wanted = page_size if limit is None else max(1, min(limit, page_size))
    params = {"cql": cql, "limit": wanted, "expand": CONTENT_EXPAND}
    found: list[PageMatch] = []
    async for results in http.pages(path, call=call, params=params):
        found.extend(page_match(item) for item in results)
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def attachment(item: Mapping[str, Any], *, page_id: str) -> Attachment:
    """A v1 attachment object; media type, size and comment sit in ``extensions`` (or
    ``metadata`` on some versions)."""
    extensions = _dict(item.get("extensions"))
    metadata = _dict(item.get("metadata"))
    container = _dict(item.get("container"))
    return Attachment(
        id=str(item["id"]),
        page_id=str(container.get("id") or page_id),
        filename=str(item.get("title", "")),
        media_type=str(extensions.get("mediaType") or metadata.get("mediaType") or ""),
        size=int(extensions.get("fileSize") or 0),
        version=int(_dict(item.get("version")).get("number", 1)),
        comment=str(extensions.get("comment") or metadata.get("comment") or ""),
    )


def cql_string(text: str) -> str:
    """``text`` as a double-quoted CQL string literal.
    https://developer.atlassian.com/cloud/confluence/advanced-searching-using-cql/"""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def attachments_cql(space_key: str) -> str:
    """The attachments of every page of a space."""
    return f"type = attachment AND space = {cql_string(space_key)}"


ATTACHMENT_EXPAND = "version,container"
"""What an attachment search must expand: the version, and the page it hangs on."""


def title_search_cql(text: str, space_key: str | None) -> str:
    """Pages whose title contains the words of ``text`` (the last one as a prefix)."""
    words = text.strip()
    term = f"{words}*" if words and not words.endswith("*") else words
    cql = f"type = page AND title ~ {cql_string(term)}"
    if space_key:
        cql += f" AND space = {cql_string(space_key)}"
    return cql + " ORDER BY title"


def multipart(
    filename: str, data: bytes, media_type: str, comment: str
) -> dict[str, tuple[str | None, bytes, str]]:
    """The parts of an attachment upload: ``comment`` as text/plain in UTF-8, minor edit."""
    return {
        "file": (filename, data, media_type),
        "comment": (None, comment.encode("utf-8"), "text/plain; charset=utf-8"),
        "minorEdit": (None, b"true", "text/plain; charset=utf-8"),
    }
