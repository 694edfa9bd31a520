"""Confluence Data Center / Server: REST v1 for everything, under the site's context path
(``https://HOST/confluence`` -> ``/confluence/rest/api/...``).
https://developer.atlassian.com/server/confluence/confluence-server-rest-api/
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from confsync.confluence import v1
from confsync.confluence.api import MARK_KEY
from confsync.confluence.base import BackendBase, PropertyPlace, check_page, property_from
from confsync.confluence.errormap import Call
from confsync.confluence.permissions import ScopeNeeds
from confsync.types import (
    Attachment,
    ContentProperty,
    CurrentUser,
    ManagedMark,
    Operation,
    Page,
    PageMatch,
    Space,
)

__all__ = ["DataCenterBackend"]

API = "/rest/api"
LIMIT = 250  # servers may cap lower silently (expansions often cap at 100): next is followed
IDS_PER_CQL = 100  # keeps "id in (...)" URLs far below common 8 KB request-line limits


# The OAuth 2.0 provider's scopes nest: WRITE covers every write confsync makes.
# https://confluence.atlassian.com/display/DOC/OAuth+2.0+scopes+for+incoming+links
_WRITE = (frozenset({"WRITE"}), frozenset({"ADMIN"}), frozenset({"SYSTEM_ADMIN"}))
SCOPE_NEEDS: ScopeNeeds = dict.fromkeys(Operation, _WRITE)


def _homepage_id(space: Mapping[str, Any]) -> str | None:
    homepage = space.get("homepage")
    if isinstance(homepage, dict) and homepage.get("id"):
        return str(homepage["id"])
    # Unexpanded, the homepage is only a link: "/rest/api/content/98305".
    expandable = space.get("_expandable")
    link = expandable.get("homepage") if isinstance(expandable, dict) else None
    if isinstance(link, str) and link.rstrip("/").rsplit("/", 1)[-1].isdigit():
        return link.rstrip("/").rsplit("/", 1)[-1]
    return None


class DataCenterBackend(BackendBase):
    """The ``Confluence`` protocol on Confluence Data Center / Server."""

    edition = "datacenter"
    ids_per_request = IDS_PER_CQL
    marks_on_create = True
    scope_needs = SCOPE_NEEDS

    async def current_user(self) -> CurrentUser:
        data = await self.http.get_json(f"{API}/user/current", call=Call("read the signed-in user"))
        return CurrentUser(
            display_name=str(data.get("displayName") or data.get("username") or ""),
            username=data.get("username"),
            email=data.get("email") or None,
        )

    async def space(self, key: str) -> Space:
        data = await self.http.get_json(
            f"{API}/space/{key}", call=Call(f"read space {key}"), params={"expand": "homepage"}
        )
        return Space(
            id=str(data.get("id", key)),
            key=str(data.get("key", key)),
            name=str(data.get("name", key)),
            homepage_id=_homepage_id(data),
        )

    async def spaces(self) -> list[Space]:
        items = await self.http.collect(
            f"{API}/space", call=Call("list the spaces"), params={"limit": LIMIT}
        )
        return [
            Space(
                id=str(item.get("id", "")),
                key=str(item.get("key", "")),
                name=str(item.get("name", "")),
                homepage_id=_homepage_id(item),
            )
            for item in items
        ]

    def space_url(self, space: Space) -> str:
        return f"{self.site_url}/display/{space.key}"

    async def _space_operations(self, space: Space) -> frozenset[tuple[str, str]] | None:
        # The 10.0.3 API reads space permissions (/space/{key}/permissions[/user/{key}]) only
        # for space admins and lists direct grants, not those through groups: an absence
        # would prove nothing, so Data Center cannot tell without trying.
        return None

    async def _content(self, params: Mapping[str, Any], what: str, space: Space) -> list[Page]:
        items = await self.http.collect(
            f"{API}/content",
            call=Call(what),
            params={**params, "type": "page", "expand": v1.CONTENT_EXPAND, "limit": LIMIT},
        )
        return [v1.page(item, space_id=space.id) for item in items]

    async def pages_in_space(self, space: Space) -> list[Page]:
        params = {"spaceKey": space.key, "status": "current"}
        return await self._content(params, f"list the pages of space {space.key}", space)

    async def pages_by_title(self, space: Space, title: str) -> list[Page]:
        params = {"spaceKey": space.key, "title": title, "status": "current"}
        return await self._content(params, f"find page {title!r} in space {space.key}", space)

    async def _pages_by_id_chunk(self, ids: Sequence[str]) -> list[Page]:
        # No bulk-by-id listing in v1: CQL "id in (...)" answers it in one request.
        cql = f"type = page AND id in ({','.join(str(int(i)) for i in ids)})"
        items = await self.http.collect(
            f"{API}/content/search",
            call=Call(f"read {len(ids)} pages by id"),
            params={"cql": cql, "expand": v1.CONTENT_EXPAND, "limit": LIMIT},
        )
        return [v1.page(item) for item in items]

    async def children(self, page_id: str) -> list[Page]:
        items = await self.http.collect(
            f"{API}/content/{page_id}/child/page",
            call=Call(f"list the children of page {page_id}"),
            params={"expand": v1.CONTENT_EXPAND, "limit": LIMIT},
        )
        return [v1.page(item) for item in items]

    async def page(self, page_id: str, *, body: bool = True) -> Page:
        expand = v1.CONTENT_EXPAND + (",body.storage" if body else "")
        data = await self.http.get_json(
            f"{API}/content/{page_id}", call=Call(f"read page {page_id}"), params={"expand": expand}
        )
        return v1.page(data)

    async def page_version(self, page_id: str, number: int) -> Page:
        data = await self.http.get_json(
            f"{API}/content/{page_id}",
            call=Call(f"read version {number} of page {page_id}"),
            params={
                "version": number,
                "status": "historical",
                "expand": v1.CONTENT_EXPAND + ",body.storage",
            },
        )
        return v1.page(data)

    async def trashed_pages(self, space: Space) -> list[Page]:
        params = {"spaceKey": space.key, "status": "trashed"}
        return await self._content(params, f"list the trash of space {space.key}", space)

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
            "type": "page",
            "status": "current",
            "title": title,
            "space": {"key": space.key},
            "body": {"storage": {"value": body, "representation": "storage"}},
            "version": {"number": 1, "message": message},
        }
        if parent_id is not None:
            payload["ancestors"] = [{"id": parent_id}]
        if mark is not None:
            # Created with the page, in the same request, with the labels the mark records: a
            # page confsync made is never without its mark, and the create costs one write.
            metadata: dict[str, Any] = {
                "properties": {MARK_KEY: {"key": MARK_KEY, "value": mark.to_json()}}
            }
            if mark.labels:
                metadata["labels"] = [{"prefix": "global", "name": n} for n in mark.labels]
            payload["metadata"] = metadata

        async def lookup() -> Page | None:
            return await self._find_created(space, title, parent_id, message)

        return await self.http.write(
            "POST",
            f"{API}/content",
            call=Call(f"create page {title!r} in space {space.key}"),
            parse=lambda data: v1.page(data, space_id=space.id),
            lookup=lookup,
            json=payload,
            params={"expand": v1.CONTENT_EXPAND},
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
        check_page(title, body)
        version = {"number": version_number + 1, "message": message, "minorEdit": minor_edit}
        payload: dict[str, Any] = {
            "id": page_id,
            "type": "page",
            "status": "current",
            "title": title,
            "body": {"storage": {"value": body, "representation": "storage"}},
            "version": version,
        }
        if parent_id is not None:
            payload["ancestors"] = [{"id": parent_id}]

        async def lookup() -> Page | None:
            return await self._find_updated(page_id, version_number, message)

        return await self.http.write(
            "PUT",
            f"{API}/content/{page_id}",
            call=Call(f"update page {title!r} (id {page_id})"),
            parse=v1.page,
            lookup=lookup,
            json=payload,
        )

    async def delete_page(self, page_id: str) -> None:
        await self.http.request(
            "DELETE",
            f"{API}/content/{page_id}",
            call=Call(f"delete page {page_id}"),
            accept=frozenset({404}),
        )

    def _page_properties(self, page_id: str) -> PropertyPlace:
        return PropertyPlace(f"{API}/content/{page_id}/property", f"page {page_id}")

    def _labels_path(self, page_id: str) -> str:
        return f"{API}/content/{page_id}/label"

    async def _label_names(self, page_id: str) -> list[str]:
        items = await self.http.collect(
            self._labels_path(page_id),
            call=Call(f"read the labels of page {page_id}"),
            params={"prefix": "global", "limit": LIMIT},
        )
        return [str(item.get("name", "")) for item in items]

    def _space_properties(self, space: Space) -> PropertyPlace:
        return PropertyPlace(f"{API}/space/{space.key}/property", f"space {space.key}")

    def _property_item(self, place: PropertyPlace, prop: ContentProperty) -> str:
        return f"{place.path}/{prop.key}"

    def _property_version(self, number: int) -> dict[str, Any]:
        return {"number": number, "minorEdit": True}

    async def _read_property(self, place: PropertyPlace, key: str) -> ContentProperty | None:
        call = Call(f"read the {key} property of {place.what}")
        response = await self.http.request(
            "GET", f"{place.path}/{key}", call=call, accept=frozenset({404})
        )
        if response.status_code == 404:
            return None
        return property_from(self.http.json(response, call))

    async def attachments(self, page_id: str, *, filename: str | None = None) -> list[Attachment]:
        params: dict[str, Any] = {"limit": LIMIT, "expand": "version,container"}
        if filename is not None:
            params["filename"] = filename
        items = await self.http.collect(
            f"{API}/content/{page_id}/child/attachment",
            call=Call(f"list the attachments of page {page_id}"),
            params=params,
        )
        return [v1.attachment(item, page_id=page_id) for item in items]

    async def attachments_in_space(self, space: Space) -> list[Attachment]:
        items = await self.http.collect(
            f"{API}/content/search",
            call=Call(f"list the files in space {space.key}"),
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
            f"{API}/content/{page_id}/child/attachment",
            call=Call(f"attach {filename} to page {page_id}"),
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
            f"{API}/content/{page_id}/child/attachment/{attachment.id}/data",
            call=Call(f"upload a new version of {attachment.filename} on page {page_id}"),
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
            f"{API}/content/search",
            Call(f"search pages titled like {text!r}"),
            cql=v1.title_search_cql(text, space_key),
            limit=limit,
            page_size=LIMIT,
        )
