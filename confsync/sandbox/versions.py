"""Page versions (history): a page as of one version, and the listings of its versions.

- Cloud v2: ``GET /pages/{id}?version=N`` (through ``requested_page``), ``GET /pages/{id}/versions``
  (cursor paging, newest first unless ``sort=modified-date``) and
  ``GET /pages/{page-id}/versions/{version-number}`` (a ``DetailedVersion``).
- v1: ``GET /content/{id}?version=N[&status=historical]`` (through ``requested_page``) on Cloud
  and Data Center; ``GET /content/{id}/version`` and ``/content/{id}/version/{versionNumber}``
  on Cloud only (deprecated there, so 410 through the OAuth gateway): the Data Center 10.0.3
  spec has only DELETE under ``/content/{id}/version``.

A past version answers with status "historical", as Confluence does; the latest version keeps
the page's own status. Which pages may be read follows the single-page reads: the page's own
status must be among those asked for (where "historical" stands for "current", the page whose
past is read), and the listings, like v1 history, see trashed pages too. A purged page has no
versions left.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.auth import scopes
from confsync.sandbox.model import ErrorKind, Page, SandboxError
from confsync.sandbox.paging import decode_cursor
from confsync.sandbox.v1_common import LIMIT_CAP, READ_CONTENT, listing, page_id
from confsync.sandbox.v1_shapes import content_json, expansions, user_json, version_json
from confsync.sandbox.v2_listing import v2_limit, v2_listing

__all__ = ["requested_page", "v1_routes", "v2_routes"]

# Each v2 operation's ``security`` in the spec.
READ_PAGE = scopes("read:page:confluence")

# The v2 spec's VersionSortOrder; Confluence lists the newest version first when none is given.
_V2_SORTS = {"modified-date": False, "-modified-date": True}
# The Cloud v1 spec's default page size of a version listing.
_V1_DEFAULT_LIMIT = 200


def requested_page(call: Call, content_id: int, statuses: tuple[str, ...]) -> Page:
    """The page a single-page GET answers: as it is, or as it was at the ``version`` asked for.

    Confluence's links to a past version carry ``status=historical``; the sandbox reads the
    version without it too. Without a version, "historical" selects nothing (a page's latest
    state is never historical), so ``status=historical`` alone answers 404.
    """
    if not call.query("version"):
        return call.sandbox.pages.get(call.user, content_id, statuses)
    number = call.int_query("version", 0)
    if statuses:
        statuses = tuple(dict.fromkeys("current" if s == "historical" else s for s in statuses))
    page = call.sandbox.pages.get(call.user, content_id, statuses)
    return call.sandbox.pages.at_version(page, number)


# Cloud v2


def _v2_id(raw: object, what: str) -> int:
    text = str(raw)
    if not text.isdigit():
        raise ApiError(400, f"Invalid {what}: {text}")
    return int(text)


def _v2_fields(page: Page) -> dict[str, Any]:
    """The v2 ``Version`` fields of the version ``page`` is at."""
    version = page.version
    return {
        "createdAt": version.created_at,
        "message": version.message,
        "number": version.number,
        "minorEdit": version.minor_edit,
        "authorId": version.author_id,
    }


def _page_version(page: Page, body_format: str | None) -> dict[str, Any]:
    """A ``PageVersion``: the version, and the page's id and title (and body) at it."""
    entity: dict[str, Any] = {"id": str(page.id), "title": page.title}
    if body_format == "storage":
        entity["body"] = {"storage": {"representation": "storage", "value": page.body}}
    return {**_v2_fields(page), "page": entity}


def _body_format(call: Call) -> str | None:
    asked = call.query("body-format")
    if asked not in (None, "storage"):
        raise ApiError(400, f"The sandbox serves page bodies as storage only, not {asked}")
    return asked


