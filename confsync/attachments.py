"""The files a page gets attached, and the rules their names and sizes follow.

A report names files relative to itself; each is attached under its own file name (the last
part of what the report wrote). confsync attaches two files of its own, the PDF of the report
and the chart of its votes; a file of the same name would silently take
their place (or they its), as would two files of one name. Confluence changes or refuses some
names, and a page that links the name as written then shows a broken image: such names are
refused at ``validate``, with what to rename.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePosixPath

from confsync.config import KindDefaults
from confsync.errors import Problem
from confsync.paths import Refused, Why, inside
from confsync.types import PageAddress
from confsync.yamlio import Document

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_NAME_LENGTH",
    "attachment_name",
    "attachment_problems",
    "chart_filename",
    "generated_names",
    "name_problem",
    "pdf_filename",
]

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
"""Largest file a report may attach: half of Confluence's default limit (100 MB), so a site
that keeps the default takes every file confsync sends, and apply holds one in memory."""

MAX_NAME_LENGTH = 255
"""Confluence stores an attachment's file name in a column of 255 characters."""


def pdf_filename(address: PageAddress) -> str:
    return f"{address.name}.pdf"


def chart_filename(address: PageAddress) -> str:
    return f"{address.name}-votes.png"


def attachment_name(written: str) -> str:
    """The file name an attachment gets: the last part of the path the report wrote.

    Split at ``/`` only, on every platform, so that a backslash is seen (and refused) as part
    of a name rather than read as a folder on one system and not on another.
    """
    return PurePosixPath(written).name


def generated_names(address: PageAddress, settings: KindDefaults) -> dict[str, str]:
    """The names of the files confsync attaches to a page itself, with what each one is."""
    found = {}
    if settings.pdf:
        found[pdf_filename(address)] = (
            "the PDF confsync attaches to this page; rename the file, or set pdf: false"
        )
    if settings.chart:
        found[chart_filename(address)] = (
            "the chart of votes confsync attaches to this page; rename the file, "
            "or set chart: false"
        )
    return found


def name_problem(name: str) -> str | None:
    """Why Confluence would not keep the file name ``name`` as written, or None; a phrase
    to follow the path the report wrote."""
    if not name.strip():
        return "names no file; give the path of a file, relative to the report file"
    if name != name.strip():
        return (
            "has a file name that starts or ends with white space, which Confluence drops; "
            "rename the file without it"
        )
    if '"' in name:
        # Confluence stores it as %22 while the page links the name as written: a broken link.
        return 'has a double quote (") in its file name; rename the file without it'
    control = next((c for c in name if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp")), None)
    if control is not None:
        escaped = repr(control)[1:-1]
        return f"has a control character ({escaped}) in its file name; rename the file without it"
    if "\\" in name:
        return (
            "has a backslash (\\) in its file name, which Confluence and Windows take for a "
            "folder separator; rename the file without it (write folders with /)"
        )
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"has a file name of {len(name)} characters, over Confluence's limit of "
            f"{MAX_NAME_LENGTH}; rename the file to a shorter name"
        )
    return None


def attachment_problems(
    root: Path,
    report: Path,
    written: list[str],
    generated: dict[str, str],
    document: Document,
    display: str,
) -> list[Problem]:
    """Every problem with the files a report attaches: names, duplicates, and the files."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, path in enumerate(written):
        name = attachment_name(path)
        reason = name_problem(name)
        if reason is None and name in generated:
            reason = f"has the file name of {generated[name]}"
        if reason is None and name in seen:
            reason = (
                f"has the same file name as attachments[{seen[name]}]; a page holds one file "
                "of each name, so rename one of the two"
            )
        seen.setdefault(name, index)
        if reason is None:
            reason = _file_problem(root, report, path)
        if reason is not None:
            line, column = document.positions.of_value(("attachments", index))
            problems.append(
                Problem(display, line, column, f"attachments[{index}]", f"{path!r} {reason}")
            )
    return problems


def _file_problem(root: Path, report: Path, path: str) -> str | None:
    try:
        inside(root, report.parent / path, kind="file", limit=MAX_ATTACHMENT_BYTES)
    except Refused as exc:
        if exc.why is Why.MISSING:
            return f"{exc} (attachment paths are relative to the report file)"
        return str(exc)
    return None
