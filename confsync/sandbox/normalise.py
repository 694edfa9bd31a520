"""Storage format as Confluence saves it: what a client reads back is not what it sent.

Confluence rewrites a page's storage on save (see docs/confluence-notes.md and
https://confluence.atlassian.com/doc/confluence-storage-format-790796544.html); the rewrite
the sandbox reproduces is the one clients trip over most: every ``ac:structured-macro``
without an ``ac:macro-id`` gains one (a fresh UUID). A client that decides "changed" by
comparing the body it sent with the body it reads back sees a difference here, as it would
on Confluence; confsync compares digests kept in version messages instead.
Text inside CDATA sections (a code macro's body) is left alone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

__all__ = ["normalise_storage"]

_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_MACRO = re.compile(r"<ac:structured-macro\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")


def normalise_storage(body: str, new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> str:
    """``body`` with a macro id on every structured macro that lacks one."""

    def add_id(match: re.Match[str]) -> str:
        attributes, closing = match.group(1), match.group(2)
        if re.search(r"\bac:macro-id\s*=", attributes):
            return match.group(0)
        return f'<ac:structured-macro{attributes} ac:macro-id="{new_id()}"{closing}>'

    parts = _CDATA.split(body)
    # split() with one group: even indexes are outside CDATA, odd ones are CDATA sections.
    return "".join(p if i % 2 else _MACRO.sub(add_id, p) for i, p in enumerate(parts))
