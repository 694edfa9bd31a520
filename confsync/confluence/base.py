"""What both backends do alike: lifecycle, links, and the flows built from primitives
(create-then-stamp, move, the look-ups that make retried writes safe, bulk chunking).

Only the two subclasses (``cloud.py``, ``datacenter.py``) know an edition's endpoints.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

import anyio

from confsync.confluence.api import MARK_KEY
from confsync.confluence.auth import OAuthAuth
from confsync.confluence.errormap import Call, ScopeAdvice
from confsync.confluence.http import HttpClient
from confsync.confluence.permissions import ScopeNeeds, SpaceNeeds, weigh
from confsync.errors import (
    BadRequestError,
    ConflictError,
    ConfluenceError,
    PayloadTooLargeError,
)
from confsync.text import MAX_TITLE_LENGTH
from confsync.types import ContentProperty, ManagedMark, Page, Permission, Space

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_TITLE_LENGTH",
    "BackendBase",
    "PropertyPlace",
    "check_page",
    "mark_from",
    "property_from",
]

MAX_BODY_BYTES = 5_242_880  # Confluence answers 413 above (docs/confluence-notes.md)


def _advice(identity: object) -> Callable[[str], str]:
    """How to get a missing scope: the credentials' own advice (the exact command), else
    the general one."""
    if isinstance(identity, ScopeAdvice):
        return identity.scope_advice
    return lambda scope: (
        f"Add {scope} to the app (Cloud: the developer console's Permissions; Data Center: "
        "the application link), then sign in again with `confsync login`."
    )


def mark_from(value: Any) -> ManagedMark | None:
    """The mark in a ``confsync`` property value; None if someone left something else there."""
    if not isinstance(value, dict):
        return None
    # Marks written before labels record none: confsync put none on the page then. Labels
    # that are not a list of names are read as none too: the mark still says whose page it is,
    # and confsync removes only what it knows it added.
    labels = value.get("labels")
    if not isinstance(labels, list) or not all(isinstance(name, str) for name in labels):
        labels = []
    try:
        # Marks written before 0.2 also carry a ``digest``: it is ignored, never trusted.
        return ManagedMark(
            address=str(value["address"]),
            source=str(value["source"]),
            version=str(value.get("version", "")),
            labels=tuple(sorted(set(labels))),
        )
    except KeyError:
        return None


def check_page(title: str, body: str) -> None:
    """Refuse, before sending, what Confluence would refuse with a terse 400 or 413."""
    if len(title) > MAX_TITLE_LENGTH:
        raise BadRequestError(
            f"The title {title[:60]!r}... has {len(title)} characters; Confluence allows "
            f"{MAX_TITLE_LENGTH}. Shorten the report's title or the title template."
        )
    size = len(body.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise PayloadTooLargeError(
            f"The page {title!r} would be {size:,} bytes; Confluence accepts at most "
            f"{MAX_BODY_BYTES:,} (5 MB). Split the report or move large content into "
            "attachments."
        )


@dataclass(frozen=True)
class PropertyPlace:
    """Where the properties of one page or one space live, in an edition's API.

    ``path``: the collection (a create is a POST to it; each property lies below it);
    ``what``: the owner, for messages ("page 65540", "space PLAT"); the Cloud OAuth scopes.
    """

    path: str
    what: str
    read_scope: str | None = None
    write_scope: str | None = None


def property_from(item: Mapping[str, Any]) -> ContentProperty:
    """A content or space property, as both APIs answer it."""
    version = item.get("version")
    number = version.get("number", 1) if isinstance(version, dict) else 1
    return ContentProperty(
        id=str(item.get("id", "")),
        key=str(item.get("key", "")),
        value=item.get("value"),
        version=int(number),
    )


class BackendBase(abc.ABC):
    """Shared behaviour of ``CloudBackend`` and ``DataCenterBackend``."""

    edition: str
    ids_per_request: int
    marks_on_create: bool = False
    scope_needs: ClassVar[ScopeNeeds]
    """What each operation asks of an OAuth token, in this edition's scope names."""
    space_needs: ClassVar[SpaceNeeds] = {}
    """What each operation asks of the space's reported operations (when it reports any)."""
    label_scope: ClassVar[str | None] = None
    """The OAuth scope that label writes ask for, for messages (Cloud only)."""

    def __init__(
        self,
        http: HttpClient,
        *,
        site_url: str,
        closers: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> None:
        self.http = http
        self.site_url = site_url.rstrip("/")
        self._closers = list(closers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.site_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()
        for close in self._closers:
            await close()

    def page_url(self, page: Page) -> str:
        # viewpage.action works on Cloud and Data Center alike, and needs only the id.
        return f"{self.site_url}/pages/viewpage.action?pageId={page.id}"

    # ---- properties: a page's mark, a space's lock, through one mechanism ------------------

    async def get_mark(self, page_id: str) -> ManagedMark | None:
        found = await self._read_property(self._page_properties(page_id), MARK_KEY)
        return None if found is None else mark_from(found.value)

    async def set_mark(self, page_id: str, mark: ManagedMark, *, new_page: bool = False) -> None:
        place, value = self._page_properties(page_id), mark.to_json()
        existing = None if new_page else await self._read_property(place, MARK_KEY)
        if existing is None:
            await self._create_property(place, MARK_KEY, value)
        elif existing.value != value:
            await self.update_property(place, existing, value)

    def _record_place(self, space: Space) -> PropertyPlace:
        # The homepage, not the space: Cloud asks the space's Admin permission to write a
        # space property, and a publishing account should not need to be a space admin.
        if space.homepage_id is None:
            return self._space_properties(space)
        place = self._page_properties(space.homepage_id)
        return replace(place, what=f"the homepage of space {space.key} ({place.what})")

    async def space_record(self, space: Space, key: str) -> ContentProperty | None:
        return await self._read_property(self._record_place(space), key)

    async def create_space_record(
        self, space: Space, key: str, value: dict[str, Any]
    ) -> ContentProperty | None:
        place = self._record_place(space)
        try:
            return await self._create_property(place, key, value)
        except (BadRequestError, ConflictError):
            # A key that exists is refused with 400 (Cloud v2) or 409 (Data Center): taken,
            # if it is there now; any other refusal is the caller's to know.
            if await self._read_property(place, key) is not None:
                return None
            raise

    async def update_space_record(
        self, space: Space, current: ContentProperty, value: dict[str, Any]
    ) -> ContentProperty:
        return await self.update_property(self._record_place(space), current, value)

    async def delete_space_record(self, space: Space, current: ContentProperty) -> None:
        place = self._record_place(space)
        await self.http.request(
            "DELETE",
            self._property_item(place, current),
            call=Call(f"delete the {current.key} property of {place.what}", place.write_scope),
            accept=frozenset({404}),
        )

    async def _create_property(
        self, place: PropertyPlace, key: str, value: dict[str, Any]
    ) -> ContentProperty:
        async def lookup() -> ContentProperty | None:
            found = await self._read_property(place, key)
            return found if found is not None and found.value == value else None

        return await self.http.write(
            "POST",
            place.path,
            call=Call(f"create the {key} property of {place.what}", place.write_scope),
            parse=property_from,
            lookup=lookup,
            json={"key": key, "value": value},
        )

    async def update_property(
        self, place: PropertyPlace, current: ContentProperty, value: dict[str, Any]
    ) -> ContentProperty:
        """Replace a property last seen as ``current`` (``StaleVersionError`` if it moved on)."""

        async def lookup() -> ContentProperty | None:
            found = await self._read_property(place, current.key)
            return found if found is not None and found.value == value else None

        return await self.http.write(
            "PUT",
            self._property_item(place, current),
            call=Call(f"update the {current.key} property of {place.what}", place.write_scope),
            parse=property_from,
            lookup=lookup,
            json={
                "key": current.key,
                "value": value,
                "version": self._property_version(current.version + 1),
            },
        )

    # ---- labels: written through v1 on both editions (v2 only reads them) ------------------

    async def add_labels(self, page_id: str, names: Sequence[str]) -> None:
        wanted = sorted(set(names))

        async def lookup() -> bool | None:
            # An answer lost on the way: if the labels are there, the write was made.
            return True if set(wanted) <= set(await self._label_names(page_id)) else None

        await self.http.write(
            "POST",
            self._labels_path(page_id),
            call=Call(f"add the labels {', '.join(wanted)} to page {page_id}", self.label_scope),
            parse=lambda _: True,
            lookup=lookup,
            json=[{"prefix": "global", "name": name} for name in wanted],
        )

    async def remove_label(self, page_id: str, name: str) -> None:
        # By query, not by path: a name with "/" cannot travel in the path (both specs say so).
        await self.http.request(
            "DELETE",
            self._labels_path(page_id),
            call=Call(f"remove the label {name} from page {page_id}", self.label_scope),
            params={"name": name},
            accept=frozenset({404}),  # not on the page (any more): removed
        )

    async def permissions(self, space: Space) -> tuple[Permission, ...]:
        identity = self.http.identity
        scopes = None
        if isinstance(identity, OAuthAuth):
            scopes = identity.refresher.granted_scopes
            if scopes is None:
                await self.current_user()  # the token's scopes are known once it is fetched
                scopes = identity.refresher.granted_scopes
        return weigh(
            space_key=space.key,
            who=identity.description,
            scopes=scopes,
            scope_needs=self.scope_needs,
            operations=await self._space_operations(space),
            space_needs=self.space_needs,
            scope_advice=_advice(identity),
        )

    # ---- primitives each edition provides --------------------------------------------------

    @abc.abstractmethod
    def _page_properties(self, page_id: str) -> PropertyPlace:
        """Where the content properties of a page live."""

    @abc.abstractmethod
    def _space_properties(self, space: Space) -> PropertyPlace:
        """Where the properties of a space live."""

    @abc.abstractmethod
    def _property_item(self, place: PropertyPlace, prop: ContentProperty) -> str:
        """The path of one property (by id on Cloud v2, by key on v1)."""

    @abc.abstractmethod
    def _property_version(self, number: int) -> dict[str, Any]:
        """The ``version`` of a property update, in the edition's dialect."""

    @abc.abstractmethod
    async def _read_property(self, place: PropertyPlace, key: str) -> ContentProperty | None:
        """The property ``key`` at ``place``, or None."""

    @abc.abstractmethod
    def _labels_path(self, page_id: str) -> str:
        """Where a page's labels are added (POST) and removed (DELETE ``?name=``)."""

    @abc.abstractmethod
    async def _label_names(self, page_id: str) -> list[str]:
        """The names of a page's ``global`` labels."""

    @abc.abstractmethod
    async def current_user(self) -> Any: ...

    @abc.abstractmethod
    async def _space_operations(self, space: Space) -> frozenset[tuple[str, str]] | None:
        """The ``(operation, targetType)`` pairs the space allows the user; None when the
        edition cannot say."""

    @abc.abstractmethod
    async def pages_by_title(self, space: Space, title: str) -> list[Page]: ...

    @abc.abstractmethod
    async def page(self, page_id: str, *, body: bool = True) -> Page: ...

    @abc.abstractmethod
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
    ) -> Page: ...

    @abc.abstractmethod
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
        """Create the page once (``HttpClient.write`` with ``_find_created`` as look-up)."""

    @abc.abstractmethod
    async def _pages_by_id_chunk(self, ids: Sequence[str]) -> list[Page]: ...

    # ---- flows -----------------------------------------------------------------------------

    async def create_page(
        self,
        space: Space,
        *,
        title: str,
        body: str,
        parent_id: str | None,
        message: str,
        stamp: bool = True,
        mark: ManagedMark | None = None,
    ) -> Page:
        if mark is not None and not self.marks_on_create:
            raise TypeError(f"{type(self).__name__} cannot create a page with its mark")
        created = await self._post_page(
            space, title=title, body=body, parent_id=parent_id, message=message, mark=mark
        )
        if created.version.message == message or not stamp:
            return created
        # Cloud v2 cannot set a version message on create; stamp it, so that every version
        # confsync writes carries its message and a no-op plan recognises the page.
        return await self.update_page(
            created.id,
            title=title,
            body=body,
            parent_id=parent_id,
            version_number=created.version.number,
            message=message,
            minor_edit=True,  # the create itself told the watchers
        )

    async def _find_created(
        self, space: Space, title: str, parent_id: str | None, message: str
    ) -> Page | None:
        """The page an earlier, unanswered create made, if it made one.

        The plan only creates a title that was free in the space, so a page with this title
        under this parent at version 1 (or carrying our message) is ours.
        """
        for page in await self.pages_by_title(space, title):
            if parent_id is not None and page.parent_id != parent_id:
                continue
            if page.version.message == message or page.version.number == 1:
                return page
        return None

    async def _find_updated(self, page_id: str, version_number: int, message: str) -> Page | None:
        """The page if an earlier, unanswered update already took it to the next version."""
        page = await self.page(page_id, body=False)
        if page.version.number == version_number + 1 and page.version.message == message:
            return page
        return None

    async def move_page(
        self,
        page_id: str,
        *,
        parent_id: str,
        version_number: int,
        message: str,
        minor_edit: bool = False,
    ) -> Page:
        # Both APIs move a page by updating it with a new parent, body included.
        current = await self.page(page_id, body=True)
        return await self.update_page(
            page_id,
            title=current.title,
            body=current.body or "",
            parent_id=parent_id,
            version_number=version_number,
            message=message,
            minor_edit=minor_edit,
        )

    async def pages_by_id(self, ids: Sequence[str]) -> list[Page]:
        unique = list(dict.fromkeys(ids))
        size = self.ids_per_request
        chunks = [unique[i : i + size] for i in range(0, len(unique), size)]
        found: list[list[Page]] = [[] for _ in chunks]

        async def fetch(index: int, chunk: Sequence[str]) -> None:
            found[index] = await self._pages_by_id_chunk(chunk)

        try:
            async with anyio.create_task_group() as group:
                for index, chunk in enumerate(chunks):
                    group.start_soon(fetch, index, chunk)
        except* ConfluenceError as group_error:
            # Callers expect one ConfluenceError, not a group: raise the first.
            raise group_error.exceptions[0] from None
        return [page for pages in found for page in pages]
