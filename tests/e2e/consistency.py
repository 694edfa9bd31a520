"""Is a page whole? Its title, body, mark, version message and files all of one desired version.

A page may also be *unfinished*: its latest version says so (``confsync pending``), and the next
plan finishes it. What must never be seen is a page that claims to be finished while some part
of it belongs to another version: a torn page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from confsync.confluence.api import Confluence
from confsync.plan.bodytext import body_text
from confsync.plan.observation import digest_in, is_unfinished
from confsync.types import DesiredPage, ManagedMark, Page

__all__ = ["PageVerdict", "verdicts"]


@dataclass(frozen=True)
class PageVerdict:
    address: str
    unfinished: bool
    version: str | None
    """Which desired version (its name) the page wholly belongs to; None: torn."""
    why: str = ""


def _torn_parts(page: Page, mark: ManagedMark, files: Mapping[str, str], want: DesiredPage) -> str:
    wrong = []
    if digest_in(page.version.message) != want.digest:
        wrong.append("version message")
    # The mark is the page's identity (its address, checked by the caller, and its report
    # file) and the labels confsync put on it; what the page shows is named by its version
    # message alone.
    if not mark.records(str(want.address), want.source, want.labels):
        wrong.append("mark")
    if page.title != want.title:
        wrong.append("title")
    if body_text(page.body or "") != body_text(want.body):
        wrong.append("body")
    for attachment in want.attachments:
        if files.get(attachment.filename) != attachment.digest:
            wrong.append(f"file {attachment.filename}")
    return ", ".join(wrong)


async def verdicts(
    confluence: Confluence, spaces: Iterable[str], versions: Mapping[str, Iterable[DesiredPage]]
) -> list[PageVerdict]:
    """One verdict per page confsync manages in ``spaces``, against each named version of the
    repo: the first version the page wholly matches, or None (torn) with what differs."""
    by_version = {name: {str(d.address): d for d in pages} for name, pages in versions.items()}
    found: list[PageVerdict] = []
    for key in spaces:
        space = await confluence.space(key)
        for listed in await confluence.pages_in_space(space):
            mark = await confluence.get_mark(listed.id)
            if mark is None:
                continue
            page = await confluence.page(listed.id, body=True)
            files = {
                a.filename: digest_in(a.comment) or ""
                for a in await confluence.attachments(page.id)
            }
            if is_unfinished(page):
                found.append(PageVerdict(mark.address, True, None))
                continue
            reasons = []
            for name, pages in by_version.items():
                want = pages.get(mark.address)
                if want is None:
                    continue
                torn = _torn_parts(page, mark, files, want)
                if not torn:
                    found.append(PageVerdict(mark.address, False, name))
                    break
                reasons.append(f"{name}: {torn}")
            else:
                found.append(PageVerdict(mark.address, False, None, "; ".join(reasons)))
    return found
