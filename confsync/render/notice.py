"""The notice at the top of every page confsync publishes: where the page comes from, and
that an edit made in Confluence is reported as drift (and is not where to edit)."""

from __future__ import annotations

from markupsafe import escape

__all__ = ["notice"]


def notice(source: str, repository: str | None) -> str:
    """Storage format for a page published from ``source`` (a path in the repository)."""
    where = (
        f'in <a href="{escape(repository)}">{escape(repository)}</a>'
        if repository
        else "in the team's repository"
    )
    return (
        '<ac:structured-macro ac:name="note"><ac:rich-text-body><p>Published from git by '
        f"confsync: edit <code>{escape(source)}</code> {where}. Edits made here are reported "
        "as drift and are not kept.</p></ac:rich-text-body></ac:structured-macro>"
    )
