"""A local Confluence (Cloud REST v2/v1 and Data Center REST v1) backed by SQLite.

    app = create_app()                          # Cloud, in memory, space DEMO
    app = create_app("sandbox.sqlite", edition="datacenter", spaces=["PLAT"])

In-process: ``httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
base_url="http://sandbox.local")`` (no lifespan needed). Served: ``confsync sandbox serve``.

One origin serves one edition:

- Cloud: ``/wiki/api/v2/...`` and ``/wiki/rest/api/...`` (basic ``admin@example.com`` /
  ``sandbox-token``); the same behind the OAuth gateway ``/ex/confluence/{cloudId}/wiki/...``
  (3LO bearer tokens or the scoped API token ``sandbox-scoped-token``, scopes checked, classic
  ones too; deprecated v1 content endpoints answer 410);
  ``/authorize``, ``/oauth/token``, ``/oauth/token/accessible-resources``, ``/_edge/tenant_info``.
- Data Center: ``/rest/api/...`` at the root and under the context path (``/confluence``),
  basic ``admin``/``admin``, bearer PAT ``sandbox-pat`` or an OAuth token from
  ``/rest/oauth2/latest/authorize|token`` (PKCE).
- Both: the browse page at ``/`` (no sign-in: meant for loopback), and the admin API:
  ``GET|POST /_sandbox/faults``, ``GET|DELETE /_sandbox/requests``, ``POST /_sandbox/spaces``
  (``{"key", "name"?, "restricted_to"?}``), ``POST /_sandbox/pages/{id}/status``
  (``{"status": "archived"}``), ``POST /_sandbox/reset`` (``{"content": true}`` also wipes pages).

The same controls in-process: ``app.state.sandbox`` is a ``Sandbox`` with ``faults``
(a ``Faults``), ``request_log``, ``store``, ``pages``, ``attachments``, ``properties`` and
``labels``.

Besides what confsync uses, the v1 API serves what common third-party clients call
(atlassian-python-api, md2cf): content history, labels (and ``label`` in CQL), ``/search``,
and on Cloud ``PUT .../child/attachment`` (create or new version); paths ending in ``/``
are served as without it, as Confluence's REST layer does.
A second user, ``other@example.com`` / ``other-token`` (DC ``other``/``other``, PAT
``other-pat``), shows what a caller may not see.
"""

from __future__ import annotations

from confsync.sandbox.app import create_app
from confsync.sandbox.defaults import (
    DEFAULT_API_TOKEN,
    DEFAULT_CLOUD_EMAIL,
    DEFAULT_CLOUD_ID,
    DEFAULT_DC_PASSWORD,
    DEFAULT_DC_USER,
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
    DEFAULT_PAT,
    DEFAULT_SPACE,
)
from confsync.sandbox.faults import ConnectionDropped, Faults, RequestLog, RequestRecord
from confsync.sandbox.state import Sandbox

__all__ = [
    "DEFAULT_API_TOKEN",
    "DEFAULT_CLOUD_EMAIL",
    "DEFAULT_CLOUD_ID",
    "DEFAULT_DC_PASSWORD",
    "DEFAULT_DC_USER",
    "DEFAULT_OAUTH_CLIENT_ID",
    "DEFAULT_OAUTH_CLIENT_SECRET",
    "DEFAULT_PAT",
    "DEFAULT_SPACE",
    "ConnectionDropped",
    "Faults",
    "RequestLog",
    "RequestRecord",
    "Sandbox",
    "create_app",
]
