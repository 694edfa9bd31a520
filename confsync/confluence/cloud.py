"""Confluence Cloud: REST v2 for spaces, pages, properties and children; v1 for attachment
upload, ``user/current`` and CQL search, which v2 lacks.

The v1 content, property and space endpoints are deprecated and answer 410 Gone through the
OAuth gateway (docs/confluence-api.md "Which API for which edition"; the deprecated list as
clients met it: https://github.com/quarto-dev/quarto-cli/issues/4805), hence v2 for those.
``HttpClient`` paths are relative to the API base: the site (``https://SITE.atlassian.net/wiki``)
for API tokens, the gateway (``https://api.atlassian.com/ex/confluence/{cloudId}/wiki``) for OAuth
and scoped tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from confsync.confluence import v1
from confsync.confluence.base import BackendBase, PropertyPlace, check_page, property_from
from confsync.confluence.errormap import Call
from confsync.confluence.permissions import ScopeNeeds, SpaceNeeds
from confsync.errors import NotFoundError
from confsync.types import (
    Attachment,
    ContentProperty,
    CurrentUser,
    ManagedMark,
    Operation,
    Page,
    PageMatch,
    PageVersion,
    Space,
)

__all__ = ["CloudBackend"]

V2 = "/api/v2"
V1 = "/rest/api"
LIMIT = 250  # the v2 maximum for every listing confsync uses

_READ_PAGE = "read:page:confluence"
_WRITE_PAGE = "write:page:confluence"
# v1 label writes ask the label scopes (granular), or write:confluence-content (classic).
_READ_LABEL = "read:label:confluence"
_WRITE_LABEL = "write:label:confluence"
# The v2 spec asks the space scopes for space properties (not the space.property ones of v1).
_READ_SPACE_PROPS = "read:space:confluence"
_WRITE_SPACE_PROPS = "write:space:confluence"


_GRANULAR_OR_CLASSIC = {
    # Creating and updating a page puts its labels on it, too.
    "page": (
        frozenset({_WRITE_PAGE, _READ_LABEL, _WRITE_LABEL}),
        frozenset({"write:confluence-content"}),
    ),
    "file": (
        frozenset({"write:attachment:confluence"}),
        frozenset({"write:confluence-file"}),
    ),
    "delete": (
        frozenset({"delete:page:confluence"}),
        frozenset({"write:confluence-content"}),
    ),
}
SCOPE_NEEDS: ScopeNeeds = {
    Operation.CREATE: _GRANULAR_OR_CLASSIC["page"],
    Operation.UPDATE: _GRANULAR_OR_CLASSIC["page"],
    Operation.UPLOAD: _GRANULAR_OR_CLASSIC["file"],
    Operation.DELETE: _GRANULAR_OR_CLASSIC["delete"],
    # The lock is a content property of the space's homepage, written as the mark is.
    Operation.LOCK: _GRANULAR_OR_CLASSIC["page"],
}
"""Granular scopes, or their classic equivalents (docs/confluence-api.md "OAuth scopes")."""

SPACE_NEEDS: SpaceNeeds = {
    Operation.CREATE: ("create", "page"),
    # Confluence's "Add pages" space permission covers editing; spaces report no "update".
    # https://support.atlassian.com/confluence-cloud/docs/assign-space-permissions/
    Operation.UPDATE: ("create", "page"),
    Operation.UPLOAD: ("create", "attachment"),
    Operation.DELETE: ("delete", "page"),
    # The apply lock is a content property of the space's homepage: editing that page, which
    # "Add pages" covers (a space property would ask the space's Admin permission).
    Operation.LOCK: ("create", "page"),
}


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _page(item: Mapping[str, Any]) -> Page:
    version = _dict(item.get("version"))
    body = _dict(_dict(item.get("body")).get("storage")).get("value")
    parent = item.get("parentId")
    return Page(
        id=str(item["id"]),
        space_id=str(item.get("spaceId", "")),
        title=str(item.get("title", "")),
        parent_id=str(parent) if parent else None,
        status=v1.page_status(item.get("status")),
        version=PageVersion(int(version.get("number", 0)), str(version.get("message") or "")),
        body=body if isinstance(body, str) else None,
    )


class CloudBackend(BackendBase):
    """The ``Confluence`` protocol on Confluence Cloud."""

    edition = "cloud"
    ids_per_request = LIMIT
    scope_needs = SCOPE_NEEDS
    space_needs = SPACE_NEEDS
    label_scope = _WRITE_LABEL

    async def current_user(self) -> CurrentUser:
        data = await self.http.get_json(
            f"{V1}/user/current",
            call=Call("read the signed-in user", "read:content-details:confluence"),
        )
        return CurrentUser(
            display_name=str(data.get("displayName") or data.get("publicName") or ""),
            account_id=data.get("accountId"),
            email=data.get("email") or None,
        )

    async def space(self, key: str) -> Space:
        call = Call(f"read space {key}", "read:space:confluence")
        found = await self.http.get_json(f"{V2}/spaces", call=call, params={"keys": key})
        for item in found.get("results", []):
            if item.get("key") == key:
                return Space(
                    id=str(item["id"]),
                    key=key,
                    name=str(item.get("name", key)),
                    homepage_id=str(item["homepageId"]) if item.get("homepageId") else None,
                )
        raise NotFoundError(
            f"Space {key} does not exist or {self.http.identity.description} cannot see it. "
            "Check the team's space key in confsync.yaml and the account's space permissions.",
            status=404,
        )

    async def spaces(self) -> list[Space]:
        items = await self.http.collect(
            f"{V2}/spaces",
            call=Call("list the spaces", "read:space:confluence"),
            params={"limit": LIMIT},
        )
        return [
            Space(
                id=str(item["id"]),
                key=str(item.get("key", "")),
                name=str(item.get("name", "")),
                homepage_id=str(item["homepageId"]) if item.get("homepageId") else None,
            )
            for item in items
        ]

    def space_url(self, space: Space) -> str:
        return f"{self.site_url}/spaces/{space.key}"

    async def _space_operations(self, space: Space) -> frozenset[tuple[str, str]] | None:
        # What the signed-in user may do in the space, as the space reports it (v2 only).
        data = await self.http.get_json(
            f"{V2}/spaces/{space.id}/operations",
            call=Call(f"read what you may do in space {space.key}", "read:space:confluence"),
        )
        operations = data.get("operations") if isinstance(data, dict) else None
        return frozenset(
            (str(o.get("operation")), str(o.get("targetType")))
            for o in (operations if isinstance(operations, list) else [])
            if isinstance(o, dict)
        )

    async def _pages(self, params: Mapping[str, Any], what: str) -> list[Page]:
        items = await self.http.collect(
            f"{V2}/pages", call=Call(what, _READ_PAGE), params={**params, "limit": LIMIT}
        )
        return [_page(item) for item in items]

    async def pages_in_space(self, space: Space) -> list[Page]:
        return await self._pages(
            {"space-id": space.id, "status": "current"}, f"list the pages of space {space.key}"
        )

    async def pages_by_title(self, space: Space, title: str) -> list[Page]:
        params = {"space-id": space.id, "title": title, "status": "current"}
        return await self._pages(params, f"find page {title!r} in space {space.key}")

    async def _pages_by_id_chunk(self, ids: Sequence[str]) -> list[Page]:
        return await self._pages({"id": ",".join(ids)}, f"read {len(ids)} pages by id")

    async def children(self, page_id: str) -> list[Page]:
        # direct-children gives no versions: fetch the child pages in bulk by id.
        items = await self.http.collect(
            f"{V2}/pages/{page_id}/direct-children",
            call=Call(
                f"list the children of page {page_id}", "read:hierarchical-content:confluence"
            ),
            params={"limit": LIMIT},
        )
        ids = [str(item["id"]) for item in items if item.get("type", "page") == "page"]
        return await self.pages_by_id(ids) if ids else []

    async def page(self, page_id: str, *, body: bool = True) -> Page:
        params = {"body-format": "storage"} if body else None
        data = await self.http.get_json(
            f"{V2}/pages/{page_id}", call=Call(f"read page {page_id}", _READ_PAGE), params=params
        )
        return _page(data)

    async def page_version(self, page_id: str, number: int) -> Page:
        data = await self.http.get_json(
            f"{V2}/pages/{page_id}",
            call=Call(f"read version {number} of page {page_id}", _READ_PAGE),
            params={"version": number, "body-format": "storage"},
        )
        return _page(data)

    async def trashed_pages(self, space: Space) -> list[Page]:
        return await self._pages(
            {"space-id": space.id, "status": "trashed"}, f"list the trash of space {space.key}"
        )

    async def _post_page(
        self,
        space: Space,
        *,
        title: str,
        body: str,
        parent_id: str | None,
        message: str,
        mark: ManagedMark | None,
    ) -> Page:
        check_page(title, body)
        payload: dict[str, Any] = {
            "spaceId": space.id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
        }
        if parent_id is not None:
            payload["parentId"] = parent_id
        # Without a parent, v2 files the page under the space homepage unless root-level=true.
        params = None if parent_id is not None else {"root-level": "true"}

        async def lookup() -> Page | None:
            return await self._find_created(space, title, parent_id, message)

        return await self.http.write(
            "POST",
            f"{V2}/pages",
            call=Call(f"create page {title!r} in space {space.key}", _WRITE_PAGE),
            parse=_page,
            lookup=lookup,
            json=payload,
            params=params,
        )

    async def update_page(
        self,
        page_id: str,
        *,
        title: str,
        body: str,
        parent_id: str | None,
        version_number: int,
        message: str,
        minor_edit: bool = False,
    ) -> Page:
        # The v2 update has no ``minorEdit`` (its version takes a number and a message only),
        # and the v1 update that has one answers 410 through the gateway: on Cloud, Confluence
        # notifies watchers as it always does (docs/confluence-notes.md).
        del minor_edit
        check_page(title, body)
        payload: dict[str, Any] = {
            "id": page_id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
            "version": {"number": version_number + 1, "message": message},
        }
        if parent_id is not None:
            payload["parentId"] = parent_id

        async def lookup() -> Page | None:
            return await self._find_updated(page_id, version_number, message)

        return await self.http.write(
            "PUT",
            f"{V2}/pages/{page_id}",
            call=Call(f"update page {title!r} (id {page_id})", _WRITE_PAGE),
            parse=_page,
            lookup=lookup,
            json=payload,
        )

    async def delete_page(self, page_id: str) -> None:
        # Moves the page to the trash; 404 means it is gone already.
        await self.http.request(
            "DELETE",
            f"{V2}/pages/{page_id}",
            call=Call(f"delete page {page_id}", "delete:page:confluence"),
            accept=frozenset({404}),
        )

    def _labels_path(self, page_id: str) -> str:
        # v2 reads labels but cannot write them; v1's label calls are not deprecated.
        return f"{V1}/content/{page_id}/label"

    async def _label_names(self, page_id: str) -> list[str]:
        items = await self.http.collect(
            f"{V2}/pages/{page_id}/labels",
            call=Call(f"read the labels of page {page_id}", _READ_PAGE),
            params={"prefix": "global", "limit": LIMIT},
        )
        return [str(item.get("name", "")) for item in items]

    def _page_properties(self, page_id: str) -> PropertyPlace:
        return PropertyPlace(
            f"{V2}/pages/{page_id}/properties", f"page {page_id}", _READ_PAGE, _WRITE_PAGE
        )

    def _space_properties(self, space: Space) -> PropertyPlace:
        return PropertyPlace(
            f"{V2}/spaces/{space.id}/properties",
            f"space {space.key}",
            _READ_SPACE_PROPS,
            _WRITE_SPACE_PROPS,
        )

    def _property_item(self, place: PropertyPlace, prop: ContentProperty) -> str:
        return f"{place.path}/{prop.id}"

    def _property_version(self, number: int) -> dict[str, Any]:
        return {"number": number, "message": "confsync"}

    async def _read_property(self, place: PropertyPlace, key: str) -> ContentProperty | None:
        # v2 addresses a property by id: the listing, filtered by key, finds it.
        items = await self.http.collect(
            place.path,
            call=Call(f"read the {key} property of {place.what}", place.read_scope),
            params={"key": key},
        )
        return next((property_from(item) for item in items if item.get("key") == key), None)

    async def attachments(self, page_id: str, *, filename: str | None = None) -> list[Attachment]:
        params: dict[str, Any] = {"limit": LIMIT, "status": "current"}
        if filename is not None:
            params["filename"] = filename
        items = await self.http.collect(
            f"{V2}/pages/{page_id}/attachments",
            call=Call(f"list the attachments of page {page_id}", "read:attachment:confluence"),
            params=params,
        )
        return [
            Attachment(
                id=str(item["id"]),
                page_id=str(item.get("pageId") or page_id),
                filename=str(item.get("title", "")),
                media_type=str(item.get("mediaType", "")),
                size=int(item.get("fileSize") or 0),
                version=int(_dict(item.get("version")).get("number", 1)),
                comment=str(item.get("comment") or ""),
            )
            for item in items
        ]

    async def attachments_in_space(self, space: Space) -> list[Attachment]:
        # v2 lists attachments per page or site-wide only: CQL reaches a space's in bulk.
        items = await self.http.collect(
            f"{V1}/content/search",
            call=Call(f"list the files in space {space.key}", "read:content-details:confluence"),
            params={
                "cql": v1.attachments_cql(space.key),
                "limit": LIMIT,
                "expand": v1.ATTACHMENT_EXPAND,
            },
        )
        return [v1.attachment(item, page_id="") for item in items]

    async def upload_attachment(
        self, page_id: str, *, filename: str, data: bytes, media_type: str, comment: str
    ) -> Attachment:
        async def lookup() -> Attachment | None:
            found = await self.attachments(page_id, filename=filename)
            return found[0] if found else None

        return await self.http.write(
            "POST",
            f"{V1}/content/{page_id}/child/attachment",
            call=Call(f"attach {filename} to page {page_id}", "write:attachment:confluence"),
            parse=lambda body: v1.attachment(body["results"][0], page_id=page_id),
            lookup=lookup,
            files=v1.multipart(filename, data, media_type, comment),
            headers=v1.XSRF_HEADERS,
        )

    async def upload_attachment_version(
        self, attachment: Attachment, *, data: bytes, media_type: str, comment: str
    ) -> Attachment:
        page_id = attachment.page_id

        async def lookup() -> Attachment | None:
            found = await self.attachments(page_id, filename=attachment.filename)
            return next((a for a in found if a.version > attachment.version), None)

        return await self.http.write(
            "POST",
            f"{V1}/content/{page_id}/child/attachment/{attachment.id}/data",
            call=Call(
                f"upload a new version of {attachment.filename} on page {page_id}",
                "write:attachment:confluence",
            ),
            parse=lambda body: v1.attachment(body, page_id=page_id),
            lookup=lookup,
            files=v1.multipart(attachment.filename, data, media_type, comment),
            headers=v1.XSRF_HEADERS,
        )

    async def search_pages(
        self, text: str, *, space_key: str | None = None, limit: int | None = 25
    ) -> list[PageMatch]:
        return await v1.search(
            self.http,
            f"{V1}/content/search",
            Call(f"search pages titled like {text!r}", "read:content-details:confluence"),
            cql=v1.title_search_cql(text, space_key),
            limit=limit,
            page_size=LIMIT,
        )
