"""Confluence storage format: the well-formedness check and a readable HTML rendering.

Storage format is XML without namespace declarations: ``ac:`` and ``ri:`` prefixes are used
as if declared, and HTML entities such as ``&nbsp;`` are allowed. So a body is checked by
turning named HTML entities into character references and wrapping it in a root element that
declares the prefixes Confluence uses.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.entities import name2codepoint

from confsync.sandbox.model import ErrorKind, SandboxError

__all__ = ["NAMESPACES", "check_storage", "parse_storage", "storage_to_html"]

NAMESPACES = {
    "ac": "http://atlassian.com/content",
    "ri": "http://atlassian.com/resource/identifier",
    "at": "http://atlassian.com/template",
}
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_ROOT_OPEN = "<storage-root {}>".format(
    " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
)


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES or name not in name2codepoint:
        return match.group(0)  # an unknown name stays, and the parser reports it
    return f"&#{name2codepoint[name]};"


def parse_storage(value: str) -> ET.Element:
    """The body wrapped in a root element; raises SandboxError (400) if it is not well-formed."""
    text = _ROOT_OPEN + _ENTITY.sub(_entity, value) + "</storage-root>"
    try:
        # Expat (stdlib) fetches no external entities; a DOCTYPE cannot appear inside the root.
        return ET.fromstring(text)
    except ET.ParseError as exc:
        # Confluence's own wording for a body it cannot parse.
        raise SandboxError(ErrorKind.INVALID, f"Error parsing xhtml: {_where(exc)}") from exc


def _where(error: ET.ParseError) -> str:
    """The parser's message, with the column on line 1 counted from the body's own start."""
    line, column = error.position
    message = str(error).split(":")[0]
    if line == 1:
        column -= len(_ROOT_OPEN)
    return f"{message} at line {line}, column {column + 1}"


def check_storage(value: str) -> None:
    parse_storage(value)


def _local(tag: object) -> tuple[str, str]:
    """(prefix, local name) of an element tag, prefix '' for plain HTML."""
    if not isinstance(tag, str):
        return ("#", "")
    if tag.startswith("{"):
        uri, _, name = tag[1:].partition("}")
        prefix = next((p for p, u in NAMESPACES.items() if u == uri), "?")
        return (prefix, name)
    return ("", tag)


def _attr(element: ET.Element, prefix: str, name: str) -> str:
    return str(element.get(f"{{{NAMESPACES[prefix]}}}{name}", ""))


AttachmentLink = Callable[[str], str | None]
PageLink = Callable[[str], str | None]


def storage_to_html(value: str, attachment_link: AttachmentLink, page_link: PageLink) -> str:
    """Readable HTML for the browse page: macros as labelled boxes, images and links resolved.

    Text is escaped on the way out, so a body can never inject markup into the browse page.
    """
    try:
        root = parse_storage(value)
    except SandboxError as exc:
        return f'<pre class="invalid">{html.escape(exc.message)}</pre>'
    return "".join(_render(child, attachment_link, page_link) for child in _children(root))


def _children(element: ET.Element) -> list[ET.Element | str]:
    parts: list[ET.Element | str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        parts.append(child)
        if child.tail:
            parts.append(child.tail)
    return parts


_SAFE_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "code",
    "pre",
    "blockquote",
    "br",
    "hr",
    "span",
    "div",
    "sub",
    "sup",
    "del",
    "colgroup",
    "col",
}


def _render(node: ET.Element | str, attach: AttachmentLink, page: PageLink) -> str:
    if isinstance(node, str):
        return html.escape(node)
    prefix, name = _local(node.tag)
    inner = "".join(_render(c, attach, page) for c in _children(node))
    if prefix == "#":
        return ""  # comments and processing instructions
    if prefix == "":
        if name == "a":
            href = str(node.get("href", ""))
            safe = href if href.startswith(("http://", "https://", "/", "#")) else "#"
            return f'<a href="{html.escape(safe)}">{inner}</a>'
        if name == "time":
            # Confluence shows a date picker value as the date: <time datetime="2026-11-20"/>.
            return f"<time>{html.escape(str(node.get('datetime', '')))}</time>"
        tag = name if name in _SAFE_TAGS else "span"
        return f"<{tag}>{inner}</{tag}>"
    if prefix == "ac" and name == "structured-macro" and _attr(node, "ac", "name") == "status":
        return _status(node)
    if prefix == "ac" and name == "structured-macro":
        macro = html.escape(_attr(node, "ac", "name") or "macro")
        return (
            f'<div class="macro macro-{macro}"><div class="macro-name">{macro}</div>{inner}</div>'
        )
    if prefix == "ac" and name == "parameter":
        label = html.escape(_attr(node, "ac", "name"))
        if label == "title":
            return f'<div class="macro-title">{inner}</div>'
        return f'<div class="macro-param">{label}: {inner}</div>'
    if prefix == "ac" and name == "task-list":
        return f'<ul class="tasks">{inner}</ul>'
    if prefix == "ac" and name == "task":
        done = any(
            _local(c.tag) == ("ac", "task-status") and (c.text or "").strip() == "complete"
            for c in node
        )
        body = "".join(
            _render(c, attach, page) for c in node if _local(c.tag) == ("ac", "task-body")
        )
        return f'<li class="task">{"&#9745;" if done else "&#9744;"} {body}</li>'
    if prefix == "ac" and name == "image":
        return _image(node, attach)
    if prefix == "ac" and name == "link":
        return _link(node, attach, page, inner)
    if prefix == "ri":
        return ""  # resource identifiers are read by their ac: parent
    return inner  # rich-text-body, plain-text-body, link-body and the like


def _status(node: ET.Element) -> str:
    """The status macro as Confluence shows it: a coloured lozenge with its title."""
    params = {
        _attr(c, "ac", "name"): "".join(c.itertext())
        for c in node
        if _local(c.tag) == ("ac", "parameter")
    }
    colour = params.get("colour", "grey").lower()
    colour = colour if colour.isalpha() else "grey"
    title = html.escape(params.get("title", ""))
    return f'<span class="status status-{colour}">{title}</span>'


def _image(node: ET.Element, attach: AttachmentLink) -> str:
    for child in node:
        prefix, name = _local(child.tag)
        if prefix == "ri" and name == "attachment":
            filename = _attr(child, "ri", "filename")
            url = attach(filename)
            if url:
                return f'<img src="{html.escape(url)}" alt="{html.escape(filename)}">'
            return f'<span class="missing">[missing image {html.escape(filename)}]</span>'
        if prefix == "ri" and name == "url":
            url = _attr(child, "ri", "value")
            if url.startswith(("http://", "https://")):
                return f'<img src="{html.escape(url)}" alt="">'
    return '<span class="missing">[image]</span>'


def _link(node: ET.Element, attach: AttachmentLink, page: PageLink, inner: str) -> str:
    for child in node:
        prefix, name = _local(child.tag)
        if prefix == "ri" and name == "page":
            title = _attr(child, "ri", "content-title")
            url = page(title)
            text = inner or html.escape(title)
            return f'<a href="{html.escape(url)}">{text}</a>' if url else text
        if prefix == "ri" and name == "attachment":
            filename = _attr(child, "ri", "filename")
            url = attach(filename)
            text = inner or html.escape(filename)
            return f'<a href="{html.escape(url)}">{text}</a>' if url else text
    return inner
