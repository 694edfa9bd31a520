"""Helpers for talking to an in-process sandbox in tests."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from confsync.sandbox import (
    DEFAULT_API_TOKEN,
    DEFAULT_CLOUD_EMAIL,
    DEFAULT_DC_PASSWORD,
    DEFAULT_DC_USER,
)
from confsync.sandbox.defaults import DEFAULT_SCOPED_API_TOKEN
from tests.support.openapi import ContractChecker, ValidatingTransport

__all__ = ["BASE_URL", "CLOUD_AUTH", "DC_AUTH", "GATEWAY_AUTH", "sandbox_client"]

BASE_URL = "http://sandbox.local"
CLOUD_AUTH = (DEFAULT_CLOUD_EMAIL, DEFAULT_API_TOKEN)
# The gateway (/ex/confluence/{cloudId}) takes a scoped API token, never the plain one.
GATEWAY_AUTH = (DEFAULT_CLOUD_EMAIL, DEFAULT_SCOPED_API_TOKEN)
DC_AUTH = (DEFAULT_DC_USER, DEFAULT_DC_PASSWORD)


def sandbox_client(
    app: Starlette,
    *,
    auth: httpx.Auth | tuple[str, str] | None = CLOUD_AUTH,
    checker: ContractChecker | None = None,
    check_requests: bool = True,
) -> httpx.AsyncClient:
    """An AsyncClient on the app in-process; with a checker, every exchange is validated."""
    transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=app)
    if checker is not None:
        transport = ValidatingTransport(transport, checker, check_requests=check_requests)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth)
