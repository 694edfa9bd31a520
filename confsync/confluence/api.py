"""The ``Confluence`` protocol: everything confsync asks of Confluence, in confsync's terms.

Both backends (``cloud.CloudBackend``, ``datacenter.DataCenterBackend``) satisfy it; the plan and
apply layers import only this module. Every method is a coroutine, returns the typed values of
``confsync.types`` (never raw JSON) and raises only ``confsync.errors.ConfluenceError`` subclasses.

Conventions shared by every method:

- Listings return every match (paging is followed to the end) and only pages of type ``page``.
  Each ``Page`` carries its id, space id, title, parent id, status, and latest version number
  **and message**; ``body`` is ``None`` unless asked for. ``Page.space_id`` equals the
  ``Space.id`` that ``space()`` returns for the same space, on both editions.
- ``version_number`` arguments are the version the caller *observed*; the backend sends that
  number + 1, so a page edited since is refused with ``StaleVersionError`` instead of overwritten.
- Every write that creates a version carries ``message`` (confsync stamps ``confsync <digest>``),
  which is what lets a no-op plan recognise unchanged pages from a bulk listing alone.
  Cloud v2 cannot set a message on create, so the Cloud backend stamps it with a second
  request (unless ``stamp=False``); after ``create_page`` returns, the page's latest version
  carries ``message`` on both editions.
- Creating requests are never blindly repeated: when a create may have reached Confluence (a
  5xx or a dropped connection after sending), the backend looks for the result first, so retries
  cause no duplicate pages, attachments or versions.
- A backend is an async context manager; ``aclose()`` releases its connections.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self, runtime_checkable

from confsync.types import (
    Attachment,
    ContentProperty,
    CurrentUser,
    ManagedMark,
    Page,
    PageMatch,
    Permission,
    Space,
)

__all__ = ["MARK_KEY", "Confluence"]

MARK_KEY = "confsync"
"""Key of the content property that marks a page as managed by confsync."""


@runtime_checkable
class Confluence(Protocol):
    """One Confluence site (Cloud or Data Center), as confsync uses it."""

    edition: str
    """``"cloud"`` or ``"datacenter"``: for display only; nothing may branch on it."""

    marks_on_create: bool
    """Whether ``create_page`` can carry the mark, the labels it records and the version
    message in the create itself: Data Center's v1 create takes content properties and labels
    (``metadata``); Cloud's v2 create takes neither."""

    async def current_user(self) -> CurrentUser:
        """Who the credentials belong to (a cheap connectivity and credentials check)."""
        ...

    async def space(self, key: str) -> Space:
        """The space with this key; ``NotFoundError`` when missing or not visible."""
        ...

    async def spaces(self) -> list[Space]:
        """Every space the credentials may see (paging followed to the end)."""
        ...

    async def permissions(self, space: Space) -> tuple[Permission, ...]:
        """Whether the credentials may create, update, upload and delete in the space, from
        what Confluence tells without a write: the granted OAuth scopes, and the space
        operations the edition reports. One ``Permission`` per ``Operation``, in its order."""
        ...

    async def pages_in_space(self, space: Space) -> list[Page]:
        """Every current page of the space, with versions, in ceil(N/250)-ish bulk requests."""
        ...

    async def pages_by_title(self, space: Space, title: str) -> list[Page]:
        """Current pages of the space with exactly this title (zero or one in practice)."""
        ...

    async def pages_by_id(self, ids: Sequence[str]) -> list[Page]:
        """The pages with these ids that exist (current or archived), in bulk; order not kept."""
        ...

    async def children(self, page_id: str) -> list[Page]:
        """The direct child pages of a page, with versions."""
        ...

    async def page(self, page_id: str, *, body: bool = True) -> Page:
        """One page, with its storage-format body unless ``body=False``."""
        ...

    async def page_version(self, page_id: str, number: int) -> Page:
        """The page as it was at version ``number`` (title, body, that version's message);
        ``NotFoundError`` when there is no such version."""
        ...

    async def trashed_pages(self, space: Space) -> list[Page]:
        """Pages of the space in the trash: deleted in Confluence, not yet purged."""
        ...

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
        """Create a current page (``parent_id=None``: at the space root) and return it.

        ``mark``: only when ``marks_on_create``: the page is created with its ``confsync``
        property and the labels the mark records, in the same request (one write, all or
        nothing).

        ``stamp=False``: the caller writes another version next, so an edition that cannot
        set a message on create (Cloud v2) leaves the first version without one rather than
        spending a request on it. ``TitleTakenError`` when the title is taken in the space.
        """
        ...

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
        """Replace title, body and parent of a page last seen at ``version_number``.

        ``parent_id=None`` keeps the current parent. ``StaleVersionError`` if the page moved on.
        ``minor_edit``: the new version notifies no watcher (Data Center, v1 ``minorEdit``);
        Cloud's v2 update has no such flag, so there it changes nothing.
        """
        ...

    async def move_page(
        self,
        page_id: str,
        *,
        parent_id: str,
        version_number: int,
        message: str,
        minor_edit: bool = False,
    ) -> Page:
        """Hang a page under another parent in the same space, keeping its title and body."""
        ...

    async def delete_page(self, page_id: str) -> None:
        """Move a page to the trash; a page already gone counts as deleted."""
        ...

    async def get_mark(self, page_id: str) -> ManagedMark | None:
        """The ``confsync`` content property of a page, or None if it has none."""
        ...

    async def set_mark(self, page_id: str, mark: ManagedMark, *, new_page: bool = False) -> None:
        """Create or replace the ``confsync`` content property of a page.

        ``new_page=True``: the caller has just created the page, so it has no mark yet and
        the backend does not read it first (one request less per new page).
        """
        ...

    async def add_labels(self, page_id: str, names: Sequence[str]) -> None:
        """Put these labels (prefix ``global``) on a page, all in one request. Labels it
        carries already, these or others, stay as they are."""
        ...

    async def remove_label(self, page_id: str, name: str) -> None:
        """Take the label ``name`` off a page; a label already gone counts as removed."""
        ...

    async def space_record(self, space: Space, key: str) -> ContentProperty | None:
        """The record ``key`` kept for the space (the apply lock's lease), or None. A record is
        a content property of the space's homepage: whoever may edit that page may write it,
        as a publishing account may; a space without homepage keeps it as a space property,
        which Cloud lets only the space's admins write."""
        ...

    async def create_space_record(
        self, space: Space, key: str, value: dict[str, Any]
    ) -> ContentProperty | None:
        """Create the record atomically; None when it already exists (someone else's)."""
        ...

    async def update_space_record(
        self, space: Space, current: ContentProperty, value: dict[str, Any]
    ) -> ContentProperty:
        """Replace the value of a record last seen as ``current`` (version-checked:
        ``StaleVersionError`` when it changed since)."""
        ...

    async def delete_space_record(self, space: Space, current: ContentProperty) -> None:
        """Delete the record; one already gone counts as deleted."""
        ...

    async def attachments(self, page_id: str, *, filename: str | None = None) -> list[Attachment]:
        """A page's current attachments (only the one named ``filename`` when given)."""
        ...

    async def attachments_in_space(self, space: Space) -> list[Attachment]:
        """Every current attachment on the pages of a space, each with its page id, in bulk
        (a CQL search, ceil(N/limit) requests): a plan compares each published file."""
        ...

    async def upload_attachment(
        self, page_id: str, *, filename: str, data: bytes, media_type: str, comment: str
    ) -> Attachment:
        """Attach a new file; ``BadRequestError`` if one with this name is already attached."""
        ...

    async def upload_attachment_version(
        self, attachment: Attachment, *, data: bytes, media_type: str, comment: str
    ) -> Attachment:
        """Upload a new version of an attachment observed as ``attachment``."""
        ...

    async def search_pages(
        self, text: str, *, space_key: str | None = None, limit: int | None = 25
    ) -> list[PageMatch]:
        """Pages whose title matches ``text`` (CQL ``title ~``), with their ancestors, for
        picking a parent page; paging followed up to ``limit`` results (None: all)."""
        ...

    def space_url(self, space: Space) -> str:
        """A browser link to the space (on the site)."""
        ...

    def page_url(self, page: Page) -> str:
        """A browser link to the page (on the site, never the API gateway)."""
        ...

    async def aclose(self) -> None:
        """Close the connections; the backend is unusable afterwards."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...
