"""What Confluence calls a media type in words (v2 ``mediaTypeDescription``)."""

from __future__ import annotations

__all__ = ["media_type_description"]

_NAMES = {
    "application/pdf": "PDF Document",
    "application/zip": "Zip Archive",
    "application/json": "JSON File",
    "application/xml": "XML File",
    "text/plain": "Text File",
    "text/html": "HTML Document",
    "text/csv": "CSV File",
    "text/markdown": "Markdown File",
    "image/svg+xml": "SVG Image",
    "application/octet-stream": "File",
}


def media_type_description(media_type: str) -> str:
    """``image/png`` is "PNG Image", as Confluence's file list shows it; unknown types are
    described by their subtype."""
    base = media_type.split(";")[0].strip().lower()
    if base in _NAMES:
        return _NAMES[base]
    kind, _, sub = base.partition("/")
    if kind == "image":
        return f"{sub.upper()} Image"
    if kind in ("video", "audio"):
        return f"{sub.upper()} {kind.capitalize()}"
    return f"{sub.upper()} File" if sub else "File"
