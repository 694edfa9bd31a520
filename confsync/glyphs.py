"""Report text that no installed font can draw: found at plan, before a PDF shows boxes.

The page itself is drawn by the reader's browser; the PDF and the charts are drawn here, with
the fonts fontconfig knows (``render/fonts.py``). A character none of them has would print as
an empty box (.notdef), so plan names the report and the characters instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from confsync.errors import Problem
from confsync.loading import LoadedReport, Repo
from confsync.render.fonts import FONT_PACKAGES, FontsMissing, installed_fonts

__all__ = ["glyph_warnings"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _drawn(repo: Repo) -> list[LoadedReport]:
    """The reports confsync draws itself (a PDF or a chart): the others are only ever drawn by
    the reader's browser, with the reader's fonts."""
    drawn = []
    for loaded in repo.reports:
        settings = repo.config.kind_settings(loaded.team, loaded.kind.value)
        if settings.pdf or settings.chart:
            drawn.append(loaded)
    return drawn


def glyph_warnings(repo: Repo) -> list[Problem]:
    """One warning per drawn report whose text has characters no installed font has."""
    drawn = _drawn(repo)
    if not drawn:
        return []
    try:
        fonts = installed_fonts()
    except FontsMissing as exc:
        return [Problem("confsync.yaml", 0, 0, "", f"{exc}; apply cannot print PDFs or charts")]
    found = []
    for loaded in drawn:
        text = "".join(_strings(loaded.report.model_dump(mode="json"))) + loaded.team.name
        missing = fonts.missing(text)
        if missing:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            found.append(
                Problem(
                    os.path.relpath(loaded.path),
                    0,
                    0,
                    "",
                    f"no installed font has {shown}{more}: the PDF and chart would show "
                    f"empty boxes; install fonts that have them (apt-get install "
                    f"{FONT_PACKAGES})",
                )
            )
    return found
