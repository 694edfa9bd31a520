"""The contract checker itself: it must catch what breaks the contract, and only that."""

from __future__ import annotations

import httpx
import pytest

from tests.support.openapi import ContractChecker, require_specs, route


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return ContractChecker(require_specs())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/wiki/api/v2/pages/1", ("cloud-v2", "/pages/1")),
        ("/ex/confluence/abc/wiki/api/v2/pages", ("cloud-v2", "/pages")),
        ("/wiki/rest/api/content/search", ("cloud-v1", "/wiki/rest/api/content/search")),
        ("/confluence/rest/api/content/1", ("dc", "/rest/api/content/1")),
        ("/rest/api/space", ("dc", "/rest/api/space")),
        ("/oauth/token", None),
        ("/_sandbox/faults", None),
    ],
)
def test_routing_by_path(path: str, expected: tuple[str, str] | None) -> None:
    assert route(path) == expected


def test_literal_segments_win_over_parameters(checker: ContractChecker) -> None:
    search = checker.operation("GET", "/rest/api/content/search")
    assert search is not None
    assert search.template == "/rest/api/content/search"
    attachments = checker.operation("GET", "/rest/api/content/1/child/attachment")
    assert attachments is not None
    assert attachments.template == "/rest/api/content/{id}/child/attachment"


def test_dc_parameters_listed_twice_are_deduplicated(checker: ContractChecker) -> None:
    operation = checker.operation("POST", "/rest/api/content/1/child/attachment")
    assert operation is not None
    names = [name for name, place in operation.params]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (httpx.Request("GET", "http://x/wiki/api/v2/pages?limit=500"), "greater than the maximum"),
        (httpx.Request("GET", "http://x/wiki/api/v2/pages?spaceKey=X"), "not in the spec"),
        (httpx.Request("GET", "http://x/wiki/api/v2/pages?id=abc"), "'id'"),
        (httpx.Request("PATCH", "http://x/wiki/api/v2/pages/1"), "methods there"),
        (httpx.Request("GET", "http://x/wiki/api/v2/nope"), "no such path"),
        (httpx.Request("POST", "http://x/wiki/api/v2/pages", json={"title": "t"}), "spaceId"),
        (httpx.Request("GET", "http://x/wiki/rest/api/content/search"), "'cql' is required"),
    ],
)
def test_requests_that_break_the_contract_are_named(
    checker: ContractChecker, request_: httpx.Request, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        checker.check_request(request_)


def test_responses_that_break_the_contract_are_named(checker: ContractChecker) -> None:
    request = httpx.Request("GET", "http://x/wiki/api/v2/pages/1")
    with pytest.raises(AssertionError, match="at id: 1 is not of type 'string'"):
        checker.check_response(request, httpx.Response(200, json={"id": 1}))
    with pytest.raises(AssertionError, match="status 418 is not documented"):
        checker.check_response(request, httpx.Response(418, json={}))
    dc = httpx.Request("GET", "http://x/rest/api/space/X")
    with pytest.raises(AssertionError, match="statusCode"):
        checker.check_response(dc, httpx.Response(404, json={"statusCode": "404"}))


def test_named_gaps_and_global_statuses_pass(checker: ContractChecker) -> None:
    put = httpx.Request("PUT", "http://x/wiki/api/v2/pages/1")
    checker.check_response(put, httpx.Response(409, json={"errors": []}))
    checker.check_response(put, httpx.Response(429, json={}))
    gone = httpx.Request("GET", "http://x/ex/confluence/c/wiki/rest/api/content")
    checker.check_response(gone, httpx.Response(410, json={}))
    search = httpx.Request("GET", "http://x/wiki/rest/api/content/search?cql=x")
    with pytest.raises(AssertionError, match="410 is not documented"):
        checker.check_response(search, httpx.Response(410, json={}))


def test_covered_and_unchecked_are_recorded(checker: ContractChecker) -> None:
    fresh = ContractChecker(checker.folder)
    fresh.check_request(httpx.Request("GET", "http://x/wiki/api/v2/spaces"))
    fresh.check_request(httpx.Request("POST", "http://x/oauth/token"))
    assert fresh.covered == {("cloud-v2", "GET", "/spaces")}
    assert fresh.unchecked == {("POST", "/oauth/token")}
