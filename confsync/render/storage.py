"""Confluence storage format: the namespaces it uses and a well-formedness check.

Storage format is XML without a root element and without namespace declarations; to parse it,
wrap it in a root that declares the prefixes Confluence uses. Only the standard library is used
here, so a check runs wherever confsync does.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.entities import name2codepoint

from confsync.errors import StorageFormatError

__all__ = [
    "NAMESPACES",
    "ROOT_OPEN",
    "StorageFormatError",
    "check_well_formed",
    "parse_storage",
    "text_safe",
]

NAMESPACES = {
    "ac": "http://atlassian.com/content",
    "ri": "http://atlassian.com/resource/identifier",
    "at": "http://atlassian.com/template",
}

_ROOT_OPEN = "<confsync-root " + " ".join(f'xmlns:{p}="{u}"' for p, u in NAMESPACES.items()) + ">"
ROOT_OPEN = _ROOT_OPEN
"""The root element a body is wrapped in to parse it (its length shifts columns on line 1)."""

# Confluence accepts HTML's named entities (``&nbsp;``) that XML does not know.
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")

# XML 1.0 allows tab, LF and CR among the C0 controls, nothing else; a page holding one is
# refused. Showing each as its Unicode "control picture" (U+2400 + code) keeps it visible as
# text instead of silently dropping what a report said.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def text_safe(text: str) -> str:
    """``text`` with the characters XML cannot hold replaced by visible stand-ins."""

    def picture(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        if code < 0x20:
            return chr(0x2400 + code)
        return "\u2421" if code == 0x7F else "\ufffd"

    return _FORBIDDEN.sub(picture, text)


def check_well_formed(body: str) -> None:
    """Raise StorageFormatError (with line and column in the body) unless ``body`` parses."""
    try:
        ET.fromstring(f"{_ROOT_OPEN}{body}</confsync-root>")
    except ET.ParseError as exc:
        line, column = exc.position
        message = f"storage format is not well-formed at {line}:{column}: {exc}"
        raise StorageFormatError(message) from exc


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES or name not in name2codepoint:
        return match.group(0)  # an unknown name stays, and the parser reports it
    return f"&#{name2codepoint[name]};"


def parse_storage(body: str) -> ET.Element:
    """``body`` wrapped in a root element that declares the prefixes, HTML entities allowed.

    Raises ``xml.etree.ElementTree.ParseError`` (positions count the root, see ROOT_OPEN).
    Expat (stdlib) fetches no external entities; a DOCTYPE cannot appear inside the root.
    """
    return ET.fromstring(_ROOT_OPEN + _ENTITY.sub(_entity, body) + "</confsync-root>")
