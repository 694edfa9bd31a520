"""The OAuth token store: a JSON file (mode 0600) with an inter-process lock.

Refresh tokens rotate: each refresh returns a new one and retires the old, so a client must
persist the new token at once, and two processes must never spend the same one.
https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/ (rotating refresh tokens)
``locked()`` takes an exclusive ``flock`` on ``<store>.lock``; callers re-read the store under it
before refreshing, so the second process picks up what the first one stored.

File format (versioned): ``{"version": 1, "tokens": {key: TokenSet.to_json()}}``; the key names
the client and the token endpoint, so one file can serve several sites.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio.to_thread

from confsync.errors import AuthError

__all__ = ["TokenSet", "TokenStore"]

_FORMAT_VERSION = 1


@dataclass(frozen=True)
class TokenSet:
    """Tokens from an OAuth token endpoint. ``expires_at`` is in seconds since the epoch."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float
    scope: str = ""
    cloud_id: str | None = None
    """The Cloud site chosen at login (from accessible-resources), kept across refreshes."""
    account: str | None = None
    """Who signed in, as ``confsync auth status`` shows it (a name and an email, no secret)."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
        }
        if self.cloud_id is not None:
            data["cloud_id"] = self.cloud_id
        if self.account is not None:
            data["account"] = self.account
        return data

    def carrying(self, previous: TokenSet | None) -> TokenSet:
        """These tokens with the login's site and account of ``previous`` (a refresh keeps
        them: the token endpoint does not repeat them)."""
        if previous is None:
            return self
        return replace(
            self,
            cloud_id=self.cloud_id or previous.cloud_id,
            account=self.account or previous.account,
        )

    @classmethod
    def from_json(cls, data: Any) -> TokenSet:
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ValueError("not a token set")
        refresh = data.get("refresh_token")
        return cls(
            access_token=data["access_token"],
            refresh_token=refresh if isinstance(refresh, str) else None,
            expires_at=float(data.get("expires_at", 0)),
            scope=str(data.get("scope", "")),
            cloud_id=_text(data.get("cloud_id")),
            account=_text(data.get("account")),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


class TokenStore:
    """Tokens by key in one JSON file, written atomically with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """Hold the inter-process lock (blocking in a worker thread, not the event loop)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await anyio.to_thread.run_sync(fcntl.flock, fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def read(self, key: str) -> TokenSet | None:
        entry = self._load().get(key)
        if entry is None:
            return None
        try:
            return TokenSet.from_json(entry)
        except ValueError:
            return None

    def write(self, key: str, tokens: TokenSet) -> None:
        data = self._load()
        data[key] = tokens.to_json()
        self._save(data)

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": _FORMAT_VERSION, "tokens": data}, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def delete(self, key: str) -> bool:
        """Forget the tokens of ``key``; False when there were none."""
        data = self._load()
        if data.pop(key, None) is None:
            return False
        self._save(data)
        return True

    def _load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
            tokens = data["tokens"]
            if data.get("version") != _FORMAT_VERSION or not isinstance(tokens, dict):
                raise ValueError("unknown format")
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthError(
                f"The token store {self.path} is unreadable ({type(exc).__name__}). Delete it "
                "and sign in again with `confsync login`."
            ) from exc
        return dict(tokens)
