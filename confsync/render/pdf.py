"""A page printed to PDF (WeasyPrint), from the same HTML every reader's view uses.

The PDF is the page's storage body through ``render.html``, with the print stylesheet and a
cover line, so it says what the page says. Images are the attachment files themselves, passed
in by name. Only apply calls this, and only for attachments it uploads: planning compares
digests of the inputs (the body, the images' digests, the stylesheet), never PDF bytes.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from functools import cache
from typing import Any

from confsync.errors import ConfsyncError
from confsync.render.fonts import require_fonts
from confsync.render.html import print_css, storage_to_html

__all__ = ["PRINT_FORMAT", "print_html", "print_inputs", "print_stylesheet", "render_pdf"]

PRINT_FORMAT = 2
"""Bumped when printing changes in a way the stylesheet does not show, to print every PDF again."""

_IMAGE_TYPES = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"RIFF": "image/webp",
}


def print_inputs() -> dict[str, object]:
    """What every PDF depends on besides its page: part of each PDF's digest."""
    return {"print": PRINT_FORMAT, "stylesheet": print_css()}


def _data_uri(data: bytes, filename: str) -> str:
    media = next((t for magic, t in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    if media is None:
        media = "image/svg+xml" if filename.lower().endswith(".svg") else "application/octet-stream"
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def print_html(body: str, *, title: str, cover: str, files: Mapping[str, bytes]) -> str:
    """The HTML the PDF is printed from: a cover line, then the page as a reader sees it.
    It is styled by ``print_stylesheet``, given to WeasyPrint beside it.

    ``files`` maps attachment names to their bytes: images are embedded, other files named.
    """

    def attachment(name: str) -> str | None:
        data = files.get(name)
        return _data_uri(data, name) if data is not None else None

    content = storage_to_html(body, attachment, lambda _title: None)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f'<header class="cover"><h1>{html.escape(title)}</h1><p>{html.escape(cover)}</p></header>'
        f"<main>{content}</main></body></html>"
    )


def print_stylesheet() -> str:
    """The print stylesheet with the installed fonts' families first (``render/fonts.py``)."""
    family = require_fonts().css_font_family()
    return (
        f"{print_css()}\nhtml, body {{ font-family: {family}; }}\n"
        f"@page {{ @bottom-center {{ font-family: {family}; }} }}\n"
    )


@cache
def _font_config() -> Any:
    """One WeasyPrint font configuration per process: building Pango's font map for every
    PDF costs about a sixth of the printing time. No @font-face is used, so it holds no
    state from one document to the next."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _parsed_stylesheet() -> Any:
    """``print_stylesheet`` parsed once per process, not once per PDF (its selectors matched
    anew for each document): the stylesheet, the fonts and the font configuration it is
    parsed with are the same for every PDF a process prints."""
    from weasyprint import CSS

    return CSS(string=print_stylesheet(), font_config=_font_config())


def render_pdf(body: str, *, title: str, cover: str, files: Mapping[str, bytes]) -> bytes:
    """The PDF of a page whose storage body is ``body`` (see ``print_html``)."""
    require_fonts()
    document = print_html(body, title=title, cover=cover, files=files)
    # Imported here: WeasyPrint loads Pango at import, which only apply ever needs.
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint raises OSError when Pango's shared library is missing
        raise ConfsyncError(
            "cannot print the PDF attachments: WeasyPrint needs the Pango library "
            "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; see "
            "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html). "
            "Or set pdf: false in confsync.yaml."
        ) from exc
    pdf = HTML(string=document).write_pdf(
        stylesheets=[_parsed_stylesheet()], font_config=_font_config()
    )
    assert pdf is not None
    return bytes(pdf)
