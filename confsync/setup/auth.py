"""``confsync auth status`` and ``confsync auth logout``: what the config signs in with, from
the config and the token store alone (no request is sent), and forgetting a login.

Neither ever shows a token: status names the environment variables that hold secrets and,
for OAuth, what the login stored about itself (account, site, scopes, expiry).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from confsync.confluence.credentials import store_key, token_store, variable
from confsync.connection import (
    ApiTokenAuth,
    AppLinkAuth,
    BasicAuth,
    ConfluenceSettings,
    OAuth2Auth,
    PatAuth,
)
from confsync.errors import AuthError

__all__ = ["AuthStatus", "Logout", "auth_status", "logout"]

# Neither Atlassian Cloud's 3LO nor Data Center's OAuth 2.0 provider documents a token
# revocation endpoint: a user revokes an app's access in their profile.
_REVOKE_WHERE = {
    "oauth2": "https://id.atlassian.com/manage-profile/apps (Connected apps)",
    "app-link": "your Confluence profile > Settings > Authorized applications",
}


@dataclass(frozen=True)
class AuthStatus:
    """``(label, value)`` rows for the command line; ``signed_in`` is False for an OAuth
    method whose token store holds nothing for this client."""

    rows: tuple[tuple[str, str], ...]
    signed_in: bool

    def lines(self) -> list[str]:
        width = max(len(label) for label, _ in self.rows)
        return [f"{label + ':':<{width + 1}} {value}" for label, value in self.rows]


@dataclass(frozen=True)
class Logout:
    method: str
    forgot: bool
    store: Path
    revoke_where: str


def _when(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    left = epoch - time.time()
    if left <= 0:
        return f"{moment} (expired; refreshed at the next run)"
    return f"{moment} (in {int(left // 60)} min; then refreshed)"


def auth_status(settings: ConfluenceSettings, *, config_dir: Path) -> AuthStatus:
    auth = settings.auth
    rows: tuple[tuple[str, str], ...]
    if settings.sandbox is not None or auth is None:
        rows = (
            ("method", "embedded sandbox (its built-in account; no credentials)"),
            ("site", f"{settings.sandbox} ({settings.edition})"),
        )
        return AuthStatus(rows, True)
    assert settings.url is not None
    site = ("site", f"{settings.url} ({settings.edition})")
    if isinstance(auth, ApiTokenAuth):
        kind = "scoped API token, through " + auth.api_url if auth.scoped else "API token"
        return AuthStatus(
            (
                ("method", f"api-token ({kind})"),
                ("user", auth.email),
                site,
                ("secret", f"from ${{{variable(auth.token)}}}"),
            ),
            True,
        )
    if isinstance(auth, BasicAuth):
        rows = (
            ("method", "basic"),
            ("user", auth.username),
            site,
            ("secret", f"from ${{{variable(auth.password)}}}"),
        )
        return AuthStatus(rows, True)
    if isinstance(auth, PatAuth):
        rows = (("method", "pat"), site, ("secret", f"from ${{{variable(auth.token)}}}"))
        return AuthStatus(rows, True)
    return _oauth_status(auth, settings.url, config_dir, site)


def _oauth_status(
    auth: OAuth2Auth | AppLinkAuth, url: str, config_dir: Path, site: tuple[str, str]
) -> AuthStatus:
    store = token_store(auth, config_dir)
    tokens = store.read(store_key(auth, url))
    rows: list[tuple[str, str]] = [("method", f"{auth.method} (client {auth.client_id})"), site]
    seed = variable(auth.refresh_token) if auth.refresh_token else None
    if tokens is None:
        rows.append(("signed in", f"no: nothing in {store.path} for this client"))
        if seed:
            rows.append(("seed", f"${{{seed}}} (used when set, as in CI)"))
        rows.append(("next", "run `confsync login`"))
        return AuthStatus(tuple(rows), False)
    rows.append(("user", tokens.account or "(not recorded)"))
    if isinstance(auth, OAuth2Auth):
        cloud_id = auth.cloud_id or tokens.cloud_id
        rows.append(("cloud id", cloud_id or "(found from accessible-resources at each run)"))
    rows.append(("scopes", tokens.scope or "(none recorded)"))
    rows.append(("expires", _when(tokens.expires_at)))
    rows.append(("refresh", "stored" if tokens.refresh_token else "none: sign in again"))
    rows.append(("store", str(store.path)))
    return AuthStatus(tuple(rows), True)


async def logout(settings: ConfluenceSettings, *, config_dir: Path) -> Logout:
    """Forget this client's tokens in the token store (other clients' entries stay)."""
    auth = settings.auth
    if not isinstance(auth, OAuth2Auth | AppLinkAuth) or settings.url is None:
        raise AuthError(
            "confsync auth logout is for OAuth sign-in (oauth2, app-link): the other methods "
            "keep nothing to forget; unset or rotate the variables confsync.yaml names."
        )
    store = token_store(auth, config_dir)
    async with store.locked():
        forgot = store.delete(store_key(auth, settings.url.rstrip("/")))
    return Logout(auth.method, forgot, store.path, _REVOKE_WHERE[auth.method])
