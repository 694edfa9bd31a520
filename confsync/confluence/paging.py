"""Where the next page of a listing is, in both dialects.

v2 gives the next page as ``_links.next`` and as a ``Link: <...>; rel="next"`` header, relative to
the *site* (``/wiki/api/v2/pages?cursor=...``) even when the request went through the OAuth
gateway. v1 gives ``_links.next`` relative to the base (``/rest/api/content?start=25``), with or
without the context path. Servers cap ``limit`` silently, so listings always follow ``next``
until there is none.
See the v2 spec's ``cursor`` parameter ("use the relative URL in the Link header"),
https://developer.atlassian.com/cloud/confluence/change-notice-moderize-search-rest-apis/ (v1
search: follow ``_links.next``, never build it) and docs/confluence-notes.md "Listings and
search".

Only the path and query of a next link are kept: it is always resolved against our own base
origin, so a forged absolute link cannot send our credentials to another host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["next_link", "resolve_next"]


def next_link(response: httpx.Response, body: Any) -> str | None:
    """The raw next link of a listing answer, from the body or else the ``Link`` header."""
    if isinstance(body, dict):
        links = body.get("_links")
        if isinstance(links, dict):
            found = links.get("next")
            if isinstance(found, str) and found:
                return found
    header = response.links.get("next", {}).get("url")
    return header or None


def resolve_next(base_url: str, link: str) -> str:
    """The absolute URL of a next link, on the origin of ``base_url``.

    ``base_url`` is the API base (``https://site/wiki``, ``https://api.atlassian.com/ex/
    confluence/ID/wiki`` or ``https://host/confluence``).
    """
    base = urlsplit(base_url)
    origin = f"{base.scheme}://{base.netloc}"
    base_path = base.path.rstrip("/")
    parts = urlsplit(link)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    tail = f"{path}?{parts.query}" if parts.query else path
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        return origin + tail
    if base_path.endswith("/wiki") and path.startswith("/wiki/"):
        # Through the gateway, v2 links are relative to the site: swap /wiki for the gateway path.
        return origin + base_path[: -len("/wiki")] + tail
    return origin + base_path + tail
