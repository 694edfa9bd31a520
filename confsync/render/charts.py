"""Votes as a chart (PNG): a health check's as one stacked green/amber/red bar per dimension,
a retrospective's as one bar per item (the most voted first, top ``TOP_ITEMS``), coloured by
column.

PNG rather than SVG because every Confluence edition shows a PNG attachment inline. Like the
PDF, the image is drawn only when apply uploads it; its digest comes from ``chart_inputs``.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from confsync.render.painter import Painter
from confsync.reports import HealthCheck, Retrospective
from confsync.text import one_line

__all__ = [
    "CHART_VERSION",
    "TOP_ITEMS",
    "chart_inputs",
    "has_votes",
    "health_check_chart",
    "report_chart",
    "retrospective_chart",
]

CHART_VERSION = 2
"""Bumped when the drawing changes, so that every chart is uploaded again once."""

_WIDTH = 760
_LABEL = 240  # room for the dimension names
_BAR = _WIDTH - _LABEL - 70  # the rest, less the total column
_ROW = 30
_TOP = 44
_COLOURS = {"green": "#36b37e", "amber": "#ffab00", "red": "#ff5630"}
_EMPTY = "#dfe1e6"
_TEXT = "#172b4d"

TOP_ITEMS = 12
"""A retrospective chart shows this many items at most: the board itself is on the page."""
_COLUMN_COLOURS = ("#0065ff", "#6554c0", "#00a3bf", "#ff8b00", "#36b37e", "#de350b")


def has_votes(report: HealthCheck | Retrospective) -> bool:
    """Whether a chart would show anything: a retrospective nobody voted on gets none."""
    if isinstance(report, HealthCheck):
        return True
    return any(item.votes for column in report.columns for item in column.items)


def _top_items(report: Retrospective) -> list[tuple[int, str, int]]:
    """(column index, item text, votes) of the most voted items, most first, board order
    among equals."""
    items = [
        (index, item.text, item.votes)
        for index, column in enumerate(report.columns)
        for item in column.items
        if item.votes
    ]
    return sorted(items, key=lambda entry: -entry[2])[:TOP_ITEMS]


def chart_inputs(report: HealthCheck | Retrospective) -> dict[str, Any]:
    """Everything the chart shows: what its digest is computed from."""
    if isinstance(report, Retrospective):
        return {
            "chart": CHART_VERSION,
            "columns": [c.name for c in report.columns],
            "items": [list(entry) for entry in _top_items(report)],
        }
    return {
        "chart": CHART_VERSION,
        "dimensions": [
            [d.name, d.votes.green, d.votes.amber, d.votes.red] for d in report.dimensions
        ],
    }


def _fit(painter: Painter, text: str, room: int) -> str:
    if painter.length(text) <= room:
        return text
    while text and painter.length(text + "…") > room:
        text = text[:-1]
    return text + "…"


def health_check_chart(report: HealthCheck) -> bytes:
    """The PNG bytes of the chart of ``report``'s votes."""
    # Fonts from fontconfig, never Pillow's bitmap default (Latin-1 only).
    font, small = Painter(14), Painter(12)
    height = _TOP + _ROW * len(report.dimensions) + 16
    image = Image.new("RGB", (_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font.draw(image, (12, 12), "Votes per dimension", _TEXT)
    legend_x = _LABEL
    for name, colour in _COLOURS.items():
        draw.rectangle((legend_x, 16, legend_x + 12, 28), fill=colour)
        small.draw(image, (legend_x + 18, 14), name, _TEXT)
        legend_x += 90
    for row, dimension in enumerate(report.dimensions):
        top = _TOP + row * _ROW
        # One line whatever the name holds: Pillow refuses to measure text with a line break.
        label = _fit(font, one_line(dimension.name), _LABEL - 24)
        font.draw(image, (12, top + 5), label, _TEXT)
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
                small.draw(image, (left + 6, top + 7), str(count), "white")
            left += width
        small.draw(image, (_LABEL + _BAR + 10, top + 7), f"{votes.total} votes", _TEXT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def retrospective_chart(report: Retrospective) -> bytes:
    """The PNG bytes of the chart of ``report``'s most voted items."""
    font, small = Painter(14), Painter(12)
    items = _top_items(report)
    most = max((votes for _, _, votes in items), default=1)
    height = _TOP + 22 + _ROW * len(items) + 16
    image = Image.new("RGB", (_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font.draw(image, (12, 12), "Votes per item", _TEXT)
    legend_x, legend_y = 12, _TOP - 4
    for index, column in enumerate(report.columns):
        colour = _COLUMN_COLOURS[index % len(_COLUMN_COLOURS)]
        name = _fit(small, one_line(column.name), 150)
        draw.rectangle((legend_x, legend_y + 2, legend_x + 12, legend_y + 14), fill=colour)
        small.draw(image, (legend_x + 18, legend_y), name, _TEXT)
        legend_x += 30 + round(small.length(name))
    for row, (index, text, votes) in enumerate(items):
        top = _TOP + 22 + row * _ROW
        font.draw(image, (12, top + 5), _fit(font, one_line(text), _LABEL - 24), _TEXT)
        width = max(2, round(_BAR * votes / most))
        colour = _COLUMN_COLOURS[index % len(_COLUMN_COLOURS)]
        draw.rectangle((_LABEL, top + 4, _LABEL + width, top + _ROW - 6), fill=colour)
        small.draw(image, (_LABEL + width + 8, top + 7), f"{votes}", _TEXT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def report_chart(report: HealthCheck | Retrospective) -> bytes:
    if isinstance(report, HealthCheck):
        return health_check_chart(report)
    return retrospective_chart(report)
