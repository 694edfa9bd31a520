"""Confluence's answers mapped, once, to the exception tree of ``confsync.errors``.

Every message says what was attempted, what Confluence answered and what to do about it, and
goes through the ``Redactor`` so that no secret can reach the user's terminal or a CI log.
Status meanings are those of docs/confluence-api.md ("Errors that matter").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx

from confsync.confluence.redact import Redactor
from confsync.errors import (
    AuthError,
    BadRequestError,
    ConfluenceError,
    GoneError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ScopeError,
    ServerError,
    StaleVersionError,
    TitleTakenError,
)

__all__ = ["Call", "Identity", "ScopeAdvice", "confluence_message", "error_for", "not_json"]

_TITLE_TAKEN = "a page with this title already exists"
_SCOPE_MISMATCH = "scope does not match"
_DETAIL_LIMIT = 300


class Identity(Protocol):
    """How the credentials in use are named in messages (never their value)."""

    @property
    def description(self) -> str:
        """E.g. "the API token of ana@example.com"."""
        ...

    @property
    def remedy(self) -> str:
        """What to check when Confluence refuses them, e.g. which environment variable."""
        ...


@runtime_checkable
class ScopeAdvice(Protocol):
    """Credentials that know how to get a missing scope (the exact command to run)."""

    def scope_advice(self, scope: str | None) -> str: ...


@dataclass(frozen=True)
class Call:
    """What a request is for, in the user's terms, for messages: ``what`` reads as a clause
    ("create page 'Sprint 22' in space DEMO"); ``scope`` is the Cloud OAuth scope it needs."""

    what: str
    scope: str | None = None


def confluence_message(response: httpx.Response) -> str:
    """Confluence's own explanation from an error body, in any of its three shapes."""
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    # v1: {"statusCode", "message"}; gateway: {"code", "message"}; v2: {"errors": [{"title"...}]}
    if isinstance(body.get("message"), str):
        return str(body["message"])
    errors = body.get("errors")
    if isinstance(errors, list):
        parts = []
        for item in errors:
            if isinstance(item, dict):
                text = item.get("detail") or item.get("title") or item.get("code")
                if isinstance(text, str):
                    parts.append(text)
        return "; ".join(parts)
    return ""


def error_for(
    response: httpx.Response, call: Call, identity: Identity, redactor: Redactor
) -> ConfluenceError:
    """The exception for a final (not retried) error answer."""
    status = response.status_code
    said = redactor.text(confluence_message(response))[:_DETAIL_LIMIT]
    quoted = f': "{said}"' if said else ""
    if status == 400:
        if _TITLE_TAKEN in said.lower():
            return TitleTakenError(
                f"Cannot {call.what}: another page in the space already has this title{quoted}. "
                "Rename it or, to let confsync take it over, set adopt: true for the team.",
                status=status,
            )
        hint = ""
        if response.request.method in {"POST", "PUT"}:
            hint = (
                " Titles may have at most 255 characters and bodies must be well-formed "
                "storage format."
            )
        return BadRequestError(
            f"Confluence rejected the request to {call.what} (400){quoted}.{hint}",
            status=status,
        )
    if status == 401:
        if _SCOPE_MISMATCH in said.lower():
            needed = f"the OAuth scope {call.scope}" if call.scope else "another OAuth scope"
            advice = (
                identity.scope_advice(call.scope)
                if isinstance(identity, ScopeAdvice)
                else "Add the scope to the app in the Atlassian developer console, then sign "
                "in again with `confsync login`."
            )
            return ScopeError(
                f"Cannot {call.what}: {identity.description} lacks {needed} (401{quoted}). "
                f"{advice}",
                status=status,
            )
        return AuthError(
            f"Confluence refused {identity.description} (401) trying to {call.what}{quoted}. "
            f"{identity.remedy}",
            status=status,
        )
    if status == 403:
        return PermissionDeniedError(
            f"Cannot {call.what}: {identity.description} is not allowed to (403){quoted}. "
            "Check that the space exists and that this account may view and edit it "
            "(ask a space admin for the permission).",
            status=status,
        )
    if status == 404:
        return NotFoundError(
            f"Cannot {call.what}: not found, or not visible to {identity.description} "
            f"(404){quoted}. Check the space key or page id, and the account's permissions.",
            status=status,
        )
    if status == 409:
        return StaleVersionError(
            f"Cannot {call.what}: it changed in Confluence since confsync read it (409){quoted}; "
            "the plan is stale. Run plan again and review the new plan.",
            status=status,
        )
    if status == 410:
        return GoneError(
            f"Cannot {call.what}: Confluence has removed this API endpoint (410){quoted}. "
            "Upgrade confsync.",
            status=status,
        )
    if status == 413:
        return PayloadTooLargeError(
            f"Cannot {call.what}: the body is over Confluence's limit (413, 5 MB for pages). "
            "Split the report or move large content into attachments.",
            status=status,
        )
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("location", ""))
        where = f" to {target.scheme}://{target.netloc}{target.path}" if target.netloc else ""
        return ConfluenceError(
            f"Confluence redirected the request to {call.what} ({status}){where}. confsync "
            "does not follow redirects (they usually lead to a login page): set confluence.url "
            "to the site's final address, e.g. https://SITE.atlassian.net/wiki.",
            status=status,
        )
    if status >= 500:
        return ServerError(
            f"Confluence failed to {call.what} ({status}){quoted}. "
            "Try again later; check the site's status page.",
            status=status,
        )
    return ConfluenceError(
        f"Confluence answered {status} to the request to {call.what}{quoted}.", status=status
    )


def not_json(response: httpx.Response, call: Call) -> ConfluenceError:
    """A success status whose body is not the JSON the API documents."""
    kind = response.headers.get("content-type", "no content type")
    return ConfluenceError(
        f"Confluence answered the request to {call.what} with something that is not valid "
        f"JSON ({response.status_code}, {kind}). Check that the configured url is the "
        "Confluence base URL and that no proxy or single sign-on page is in the way.",
        status=response.status_code,
    )
