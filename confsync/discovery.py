"""What the set-up commands read from a site: its spaces, and pages by title (to pick an
``existing:`` parent), each with a browser link."""

from __future__ import annotations

from confsync.confluence import make_backend
from confsync.confluence.api import Confluence
from confsync.loading import Repo
from confsync.types import PageMatch, Space

__all__ = ["list_spaces", "open_site", "search_parent_pages"]


def open_site(repo: Repo) -> Confluence:
    """The backend the repo's config names (as ``workflow.open_backend``, without
    rendering the reports, which these commands do not need)."""
    config = repo.config
    return make_backend(
        config.settings,
        config_dir=repo.root,
        sandbox_spaces=sorted({t.space for t in config.teams}),
    )


async def list_spaces(confluence: Confluence) -> list[tuple[Space, str]]:
    """Every space the account sees, sorted by key, with its link."""
    found = sorted(await confluence.spaces(), key=lambda s: s.key)
    return [(space, confluence.space_url(space)) for space in found]


async def search_parent_pages(
    confluence: Confluence, text: str, space_key: str
) -> list[tuple[PageMatch, str]]:
    """Every page of the space whose title matches ``text``, with its ancestors and link."""
    space = await confluence.space(space_key)  # NotFoundError naming the key, not zero hits
    found = await confluence.search_pages(text, space_key=space.key, limit=None)
    return [(match, confluence.page_url(match.page)) for match in found]
