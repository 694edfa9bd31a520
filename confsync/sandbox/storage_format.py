"""Confluence storage format in the sandbox: the well-formedness check Confluence makes.

Storage format is XML without namespace declarations (``ac:``/``ri:`` used as if declared)
that allows HTML entities such as ``&nbsp;``; ``render.storage.parse_storage`` handles both.
The readable HTML of a body (the browse page, the ``view`` representation) comes from
``render.html``, the one renderer the PDF and the preview use too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from confsync.render.html import storage_to_html
from confsync.render.storage import NAMESPACES, ROOT_OPEN
from confsync.render.storage import parse_storage as _parse
from confsync.sandbox.model import ErrorKind, SandboxError

__all__ = ["NAMESPACES", "check_storage", "parse_storage", "storage_to_html"]


def parse_storage(value: str) -> ET.Element:
    """The body wrapped in a root element; raises SandboxError (400) if it is not well-formed."""
    try:
        return _parse(value)
    except ET.ParseError as exc:
        # Confluence's own wording for a body it cannot parse.
        raise SandboxError(ErrorKind.INVALID, f"Error parsing xhtml: {_where(exc)}") from exc


def _where(error: ET.ParseError) -> str:
    """The parser's message, with the column on line 1 counted from the body's own start."""
    line, column = error.position
    message = str(error).split(":")[0]
    if line == 1:
        column -= len(ROOT_OPEN)
    return f"{message} at line {line}, column {column + 1}"


def check_storage(value: str) -> None:
    parse_storage(value)
