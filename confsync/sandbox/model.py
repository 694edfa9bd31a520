"""The sandbox's records, as the store hands them to the API dialects, and its one error."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = [
    "Attachment",
    "ErrorKind",
    "Page",
    "Property",
    "SandboxError",
    "Space",
    "User",
    "Version",
]


class ErrorKind(Enum):
    """What went wrong, independent of how a dialect words it or which status it picks."""

    NOT_FOUND = "not_found"
    DUPLICATE_TITLE = "duplicate_title"
    STALE_VERSION = "stale_version"
    BAD_PARENT = "bad_parent"
    INVALID = "invalid"
    TOO_LARGE = "too_large"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    NO_SPACE = "no_space"


class SandboxError(Exception):
    """A refusal by the sandbox's rules; each API dialect maps ``kind`` to its own status."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class User:
    """A seeded account. ``account_id`` is the Cloud id; ``username`` the Data Center name."""

    account_id: str
    email: str
    username: str
    display_name: str


@dataclass(frozen=True)
class Version:
    """One version of a page, attachment or property; ``number`` starts at 1."""

    number: int
    message: str
    created_at: str
    author_id: str
    minor_edit: bool


@dataclass(frozen=True)
class Space:
    """A space; ``restricted_to`` is the one account that may see it, or None for everyone."""

    id: int
    key: str
    name: str
    created_at: str
    author_id: str
    homepage_id: int | None
    restricted_to: str | None


@dataclass(frozen=True)
class Page:
    """A page. ``status`` is current, archived or trashed; a purged page is gone."""

    id: int
    space_id: int
    space_key: str
    parent_id: int | None
    title: str
    status: str
    created_at: str
    author_id: str
    position: int
    version: Version
    body: str


@dataclass(frozen=True)
class Attachment:
    """A file attached to a page; each upload of new data is a new version."""

    id: int
    page_id: int
    filename: str
    status: str
    created_at: str
    media_type: str
    comment: str
    size: int
    version: Version

    @property
    def api_id(self) -> str:
        # Confluence prefixes attachment ids with "att" in its APIs.
        return f"att{self.id}"


@dataclass(frozen=True)
class Property:
    """A JSON content property of a page, versioned like the page itself."""

    id: int
    page_id: int
    key: str
    value: Any
    version: Version
