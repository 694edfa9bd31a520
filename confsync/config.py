"""The ``confsync.yaml`` model: where each team's pages go and what they are called.

Where Confluence is and how to sign in (``confluence:``) is ``confsync.connection``.
The models are strict: a value of the wrong type is refused, never converted (``true`` is not
the number 1, ``"yes"`` is not true). Titles and names follow ``confsync.text``, URLs
``confsync.urls``.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from confsync.connection import SINGLE_SITE, ConfluenceSettings, OneOrMoreSites, SiteMap
from confsync.errors import ConfsyncError
from confsync.strict import StrictModel as _Strict
from confsync.text import FieldError, Label, NameText
from confsync.urls import SiteUrl

__all__ = [
    "Config",
    "CreateParent",
    "ExistingParent",
    "HealthCheckOverrides",
    "KindDefaults",
    "KindOverrides",
    "ParentSetting",
    "Team",
]


def _whole_number(value: object) -> object:
    # Literal[1] takes True (True == 1 in Python), even in strict mode.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _page_id_to_str(value: object) -> object:
    # A page id may be written as a number on purpose; anything else stays as written.
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise PydanticCustomError(
                "page_id", "a page id is a whole number from 1 up; a title is text"
            )
        return str(value)
    return value


Title = Annotated[NameText, Field(max_length=255)]


class CreateParent(_Strict):
    create: Title


class ExistingParent(_Strict):
    existing: Annotated[Title, BeforeValidator(_page_id_to_str)] = Field(
        description="Title of an existing page, or its numeric id."
    )


def _parent_kind(value: object) -> str | None:
    if value == "none":
        return "none"
    if isinstance(value, CreateParent):
        return "create"
    if isinstance(value, ExistingParent):
        return "existing"
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value)) if next(iter(value)) in ("create", "existing") else None
    return None


ParentSetting = Annotated[
    Annotated[Literal["none"], Tag("none")]
    | Annotated[CreateParent, Tag("create")]
    | Annotated[ExistingParent, Tag("existing")],
    Discriminator(
        _parent_kind,
        custom_error_type="parent",
        custom_error_message=(
            "parent must be none, {create: TITLE} or {existing: TITLE or page id}"
        ),
    ),
]


_LABELS = (
    "The labels of each report page (lower case, one word each); by default the kind "
    "(retrospective or health-check) and the team id. An empty list: no labels."
)


class KindDefaults(_Strict):
    parent: ParentSetting = Field(description="none | {create: TITLE} | {existing: TITLE or id}")
    title: NameText
    pdf: bool = True
    chart: bool = Field(
        default=True, description="Attach a chart of the votes (PNG) and show it on the page."
    )
    labels: list[Label] | None = Field(default=None, description=_LABELS)


class KindOverrides(_Strict):
    parent: ParentSetting | None = Field(
        default=None, description="none | {create: TITLE} | {existing: TITLE or id}"
    )
    title: NameText | None = None
    pdf: bool | None = None
    chart: bool | None = None
    labels: list[Label] | None = Field(default=None, description=_LABELS)

    def over(self, defaults: KindDefaults) -> KindDefaults:
        return KindDefaults(
            parent=defaults.parent if self.parent is None else self.parent,
            title=defaults.title if self.title is None else self.title,
            pdf=defaults.pdf if self.pdf is None else self.pdf,
            chart=defaults.chart if self.chart is None else self.chart,
            labels=defaults.labels if self.labels is None else self.labels,
        )


class HealthCheckOverrides(KindOverrides):
    chart: bool | None = None


class Defaults(_Strict):
    retrospectives: KindDefaults = KindDefaults(
        parent=CreateParent(create="Retrospectives"),
        title="{{RetrospectiveTitleOrDate}} - Retrospective",
    )
    health_checks: KindDefaults = KindDefaults(
        parent=CreateParent(create="Health Checks"),
        title="{{HealthCheckTitleOrDate}} - Health Check",
    )


class Team(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    name: NameText
    space: str = Field(pattern=r"^~?[A-Za-z0-9_]+$", max_length=255)
    reports: str = Field(
        min_length=1, description="Folder of report files, relative to the config."
    )
    retrospectives: KindOverrides = KindOverrides()
    health_checks: HealthCheckOverrides = HealthCheckOverrides()
    templates: str | None = Field(
        default=None, description="Folder of page templates overriding the defaults."
    )
    adopt: bool = Field(default=False, description="Take over unmanaged pages with our titles.")
    on_drift: Literal["fail", "skip", "overwrite"] = "fail"
    prune: bool = Field(default=False, description="Delete managed pages whose report is gone.")
    notify: bool = Field(
        default=False,
        description="Updates notify the page's watchers. False: updates are minor edits that "
        "notify no one (Data Center; Cloud's API cannot make minor edits).",
    )
    site: str | None = Field(
        default=None,
        description="Which of confluence.sites the team publishes to (default: the only one).",
    )


class Config(_Strict):
    version: Annotated[Literal[1], BeforeValidator(_whole_number)]
    confluence: OneOrMoreSites
    defaults: Defaults = Defaults()
    teams: list[Team] = Field(min_length=1)
    repository: SiteUrl | None = Field(
        default=None,
        description="Where the reports are kept (https://...): linked from each page's notice.",
    )
    notice: bool = Field(
        default=True,
        description="Put a short notice at the top of every page: published from git, edit the "
        "report file, edits here are reported as drift.",
    )

    @model_validator(mode="after")
    def _unique_team_ids(self) -> Config:
        seen: set[str] = set()
        for index, team in enumerate(self.teams):
            if team.id in seen:
                raise FieldError(
                    f"team id {team.id!r} is used twice; team ids must be unique",
                    loc=("teams", index, "id"),
                )
            seen.add(team.id)
        return self

    def site_mistakes(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every team that names no site where it must, or a site there is not: each with the
        field it is about. Checked after the model (``loading``), so that one run lists them
        all, where a validator would stop at the first."""
        names = list(self.sites())
        found: list[tuple[tuple[str | int, ...], str]] = []
        for index, team in enumerate(self.teams):
            if team.site is None and len(names) > 1:
                found.append(
                    (
                        ("teams", index, "id"),
                        f"team {team.id!r} must say which site it publishes to: add site: "
                        f"with one of {', '.join(names)}",
                    )
                )
            if team.site is not None and team.site not in names:
                known = (
                    f"confluence.sites names {', '.join(names)}"
                    if isinstance(self.confluence, SiteMap)
                    else "confluence names one site, without a name: leave site: out, or "
                    "write confluence: as sites: {NAME: {...}}"
                )
                close = difflib.get_close_matches(team.site, names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                found.append(
                    (("teams", index, "site"), f"there is no site {team.site!r}: {known}{hint}")
                )
        return found

    def sites(self) -> dict[str, ConfluenceSettings]:
        """The sites by name; the one of the single-site form is named ``""``."""
        if isinstance(self.confluence, SiteMap):
            return dict(self.confluence.sites)
        return {SINGLE_SITE: self.confluence}

    def site_of(self, team: Team) -> str:
        return team.site or next(iter(self.sites()))

    def place(self, team: Team) -> tuple[str, str]:
        """Where ``team``'s pages live: its site and space. Two titles collide, and a created
        parent is shared, only within one place (space keys are compared in upper case, as
        Confluence does)."""
        return self.site_of(team), team.space.upper()

    def on_site(self, name: str) -> Config:
        """This config as if it named only the site ``name`` and its teams: what plan, apply,
        check and the lock work with, once per site. A named site stays named (its teams
        name it), so that narrowing again finds the same teams."""
        teams = [t for t in self.teams if self.site_of(t) == name]
        site = self.sites()[name]
        confluence = SiteMap(sites={name: site}) if name else site
        return self.model_copy(update={"confluence": confluence, "teams": teams})

    @property
    def settings(self) -> ConfluenceSettings:
        """The one site of a config that names one (``on_site`` makes one of any config)."""
        if isinstance(self.confluence, SiteMap):
            if len(self.confluence.sites) == 1:
                return next(iter(self.confluence.sites.values()))
            raise ConfsyncError(
                f"confsync.yaml names {len(self.confluence.sites)} sites: name one with --site"
            )
        return self.confluence

    def kind_settings(self, team: Team, kind: str) -> KindDefaults:
        if kind == "retrospective":
            return team.retrospectives.over(self.defaults.retrospectives)
        return team.health_checks.over(self.defaults.health_checks)

    def page_labels(self, team: Team, kind: str) -> tuple[str, ...]:
        """The labels of ``team``'s report pages of ``kind``, sorted, each once: as configured,
        else the kind and the team id."""
        configured = self.kind_settings(team, kind).labels
        return tuple(sorted(set([kind, team.id] if configured is None else configured)))
