"""Which current page is confsync's page of each address: the ownership rules, most certain
first (docs/architecture.md, "Which observed page is confsync's"). Pure: reads the
observation, writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confsync.plan.bodytext import body_text
from confsync.plan.observation import Observation, written_by_confsync
from confsync.types import DesiredPage, Page, PageAddress

__all__ = ["Ownership", "is_parent_address", "ownership"]


@dataclass(frozen=True)
class Ownership:
    """Which current page is confsync's page of each address."""

    pages: dict[str, Page]
    """address → the page confsync manages for it."""
    unfinished: set[str]
    """Addresses whose page was recognised by its text alone (rule 4): finished by the plan."""


def ownership(desired: Sequence[DesiredPage], observation: Observation) -> Ownership:
    """The rules by which a page is confsync's, most certain first; a page taken by one rule
    is not looked at by the next. Only rule 1 holds for a page whose report is gone
    (``deletions``): the others start from a desired page."""
    views = observation.spaces
    pages: dict[str, Page] = {}

    # Rule 1, the mark: a page whose ``confsync`` property names an address is that address's
    # page (the first one listed, should two name it).
    for view in views.values():
        for page in view.pages:
            mark = view.marks.get(page.id)
            if mark is not None and mark.address not in pages:
                pages[mark.address] = page

    # Rule 1b, a shared parent handed over: a created parent page is shared by every team that
    # names its title in its space, and its mark names the first of them. When that team stops
    # using it, the page, marked for an address no desired page has now, is the parent the
    # others still ask for (same title, same space): kept, and marked anew.
    wanted = {str(d.address) for d in desired}
    for d in desired:
        if not d.address.is_parent or str(d.address) in pages:
            continue
        view = views[d.space_key]
        for page in view.titled(d.title):
            mark = view.marks.get(page.id)
            if mark is not None and is_parent_address(mark.address) and mark.address not in wanted:
                pages[str(d.address)] = page

    # Rule 2, the digest: a page whose latest version says ``confsync <digest>`` of a desired
    # page is that page; no mark need be read for it (a no-op plan reads none).
    for d in desired:
        found = views[d.space_key].by_digest.get(d.digest)
        if found is not None:
            pages.setdefault(str(d.address), found)

    # Rule 3, stamped but unmarked: a run killed between its page write and its mark left a
    # page whose version confsync wrote, with the desired title and no mark.
    for d in desired:
        if str(d.address) in pages:
            continue
        view = views[d.space_key]
        for page in view.titled(d.title):
            if (
                page.id in view.marks
                and view.marks[page.id] is None
                and written_by_confsync(page.version.message)
            ):
                pages[str(d.address)] = page

    # Rule 4, created but neither stamped nor marked (a Cloud create, killed at once): an
    # unmarked first version without a message, free of every other rule, showing exactly
    # the text confsync renders for that title.
    unfinished: set[str] = set()
    for d in desired:
        if str(d.address) in pages:
            continue
        view = views[d.space_key]
        taken = {page.id for page in pages.values()}
        for page in view.titled(d.title):
            body = observation.bodies.get(page.id)
            if (
                body is not None
                and page.id not in taken
                and page.id in view.marks
                and view.marks[page.id] is None
                and page.version.number == 1
                and not written_by_confsync(page.version.message)
                and body_text(body) == body_text(d.body)
            ):
                pages[str(d.address)] = page
                unfinished.add(str(d.address))
                break
    return Ownership(pages, unfinished)


def is_parent_address(address: str) -> bool:
    try:
        return PageAddress.parse(address).is_parent
    except ValueError:
        return False
