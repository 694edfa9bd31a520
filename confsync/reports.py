"""The report models: what a team records after a retrospective or a health check.

One YAML file holds one report; ``kind`` tells which. Everything a team may leave out is
optional, so a quick retro with three sticky notes is as valid as a full one.

The models are strict: a value of the wrong type is refused, never converted (``votes: true``
is not 1 vote, ``date: 0`` is not 1970-01-01). Names and titles follow ``confsync.text``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

from confsync.text import FieldError, LongText, NameText

__all__ = [
    "ActionItem",
    "Column",
    "Dimension",
    "HealthCheck",
    "Item",
    "Report",
    "Retrospective",
    "Theme",
    "Votes",
    "report_adapter",
]

Text = Annotated[LongText, Field(max_length=20_000)]
Name = Annotated[NameText, Field(max_length=200)]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d")


def _date_from_text(value: object) -> object:
    """YYYY-MM-DD text → a date; nothing else is a date.

    The YAML reader leaves dates as text (see ``yamlio``), and strict mode takes no text for a
    date; pydantic's lax mode would take too much: a number as seconds since 1970 (``date: 0``),
    ``"20261120"`` or a date with a midnight time.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # built in Python, not read from a file
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    if _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    elif _ISO_DATE_TIME.match(value):
        raise PydanticCustomError("date_from_datetime_inexact", "Input has a time of day")
    raise PydanticCustomError("date_parsing", "Input should be a valid date in YYYY-MM-DD format")


Date = Annotated[dt.date, BeforeValidator(_date_from_text)]


class _Strict(BaseModel):
    # strict: YAML says what type a value is; converting it would hide a mistake (`votes: true`).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Item(_Strict):
    """A sticky note in a retrospective column."""

    text: Text
    votes: int = Field(default=0, ge=0, le=10_000)
    author: Name | None = None
    comments: list[Text] = []


class Column(_Strict):
    name: Name
    items: list[Item] = []


class Theme(_Strict):
    """Items the team grouped together, with the group's own votes."""

    name: Name
    description: Text | None = Field(
        default=None, description="Markdown is fine (CommonMark, tables; no HTML)."
    )
    votes: int = Field(default=0, ge=0, le=10_000)
    items: list[Text] = Field(default=[], description="Texts of the grouped items.")


class ActionItem(_Strict):
    text: Text
    owner: Name | None = None
    due: Date | None = None
    status: Literal["open", "in-progress", "done", "dropped"] = "open"


class _Report(_Strict):
    title: Annotated[NameText, Field(max_length=255)] | None = Field(
        default=None, description="Optional: the date stands in for a missing title."
    )
    date: Date
    facilitator: Name | None = None
    participants: list[Name] = []
    summary: Text | None = Field(
        default=None, description="Markdown is fine (CommonMark, tables; no HTML)."
    )
    actions: list[ActionItem] = []
    notes: Text | None = Field(
        default=None, description="Free text; markdown is fine (CommonMark, tables; no HTML)."
    )
    attachments: list[Annotated[str, Field(min_length=1)]] = Field(
        default=[], description="Files (images, PDFs) to attach, relative to the report file."
    )

    @model_validator(mode="after")
    def _participants_unique(self) -> _Report:
        seen: set[str] = set()
        for index, name in enumerate(self.participants):
            if name in seen:
                raise FieldError(
                    f"participant {name!r} is listed twice", loc=("participants", index)
                )
            seen.add(name)
        return self


class Retrospective(_Report):
    kind: Literal["retrospective"]
    format: Name | None = Field(
        default=None, description="e.g. start-stop-continue, mad-sad-glad, 4ls, sailboat."
    )
    columns: list[Column] = Field(min_length=1)
    themes: list[Theme] = []
    comments: list[Text] = []


class Votes(_Strict):
    green: int = Field(default=0, ge=0, le=10_000)
    amber: int = Field(default=0, ge=0, le=10_000)
    red: int = Field(default=0, ge=0, le=10_000)

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red

    @property
    def score(self) -> float | None:
        """Green 1, amber 0.5, red 0, averaged; None without votes."""
        if not self.total:
            return None
        return (self.green + self.amber / 2) / self.total


class Dimension(_Strict):
    name: Name
    description: Text | None = None
    votes: Votes
    comments: list[Text] = []


class HealthCheck(_Report):
    kind: Literal["health-check"]
    dimensions: list[Dimension] = Field(min_length=1)

    @model_validator(mode="after")
    def _dimension_names_unique(self) -> HealthCheck:
        seen: set[str] = set()
        for index, dim in enumerate(self.dimensions):
            if dim.name.casefold() in seen:
                raise FieldError(
                    f"dimension {dim.name!r} is listed twice", loc=("dimensions", index, "name")
                )
            seen.add(dim.name.casefold())
        return self


Report = Annotated[Retrospective | HealthCheck, Field(discriminator="kind")]

report_adapter: TypeAdapter[Retrospective | HealthCheck] = TypeAdapter(Report)
