"""OAuth codes and tokens in the store: issue, redeem, rotate, look up.

Refresh tokens rotate as on Atlassian Cloud: each refresh returns a new refresh token, and the
old one keeps working for a leeway of 10 minutes after its first use, then fails with
invalid_grant. Times come from the store's clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from confsync.sandbox.store import Store

__all__ = [
    "ACCESS_TOKEN_SECONDS",
    "CODE_SECONDS",
    "REFRESH_LEEWAY_SECONDS",
    "Grant",
    "OAuthError",
    "TokenSet",
    "Tokens",
]

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 90 * 24 * 3600  # Atlassian's inactivity expiry
REFRESH_LEEWAY_SECONDS = 600
CODE_SECONDS = 600


class OAuthError(Exception):
    """An OAuth error answer: ``error`` is the RFC 6749 code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Grant:
    """Who an access token speaks for, with which scopes, in which flavor (cloud or dc)."""

    account_id: str
    client_id: str
    scopes: frozenset[str]
    flavor: str


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Tokens:
    def __init__(self, store: Store) -> None:
        self.store = store

    def issue_code(
        self,
        flavor: str,
        client_id: str,
        account_id: str,
        redirect_uri: str,
        scope: str,
        challenge: str | None = None,
        challenge_method: str | None = None,
    ) -> str:
        code = secrets.token_urlsafe(24)
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO oauth_codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    code,
                    flavor,
                    client_id,
                    account_id,
                    redirect_uri,
                    scope,
                    challenge,
                    challenge_method,
                    self.store.clock() + CODE_SECONDS,
                ),
            )
        return code

    def redeem_code(
        self,
        flavor: str,
        client_id: str,
        code: str,
        redirect_uri: str | None,
        verifier: str | None,
    ) -> TokenSet:
        now = self.store.clock()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM oauth_codes WHERE code = ? AND flavor = ?", (code, flavor)
            ).fetchone()
            if row is None or row["used"] or row["expires_at"] < now:
                raise OAuthError("invalid_grant", "Invalid authorization code")
            if row["client_id"] != client_id:
                raise OAuthError("invalid_grant", "The code was issued to another client")
            if redirect_uri is not None and redirect_uri != row["redirect_uri"]:
                raise OAuthError("invalid_grant", "redirect_uri does not match")
            if row["challenge"]:
                if not verifier:
                    raise OAuthError("invalid_grant", "code_verifier is required")
                method = row["challenge_method"] or "plain"
                expected = s256(verifier) if method == "S256" else verifier
                if expected != row["challenge"]:
                    raise OAuthError("invalid_grant", "code_verifier does not match")
            conn.execute("UPDATE oauth_codes SET used = 1 WHERE code = ?", (code,))
        return self._issue(flavor, client_id, row["account_id"], row["scope"])

    def refresh(self, flavor: str, client_id: str, refresh_token: str) -> TokenSet:
        now = self.store.clock()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM oauth_tokens WHERE token = ? AND kind = 'refresh' AND flavor = ?",
                (refresh_token, flavor),
            ).fetchone()
            if row is None or row["expires_at"] < now or row["client_id"] != client_id:
                raise OAuthError("invalid_grant", "Unknown or invalid refresh token.")
            rotated = row["rotated_at"]
            if rotated is not None and now - rotated > REFRESH_LEEWAY_SECONDS:
                raise OAuthError("invalid_grant", "Unknown or invalid refresh token.")
            if rotated is None:
                conn.execute(
                    "UPDATE oauth_tokens SET rotated_at = ? WHERE token = ?", (now, refresh_token)
                )
        return self._issue(flavor, client_id, row["account_id"], row["scope"])

    def _issue(self, flavor: str, client_id: str, account_id: str, scope: str) -> TokenSet:
        now = self.store.clock()
        access = f"sbx-{flavor}-at-{secrets.token_urlsafe(24)}"
        # Cloud gives a refresh token only with offline_access; Data Center always does.
        offline = flavor == "dc" or "offline_access" in scope.split()
        refresh = f"sbx-{flavor}-rt-{secrets.token_urlsafe(24)}" if offline else None
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO oauth_tokens VALUES (?, ?, 'access', ?, ?, ?, ?, NULL)",
                (access, flavor, client_id, account_id, scope, now + ACCESS_TOKEN_SECONDS),
            )
            if refresh:
                conn.execute(
                    "INSERT INTO oauth_tokens VALUES (?, ?, 'refresh', ?, ?, ?, ?, NULL)",
                    (refresh, flavor, client_id, account_id, scope, now + REFRESH_TOKEN_SECONDS),
                )
        return TokenSet(access, refresh, scope, ACCESS_TOKEN_SECONDS)

    def grant(self, access_token: str) -> Grant | None:
        """The grant behind a live access token, or None (unknown or expired)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT * FROM oauth_tokens WHERE token = ? AND kind = 'access'", (access_token,)
            ).fetchone()
        if row is None or row["expires_at"] < self.store.clock():
            return None
        return Grant(
            row["account_id"], row["client_id"], frozenset(row["scope"].split()), row["flavor"]
        )
