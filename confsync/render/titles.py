"""Title templates: ``{{RetrospectiveTitleOrDate}} - Retrospective`` and friends.

A template is plain text with ``{{Placeholder}}`` substitutions; there is no other syntax, so
a title can never run code or pull in anything but the values below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from confsync.errors import TitleTemplateError
from confsync.text import MAX_TITLE_LENGTH, name_problem
from confsync.types import ReportKind

__all__ = [
    "MAX_TITLE_LENGTH",
    "PLACEHOLDERS",
    "Placeholder",
    "TitleContext",
    "TitleTemplateError",
    "check_template",
    "ordinal",
    "render_title",
]


_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@dataclass(frozen=True)
class TitleContext:
    kind: ReportKind
    date: dt.date
    title: str | None
    team_name: str


@dataclass(frozen=True)
class Placeholder:
    """One ``{{name}}`` a title template may hold, and the value it is replaced with.

    ``stands_for`` says what it is, in words for the README's table and the sample config's
    comment (both generated from ``PLACEHOLDERS`` and checked by the tests). ``kind`` is the one
    report kind whose titles may use it; None: every kind.
    """

    name: str
    stands_for: str
    value: Callable[[TitleContext], str]
    kind: ReportKind | None = None

    @property
    def written(self) -> str:
        return "{{" + self.name + "}}"

    def allowed_in(self, kind: ReportKind) -> bool:
        return self.kind is None or self.kind is kind


def ordinal(day: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st, 22nd, 23rd ... 31st."""
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _title_or_date(ctx: TitleContext) -> str:
    return ctx.title if ctx.title else ctx.date.isoformat()


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_TITLE_OR_DATE = "the report's `title`, or its `date` (YYYY-MM-DD) when it has none"
_DATE = "of the report's `date`"

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "RetrospectiveTitleOrDate", _TITLE_OR_DATE, _title_or_date, ReportKind.RETROSPECTIVE
    ),
    Placeholder("HealthCheckTitleOrDate", _TITLE_OR_DATE, _title_or_date, ReportKind.HEALTH_CHECK),
    Placeholder("YY", f"the year {_DATE}, two digits", lambda c: f"{c.date.year % 100:02d}"),
    Placeholder("YYYY", f"the year {_DATE}", lambda c: f"{c.date.year:04d}"),
    Placeholder("MM", f"the month {_DATE}, two digits", lambda c: f"{c.date.month:02d}"),
    # Month names in English whatever the machine's locale, so CI and laptops agree.
    Placeholder(
        "MMM", f"the month {_DATE}, short English name", lambda c: _MONTHS[c.date.month - 1][:3]
    ),
    Placeholder("MMMM", f"the month {_DATE}, English name", lambda c: _MONTHS[c.date.month - 1]),
    Placeholder("D", f"the day {_DATE}", lambda c: str(c.date.day)),
    Placeholder("DD", f"the day {_DATE}, two digits", lambda c: f"{c.date.day:02d}"),
    Placeholder("Do", f"the day {_DATE}, as an ordinal", lambda c: ordinal(c.date.day)),
    Placeholder("TeamName", "the team's `name` (not a date part)", lambda c: c.team_name),
)
"""Every placeholder, in the order the error for an unknown one lists them."""

_BY_NAME = {p.name: p for p in PLACEHOLDERS}


def check_template(template: str, kind: ReportKind) -> list[str]:
    """Every problem with ``template`` for reports of ``kind``, as messages; [] when valid."""
    problems: list[str] = []
    for match in _PLACEHOLDER.finditer(template):
        found = _BY_NAME.get(match.group(1))
        if found is not None and found.allowed_in(kind):
            continue
        if found is not None:
            instead = " or ".join(p.written for p in PLACEHOLDERS if p.kind is kind)
            problems.append(f"{found.written} is not for {kind.value} titles; use {instead}")
        else:
            known = ", ".join(p.written for p in PLACEHOLDERS if p.allowed_in(kind))
            written = "{{" + match.group(1) + "}}"
            problems.append(f"unknown placeholder {written}; known: {known}")
    rest = _PLACEHOLDER.sub("", template)
    if "{{" in rest or "}}" in rest:
        problems.append("unbalanced braces: a placeholder is written {{Name}}")
    if not rest.strip() and not _PLACEHOLDER.search(template):
        problems.append("the title template is empty")
    return problems


def render_title(template: str, ctx: TitleContext) -> str:
    """The page title for one report: placeholders substituted, runs of spaces collapsed.

    Raises TitleTemplateError for an invalid template, or a result that is empty, over 255
    characters or not acceptable as a title (``confsync.text``: a control character, white
    space at either end), which is refused rather than cleaned.
    """
    problems = check_template(template, ctx.kind)
    if problems:
        raise TitleTemplateError(problems[0])

    def substitute(match: re.Match[str]) -> str:
        return _BY_NAME[match.group(1)].value(ctx)

    rendered = _PLACEHOLDER.sub(substitute, template)
    if not rendered.strip():
        raise TitleTemplateError("the title renders empty")
    problem = name_problem(rendered)
    if problem is not None:
        raise TitleTemplateError(f"the rendered title {problem}")
    # Confluence collapses runs of spaces in titles; doing it here keeps the title we compare
    # with the one Confluence stores.
    title = " ".join(rendered.split())
    if len(title) > MAX_TITLE_LENGTH:
        raise TitleTemplateError(
            f"the title renders to {len(title)} characters, over Confluence's limit of "
            f"{MAX_TITLE_LENGTH}: {title[:60]}..."
        )
    return title
