"""The contract layer itself (issue 15): with Atlassian's OpenAPI files there, the fixtures the
behaviour tests share really validate what they send and receive, and an exchange that breaks
the contract fails the test. Without the files these skip (the behaviour tests then run
unvalidated), so a run that validated nothing says so instead of passing quietly."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from confsync.confluence import make_backend
from tests.client.conftest import DC, FAKE_ENV, SITE, Sleeps, dc_settings
from tests.client.sites import open_site
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.support.openapi import ContractChecker, ValidatingTransport, needs_specs
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, sandbox_client

pytestmark = [pytest.mark.anyio, needs_specs]


@pytest.mark.parametrize("method", ["api-token", "pat"])
async def test_the_client_fixtures_validate_a_sandbox_round_trip(
    method: str, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    assert checker.active
    requests, responses = checker.requests_checked, checker.responses_checked
    site = await open_site(method, tmp_path, checker, sleeps.policy())
    assert site.transport.checker is checker
    confluence = site.open()
    space = await confluence.space("DEMO")
    page = await confluence.create_page(
        space, title="Layer", body="<p>checked</p>", parent_id=None, message="m"
    )
    assert (await confluence.page(page.id, body=True)).title == "Layer"
    await site.close()
    assert checker.requests_checked - requests >= 3
    assert checker.responses_checked - responses >= 3


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_a_published_repo_is_validated(
    edition: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SandboxSite (tests/plan, tests/e2e) takes the layer by itself when the files are there.
    monkeypatch.chdir(tmp_path)
    spec = RepoSpec(tmp_path / "repo", edition=edition)
    spec.root.mkdir()
    spec.write()
    site = SandboxSite(spec, in_memory=True)
    assert site.checker is not None
    assert site.checker.active
    await site.apply()
    assert site.checker.requests_checked > 0
    assert site.checker.responses_checked > 0


async def test_sandbox_clients_with_a_checker_validate() -> None:
    from confsync.sandbox import create_app

    checker = ContractChecker()
    for app, auth, path in [
        (create_app(), CLOUD_AUTH, "/wiki/api/v2/spaces"),
        (create_app(edition="datacenter"), DC_AUTH, "/rest/api/space"),
    ]:
        async with sandbox_client(app, auth=auth, checker=checker) as client:
            assert (await client.get(path)).status_code == 200
    assert (checker.requests_checked, checker.responses_checked) == (2, 2)
    assert {spec for spec, _, _ in checker.covered} == {"cloud-v2", "dc"}


async def test_an_answer_that_breaks_the_contract_fails_the_exchange(
    checker: ContractChecker,
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 1})  # a v2 page's id is a string

    layer = ValidatingTransport(httpx.MockTransport(answer), checker)
    async with httpx.AsyncClient(transport=layer) as client:
        with pytest.raises(AssertionError, match="at id: 1 is not of type 'string'"):
            await client.get(f"{SITE}/api/v2/pages/101")


async def test_through_the_client_an_undocumented_status_fails_the_test(
    checker: ContractChecker, sleeps: Sleeps, tmp_path: Path
) -> None:
    # Not swallowed, retried or turned into a confsync error on the way.
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/confluence/rest/api/user/current"
        return httpx.Response(418, json={})

    backend = make_backend(
        dc_settings(),
        config_dir=tmp_path,
        environ=FAKE_ENV,
        transport=ValidatingTransport(httpx.MockTransport(answer), checker),
        policy=sleeps.policy(),
    )
    async with backend as confluence:
        with pytest.raises(AssertionError, match="status 418 is not documented"):
            await confluence.current_user()
    assert sleeps.calls == []


async def test_the_mocked_transport_rejects_a_request_outside_the_contract(
    mocked: httpx.AsyncBaseTransport,
) -> None:
    # respx tests send through `mocked`: a request the spec does not allow never reaches them.
    async with httpx.AsyncClient(transport=mocked) as client:
        with pytest.raises(AssertionError, match="query parameter 'colour' is not in the spec"):
            await client.get(f"{DC}/rest/api/space", params={"colour": "blue"})
