"""What observe read from Confluence: the input of the (pure) diff."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from confsync.types import Attachment, ManagedMark, Page, Space

__all__ = ["MESSAGE_PREFIX", "Observation", "SpaceView", "digest_in", "message_for"]

MESSAGE_PREFIX = "confsync "
"""Every version confsync writes carries ``confsync <digest>`` as its version message."""


def message_for(digest: str) -> str:
    return f"{MESSAGE_PREFIX}{digest}"


def digest_in(message: str) -> str | None:
    """The digest in a version message confsync wrote, or None for anyone else's message."""
    if not message.startswith(MESSAGE_PREFIX):
        return None
    return message[len(MESSAGE_PREFIX) :].strip() or None


@dataclass(frozen=True)
class SpaceView:
    """One space: all its current pages, and the marks of the pages whose mark was read.

    ``marks`` maps page id → mark (None: read, and the page has no mark).
    """

    space: Space
    pages: tuple[Page, ...]
    marks: Mapping[str, ManagedMark | None] = field(default_factory=dict)

    # Indexes: a space may hold thousands of pages, and diff looks up each desired page.
    @cached_property
    def by_id(self) -> dict[str, Page]:
        return {page.id: page for page in self.pages}

    @cached_property
    def by_digest(self) -> dict[str, Page]:
        """The first page (in listing order) carrying each digest confsync wrote."""
        found: dict[str, Page] = {}
        for page in self.pages:
            digest = digest_in(page.version.message)
            if digest is not None:
                found.setdefault(digest, page)
        return found

    def titled(self, title: str) -> list[Page]:
        """Pages whose title equals ``title`` regardless of case, as Confluence compares."""
        return self._by_title.get(title.casefold(), [])

    @cached_property
    def _by_title(self) -> dict[str, list[Page]]:
        found: dict[str, list[Page]] = {}
        for page in self.pages:
            found.setdefault(page.title.casefold(), []).append(page)
        return found


@dataclass(frozen=True)
class Observation:
    spaces: Mapping[str, SpaceView]
    bodies: Mapping[str, str] = field(default_factory=dict)
    """page id → storage body, for pages the plan updates (for the reviewer's body diff)."""
    attachments: Mapping[str, tuple[Attachment, ...]] = field(default_factory=dict)
    """page id → current attachments, for pages the plan updates and that carry files."""
