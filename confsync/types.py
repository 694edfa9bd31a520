"""The values confsync's layers speak in.

Desired values come from the repo (render), observed values from Confluence (observe); the
diff compares the two. All are immutable. Nothing here knows about HTTP, YAML or an edition.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

__all__ = [
    "Attachment",
    "ContentProperty",
    "CurrentUser",
    "DesiredAttachment",
    "DesiredPage",
    "ManagedMark",
    "Operation",
    "Page",
    "PageAddress",
    "PageMatch",
    "PageStatus",
    "PageVersion",
    "ParentRef",
    "Permission",
    "ReportKind",
    "Space",
]


class ReportKind(enum.StrEnum):
    RETROSPECTIVE = "retrospective"
    HEALTH_CHECK = "health-check"


# Any text without "/" (the separator), not starting with "." or white space, not ending in it.
_ADDRESS_PART = re.compile(r"^[^/.\s](?:[^/]*[^/\s])?$")
_PARENT_NAME = "parent"  # no report may take it: loading refuses a report file named so


@dataclass(frozen=True, order=True)
class PageAddress:
    """The identity of a page confsync manages: ``<team>/<kind>/<name>``.

    ``name`` is the report file's stem, or ``parent`` for the parent page confsync creates for
    that team and kind. Each part is non-empty, without ``/``. Titles may change; the address
    does not, which is what makes a title-template change a rename rather than delete+create.
    """

    team: str
    kind: ReportKind
    name: str

    def __post_init__(self) -> None:
        for part in (self.team, self.name):
            if not _ADDRESS_PART.match(part):
                raise ValueError(f"invalid page address part {part!r}")

    def __str__(self) -> str:
        return f"{self.team}/{self.kind.value}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> PageAddress:
        team, kind, name = text.split("/")
        return cls(team, ReportKind(kind), name)

    @classmethod
    def parent_of(cls, team: str, kind: ReportKind) -> PageAddress:
        """The address of the parent page confsync creates for ``team``'s reports of ``kind``."""
        return cls(team, kind, _PARENT_NAME)

    @property
    def is_parent(self) -> bool:
        """A parent page confsync creates (``{create: TITLE}``), not a report. Every "is this a
        parent page?" asks this property (a plan's change through ``Change.is_parent``)."""
        return self.name == _PARENT_NAME


@dataclass(frozen=True)
class ParentRef:
    """Where a desired page hangs. At most one field is set; none set means the space root.

    ``address``: a parent page confsync itself creates and manages.
    ``title`` / ``page_id``: an existing page in the same space that confsync does not manage.
    """

    address: PageAddress | None = None
    title: str | None = None
    page_id: str | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.address, self.title, self.page_id)) > 1:
            raise ValueError("a ParentRef names at most one of address, title, page_id")


@dataclass(frozen=True)
class DesiredAttachment:
    """A file that should be attached to a desired page.

    ``digest`` is computed from the inputs that produce the file (for a PDF: the page body, the
    images it shows and the print stylesheet), never from rendered bytes, so planning never has
    to render anything heavy.
    """

    filename: str
    media_type: str
    digest: str
    origin: str = "file"
    """``file``: ``path`` (relative to the repo root) is uploaded as is; ``pdf`` and ``chart``:
    the report is printed to PDF, or its votes drawn, when, and only when, apply uploads it."""
    path: str | None = None


@dataclass(frozen=True)
class DesiredPage:
    """A page as the repo says it should be.

    ``digest`` covers everything the page is made from: its address, space, parent and title,
    the inputs its body is rendered from, its attachments and its labels. It is known without
    rendering anything, so a plan renders only the pages whose digest Confluence does not show
    yet; ``body`` is rendered on first use (by ``render``) and then kept. ``labels`` are sorted,
    each once, lower case (as Confluence keeps them).
    """

    address: PageAddress
    space_key: str
    parent: ParentRef
    title: str
    digest: str
    source: str
    attachments: tuple[DesiredAttachment, ...] = ()
    labels: tuple[str, ...] = ()
    render: Callable[[], str] = field(kw_only=True, compare=False, repr=False)

    @cached_property
    def body(self) -> str:
        """The storage-format body (rendered the first time it is asked for)."""
        return self.render()


# ---- values read from Confluence ---------------------------------------------------------------


class PageStatus(enum.StrEnum):
    CURRENT = "current"
    ARCHIVED = "archived"
    DRAFT = "draft"
    TRASHED = "trashed"
    DELETED = "deleted"


@dataclass(frozen=True)
class Space:
    """A space. Cloud v2 addresses spaces by numeric ``id``; Data Center by ``key``."""

    id: str
    key: str
    name: str
    homepage_id: str | None = None


@dataclass(frozen=True)
class PageVersion:
    number: int
    message: str = ""


@dataclass(frozen=True)
class Page:
    """A page as a listing returns it; ``body`` is the storage format, only when asked for."""

    id: str
    space_id: str
    title: str
    parent_id: str | None
    status: PageStatus
    version: PageVersion
    body: str | None = None


@dataclass(frozen=True, kw_only=True)
class ManagedMark:
    """The ``confsync`` content property that marks a page as managed by confsync: which
    report it publishes (``address``, ``source``), the ``labels`` confsync put on the page
    (sorted, each once), and the confsync ``version`` that wrote the mark. It is the page's
    identity, not its state: the digest of what the page shows lives in its version message,
    so an update that keeps the report's address and file and the page's labels leaves the
    mark alone and costs one write. ``labels`` are what confsync may remove: a label a person
    added is in no mark, and never removed."""

    address: str
    source: str
    version: str
    labels: tuple[str, ...] = ()

    def to_json(self) -> dict[str, str | list[str]]:
        return {
            "address": self.address,
            "source": self.source,
            "version": self.version,
            "labels": list(self.labels),
        }

    def records(self, address: str, source: str, labels: tuple[str, ...]) -> bool:
        """True when this mark already says what a page of ``address`` from ``source``, with
        ``labels``, needs."""
        return self.address == address and self.source == source and self.labels == labels


@dataclass(frozen=True)
class ContentProperty:
    id: str
    key: str
    value: Any
    version: int


@dataclass(frozen=True)
class Attachment:
    id: str
    page_id: str
    filename: str
    media_type: str
    size: int
    version: int
    comment: str = ""


@dataclass(frozen=True)
class CurrentUser:
    """Who the credentials belong to: Cloud ``account_id`` or Data Center ``username``."""

    display_name: str
    account_id: str | None = None
    username: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class PageMatch:
    """A page a title search found, with the titles of its ancestors (root first), so that
    two pages with one title in different places can be told apart."""

    page: Page
    ancestors: tuple[str, ...] = ()


class Operation(enum.StrEnum):
    """What publishing asks of a space."""

    CREATE = "create"
    UPDATE = "update"
    UPLOAD = "upload"
    DELETE = "delete"
    LOCK = "lock"
    """Take the apply lock: write a content property of the space's homepage."""


@dataclass(frozen=True)
class Permission:
    """Whether the signed-in credential may do ``operation`` in a space.

    ``granted`` is None when Confluence does not say without trying (a test publish tells);
    ``source`` names what was read (a scope, a space permission); ``remedy`` what to do when
    it is missing.
    """

    operation: Operation
    granted: bool | None
    source: str
    remedy: str = ""
