"""Where Confluence is and how to sign in: the ``confluence:`` part of ``confsync.yaml`` (one
site, or several by name), and the resolution of ``${ENV_VAR}`` secret references.

Secrets (tokens, passwords, client secrets) are never literal in the file: the model accepts
only a ``${NAME}`` reference for them, resolved from the environment when a backend is made.
Non-secret values (an email, a user name, a client id) may be literal or references.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from confsync.errors import ConfsyncError
from confsync.strict import StrictModel as _Strict
from confsync.text import CONTROL_PATTERN, FieldError, NameText
from confsync.urls import SiteUrl

__all__ = [
    "REFERENCE",
    "SINGLE_SITE",
    "ApiTokenAuth",
    "AppLinkAuth",
    "AuthSettings",
    "BasicAuth",
    "ConfluenceSettings",
    "OAuth2Auth",
    "OneOrMoreSites",
    "PatAuth",
    "SiteMap",
    "default_token_store",
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
        return "SiteMap"
    return "ConfluenceSettings"


OneOrMoreSites = Annotated[
    # Tags named as the models' schemas are: validation finds the branch a tag names by its
    # title, and tells tags from the file's keys by name (no key of the file is CamelCase).
    Annotated[ConfluenceSettings, Tag("ConfluenceSettings")] | Annotated[SiteMap, Tag("SiteMap")],
    Discriminator(_confluence_form),
]


def _methods_hint() -> str:
    return "api-token or oauth2 (cloud), pat, basic or app-link (datacenter)"


def default_token_store() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "confsync" / "tokens.json"
