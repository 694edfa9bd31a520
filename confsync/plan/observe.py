"""Read from Confluence only what the desired pages need, in bulk.

A no-op plan costs, per space: the space, and the space's pages in pages of 250 (each with its
latest version message, which carries the digest confsync wrote). Marks (content properties),
bodies and attachments are read only for pages whose digest does not match: the ones that will
change, or may conflict, drift or be pruned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import TypeVar

from confsync.confluence.api import Confluence
from confsync.errors import NotFoundError
from confsync.plan.model import Action, Plan
from confsync.plan.observation import Observation, SpaceView, digest_in, written_by_confsync
from confsync.text import title_key
from confsync.types import Attachment, DesiredPage, ManagedMark, Page, ParentRef, Space

__all__ = ["observe", "observe_details"]

T = TypeVar("T")


async def _gather(calls: Iterable[Awaitable[T]]) -> list[T]:
    # The client bounds concurrency itself; gather just keeps the requests in flight together.
    return list(await asyncio.gather(*calls))


def _mark_candidates(
    pages: Sequence[Page], desired: Sequence[DesiredPage], homepage_id: str | None
) -> list[str]:
    digests = {d.digest for d in desired}
    written = {digest_in(p.version.message) for p in pages}
    unmatched = [d for d in desired if d.digest not in written]
    unmatched_titles = {title_key(d.title) for d in unmatched}
    # A page at the space's top that drifted and was renamed by hand is found by its mark
    # only: read the marks of the top-level pages, which are few, when such a page is missing.
    roots = {None, homepage_id} if any(d.parent == ParentRef() for d in unmatched) else set()
    matched_ids = {p.id for p in pages if digest_in(p.version.message) in digests}
    ours_ids = {p.id for p in pages if written_by_confsync(p.version.message)}
    candidates = []
    for page in pages:
        if page.id in matched_ids:
            continue
        ours = page.id in ours_ids
        # A drifted child of a page we wrote may have been renamed by hand: read it too (its
        # parent may be changing in this very plan, so not only under unchanged parents).
        under_ours = page.parent_id in ours_ids
        at_top = page.parent_id in roots and page.id != homepage_id
        if ours or under_ours or at_top or title_key(page.title) in unmatched_titles:
            candidates.append(page.id)
    return candidates


def _unfinished_candidates(
    pages: Sequence[Page], marks: Mapping[str, ManagedMark | None], desired: Sequence[DesiredPage]
) -> list[str]:
    """Unmarked first versions without our message, titled like a page we would create: what a
    run killed between creating a page and stamping it leaves. Their bodies tell (diff)."""
    titles = {title_key(d.title) for d in desired}
    return [
        p.id
        for p in pages
        if p.id in marks
        and marks[p.id] is None
        and p.version.number == 1
        and not written_by_confsync(p.version.message)
        and title_key(p.title) in titles
    ]


async def _files(
    confluence: Confluence, space: Space, desired: Sequence[DesiredPage]
) -> dict[str, tuple[Attachment, ...]] | None:
    """Every file of the space, by page, when some desired page there has files: so that a
    page whose text is up to date but one of whose files is not (replaced by hand, or left by
    an apply that was interrupted) is found without a request per page."""
    if not any(d.attachments for d in desired):
        return None
    by_page: dict[str, list[Attachment]] = {}
    for attachment in await confluence.attachments_in_space(space):
        by_page.setdefault(attachment.page_id, []).append(attachment)
    return {page_id: tuple(files) for page_id, files in by_page.items()}


async def _view(
    confluence: Confluence, key: str, desired: Sequence[DesiredPage]
) -> tuple[SpaceView, dict[str, str]]:
    space = await confluence.space(key)
    pages, files = await asyncio.gather(
        confluence.pages_in_space(space), _files(confluence, space, desired)
    )
    candidates = _mark_candidates(pages, desired, space.homepage_id)
    found: list[ManagedMark | None] = await _gather(confluence.get_mark(i) for i in candidates)
    marks = dict(zip(candidates, found, strict=True))
    unfinished = _unfinished_candidates(pages, marks, desired)
    bodies = await _gather(confluence.page(i, body=True) for i in unfinished)
    return SpaceView(space, tuple(pages), marks, files), {p.id: p.body or "" for p in bodies}


async def observe(
    confluence: Confluence, desired: Sequence[DesiredPage], *, pruned: Iterable[str] = ()
) -> Observation:
    """Every space the desired pages live in, with the marks diff needs.

    ``pruned``: spaces of teams with ``prune: true``, read even when no desired page is left in
    them, so that the pages of a team whose every report is gone are deleted too.
    """
    keys = sorted({d.space_key for d in desired} | set(pruned))
    views = await _gather(
        _view(confluence, key, [d for d in desired if d.space_key == key]) for key in keys
    )
    return Observation(
        spaces={key: view for key, (view, _) in zip(keys, views, strict=True)},
        bodies={page_id: body for _, bodies in views for page_id, body in bodies.items()},
    )


HISTORY_DEPTH = 10
"""How many versions back a drift's history is searched for the last one confsync wrote."""


async def _last_written(confluence: Confluence, page: Page) -> Page | None:
    """The latest earlier version of ``page`` that confsync wrote, if one is near."""
    for number in range(page.version.number - 1, max(0, page.version.number - HISTORY_DEPTH), -1):
        try:
            found = await confluence.page_version(page.id, number)
        except NotFoundError:
            return None
        if written_by_confsync(found.version.message):
            return found
    return None


async def observe_details(
    confluence: Confluence, plan: Plan, observation: Observation
) -> Observation:
    """The observation plus what reviewers and apply need of the pages the plan touches: the
    current bodies of updated pages, the hand edits of drifted pages (the version confsync
    last wrote), and the trash of spaces where pages are created. Their files were read in
    bulk with their space."""

    def ids(*actions: Action) -> list[str]:
        return [
            c.before.page_id
            for c in plan.changes
            if c.action in actions and c.before is not None and c.before.page_id is not None
        ]

    updated, drifted = ids(Action.UPDATE), ids(Action.DRIFT)
    created_in = sorted({c.space for c in plan.changes if c.action is Action.CREATE})
    pages = await _gather(confluence.page(i, body=True) for i in [*updated, *drifted])
    written = await _gather(_last_written(confluence, p) for p in pages[len(updated) :])
    trash = await _gather(
        confluence.trashed_pages(observation.spaces[key].space) for key in created_in
    )
    return Observation(
        spaces=observation.spaces,
        bodies={**observation.bodies, **{p.id: p.body or "" for p in pages}},
        written={p.id: w for p, w in zip(pages[len(updated) :], written, strict=True) if w},
        trashed={key: tuple(found) for key, found in zip(created_in, trash, strict=True)},
    )
