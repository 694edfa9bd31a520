"""Text in the README and in samples/ that is generated from confsync's own tables.

Each generated part is checked against what the table gives now; after an intended change of
the table, rewrite them all with

    CONFSYNC_UPDATE_README=1 pytest tests/test_titles.py

and review ``git diff README.md samples`` like any other change.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

from confsync.render.titles import PLACEHOLDERS, Placeholder, TitleContext
from confsync.types import ReportKind

__all__ = [
    "README",
    "SAMPLE_CONFIG",
    "check_comment",
    "check_markdown",
    "placeholders_comment",
    "placeholders_markdown",
]

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
SAMPLE_CONFIG = ROOT / "samples" / "confsync.yaml"
UPDATE = os.environ.get("CONFSYNC_UPDATE_README") == "1"
_HOW = "CONFSYNC_UPDATE_README=1 pytest tests/test_titles.py"
_END = "<!-- end of generated -->"

_EXAMPLE_DATE = dt.date(2026, 3, 3)
_EXAMPLE_TITLE = "Sprint 22"
_EXAMPLE_TEAM = "Platform Team"
_UNBROKEN = "\0"  # a space the comment's lines do not break at


def _examples(placeholder: Placeholder) -> tuple[str, str | None]:
    """Its value for the example report, and for the same report untitled when that differs."""
    kind = placeholder.kind or ReportKind.RETROSPECTIVE
    titled = placeholder.value(TitleContext(kind, _EXAMPLE_DATE, _EXAMPLE_TITLE, _EXAMPLE_TEAM))
    untitled = placeholder.value(TitleContext(kind, _EXAMPLE_DATE, None, _EXAMPLE_TEAM))
    return titled, (untitled if untitled != titled else None)


def placeholders_markdown() -> list[str]:
    """The README's table of title placeholders."""
    lines = [
        f"The examples are for a report dated {_EXAMPLE_DATE.isoformat()}, titled "
        f'"{_EXAMPLE_TITLE}", of the team "{_EXAMPLE_TEAM}".',
        "",
        "| placeholder | stands for | example |",
        "|---|---|---|",
    ]
    for p in PLACEHOLDERS:
        only = f"only in {p.kind.value} titles: " if p.kind else ""
        titled, untitled = _examples(p)
        example = f"`{titled}`" + (f"; untitled: `{untitled}`" if untitled else "")
        lines.append(f"| `{p.written}` | {only}{p.stands_for} | {example} |")
    return [*lines, ""]  # a blank line ends the table before the end marker


def placeholders_comment(kind: ReportKind, indent: str) -> list[str]:
    """The sample config's comment listing the placeholders of ``kind``'s titles."""
    items = []
    for p in PLACEHOLDERS:
        if p.allowed_in(kind):
            titled, untitled = _examples(p)
            item = f"{p.written} ({titled}" + (f"; untitled: {untitled})" if untitled else ")")
            items.append(item.replace(" ", _UNBROKEN))
    text = (
        f"Placeholders, as for a report dated {_EXAMPLE_DATE.isoformat()} titled "
        f'"{_EXAMPLE_TITLE}" (the README says what each stands for): {", ".join(items)}.'
    )
    prefix = f"{indent}# "
    wrapped = textwrap.wrap(
        text, width=100, initial_indent=prefix, subsequent_indent=prefix, break_on_hyphens=False
    )
    return [line.replace(_UNBROKEN, " ") for line in wrapped]


def check_markdown(path: Path, source: str, expected: list[str]) -> None:
    """The lines between ``<!-- generated from SOURCE ... -->`` and ``<!-- end of generated -->``
    in ``path`` are ``expected`` (rewritten so under CONFSYNC_UPDATE_README=1)."""
    lines = path.read_text().splitlines()
    begin = f"<!-- generated from {source}"
    starts = [i for i, line in enumerate(lines) if line.startswith(begin)]
    assert len(starts) == 1, f"{path} needs one line starting {begin!r}"
    start = starts[0] + 1
    assert _END in lines[start:], f"{path}: no {_END} after line {start}"
    _check(path, lines, start, lines.index(_END, start), expected)


def check_comment(path: Path, first_words: str, expected: list[str]) -> None:
    """The comment lines of ``path`` from the one starting ``# FIRST_WORDS`` to the last before
    a line that is not a comment are ``expected`` (rewritten so under CONFSYNC_UPDATE_README=1)."""
    lines = path.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith(f"# {first_words}")]
    assert len(starts) == 1, f"{path} needs one comment starting {first_words!r}"
    end = starts[0]
    while end < len(lines) and lines[end].lstrip().startswith("#"):
        end += 1
    _check(path, lines, starts[0], end, expected)


def _check(path: Path, lines: list[str], start: int, end: int, expected: list[str]) -> None:
    if UPDATE:
        path.write_text("\n".join([*lines[:start], *expected, *lines[end:]]) + "\n")
        return
    assert lines[start:end] == expected, f"{path} is not as generated; run {_HOW}"
