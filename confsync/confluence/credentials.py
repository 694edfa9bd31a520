"""Credentials from settings and the environment: the ``httpx.Auth`` of each sign-in method,
and the OAuth client and token store of the OAuth methods. Messages name the environment
variables (``${NAME}`` references in confsync.yaml), never their values."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from confsync.confluence.auth import HeaderAuth, OAuthClient
from confsync.confluence.redact import Redactor
from confsync.confluence.tokens import TokenStore
from confsync.connection import (
    REFERENCE,
    ApiTokenAuth,
    AppLinkAuth,
    BasicAuth,
    OAuth2Auth,
    PatAuth,
    default_token_store,
    resolve,
)

__all__ = [
    "header_auth",
    "oauth_client",
    "oauth_remedy",
    "refresh_hint",
    "seed_token",
    "store_key",
    "store_path",
    "token_endpoint",
    "token_store",
    "variable",
]


def variable(reference: str) -> str:
    match = REFERENCE.match(reference)
    return match.group(1) if match else reference


def header_auth(
    auth: ApiTokenAuth | BasicAuth | PatAuth, env: Mapping[str, str], redactor: Redactor
) -> HeaderAuth:
    if isinstance(auth, ApiTokenAuth):
        email = resolve(auth.email, env)
        var = variable(auth.token)
        kind = "scoped API token" if auth.scoped else "API token"
        scope_remedy = None
        if auth.scoped:
            # A scoped token's scopes are fixed when it is made: only a new token adds one.
            scope_remedy = (
                "Create a scoped API token that includes {scope} as well (Atlassian account > "
                "Security > API tokens > Create API token with scopes) and put it in "
                f"{var}."
            )
        return HeaderAuth.basic(
            email,
            resolve(auth.token, env),
            redactor=redactor,
            scope_remedy=scope_remedy,
            description=f"the {kind} of {email}",
            remedy=(
                f"Check that {var} holds a current {kind} of {email} (tokens expire; create one "
                "at https://id.atlassian.com/manage-profile/security/api-tokens) and that "
                "confluence.auth.email is that account's email address."
            ),
        )
    if isinstance(auth, BasicAuth):
        user = resolve(auth.username, env)
        var = variable(auth.password)
        return HeaderAuth.basic(
            user,
            resolve(auth.password, env),
            redactor=redactor,
            description=f"the password of user {user}",
            remedy=(
                f"Check {var} and confluence.auth.username. After several failed logins Data "
                "Center may demand a CAPTCHA: sign in once in a browser to clear it."
            ),
        )
    var = variable(auth.token)
    return HeaderAuth.bearer(
        resolve(auth.token, env),
        redactor=redactor,
        description=f"the personal access token in {var}",
        remedy=(
            f"Check that {var} holds a valid personal access token (Profile > Personal Access "
            "Tokens in Confluence); it may have expired or been revoked."
        ),
    )


def seed_token(auth: OAuth2Auth | AppLinkAuth, env: Mapping[str, str]) -> str | None:
    """The seed refresh token of ``refresh_token: ${VAR}``, or None when VAR is unset or empty.

    The seed is for CI, where no token store survives; after ``confsync login`` the store is
    enough, so an unset variable is no error here (the refresher says what to do when neither
    holds a token). A value with white space or a control character is still refused.
    """
    if auth.refresh_token is None:
        return None
    if not env.get(variable(auth.refresh_token), ""):
        return None
    return resolve(auth.refresh_token, env)


def oauth_remedy(auth: OAuth2Auth | AppLinkAuth) -> str:
    seed = (
        f", or put a new refresh token in {variable(auth.refresh_token)}"
        if auth.refresh_token
        else ""
    )
    return (
        f"Sign in again with `confsync login`{seed}. Refresh tokens expire after 90 days "
        f"unused; check also the client id and {variable(auth.client_secret)}."
    )


def store_path(configured: str | None, config_dir: Path) -> Path:
    if configured is None:
        return default_token_store()
    path = Path(configured).expanduser()
    return path if path.is_absolute() else config_dir / path


def token_store(auth: OAuth2Auth | AppLinkAuth, config_dir: Path) -> TokenStore:
    return TokenStore(store_path(auth.token_store, config_dir))


def oauth_client(
    auth: OAuth2Auth | AppLinkAuth, url: str, env: Mapping[str, str], redactor: Redactor
) -> OAuthClient:
    """The client registration; Cloud's token endpoint takes JSON, Data Center's a form."""
    secret = resolve(auth.client_secret, env)
    redactor.add(secret)
    if isinstance(auth, OAuth2Auth):
        return OAuthClient(token_endpoint(auth, url), auth.client_id, secret, "json")
    return OAuthClient(token_endpoint(auth, url), auth.client_id, secret, "form")


def token_endpoint(auth: OAuth2Auth | AppLinkAuth, url: str) -> str:
    if isinstance(auth, OAuth2Auth):
        return f"{auth.auth_url.rstrip('/')}/oauth/token"
    return f"{url.rstrip('/')}/rest/oauth2/latest/token"


def store_key(auth: OAuth2Auth | AppLinkAuth, url: str) -> str:
    """The token store's key for this client (``OAuthClient.key``), without its secret."""
    return f"{token_endpoint(auth, url)}#{auth.client_id}"


def refresh_hint(auth: OAuth2Auth | AppLinkAuth) -> str:
    seed = ""
    if auth.refresh_token is not None:
        seed = f", or put a new refresh token in {variable(auth.refresh_token)}"
    return (
        f"{seed} (for invalid_client, check confluence.auth.client_id and "
        f"{variable(auth.client_secret)})"
    )
