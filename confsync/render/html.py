"""Confluence storage format → HTML: the one reader's view of a page.

The PDF, the review preview and the sandbox's browse page all show a page through this one
function, so they cannot disagree about what a page says. Macros a reader sees render as
Confluence shows them (status lozenges, info/note/warning/tip panels, task lists, dates,
images, attachment and page links, expand, page properties, child pages); any other macro
shows as a box labelled with its name, so nothing on the page is silently lost.

Text is escaped on the way out and only the tags listed here are written, so a body can never
inject markup into the HTML; link targets are limited to http, https, mailto and local paths.
"""

from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from confsync.render.storage import NAMESPACES, ROOT_OPEN, parse_storage

__all__ = [
    "AttachmentLink",
    "ChildPage",
    "PageLink",
    "print_css",
    "reader_css",
    "storage_to_html",
]

AttachmentLink = Callable[[str], str | None]
"""A file name → the URL its image or link points at (None: not attached)."""
PageLink = Callable[[str], str | None]
"""A page title → the URL of that page (None: not found)."""


@cache
def reader_css() -> str:
    """The screen stylesheet of this module's HTML (browse page and preview)."""
    return files("confsync.render").joinpath("templates/page.css").read_text("utf-8")


@cache
def print_css() -> str:
    """The print stylesheet of this module's HTML (the PDF); part of every PDF's digest."""
    return files("confsync.render").joinpath("templates/print.css").read_text("utf-8")


@dataclass(frozen=True)
class ChildPage:
    title: str
    url: str | None = None


