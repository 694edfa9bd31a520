"""What both backends do alike: lifecycle, links, and the flows built from primitives
(create-then-stamp, move, the look-ups that make retried writes safe, bulk chunking).

Only the two subclasses (``cloud.py``, ``datacenter.py``) know an edition's endpoints.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Self

import anyio

from confsync.confluence.auth import OAuthAuth
from confsync.confluence.errormap import ScopeAdvice
from confsync.confluence.http import HttpClient
from confsync.confluence.permissions import ScopeNeeds, SpaceNeeds, weigh
from confsync.errors import (
    BadRequestError,
    ConflictError,
    ConfluenceError,
    PayloadTooLargeError,
)
from confsync.types import ContentProperty, ManagedMark, Page, Permission, Space

__all__ = ["MAX_BODY_BYTES", "MAX_TITLE_LENGTH", "BackendBase", "check_page", "mark_from"]

MAX_BODY_BYTES = 5_242_880  # Confluence: 413 above (docs/confluence-api.md "Errors that matter")
MAX_TITLE_LENGTH = 255  # and 400 above this many characters


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
    try:
        return ManagedMark(**{k: str(value[k]) for k in ("address", "digest", "version", "source")})
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


class BackendBase(abc.ABC):
    """Shared behaviour of ``CloudBackend`` and ``DataCenterBackend``."""

    edition: str
    ids_per_request: int
    marks_on_create: bool = False
    scope_needs: ClassVar[ScopeNeeds]
    """What each operation asks of an OAuth token, in this edition's scope names."""
    space_needs: ClassVar[SpaceNeeds] = {}
    """What each operation asks of the space's reported operations (when it reports any)."""

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

    async def get_mark(self, page_id: str) -> ManagedMark | None:
        found = await self._mark_property(page_id)
        return None if found is None else mark_from(found.value)

    async def set_mark(self, page_id: str, mark: ManagedMark, *, new_page: bool = False) -> None:
        value = mark.to_json()
        existing = None if new_page else await self._mark_property(page_id)
        if existing is not None and existing.value == value:
            return

        async def lookup() -> ContentProperty | None:
            found = await self._mark_property(page_id)
            return found if found is not None and found.value == value else None

        await self._write_mark(page_id, value, existing, lookup)

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

    async def create_space_property(
        self, space: Space, key: str, value: dict[str, Any]
    ) -> ContentProperty | None:
        async def lookup() -> ContentProperty | None:
            found = await self.space_property(space, key)
            return found if found is not None and found.value == value else None

        try:
            return await self._post_space_property(space, key, value, lookup)
        except (BadRequestError, ConflictError):
            # A key that exists is refused with 400 (Cloud v2) or 409 (Data Center): taken,
            # if it is there now; any other refusal is the caller's to know.
            if await self.space_property(space, key) is not None:
                return None
            raise

    async def update_space_property(
        self, space: Space, current: ContentProperty, value: dict[str, Any]
    ) -> ContentProperty:
        async def lookup() -> ContentProperty | None:
            found = await self.space_property(space, current.key)
            return found if found is not None and found.value == value else None

        return await self._put_space_property(space, current, value, lookup)

    # ---- primitives each edition provides --------------------------------------------------

    @abc.abstractmethod
    async def space_property(self, space: Space, key: str) -> ContentProperty | None: ...

    @abc.abstractmethod
    async def _post_space_property(
        self,
        space: Space,
        key: str,
        value: dict[str, Any],
        lookup: Callable[[], Awaitable[ContentProperty | None]],
    ) -> ContentProperty:
        """Create the property once (``lookup`` finds an earlier, unanswered create's)."""

    @abc.abstractmethod
    async def _put_space_property(
        self,
        space: Space,
        current: ContentProperty,
        value: dict[str, Any],
        lookup: Callable[[], Awaitable[ContentProperty | None]],
    ) -> ContentProperty:
        """Replace the value, version-checked against ``current``."""

    @abc.abstractmethod
    async def _mark_property(self, page_id: str) -> ContentProperty | None:
        """The ``confsync`` content property of a page, or None."""

    @abc.abstractmethod
    async def _write_mark(
        self,
        page_id: str,
        value: dict[str, str],
        existing: ContentProperty | None,
        lookup: Callable[[], Awaitable[ContentProperty | None]],
    ) -> None:
        """Create (``existing`` None) or replace the property, once (``lookup`` for retries)."""

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
        self, page_id: str, *, parent_id: str, version_number: int, message: str
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
