"""Fixtures of the client tests: a retry policy that never sleeps, settings for every sign-in
method, and transports that check every request against Atlassian's OpenAPI files (when they are
there: without them the same tests run unvalidated, see tests/support/openapi.py)."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import respx

from confsync.confluence.api import Confluence
from confsync.confluence.http import RetryPolicy
from confsync.connection import ConfluenceSettings
from tests.client.sites import METHODS, Site, open_site
from tests.support.openapi import ContractChecker, ValidatingTransport

SITE = "https://acme.atlassian.net/wiki"
DC = "https://confluence.acme.test/confluence"

# Distinctive fake secrets: the secrets test greps everything the client produced for them.
FAKE_SECRETS = {
    "CONFLUENCE_API_TOKEN": "FAKESECRET-apitoken-7f3a9c2b",
    "CONFLUENCE_PAT": "FAKESECRET-pat-51b2e8aa",
    "CONFLUENCE_PASSWORD": "FAKESECRET-password-c0ffee11",
    "CONFLUENCE_CLIENT_SECRET": "FAKESECRET-client-9d8e7f66",
    "CONFLUENCE_REFRESH_TOKEN": "FAKESECRET-refresh-3e4d5c77",
}
FAKE_ENV = {"CONFLUENCE_EMAIL": "ana@example.com", **FAKE_SECRETS}


# Every secret any client test uses, and its basic-auth encodings: none may ever be logged.
_SANDBOX_SECRETS = ("sandbox-token", "sandbox-scoped-token", "sandbox-pat", "sandbox-secret")
_LOGGED_NEVER = (
    *FAKE_SECRETS.values(),
    *_SANDBOX_SECRETS,
    *(
        base64.b64encode(pair.encode()).decode()
        for pair in (
            "admin@example.com:sandbox-token",
            "admin@example.com:sandbox-scoped-token",
            "admin:admin",
            f"ana@example.com:{FAKE_SECRETS['CONFLUENCE_API_TOKEN']}",
            f"ana:{FAKE_SECRETS['CONFLUENCE_PASSWORD']}",
        )
    ),
)


@pytest.fixture(autouse=True)
def no_secret_is_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every client test runs with DEBUG logging, and its whole log is searched for secrets
    (OAuth tokens the sandbox issues start with ``sbx-``)."""
    caplog.set_level(logging.DEBUG)
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    leaked = [s for s in _LOGGED_NEVER if s in text]
    leaked += re.findall(r"sbx-(?:cloud|dc)-(?:at|rt)-[A-Za-z0-9_-]+", text)
    assert leaked == [], "secrets were logged"


@dataclass
class Sleeps:
    """A sleep that records instead of sleeping, and a clock that advances by what was slept."""

    calls: list[float] = field(default_factory=list)
    now: float = 1000.0

    async def sleep(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def policy(self, **overrides: float) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=self.clock, random=lambda: 0.5, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(scope="session")
def checker() -> ContractChecker:
    """The contract layer: validates when the specs are there, else lets traffic through."""
    return ContractChecker()


@pytest.fixture
def router(checker: ContractChecker) -> Iterator[respx.Router]:
    """A strict respx router: every route must be called, every request must match the spec."""
    mock = respx.Router(assert_all_called=True, assert_all_mocked=True)
    yield mock
    mock.assert_all_called()


@pytest.fixture
def mocked(router: respx.Router, checker: ContractChecker) -> httpx.AsyncBaseTransport:
    """respx behind a ValidatingTransport: requests are checked, hand-made answers are not."""
    return ValidatingTransport(
        httpx.MockTransport(router.async_handler), checker, check_responses=False
    )


def cloud_settings(**auth: object) -> ConfluenceSettings:
    return ConfluenceSettings.model_validate(
        {
            "edition": "cloud",
            "url": SITE,
            "auth": auth
            or {
                "method": "api-token",
                "email": "${CONFLUENCE_EMAIL}",
                "token": "${CONFLUENCE_API_TOKEN}",
            },
        }
    )


def dc_settings(**auth: object) -> ConfluenceSettings:
    return ConfluenceSettings.model_validate(
        {
            "edition": "datacenter",
            "url": DC,
            "auth": auth or {"method": "pat", "token": "${CONFLUENCE_PAT}"},
        }
    )


@pytest.fixture(params=METHODS)
async def site(
    request: pytest.FixtureRequest, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> AsyncIterator[Site]:
    """The sandbox, reached with each sign-in method in turn (the contract suites' site)."""
    opened = await open_site(request.param, tmp_path, checker, sleeps.policy())
    yield opened
    await opened.close()


@pytest.fixture
async def confluence(site: Site) -> Confluence:
    return site.open()
