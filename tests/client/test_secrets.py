"""No secret in any exception message, log record (DEBUG included) or repr.

Client operations run with distinctive fake secrets under every sign-in method, through
refreshes, retries and failures, against a server that even echoes credentials back in its
error messages; then everything the client produced is searched for them."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import httpx
import pytest
import respx

from confsync.confluence import make_backend
from confsync.confluence.base import BackendBase
from confsync.connection import ConfluenceSettings
from confsync.errors import ConfluenceError
from tests.client.conftest import DC, FAKE_ENV, FAKE_SECRETS, SITE, Sleeps
from tests.client.sites import open_site
from tests.support.openapi import ContractChecker

pytestmark = pytest.mark.anyio

ACCESS = ("FAKESECRET-access-one-11aa", "FAKESECRET-access-two-22bb")
ROTATED = ("FAKESECRET-rotated-one-33cc", "FAKESECRET-rotated-two-44dd")
GATEWAY = "https://api.atlassian.com"


def secrets_in(text: str) -> list[str]:
    basic = [
        base64.b64encode(f"{user}:{secret}".encode()).decode()
        for user, secret in (
            ("ana@example.com", FAKE_SECRETS["CONFLUENCE_API_TOKEN"]),
            ("ana", FAKE_SECRETS["CONFLUENCE_PASSWORD"]),
        )
    ]
    every = [*FAKE_SECRETS.values(), *ACCESS, *ROTATED, *basic]
    return [s for s in every if s in text]


def settings(edition: str, auth: dict[str, object]) -> ConfluenceSettings:
    return ConfluenceSettings.model_validate(
        {"edition": edition, "url": SITE if edition == "cloud" else DC, "auth": auth}
    )


ALL_AUTH = {
    "api-token": settings(
        "cloud",
        {"method": "api-token", "email": "ana@example.com", "token": "${CONFLUENCE_API_TOKEN}"},
    ),
    "oauth2": settings(
        "cloud",
        {
            "method": "oauth2",
            "client_id": "client-1",
            "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
            "refresh_token": "${CONFLUENCE_REFRESH_TOKEN}",
            "token_store": "tokens.json",
        },
    ),
    "pat": settings("datacenter", {"method": "pat", "token": "${CONFLUENCE_PAT}"}),
    "basic": settings(
        "datacenter",
        {"method": "basic", "username": "ana", "password": "${CONFLUENCE_PASSWORD}"},
    ),
    "app-link": settings(
        "datacenter",
        {
            "method": "app-link",
            "client_id": "client-1",
            "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
            "refresh_token": "${CONFLUENCE_REFRESH_TOKEN}",
            "token_store": "tokens.json",
        },
    ),
}


def echo(request: httpx.Request) -> httpx.Response:
    """A careless server: it quotes the credentials it got back in its error message."""
    said = request.headers.get("Authorization", "")
    decoded = ""
    if said.startswith("Basic "):
        decoded = base64.b64decode(said[6:]).decode()
    return httpx.Response(
        400, json={"statusCode": 400, "message": f"bad request with {said} ({decoded})"}
    )


def mock_all(router: respx.Router) -> None:
    token_answers = [
        httpx.Response(200, json={"access_token": ACCESS[0], "refresh_token": ROTATED[0]}),
        httpx.Response(200, json={"access_token": ACCESS[1], "refresh_token": ROTATED[1]}),
        httpx.Response(
            403, json={"error": "invalid_grant", "error_description": f"bad {ROTATED[1]}"}
        ),
    ]
    router.post("https://auth.atlassian.com/oauth/token").mock(side_effect=token_answers)
    router.post(f"{DC}/rest/oauth2/latest/token").mock(side_effect=list(token_answers))
    router.get(f"{GATEWAY}/oauth/token/accessible-resources").respond(
        200, json=[{"id": "c1", "url": "https://acme.atlassian.net", "name": "acme"}]
    )
    router.get(f"{GATEWAY}/ex/confluence/c1/wiki/api/v2/spaces").respond(
        401, json={"code": 401, "message": "Unauthorized"}
    )
    router.get(f"{GATEWAY}/ex/confluence/c1/wiki/rest/api/user/current").mock(side_effect=echo)
    router.get(f"{SITE}/api/v2/spaces").mock(side_effect=echo)
    router.get(f"{SITE}/rest/api/user/current").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(500)] * 8
    )
    router.get(f"{DC}/rest/api/space/DEMO").mock(side_effect=echo)
    router.get(f"{DC}/rest/api/user/current").respond(401, json={"message": "nope"})


async def test_no_secret_reaches_messages_logs_or_reprs(
    router: respx.Router,
    mocked: httpx.AsyncBaseTransport,
    sleeps: Sleeps,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mock_all(router)
    caplog.set_level(logging.DEBUG)
    produced: list[str] = []
    for name, chosen in ALL_AUTH.items():
        backend = make_backend(
            chosen, config_dir=tmp_path, environ=FAKE_ENV, transport=mocked, policy=sleeps.policy()
        )
        assert isinstance(backend, BackendBase)
        produced += [repr(backend), repr(backend.http), repr(backend.http.identity), str(chosen)]
        for operation in (backend.current_user, lambda b=backend: b.space("DEMO")):
            try:
                await operation()
            except ConfluenceError as exc:
                produced += [f"{name}: {exc}", repr(exc), str(exc.__cause__ or "")]
        await backend.aclose()
    out, err = capsys.readouterr()
    everything = "\n".join([*produced, caplog.text, out, err])
    assert len(caplog.records) > 10  # the client did log, at DEBUG and INFO
    assert "***" in everything  # the echoed credentials were there to be masked
    assert secrets_in(everything) == []


async def test_no_sandbox_token_reaches_the_logs(
    tmp_path: Path,
    checker: ContractChecker,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Real issued tokens (3LO sign-in and refreshes) stay out of the DEBUG log."""
    caplog.set_level(logging.DEBUG)
    site = await open_site("oauth2", tmp_path, checker, sleeps.policy())
    issued = [(tmp_path / "tokens.json").read_text()]
    confluence = site.open()
    await confluence.current_user()
    site.clock.now += 4000
    await confluence.space("DEMO")
    issued.append((tmp_path / "tokens.json").read_text())
    await site.close()
    import json

    tokens = [
        value
        for text in issued
        for entry in json.loads(text)["tokens"].values()
        for value in (entry["access_token"], entry["refresh_token"])
    ]
    assert all(t.startswith("sbx-") for t in tokens)
    assert [t for t in tokens if t in caplog.text or t in repr(confluence)] == []
    assert "sandbox-secret" not in caplog.text
