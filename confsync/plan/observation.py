"""What observe read from Confluence: the input of the (pure) diff."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from confsync.text import title_key
from confsync.types import Attachment, ManagedMark, Page, Space

__all__ = [
    "MESSAGE_PREFIX",
    "PENDING_PREFIX",
    "Observation",
    "SpaceView",
    "digest_in",
    "is_pending",
    "is_unfinished",
    "message_for",
    "pending_message_for",
    "written_by_confsync",
]

MESSAGE_PREFIX = "confsync "
"""Every version confsync writes carries ``confsync <digest>`` as its version message."""

PENDING_PREFIX = "confsync pending"
"""The message of a page version whose files are not all in place yet (``confsync pending
<digest>``): written, version-checked, before any file of that digest is uploaded, and
replaced by ``confsync <digest>`` only after the last one. Never a digest itself, so a plan
always sees such a page as unfinished and finishes or repeats it."""


def message_for(digest: str) -> str:
    return f"{MESSAGE_PREFIX}{digest}"


def pending_message_for(digest: str) -> str:
    return f"{PENDING_PREFIX} {digest}"


def is_pending(message: str) -> bool:
    """True for the message of a version confsync left unfinished."""
    return message == PENDING_PREFIX or message.startswith(PENDING_PREFIX + " ")


def digest_in(message: str) -> str | None:
    """The digest of a finished version confsync wrote; None for anyone else's message and
    for an unfinished (pending) version."""
    if not message.startswith(MESSAGE_PREFIX) or is_pending(message):
        return None
    return message[len(MESSAGE_PREFIX) :].strip() or None


def written_by_confsync(message: str) -> bool:
    """True when confsync wrote this version, finished or not (so: not a hand edit)."""
    return digest_in(message) is not None or is_pending(message)


def is_unfinished(page: Page) -> bool:
    """For a page confsync manages (it carries the mark): its latest version is not finished.

    Either pending, or the bare first version Cloud v2 creates (it cannot set a message on
    create): confsync writes the finished version after its files and mark are in place.
    """
    message = page.version.message
    return is_pending(message) or (page.version.number == 1 and not message)


@dataclass(frozen=True)
class SpaceView:
    """One space: all its current pages, the marks of the pages whose mark was read, and
    the files of its pages.

    ``marks`` maps page id → mark (None: read, and the page has no mark).
    """

    space: Space
    pages: tuple[Page, ...]
    marks: Mapping[str, ManagedMark | None] = field(default_factory=dict)
    files: Mapping[str, tuple[Attachment, ...]] | None = None
    """page id → its current attachments, when the space's files were read in bulk (a page
    missing here has none); None when they were not read (no desired page has files)."""

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
        return self._by_title.get(title_key(title), [])

    @cached_property
    def _by_title(self) -> dict[str, list[Page]]:
        found: dict[str, list[Page]] = {}
        for page in self.pages:
            found.setdefault(title_key(page.title), []).append(page)
        return found


@dataclass(frozen=True)
class Observation:
    spaces: Mapping[str, SpaceView]
    bodies: Mapping[str, str] = field(default_factory=dict)
    """page id → storage body, for pages the plan updates (for the reviewer's body diff)."""
    written: Mapping[str, Page] = field(default_factory=dict)
    """page id → the page as confsync last wrote it (an earlier version, with its body), for
    pages edited by hand since: the reviewer sees what the hand edit changed."""
    trashed: Mapping[str, tuple[Page, ...]] = field(default_factory=dict)
    """space key → pages in its trash, for spaces where the plan creates pages: a page
    deleted by hand is recreated with that reason, not as a new report."""
