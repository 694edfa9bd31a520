"""Is a saved plan still what Confluence holds? One bulk re-read before its first write.

A plan file is reviewed in a pull request and applied later, after the merge. It may be
applied only while every page it touches is still at the version it observed and every title
it creates is still free: otherwise someone (a person, another apply, this very plan applied
once already) has moved Confluence on, and the whole plan is refused before anything is
written, naming the pages.
"""

from __future__ import annotations

import asyncio

from confsync.confluence.api import Confluence
from confsync.plan.model import Action, Change, Plan
from confsync.text import title_key

__all__ = ["moved_on"]


def _touched(change: Change) -> bool:
    return change.changes_anything and change.before is not None and bool(change.before.page_id)


async def moved_on(plan: Plan, confluence: Confluence) -> list[str]:
    """What changed in Confluence since the plan observed it, one line per page."""
    watched = {c.before.page_id: c for c in plan.changes if _touched(c) and c.before}
    ids = [page_id for page_id in watched if page_id is not None]
    creates = [c for c in plan.changes if c.action is Action.CREATE and c.after is not None]
    spaces = sorted({c.space for c in creates})
    found, listings = await asyncio.gather(
        confluence.pages_by_id(ids),
        asyncio.gather(*(_titles(confluence, key) for key in spaces)),
    )
    problems = []
    current = {page.id: page for page in found}
    for page_id in ids:
        change = watched[page_id]
        assert change.before is not None
        page = current.get(page_id)
        if page is None:
            problems.append(f"{change.address}: page {page_id} is gone")
        elif page.version.number != change.before.version:
            problems.append(
                f"{change.address}: page {page_id} is at version {page.version.number}, "
                f"the plan saw version {change.before.version}"
            )
    taken = dict(zip(spaces, listings, strict=True))
    for change in creates:
        assert change.after is not None
        if title_key(change.after.title) in taken[change.space]:
            problems.append(
                f"{change.address}: a page titled {change.after.title!r} now exists in space "
                f"{change.space}"
            )
    return problems


async def _titles(confluence: Confluence, key: str) -> set[str]:
    space = await confluence.space(key)
    return {title_key(page.title) for page in await confluence.pages_in_space(space)}
