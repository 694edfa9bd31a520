"""The sandbox's documented defaults: public on purpose, so any client can try it at once."""

from __future__ import annotations

__all__ = [
    "DEFAULT_API_TOKEN",
    "DEFAULT_CLOUD_EMAIL",
    "DEFAULT_CLOUD_ID",
    "DEFAULT_DC_PASSWORD",
    "DEFAULT_DC_USER",
    "DEFAULT_OAUTH_CLIENT_ID",
    "DEFAULT_OAUTH_CLIENT_SECRET",
    "DEFAULT_PAT",
    "DEFAULT_SCOPED_API_TOKEN",
    "DEFAULT_SCOPED_TOKEN_SCOPES",
    "DEFAULT_SPACE",
    "MAX_BODY_BYTES",
    "MAX_TITLE_LENGTH",
    "OTHER_API_TOKEN",
    "OTHER_EMAIL",
    "OTHER_PASSWORD",
    "OTHER_PAT",
    "OTHER_USER",
    "SITE_NAME",
]

DEFAULT_SPACE = "DEMO"
DEFAULT_CLOUD_EMAIL = "admin@example.com"
DEFAULT_API_TOKEN = "sandbox-token"
DEFAULT_DC_USER = "admin"
DEFAULT_DC_PASSWORD = "admin"
DEFAULT_PAT = "sandbox-pat"
# A scoped API token of the admin: good only through the gateway (/ex/confluence/{cloudId}),
# as on Atlassian's, where the plain API token is good only on the site URL.
DEFAULT_SCOPED_API_TOKEN = "sandbox-scoped-token"
# Every scope the token picker offers for what the sandbox serves, granular and classic, as a
# tester's all-access token would have.
DEFAULT_SCOPED_TOKEN_SCOPES = (
    "read:space:confluence write:space:confluence read:page:confluence write:page:confluence "
    "delete:page:confluence read:hierarchical-content:confluence read:attachment:confluence "
    "write:attachment:confluence read:content-details:confluence "
    "read:confluence-content.all read:confluence-content.summary write:confluence-content "
    "write:confluence-file read:confluence-space.summary write:confluence-space "
    "read:confluence-props write:confluence-props search:confluence read:confluence-user"
)
DEFAULT_OAUTH_CLIENT_ID = "sandbox-client"
DEFAULT_OAUTH_CLIENT_SECRET = "sandbox-secret"
DEFAULT_CLOUD_ID = "00000000-0000-4000-8000-000000000000"
SITE_NAME = "sandbox"

# A second seeded user, so tests can show what a caller may not see (a restricted space).
OTHER_EMAIL = "other@example.com"
OTHER_API_TOKEN = "other-token"
OTHER_USER = "other"
OTHER_PASSWORD = "other"
OTHER_PAT = "other-pat"

# Confluence's limits: 5 MiB per request body (413 above), 255 characters per title (400).
MAX_BODY_BYTES = 5_242_880
MAX_TITLE_LENGTH = 255
