"""The rule for a URL in ``confsync.yaml`` (the site, the OAuth endpoints): checked at load.

A URL that breaks the rule would otherwise surface only at apply, as a traceback from the HTTP
client (a space, a line break), or worse as a leak: a password written as ``user:pass@`` is
printed with every page link. Messages never quote the URL, since it may hold that password.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import SplitResult, urlsplit

import httpx
from pydantic import AfterValidator, WithJsonSchema

__all__ = ["SiteUrl", "is_loopback", "url_problem"]

_IN_PROCESS_HOST = "sandbox.local"
"""The name the sandbox answers to when it runs in-process (tests): plain http is fine for it
here, and the transport (``confluence/http.py``) refuses it for the network."""

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# "_" is not allowed by the DNS rules for host names, but internal hosts carry it at times.
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_EXAMPLE = "https://HOST[/path]"


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: the only hosts plain http may be used with."""
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    """An IP address, or dot-separated labels of letters, digits, '-' (IDN names allowed)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return all(_HOST_LABEL.match(label) for label in labels)


def _character(found: str) -> str:
    if found == " ":
        return "a space"
    if found in "\n\r\x85":
        return "a line break"
    if found == "\t":
        return "a tab"
    return f"a white space, control or non-character (U+{ord(found):04X})"


def url_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable Confluence or OAuth URL, or None when it is."""
    found = _SPACE_OR_CONTROL.search(value)
    if found is not None:
        return (
            f"holds {_character(found.group())} at character {found.start() + 1}; a URL has "
            "none: remove it (in a path, write a space as %20)"
        )
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed [ of an IPv6 address
        return f"is not a valid URL; write it as {_EXAMPLE}"
    return _parts_problem(value, parts)


def _parts_problem(value: str, parts: SplitResult) -> str | None:
    if parts.scheme not in ("https", "http") or not value.lower().startswith(parts.scheme + "://"):
        return f"must start with https:// (write it as {_EXAMPLE})"
    if "@" in parts.netloc:
        return (
            "holds a user name or password (the part before '@'); a URL is printed with every "
            "page link, so put credentials in auth instead, as ${ENV_VAR} references"
        )
    if not parts.hostname:
        return f"has no host name; write it as {_EXAMPLE}"
    if not _valid_host(parts.hostname):
        return (
            "has a host name that is not valid: letters, digits and '-' between dots, "
            "or an IP address"
        )
    try:
        port = parts.port
    except ValueError:  # not a number, or over 65535
        port = -1
    if port is not None and not 1 <= port <= 65535:
        return "has a port that is not a number from 1 to 65535"
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "must not have a query (?...) or a fragment (#...); give the address of the site"
    if parts.scheme == "http" and not (
        is_loopback(parts.hostname) or parts.hostname == _IN_PROCESS_HOST
    ):
        return (
            "uses plain http://, which would send the credentials unencrypted; use https:// "
            "(plain http is only for localhost)"
        )
    try:
        httpx.URL(value)
    except (httpx.InvalidURL, ValueError):  # UnicodeError is a ValueError
        return f"is not a valid URL; write it as {_EXAMPLE}"
    return None


def _check(value: str) -> str:
    problem = url_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


SiteUrl = Annotated[
    str,
    AfterValidator(_check),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://[^\\s@?#]+$"}),
]
"""An https:// URL (http only for a loopback host): a host, no credentials, query or fragment."""