@endpoint("v2", READ_PAGE)
async def get_v2_versions(call: Call) -> Response:
    page = call.sandbox.pages.get(call.user, _v2_id(call.request.path_params["id"], "id"))
    sort = call.query("sort") or "-modified-date"
    if sort not in _V2_SORTS:
        raise ApiError(400, f"Invalid sort: {sort}")
    body_format = _body_format(call)
    offset = decode_cursor(call.query("cursor"))
    limit = v2_limit(call)
    found, more = call.sandbox.pages.history(
        page, newest_first=_V2_SORTS[sort], offset=offset, limit=limit
    )
    return v2_listing(call, [_page_version(p, body_format) for p in found], more, offset)


@endpoint("v2", READ_PAGE)
async def get_v2_version(call: Call) -> Response:
    params = call.request.path_params
    page = call.sandbox.pages.get(call.user, _v2_id(params["page_id"], "page-id"))
    number = _v2_id(params["version_number"], "version-number")
    at = call.sandbox.pages.at_version(page, number)
    data = {
        **_v2_fields(at),
        "contentTypeModified": False,
        "collaborators": [at.version.author_id],
    }
    if number > 1:
        data["prevVersion"] = number - 1
    if number < page.version.number:
        data["nextVersion"] = number + 1
    return JSONResponse(data)


def v2_routes() -> list[BaseRoute]:
    return [
        Route("/pages/{id}/versions", get_v2_versions, methods=["GET"]),
        Route("/pages/{page_id}/versions/{version_number}", get_v2_version, methods=["GET"]),
    ]


# v1 (Cloud only: see the module docstring)


def _v1_version(call: Call, page: Page, expand: set[str]) -> dict[str, Any]:
    """A v1 ``Version`` of ``page`` (as of that version); ``content`` and ``collaborators``
    are filled in when expanded."""
    number = page.version.number
    link = f"/rest/api/content/{page.id}"
    data: dict[str, Any] = {
        **version_json(call, page.version),
        "contentTypeModified": False,
        "_links": {"self": f"{call.site_base}{link}/version/{number}"},
    }
    expandable: dict[str, str] = {}
    if "content" in expand:
        data["content"] = content_json(call, page, set(), depth=1)
    elif page.status == "historical":
        expandable["content"] = f"{link}?status=historical&version={number}"
    else:
        expandable["content"] = link
    if "collaborators" in expand:
        author = call.sandbox.store.user_by("account_id", page.version.author_id)
        data["collaborators"] = {
            "users": [user_json(call, author)],
            "userAccountIds": [page.version.author_id],
        }
    else:
        expandable["collaborators"] = ""
    data["_expandable"] = expandable
    return data


def _v1_expand(call: Call) -> set[str]:
    # The Cloud v1 spec: "By default, the content object is expanded."
    return expansions(call) if "expand" in call.request.query_params else {"content"}


def _v1_page(call: Call) -> Page:
    # Trashed pages keep their versions, as their history (v1_meta.get_history).
    return call.sandbox.pages.get(call.user, page_id(call))


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def get_v1_versions(call: Call) -> Response:
    page = _v1_page(call)
    start = call.int_query("start", 0)
    limit = max(1, min(call.int_query("limit", _V1_DEFAULT_LIMIT), LIMIT_CAP))
    found, more = call.sandbox.pages.history(page, offset=start, limit=limit)
    expand = _v1_expand(call)
    return listing(
        call,
        [_v1_version(call, p, expand) for p in found],
        start=start,
        limit=limit,
        has_more=more,
    )


@endpoint("v1", READ_CONTENT, gone_on_gateway=True)
async def get_v1_version(call: Call) -> Response:
    page = _v1_page(call)
    raw = call.request.path_params["version_number"]
    if not str(raw).isdigit():
        raise SandboxError(ErrorKind.NOT_FOUND, f"No version {raw} of content {page.id}")
    at = call.sandbox.pages.at_version(page, int(raw))
    return JSONResponse(_v1_version(call, at, _v1_expand(call)))


def v1_routes() -> list[BaseRoute]:
    return [
        Route("/content/{id}/version", get_v1_versions, methods=["GET"]),
        Route("/content/{id}/version/{version_number}", get_v1_version, methods=["GET"]),
    ]
