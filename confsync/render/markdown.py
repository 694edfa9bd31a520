"""Markdown in report text (``summary``, ``notes``, a retrospective theme's ``description``)
→ storage format, with markdown-it-py.

CommonMark plus tables and strikethrough. What report text can never become is markup: raw
HTML is off (``<b>`` or ``<ac:...>`` stay text), entity references are not decoded (``&amp;``
shows as typed, as it does everywhere else on the page), links go to http, https or mailto
only (any other target leaves the text as written), and images show as their description (a
page shows only files it attaches). Headings are demoted under the section that holds the
text, so a ``#`` in the notes never outranks the report's own headings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

from confsync.render.storage import text_safe

__all__ = ["LINK_SCHEMES", "markdown_to_storage"]

LINK_SCHEMES = ("http://", "https://", "mailto:")


def _link_allowed(url: str) -> bool:
    return url.strip().lower().startswith(LINK_SCHEMES)


def _image(
    renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The alt text, escaped: images in report text would point outside the page's files.
    return str(escape("".join(child.content for child in tokens[idx].children or [])))


@cache
def _parser(shift: int) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True, "linkify": False})
    md.enable(["table", "strikethrough"]).disable("entity")
    md.validateLink = _link_allowed  # type: ignore[method-assign]
    md.add_render_rule("image", _image)

    def demote(
        renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        level = min(6, int(token.tag[1]) + shift)
        return f"<h{level}>" if token.nesting == 1 else f"</h{level}>\n"

    md.add_render_rule("heading_open", demote)
    md.add_render_rule("heading_close", demote)
    return md


def markdown_to_storage(text: str | None, *, below: int = 2) -> Markup:
    """``text`` as storage format; its headings start one level under an ``h{below}``."""
    if not text:
        return Markup("")
    rendered = _parser(below)
    return Markup(rendered.render(text_safe(text)).strip())
