"""The ``confsync.yaml`` model, and the resolution of ``${ENV_VAR}`` secret references.

Secrets (tokens, passwords, client secrets) are never literal in the file: the model accepts
only a ``${NAME}`` reference for them, resolved from the environment when a backend is made.
Non-secret values (an email, a user name, a client id) may be literal or references.

The models are strict: a value of the wrong type is refused, never converted (``true`` is not
the number 1, ``"yes"`` is not true). Titles and names follow ``confsync.text``, URLs
``confsync.urls``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from confsync.errors import ConfsyncError
from confsync.text import CONTROL_PATTERN, FieldError, Label, NameText
from confsync.urls import SiteUrl

__all__ = [
    "ApiTokenAuth",
    "AppLinkAuth",
    "AuthSettings",
    "BasicAuth",
    "Config",
    "ConfluenceSettings",
    "CreateParent",
    "ExistingParent",
    "HealthCheckOverrides",
    "KindDefaults",
    "KindOverrides",
    "OAuth2Auth",
    "ParentSetting",
    "PatAuth",
    "SiteMap",
    "Team",
    "resolve",
]

REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_ANY_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CONTROL = re.compile(CONTROL_PATTERN)


_EXAMPLE_VARIABLES = {
    "token": "CONFLUENCE_API_TOKEN",
    "password": "CONFLUENCE_PASSWORD",
    "client_secret": "CONFLUENCE_CLIENT_SECRET",
    "refresh_token": "CONFLUENCE_REFRESH_TOKEN",
}


def _secret_reference(value: str, info: ValidationInfo) -> str:
    if not REFERENCE.match(value):
        example = _EXAMPLE_VARIABLES.get(info.field_name or "", "CONFLUENCE_SECRET")
        raise ValueError(
            "secrets must not be written in the file: write a reference such as "
            f"${{{example}}} here and set that environment variable (in CI, as a secret)"
        )
    return value


SecretRef = Annotated[
    str,
    AfterValidator(_secret_reference),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": REFERENCE.pattern,
            "description": "A ${ENV_VAR} reference: secrets are never written in the file.",
        }
    ),
]
"""A ``${NAME}`` reference to an environment variable holding a secret."""


def resolve(value: str, environ: Mapping[str, str] | None = None) -> str:
    """Substitute every ``${NAME}`` in ``value`` from the environment.

    Raises ``ConfsyncError`` naming the variable (never its value) when one is unset or empty,
    or holds white space at either end or a control character. Such a value is refused rather
    than trimmed: sent as it is, a line break in a token makes every request fail in the HTTP
    layer, which looks like a network problem and is retried.
    """
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        found = env.get(name, "")
        if not found:
            raise ConfsyncError(
                f"environment variable {name} is not set; confsync.yaml refers to it as ${{{name}}}"
            )
        if found != found.strip():
            raise ConfsyncError(
                f"environment variable {name} (${{{name}}} in confsync.yaml) has white space "
                "or a line break at its start or end; set it to the value alone (a line break "
                "is often copied along with a secret)"
            )
        if _CONTROL.search(found):
            raise ConfsyncError(
                f"environment variable {name} (${{{name}}} in confsync.yaml) holds a control "
                "character (a line break, a tab, ...); set it to the value alone"
            )
        return found

    return _ANY_REFERENCE.sub(substitute, value)


class _Strict(BaseModel):
    # strict: YAML says what type a value is; converting it would hide a mistake (`pdf: "no"`).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _whole_number(value: object) -> object:
    # Literal[1] takes True (True == 1 in Python), even in strict mode.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


class ApiTokenAuth(_Strict):
    """Confluence Cloud API token: HTTP basic with the account email and the token."""

    method: Literal["api-token"]
    email: NameText
    token: SecretRef
    scoped: bool = Field(
        default=False,
        description="A scoped API token: requests go through the API gateway (api_url).",
    )
    api_url: SiteUrl = Field(
        default="https://api.atlassian.com",
        description="The API gateway a scoped token goes through (Atlassian's by default).",
    )


class OAuth2Auth(_Strict):
    """Confluence Cloud OAuth 2.0 (3LO) with rotating refresh tokens."""

    method: Literal["oauth2"]
    client_id: NameText
    client_secret: SecretRef
    refresh_token: SecretRef | None = Field(
        default=None,
        description="Seed refresh token (a CI secret); the token store keeps the rotated one.",
    )
    token_store: str | None = Field(
        default=None, description="Token store file (mode 0600); default under the config dir."
    )
    cloud_id: NameText | None = None
    auth_url: SiteUrl = "https://auth.atlassian.com"
    api_url: SiteUrl = "https://api.atlassian.com"


class PatAuth(_Strict):
    """Data Center personal access token, sent as a bearer token."""

    method: Literal["pat"]
    token: SecretRef


class BasicAuth(_Strict):
    """Server / Data Center user name and password."""

    method: Literal["basic"]
    username: NameText
    password: SecretRef


class AppLinkAuth(_Strict):
    """Data Center application link (OAuth 2.0 provider) with a refresh token."""

    method: Literal["app-link"]
    client_id: NameText
    client_secret: SecretRef
    refresh_token: SecretRef | None = None
    token_store: str | None = None


AuthSettings = Annotated[
    ApiTokenAuth | OAuth2Auth | PatAuth | BasicAuth | AppLinkAuth,
    Field(discriminator="method"),
]

SINGLE_SITE = ""
"""The name of the site of ``confluence:`` written as one site, not ``sites:``."""

_EDITION_METHODS = {
    "cloud": {"api-token", "oauth2"},
    "datacenter": {"pat", "basic", "app-link"},
}


class ConfluenceSettings(_Strict):
    """Where Confluence is and how to sign in. Exactly one of ``url`` and ``sandbox``."""

    edition: Literal["cloud", "datacenter"]
    url: SiteUrl | None = Field(
        default=None,
        description="Cloud: https://SITE.atlassian.net/wiki; Data Center: https://HOST[/context].",
    )
    sandbox: str | None = Field(
        default=None,
        description="Path of the embedded sandbox's SQLite file (no credentials needed).",
    )
    auth: AuthSettings | None = None
    concurrency: int = Field(default=8, ge=1, le=64)
    timeout: float = Field(default=30.0, gt=0, le=600, allow_inf_nan=False)
    ca_bundle: str | None = Field(
        default=None, description="CA bundle file for a Data Center behind an internal CA."
    )

    @model_validator(mode="after")
    def _one_target(self) -> ConfluenceSettings:
        if (self.url is None) == (self.sandbox is None):
            # Both keys written (even as null): about the one too many; else about the mapping.
            both = {"url", "sandbox"} <= self.model_fields_set
            raise FieldError(
                "give exactly one of url (a real Confluence) and sandbox (local)",
                rivals=("url", "sandbox") if both else (),
            )
        if self.url is not None and self.auth is None:
            raise FieldError("url needs auth: one of " + _methods_hint(), loc=("auth",))
        if self.auth is not None and self.auth.method not in _EDITION_METHODS[self.edition]:
            allowed = ", ".join(sorted(_EDITION_METHODS[self.edition]))
            raise FieldError(
                f"auth method {self.auth.method!r} is not for {self.edition}; use one of {allowed}",
                loc=("auth", "method"),
            )
        return self


SiteName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class SiteMap(_Strict):
    """Several Confluence sites, by name (a Data Center and a Cloud site during a move, say):
    each team names its site with ``site:``."""

    sites: dict[SiteName, ConfluenceSettings] = Field(
        min_length=1,
        description="The sites, by name (lower case): each is what confluence: holds for one.",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, data: object) -> object:
        # Without this, a site's setting beside sites: is "unknown", which is true but no help.
        if isinstance(data, dict):
            stray = [key for key in data if key in ConfluenceSettings.model_fields]
            if stray:
                raise FieldError(
                    f"{stray[0]} is a site's setting: with sites:, write it under each site "
                    f"(sites.NAME.{stray[0]})",
                    loc=(stray[0],),
                )
        return data

    @model_validator(mode="after")
    def _distinct(self) -> SiteMap:
        # Two names for one Confluence would let a title taken on "both" pass validation.
        seen: dict[str, str] = {}
        for name, settings in self.sites.items():
            where = (settings.url or "").rstrip("/").lower() or os.path.normpath(
                settings.sandbox or ""
            )
            if where in seen:
                raise FieldError(
                    f"sites {seen[where]} and {name} are one Confluence ({where}): name it once",
                    loc=("sites", name),
                )
            seen[where] = name
        return self


def _confluence_form(value: object) -> str:
    if isinstance(value, SiteMap) or (isinstance(value, dict) and "sites" in value):
        return "several sites"
    return "one site"


Confluence = Annotated[
    # Tags that no key of the file can be: validation tells tags from fields by name.
    Annotated[ConfluenceSettings, Tag("one site")] | Annotated[SiteMap, Tag("several sites")],
    Discriminator(_confluence_form),
]


def _methods_hint() -> str:
    return "api-token or oauth2 (cloud), pat, basic or app-link (datacenter)"


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
    confluence: Confluence
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

    @model_validator(mode="after")
    def _known_sites(self) -> Config:
        names = list(self.sites())
        for index, team in enumerate(self.teams):
            if team.site is None and len(names) > 1:
                raise FieldError(
                    f"team {team.id!r} must say which site it publishes to: add site: with "
                    f"one of {', '.join(names)}",
                    loc=("teams", index, "id"),
                )
            if team.site is not None and team.site not in names:
                known = (
                    f"confluence.sites names {', '.join(names)}"
                    if isinstance(self.confluence, SiteMap)
                    else "confluence names one site, without a name: leave site: out, or "
                    "write confluence: as sites: {NAME: {...}}"
                )
                raise FieldError(
                    f"there is no site {team.site!r}: {known}", loc=("teams", index, "site")
                )
        return self

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


def default_token_store() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "confsync" / "tokens.json"
