"""The values confsync's layers speak in.

Desired values come from the repo (render), observed values from Confluence (observe); the
diff compares the two. All are immutable. Nothing here knows about HTTP, YAML or an edition.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Attachment",
    "ContentProperty",
    "CurrentUser",
    "DesiredAttachment",
    "DesiredPage",
    "ManagedMark",
    "ObservedAttachment",
    "ObservedPage",
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

    @property
    def is_parent(self) -> bool:
        return self.name == "parent"


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
    """A page as the repo says it should be. ``digest`` covers title, parent and body."""

    address: PageAddress
    space_key: str
    parent: ParentRef
    title: str
    body: str
    digest: str
    source: str
    attachments: tuple[DesiredAttachment, ...] = ()


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


@dataclass(frozen=True)
class ManagedMark:
    """The ``confsync`` content property that marks a page as managed by confsync."""

    address: str
    digest: str
    version: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {
            "address": self.address,
            "digest": self.digest,
            "version": self.version,
            "source": self.source,
        }


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
class ObservedPage:
    """A page confsync found in Confluence, with its mark when it carries one."""

    page: Page
    mark: ManagedMark | None = None


@dataclass(frozen=True)
class ObservedAttachment:
    attachment: Attachment
    extra: dict[str, str] = field(default_factory=dict)


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