_SAFE_TAGS = frozenset(
    {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre"),
        *("table", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col"),
        *("strong", "b", "em", "i", "u", "s", "del", "code", "sub", "sup", "span", "div"),
        *("br", "hr"),
    }
)
_VOID = frozenset({"br", "hr", "col"})
_CELL_ATTRS = ("colspan", "rowspan")
_PANELS = {"info", "note", "warning", "tip", "panel"}
_STATUS_COLOURS = {"grey", "red", "yellow", "green", "blue", "purple"}


def storage_to_html(
    value: str,
    attachment_link: AttachmentLink,
    page_link: PageLink,
    children: Sequence[ChildPage] | None = None,
) -> str:
    """Readable HTML for ``value`` (a storage-format body); a malformed body shows the
    parser's message instead of a partial page."""
    try:
        root = parse_storage(value)
    except ET.ParseError as exc:
        line, column = exc.position
        column -= len(ROOT_OPEN) if line == 1 else 0
        message = f"{str(exc).split(':')[0]} at line {line}, column {column + 1}"
        return f'<pre class="invalid">{html.escape(message)}</pre>'
    renderer = _Renderer(attachment_link, page_link, children)
    return renderer.inner(root)


def _local(tag: object) -> tuple[str, str]:
    """(prefix, local name) of an element tag, prefix '' for plain HTML, '#' for others."""
    if not isinstance(tag, str):
        return ("#", "")
    if tag.startswith("{"):
        uri, _, name = tag[1:].partition("}")
        prefix = next((p for p, u in NAMESPACES.items() if u == uri), "?")
        return (prefix, name)
    return ("", tag)


def _attr(element: ET.Element, prefix: str, name: str) -> str:
    return str(element.get(f"{{{NAMESPACES[prefix]}}}{name}", ""))


def _params(node: ET.Element) -> dict[str, str]:
    return {
        _attr(c, "ac", "name"): "".join(c.itertext())
        for c in node
        if _local(c.tag) == ("ac", "parameter")
    }


def _date(value: str) -> str:
    """A date as Confluence shows a date picker value: ``4 Dec 2026``."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%b %Y}"


def _safe_href(href: str) -> str | None:
    if href.startswith(("http://", "https://", "mailto:", "/", "#")):
        return href
    return None


class _Renderer:
    def __init__(
        self,
        attach: AttachmentLink,
        page: PageLink,
        children: Sequence[ChildPage] | None,
    ) -> None:
        self.attach, self.page, self.children = attach, page, children

    def text(self, text: str) -> str:
        return html.escape(text)

    def inner(self, element: ET.Element) -> str:
        parts = [self.text(element.text)] if element.text else []
        for child in element:
            parts.append(self.node(child))
            if child.tail:
                parts.append(self.text(child.tail))
        return "".join(parts)

    def node(self, node: ET.Element) -> str:
        prefix, name = _local(node.tag)
        if prefix == "#":
            return ""  # comments and processing instructions
        if prefix == "":
            return self.html_element(node, name)
        if prefix == "ac" and name == "structured-macro":
            return self.macro(node, _attr(node, "ac", "name"))
        if prefix == "ac" and name == "task-list":
            return f'<ul class="tasks">{self.inner(node)}</ul>'
        if prefix == "ac" and name == "task":
            return self.task(node)
        if prefix == "ac" and name == "image":
            return self.image(node)
        if prefix == "ac" and name == "link":
            return self.link(node)
        if prefix == "ac" and name in ("parameter", "task-id", "task-status"):
            return ""  # read by their parent
        if prefix == "ri":
            return ""  # resource identifiers are read by their ac: parent
        if prefix == "ac" and name == "plain-text-body":
            return f"<pre>{html.escape(''.join(node.itertext()))}</pre>"
        return self.inner(node)  # rich-text-body, task-body, link-body and the like

    def html_element(self, node: ET.Element, name: str) -> str:
        inner = self.inner(node)
        if name == "a":
            href = _safe_href(str(node.get("href", "")))
            return f'<a href="{html.escape(href)}">{inner}</a>' if href else inner
        if name == "time":
            when = str(node.get("datetime", ""))
            return f'<time datetime="{html.escape(when)}">{html.escape(_date(when))}</time>'
        if name not in _SAFE_TAGS:
            return f"<span>{inner}</span>"
        if name in _VOID:
            return f"<{name}>"
        attrs = "".join(
            f' {a}="{html.escape(str(node.get(a)))}"'
            for a in _CELL_ATTRS
            if name in ("td", "th") and str(node.get(a, "")).isdigit()
        )
        return f"<{name}{attrs}>{inner}</{name}>"

    def body(self, node: ET.Element) -> str:
        return "".join(
            self.node(c)
            for c in node
            if _local(c.tag) in (("ac", "rich-text-body"), ("ac", "plain-text-body"))
        )

    def macro(self, node: ET.Element, macro: str) -> str:
        params = _params(node)
        if macro == "status":
            colour = params.get("colour", "grey").lower()
            colour = colour if colour in _STATUS_COLOURS else "grey"
            title = html.escape(params.get("title", ""))
            return f'<span class="status status-{colour}">{title}</span>'
        if macro in _PANELS:
            title = params.get("title", "")
            head = f'<div class="macro-title">{html.escape(title)}</div>' if title else ""
            return f'<div class="macro macro-{macro}">{head}{self.body(node)}</div>'
        if macro == "expand":
            title = html.escape(params.get("title", "") or "Click here to expand...")
            return (
                f'<div class="expand"><div class="expand-title">&#9656; {title}</div>'
                f'<div class="expand-body">{self.body(node)}</div></div>'
            )
        if macro == "details":  # page properties: Confluence shows the body as it is
            return f'<div class="details">{self.body(node)}</div>'
        if macro == "children":
            return self.child_pages()
        shown = html.escape(macro or "macro")
        listed = "".join(
            f'<div class="macro-param">{html.escape(k)}: {html.escape(v)}</div>'
            for k, v in params.items()
        )
        return (
            f'<div class="macro macro-{shown}"><div class="macro-name">{shown}</div>'
            f"{listed}{self.body(node)}</div>"
        )

    def child_pages(self) -> str:
        if self.children is None:
            return (
                '<div class="macro macro-children"><div class="macro-name">child pages</div></div>'
            )
        items = "".join(
            f'<li><a href="{html.escape(c.url)}">{html.escape(c.title)}</a></li>'
            if c.url
            else f"<li>{html.escape(c.title)}</li>"
            for c in self.children
        )
        return f'<ul class="children">{items}</ul>'

    def task(self, node: ET.Element) -> str:
        done = any(
            _local(c.tag) == ("ac", "task-status") and (c.text or "").strip() == "complete"
            for c in node
        )
        body = "".join(self.node(c) for c in node if _local(c.tag) == ("ac", "task-body"))
        return f'<li class="task">{"&#9745;" if done else "&#9744;"} {body}</li>'

    def image(self, node: ET.Element) -> str:
        for child in node:
            prefix, name = _local(child.tag)
            if prefix == "ri" and name == "attachment":
                filename = _attr(child, "ri", "filename")
                url = self.attach(filename)
                if url:
                    return f'<img src="{html.escape(url)}" alt="{html.escape(filename)}">'
                return f'<span class="missing">[missing image {html.escape(filename)}]</span>'
            if prefix == "ri" and name == "url":
                url = _attr(child, "ri", "value")
                if url.startswith(("http://", "https://")):
                    return f'<img src="{html.escape(url)}" alt="">'
        return '<span class="missing">[image]</span>'

    def link(self, node: ET.Element) -> str:
        inner = "".join(self.node(c) for c in node if _local(c.tag)[0] == "ac")
        for child in node:
            prefix, name = _local(child.tag)
            if prefix != "ri" or name not in ("page", "attachment"):
                continue
            if name == "page":
                label = _attr(child, "ri", "content-title")
                url = self.page(label)
            else:
                label = _attr(child, "ri", "filename")
                url = self.attach(label)
            text = inner or html.escape(label)
            return f'<a href="{html.escape(url)}">{text}</a>' if url else text
        return inner
