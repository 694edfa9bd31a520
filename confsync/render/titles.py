"""Title templates: ``{{RetrospectiveTitleOrDate}} - Retrospective`` and friends.

A template is plain text with ``{{Placeholder}}`` substitutions; there is no other syntax, so
a title can never run code or pull in anything but the values below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from confsync.text import name_problem
from confsync.types import ReportKind

__all__ = [
    "MAX_TITLE_LENGTH",
    "PLACEHOLDERS",
    "TitleContext",
    "TitleTemplateError",
    "check_template",
    "ordinal",
    "render_title",
]

MAX_TITLE_LENGTH = 255  # Confluence refuses longer titles with a 400.

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

_TITLE_OR_DATE = {
    ReportKind.RETROSPECTIVE: "RetrospectiveTitleOrDate",
    ReportKind.HEALTH_CHECK: "HealthCheckTitleOrDate",
}


class TitleTemplateError(ValueError):
    """A template that cannot render; the message names the offending placeholder."""


@dataclass(frozen=True)
class TitleContext:
    kind: ReportKind
    date: dt.date
    title: str | None
    team_name: str


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

_DATE_PARTS: dict[str, Callable[[TitleContext], str]] = {
    "YY": lambda c: f"{c.date.year % 100:02d}",
    "YYYY": lambda c: f"{c.date.year:04d}",
    "MM": lambda c: f"{c.date.month:02d}",
    # Month names in English whatever the machine's locale, so CI and laptops agree.
    "MMM": lambda c: _MONTHS[c.date.month - 1][:3],
    "MMMM": lambda c: _MONTHS[c.date.month - 1],
    "D": lambda c: str(c.date.day),
    "DD": lambda c: f"{c.date.day:02d}",
    "Do": lambda c: ordinal(c.date.day),
    "TeamName": lambda c: c.team_name,
}


PLACEHOLDERS: frozenset[str] = frozenset({*_DATE_PARTS, *_TITLE_OR_DATE.values()})


def check_template(template: str, kind: ReportKind) -> list[str]:
    """Every problem with ``template`` for reports of ``kind``, as messages; [] when valid."""
    problems: list[str] = []
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1)
        if name in _DATE_PARTS or name == _TITLE_OR_DATE[kind]:
            continue
        if name in _TITLE_OR_DATE.values():
            problems.append(
                f"{{{{{name}}}}} is not for {kind.value} titles; use {{{{{_TITLE_OR_DATE[kind]}}}}}"
            )
        else:
            known = ", ".join("{{" + p + "}}" for p in [_TITLE_OR_DATE[kind], *_DATE_PARTS])
            problems.append(f"unknown placeholder {{{{{name}}}}}; known: {known}")
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
        name = match.group(1)
        if name == _TITLE_OR_DATE[ctx.kind]:
            return _title_or_date(ctx)
        return _DATE_PARTS[name](ctx)

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
