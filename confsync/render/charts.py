"""A health check's votes as a chart: one stacked green/amber/red bar per dimension (PNG).

PNG rather than SVG because every Confluence edition shows a PNG attachment inline. Like the
PDF, the image is drawn only when apply uploads it; its digest comes from ``chart_inputs``.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from confsync.reports import HealthCheck
from confsync.text import one_line

__all__ = ["CHART_VERSION", "chart_inputs", "health_check_chart"]

CHART_VERSION = 1
"""Bumped when the drawing changes, so that every chart is uploaded again once."""

_WIDTH = 760
_LABEL = 240  # room for the dimension names
_BAR = _WIDTH - _LABEL - 70  # the rest, less the total column
_ROW = 30
_TOP = 44
_COLOURS = {"green": "#36b37e", "amber": "#ffab00", "red": "#ff5630"}
_EMPTY = "#dfe1e6"
_TEXT = "#172b4d"

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def chart_inputs(report: HealthCheck) -> dict[str, Any]:
    """Everything the chart shows: what its digest is computed from."""
    return {
        "chart": CHART_VERSION,
        "dimensions": [
            [d.name, d.votes.green, d.votes.amber, d.votes.red] for d in report.dimensions
        ],
    }


def _fit(draw: ImageDraw.ImageDraw, text: str, font: _Font, room: int) -> str:
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text + "…"


def health_check_chart(report: HealthCheck) -> bytes:
    """The PNG bytes of the chart of ``report``'s votes."""
    font = ImageFont.load_default(size=14)
    small = ImageFont.load_default(size=12)
    height = _TOP + _ROW * len(report.dimensions) + 16
    image = Image.new("RGB", (_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((12, 12), "Votes per dimension", fill=_TEXT, font=font)
    legend_x = _LABEL
    for name, colour in _COLOURS.items():
        draw.rectangle((legend_x, 16, legend_x + 12, 28), fill=colour)
        draw.text((legend_x + 18, 14), name, fill=_TEXT, font=small)
        legend_x += 90
    for row, dimension in enumerate(report.dimensions):
        top = _TOP + row * _ROW
        # One line whatever the name holds: Pillow refuses to measure text with a line break.
        label = _fit(draw, one_line(dimension.name), font, _LABEL - 24)
        draw.text((12, top + 5), label, fill=_TEXT, font=font)
        votes = dimension.votes
        left = _LABEL
        if not votes.total:
            draw.rectangle((left, top + 4, left + _BAR, top + _ROW - 6), fill=_EMPTY)
        for colour, count in (("green", votes.green), ("amber", votes.amber), ("red", votes.red)):
            if not count:
                continue
            width = round(_BAR * count / votes.total)
            draw.rectangle((left, top + 4, left + width, top + _ROW - 6), fill=_COLOURS[colour])
            if width >= 22:
                draw.text((left + 6, top + 7), str(count), fill="white", font=small)
            left += width
        draw.text((_LABEL + _BAR + 10, top + 7), f"{votes.total} votes", fill=_TEXT, font=small)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
