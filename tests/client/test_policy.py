"""The pure parts of the HTTP policy: Retry-After parsing, backoff, next links, URL checks,
redaction."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from confsync.confluence.http import RetryPolicy, require_secure_url, retry_after_seconds
from confsync.confluence.paging import next_link, resolve_next
from confsync.confluence.redact import Redactor
from confsync.errors import ConfluenceError


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "9223372036854775807"}, 60.0),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Beta-Retry-After": "7"}, 7.0),
        ({"Retry-After": "2", "Beta-Retry-After": "9"}, 2.0),
        ({}, None),
    ],
)
def test_retry_after_is_parsed_and_clamped(headers: dict[str, str], expected: float | None) -> None:
    response = httpx.Response(429, headers=headers)
    assert retry_after_seconds(response, 60.0) == expected


def test_retry_after_accepts_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    seconds = retry_after_seconds(httpx.Response(429, headers={"Retry-After": when}), 60.0)
    assert seconds is not None
    assert 25 <= seconds <= 31


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 0.5), (2, 1.0), (4, 4.0), (10, 30.0)])
def test_backoff_is_full_jitter_under_an_exponential_ceiling(attempt: int, ceiling: float) -> None:
    assert RetryPolicy(random=lambda: 0.999999).backoff(attempt) == pytest.approx(ceiling, rel=1e-3)
    assert RetryPolicy(random=lambda: 0.0).backoff(attempt) == 0.0


@pytest.mark.parametrize(
    ("base", "link", "expected"),
    [
        # v2 on the site: links are relative to the site
        (
            "https://acme.atlassian.net/wiki",
            "/wiki/api/v2/pages?cursor=abc&limit=250",
            "https://acme.atlassian.net/wiki/api/v2/pages?cursor=abc&limit=250",
        ),
        # v2 through the gateway: /wiki is swapped for the gateway path
        (
            "https://api.atlassian.com/ex/confluence/c1/wiki",
            "/wiki/api/v2/pages?cursor=abc",
            "https://api.atlassian.com/ex/confluence/c1/wiki/api/v2/pages?cursor=abc",
        ),
        # an absolute link keeps only path and query, on our own origin
        (
            "https://acme.atlassian.net/wiki",
            "https://evil.example/wiki/api/v2/pages?cursor=abc",
            "https://acme.atlassian.net/wiki/api/v2/pages?cursor=abc",
        ),
        # v1 on Data Center: relative to the base, context path or not
        (
            "https://host/confluence",
            "/rest/api/content?start=250&limit=250",
            "https://host/confluence/rest/api/content?start=250&limit=250",
        ),
        (
            "https://host/confluence",
            "/confluence/rest/api/content?start=250",
            "https://host/confluence/rest/api/content?start=250",
        ),
        ("https://host", "/rest/api/content?start=5", "https://host/rest/api/content?start=5"),
        # v1 on Cloud (search): relative to /wiki
        (
            "https://acme.atlassian.net/wiki",
            "/rest/api/content/search?cursor=x",
            "https://acme.atlassian.net/wiki/rest/api/content/search?cursor=x",
        ),
    ],
)
def test_next_links_resolve_against_our_base(base: str, link: str, expected: str) -> None:
    assert resolve_next(base, link) == expected


def test_next_link_comes_from_the_body_or_the_link_header() -> None:
    header = httpx.Response(200, headers={"Link": '</wiki/api/v2/pages?cursor=h>; rel="next"'})
    assert next_link(header, {"results": []}) == "/wiki/api/v2/pages?cursor=h"
    assert next_link(header, {"_links": {"next": "/b"}}) == "/b"
    assert next_link(httpx.Response(200), {"_links": {}}) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.atlassian.net/wiki",
        "http://localhost:8090",
        "http://127.0.0.1/confluence",
        # What validate lets through, the transport lets through: all of 127.0.0.0/8.
        "http://127.0.0.5:8090/wiki",
        "http://[::1]:8090",
    ],
)
def test_secure_or_loopback_urls_pass(url: str) -> None:
    require_secure_url(url)


@pytest.mark.parametrize("url", ["http://confluence.acme.test", "ftp://x", "http://sandbox.local"])
def test_plain_http_to_a_network_host_is_refused(url: str) -> None:
    with pytest.raises(ConfluenceError, match="only over https"):
        require_secure_url(url)


def test_the_in_process_sandbox_may_use_http() -> None:
    require_secure_url("http://sandbox.local/wiki", in_process=True)


def test_redactor_masks_known_secrets_and_secret_shapes() -> None:
    redactor = Redactor(["s3cr3t-value"])
    text = (
        'token s3cr3t-value; Authorization: Bearer abc.def-ghi; {"refresh_token": "rt-1", '
        '"client_secret":"cs"} client_secret=xyz&a=b Cookie: JSESSIONID=f00'
    )
    masked = redactor.text(text)
    for secret in ("s3cr3t-value", "abc.def-ghi", "rt-1", '"cs"', "xyz", "f00"):
        assert secret not in masked
    assert "a=b" in masked
    assert redactor.headers({"Authorization": "Basic Zm9v", "X-Other": "1"}) == {
        "Authorization": "***",
        "X-Other": "1",
    }
    assert "s3cr3t" not in repr(redactor)
