"""Keeping secrets out of every message, log record and repr the client produces.

Two layers: every secret the client knows (tokens, passwords, client secrets, access and
refresh tokens as they rotate) is registered with a ``Redactor`` and replaced wherever it
appears; and patterns catch what was never registered (``Authorization`` values, token fields
in JSON or form bodies, cookies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["MASK", "SENSITIVE_HEADERS", "Redactor"]

MASK = "***"

SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

_PATTERNS = (
    re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret|password|token)"
        r"[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)"
    ),
    re.compile(r"(?i)((?:JSESSIONID|cloud\.session\.token|tenant\.session\.token)=)([^;\s]+)"),
)


class Redactor:
    """Replaces known secrets and secret-looking fields with ``***``.

    Secrets shorter than 4 characters are not registered (they would mask ordinary text);
    the patterns still cover them where they appear as header or field values.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def text(self, text: str) -> str:
        # Longest first, so a secret containing another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(_mask_group, text)
        return text

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {
            name: MASK if name.lower() in SENSITIVE_HEADERS else self.text(value)
            for name, value in headers.items()
        }


def _mask_group(match: re.Match[str]) -> str:
    if match.re is _PATTERNS[0]:
        return f"{match.group(1)} {MASK}"
    return f"{match.group(1)}{MASK}"
