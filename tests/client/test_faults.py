"""What the sandbox cannot stage, with respx: malformed answers, absurd Retry-After values,
writes that fail after taking effect, TLS failures and timeouts; and the error messages.

Every request still goes through a ValidatingTransport (see conftest ``mocked``).
"""

from __future__ import annotations

import re
import socket
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from confsync.confluence import make_backend
from confsync.confluence.api import Confluence
from confsync.errors import (
    AuthError,
    BadRequestError,
    ConfluenceError,
    ConnectionFailedError,
    GoneError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ScopeError,
    ServerError,
    StaleVersionError,
    TitleTakenError,
)
from confsync.types import Attachment, Space
from tests.client.conftest import DC, FAKE_ENV, SITE, Sleeps, cloud_settings, dc_settings
from tests.support.openapi import ContractChecker, ValidatingTransport

pytestmark = pytest.mark.anyio

SPACE = Space(id="65537", key="DEMO", name="Demo", homepage_id="98305")
PAGES = f"{SITE}/api/v2/pages"


def v2_page(page_id: str = "101", *, version: int = 1, message: str = "") -> dict[str, Any]:
    return {
        "id": page_id,
        "status": "current",
        "title": "Sprint 22",
        "spaceId": "65537",
        "parentId": "98305",
        "version": {"number": version, "message": message},
    }


def cloud(mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path) -> Confluence:
    return make_backend(
        cloud_settings(),
        config_dir=tmp_path,
        environ=FAKE_ENV,
        transport=mocked,
        policy=sleeps.policy(),
    )


def dc(mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path) -> Confluence:
    return make_backend(
        dc_settings(),
        config_dir=tmp_path,
        environ=FAKE_ENV,
        transport=mocked,
        policy=sleeps.policy(),
    )


async def test_malformed_json_says_what_is_wrong(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(f"{SITE}/api/v2/spaces").respond(
        200, content=b"<html>Log in</html>", headers={"Content-Type": "text/html"}
    )
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(ConfluenceError, match=r"not valid JSON.*single sign-on") as caught:
            await confluence.space("DEMO")
    assert caught.value.status == 200


async def test_truncated_json_in_a_listing(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(PAGES).respond(
        200, content=b'{"results": [{"id": "1"', headers={"Content-Type": "application/json"}
    )
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(ConfluenceError, match="not valid JSON"):
            await confluence.pages_in_space(SPACE)


async def test_absurd_retry_after_is_clamped(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(f"{SITE}/api/v2/spaces").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "9223372036854775807"}),
            httpx.Response(429, headers={"Beta-Retry-After": "2"}),
            httpx.Response(200, json={"results": [{"id": "65537", "key": "DEMO", "name": "Demo"}]}),
        ]
    )
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        space = await confluence.space("DEMO")
    assert space.id == "65537"
    assert sleeps.calls == [60.0, 2.1]  # clamped; plus a little jitter (random() = 0.5)


async def test_rate_limit_exhaustion_says_how_long_it_waited(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    route = router.get(f"{SITE}/api/v2/spaces").respond(429, headers={"Retry-After": "30"})
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(RateLimitError, match=r"429.*after 6 attempts and 152\.5 s") as caught:
            await confluence.space("DEMO")
    assert "concurrency" in str(caught.value)
    # the time budget (180 s) stops it before the attempt budget (8)
    assert route.call_count == 6
    assert sum(sleeps.calls) == 152.5  # 5 waits of 30 s (+0.5 jitter); a 6th would pass 180


async def test_get_is_retried_on_5xx_with_backoff(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(f"{SITE}/api/v2/spaces").mock(
        side_effect=[
            httpx.Response(502),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"results": [{"id": "65537", "key": "DEMO", "name": "Demo"}]}),
        ]
    )
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        assert (await confluence.space("DEMO")).key == "DEMO"
    assert sleeps.calls == [0.25, 0.5]  # full jitter with random() = 0.5


async def test_5xx_on_create_after_the_page_was_made_makes_no_duplicate(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    post = router.post(PAGES).respond(503)
    lookup = router.get(PAGES, params={"title": "Sprint 22"}).respond(
        200, json={"results": [v2_page()], "_links": {}}
    )
    stamp = router.put(f"{PAGES}/101").respond(200, json=v2_page(version=2, message="confsync abc"))
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        page = await confluence.create_page(
            SPACE, title="Sprint 22", body="<p/>", parent_id="98305", message="confsync abc"
        )
    assert (post.call_count, lookup.call_count, stamp.call_count) == (1, 1, 1)
    assert page.version.message == "confsync abc"
    assert sleeps.calls == []


async def test_create_is_sent_again_only_when_the_lookup_finds_nothing(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    post = router.post(PAGES).mock(
        side_effect=[httpx.RemoteProtocolError("peer closed"), httpx.Response(200, json=v2_page())]
    )
    router.get(PAGES, params={"title": "Sprint 22"}).respond(200, json={"results": []})
    router.put(f"{PAGES}/101").respond(200, json=v2_page(version=2, message="confsync abc"))
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        await confluence.create_page(
            SPACE, title="Sprint 22", body="<p/>", parent_id="98305", message="confsync abc"
        )
    assert post.call_count == 2


async def test_dc_create_that_timed_out_but_succeeded_is_found_not_repeated(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    post = router.post(f"{DC}/rest/api/content").mock(side_effect=httpx.ReadTimeout("slow"))
    router.get(f"{DC}/rest/api/content", params={"title": "Sprint 22"}).respond(
        200,
        json={
            "results": [
                {
                    "id": "7",
                    "type": "page",
                    "status": "current",
                    "title": "Sprint 22",
                    "space": {"id": 1, "key": "DEMO"},
                    "ancestors": [{"id": "5"}],
                    "version": {"number": 1, "message": "confsync abc"},
                }
            ],
            "_links": {},
        },
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        page = await confluence.create_page(
            Space(id="1", key="DEMO", name="Demo"),
            title="Sprint 22",
            body="<p/>",
            parent_id="5",
            message="confsync abc",
        )
    assert post.call_count == 1
    assert (page.id, page.parent_id, page.version.message) == ("7", "5", "confsync abc")


async def test_update_retried_after_it_took_effect_is_not_a_conflict(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    put = router.put(f"{PAGES}/101").mock(side_effect=[httpx.Response(500)])
    router.get(f"{PAGES}/101").respond(200, json=v2_page(version=4, message="confsync d2"))
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        page = await confluence.update_page(
            "101",
            title="Sprint 22",
            body="<p/>",
            parent_id=None,
            version_number=3,
            message="confsync d2",
        )
    assert put.call_count == 1
    assert page.version.number == 4


async def test_upload_that_failed_after_reaching_the_server_is_not_repeated(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    post = router.post(f"{SITE}/rest/api/content/101/child/attachment").respond(502)
    router.get(f"{PAGES}/101/attachments", params={"filename": "report.pdf"}).respond(
        200,
        json={
            "results": [
                {
                    "id": "att9",
                    "title": "report.pdf",
                    "pageId": "101",
                    "mediaType": "application/pdf",
                    "fileSize": 3,
                    "comment": "confsync d1",
                    "version": {"number": 1},
                }
            ]
        },
    )
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        found = await confluence.upload_attachment(
            "101",
            filename="report.pdf",
            data=b"PDF",
            media_type="application/pdf",
            comment="confsync d1",
        )
    assert post.call_count == 1
    assert found == Attachment("att9", "101", "report.pdf", "application/pdf", 3, 1, "confsync d1")


@pytest.mark.parametrize("found", [True, False])
async def test_labels_whose_answer_was_lost_are_looked_up_before_being_sent_again(
    found: bool,
    router: respx.Router,
    mocked: httpx.AsyncBaseTransport,
    sleeps: Sleeps,
    tmp_path: Path,
) -> None:
    labels = {"results": [{"id": "1", "name": "platform", "prefix": "global"}], "size": 1}
    post = router.post(f"{DC}/rest/api/content/7/label").mock(
        side_effect=[httpx.RemoteProtocolError("peer closed"), httpx.Response(200, json=labels)]
    )
    shown = labels["results"] if found else []
    read = router.get(f"{DC}/rest/api/content/7/label").respond(
        200, json={"results": shown, "start": 0, "limit": 200, "size": len(shown)}
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        await confluence.add_labels("7", ["platform"])
    # On the page after all: the lost answer was a success. Missing: sent again.
    assert (read.call_count, post.call_count) == (1, 1 if found else 2)


async def test_upload_sends_the_xsrf_header_and_a_utf8_comment(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    post = router.post(f"{DC}/rest/api/content/7/child/attachment").respond(
        200,
        json={
            "results": [
                {
                    "id": "att1",
                    "title": "chart.png",
                    "version": {"number": 1},
                    "extensions": {"mediaType": "image/png", "fileSize": 4, "comment": "Größe"},
                }
            ]
        },
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        found = await confluence.upload_attachment(
            "7", filename="chart.png", data=b"\x89PNG", media_type="image/png", comment="Größe"
        )
    sent = post.calls.last.request
    assert sent.headers["X-Atlassian-Token"] == "no-check"
    assert b"Content-Type: text/plain; charset=utf-8\r\n\r\nGr\xc3\xb6\xc3\x9fe" in sent.content
    assert found.comment == "Größe"


async def test_post_without_a_lookup_is_not_retried_on_5xx(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    # The mark is a POST with a look-up; when the look-up finds nothing it is sent again.
    router.get(f"{PAGES}/101/properties").respond(200, json={"results": []})
    post = router.post(f"{PAGES}/101/properties").mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json={"id": "p1", "key": "confsync"})]
    )
    from confsync.types import ManagedMark

    async with cloud(mocked, sleeps, tmp_path) as confluence:
        await confluence.set_mark(
            "101", ManagedMark(address="a/retrospective/b", source="r.yaml", version="1")
        )
    assert post.call_count == 2


async def test_tls_failure_names_the_ca_bundle_option(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    error = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    error.__cause__ = ssl.SSLCertVerificationError("self-signed certificate in chain")
    route = router.get(f"{DC}/rest/api/user/current").mock(side_effect=error)
    async with dc(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(ConnectionFailedError, match="ca_bundle"):
            await confluence.current_user()
    assert route.call_count == 1  # a certificate does not fix itself: no retry


async def test_timeouts_outlast_the_budget_with_advice(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    route = router.get(f"{DC}/rest/api/user/current").mock(side_effect=httpx.ConnectTimeout("t"))
    async with dc(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(ConnectionFailedError, match=r"confluence\.timeout") as caught:
            await confluence.current_user()
    assert route.call_count == 8
    assert "8 attempt(s)" in str(caught.value)


async def test_a_real_read_timeout_from_a_server_that_never_answers(
    tmp_path: Path, sleeps: Sleeps, checker: ContractChecker
) -> None:
    # A listening socket that never accepts: the connection is made, the answer never comes.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        settings = dc_settings().model_copy(
            update={"url": f"http://127.0.0.1:{port}/confluence", "timeout": 0.1}
        )
        transport = ValidatingTransport(httpx.AsyncHTTPTransport(), checker)
        backend = make_backend(
            settings,
            config_dir=tmp_path,
            environ=FAKE_ENV,
            transport=transport,
            policy=sleeps.policy(max_attempts=2),
        )
        async with backend as confluence:
            with pytest.raises(ConnectionFailedError, match="did not answer in time") as caught:
                await confluence.current_user()
    assert "ReadTimeout" in str(caught.value)
    assert "2 attempt(s)" in str(caught.value)


ERROR_CASES = [
    (401, {"message": "Unauthorized"}, AuthError, "CONFLUENCE_API_TOKEN"),
    (
        401,
        {"code": 401, "message": "Unauthorized; scope does not match"},
        ScopeError,
        "read:space:confluence",
    ),
    (403, {"message": "no"}, PermissionDeniedError, "space admin"),
    (404, {"errors": [{"title": "Not found"}]}, NotFoundError, "not visible to the API token"),
    (410, {"message": "Gone"}, GoneError, "Upgrade confsync"),
    (413, {}, PayloadTooLargeError, "5 MB"),
    (400, {"message": "title too long"}, BadRequestError, '(400): "title too long"'),
    (501, {}, ServerError, "501"),
]


@pytest.mark.parametrize(("status", "body", "error", "advice"), ERROR_CASES)
async def test_errors_map_to_the_tree_with_advice(
    router: respx.Router,
    mocked: httpx.AsyncBaseTransport,
    sleeps: Sleeps,
    tmp_path: Path,
    status: int,
    body: dict[str, Any],
    error: type[Exception],
    advice: str,
) -> None:
    router.get(f"{SITE}/api/v2/spaces").respond(status, json=body)
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(error, match=re.escape(advice)) as caught:
            await confluence.space("DEMO")
    assert type(caught.value) is error
    assert "read space DEMO" in str(caught.value)


async def test_title_taken_and_stale_version(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.post(f"{DC}/rest/api/content").respond(
        400, json={"statusCode": 400, "message": "A page with this title already exists: ..."}
    )
    router.put(f"{DC}/rest/api/content/7").respond(
        409, json={"message": "Version must be incremented on update. Current version is: 5"}
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(TitleTakenError, match="adopt: true"):
            await confluence.create_page(
                Space("1", "DEMO", "Demo"), title="T", body="", parent_id=None, message="m"
            )
        with pytest.raises(StaleVersionError, match="Run plan again"):
            await confluence.update_page(
                "7", title="T", body="", parent_id=None, version_number=3, message="m"
            )


async def test_missing_space_on_cloud_is_not_found(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(f"{SITE}/api/v2/spaces").respond(200, json={"results": []})
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(NotFoundError, match="Space NOPE does not exist or the API token"):
            await confluence.space("NOPE")


async def test_paging_follows_next_to_the_end(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(PAGES, params={"cursor": "c2"}).respond(
        200, json={"results": [v2_page("2")], "_links": {}}
    )
    router.get(PAGES, params={"cursor": "c1"}).respond(
        200,
        json={"results": [v2_page("1")]},
        headers={"Link": '</wiki/api/v2/pages?cursor=c2&limit=250>; rel="next"'},
    )
    router.get(PAGES, params={"space-id": "65537"}).respond(
        200, json={"results": [v2_page("0")], "_links": {"next": "/wiki/api/v2/pages?cursor=c1"}}
    )
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        pages = await confluence.pages_in_space(SPACE)
    assert [p.id for p in pages] == ["0", "1", "2"]


async def test_plain_http_urls_are_refused_before_any_request(tmp_path: Path) -> None:
    settings = dc_settings().model_copy(update={"url": "http://confluence.acme.test"})
    with pytest.raises(ConfluenceError, match="only over https"):
        make_backend(settings, config_dir=tmp_path, environ=FAKE_ENV)


async def test_user_agent_and_timeouts_are_set(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    route = router.get(f"{DC}/rest/api/user/current").respond(
        200, json={"username": "ana", "displayName": "Ana"}
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        user = await confluence.current_user()
    request = route.calls.last.request
    assert request.headers["User-Agent"].startswith("confsync/")
    assert request.headers["Authorization"] == "Bearer " + FAKE_ENV["CONFLUENCE_PAT"]
    assert request.extensions["timeout"] == {
        "connect": 10.0,
        "read": 30.0,
        "write": 30.0,
        "pool": 30.0,
    }
    assert (user.username, user.display_name) == ("ana", "Ana")


async def test_429_is_retried_even_for_a_create(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    post = router.post(PAGES).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "4"}),
            httpx.Response(200, json=v2_page()),
        ]
    )
    router.put(f"{PAGES}/101").respond(200, json=v2_page(version=2, message="confsync abc"))
    async with cloud(mocked, sleeps, tmp_path) as confluence:
        await confluence.create_page(
            SPACE, title="Sprint 22", body="<p/>", parent_id=None, message="confsync abc"
        )
    assert post.call_count == 2  # a 429 was never processed: no look-up needed
    assert post.calls.last.request.url.params["root-level"] == "true"
    assert sleeps.calls == [4.2]


async def test_v1_paging_follows_next_past_a_silent_cap(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    def content(i: int) -> dict[str, Any]:
        return {
            "id": str(i),
            "type": "page",
            "status": "current",
            "title": f"P{i}",
            "version": {"number": 1, "message": "m"},
            "space": {"id": 1, "key": "DEMO"},
        }

    router.get(f"{DC}/rest/api/content", params={"start": "2"}).respond(
        200, json={"results": [content(3)], "start": 2, "limit": 2, "size": 1, "_links": {}}
    )
    router.get(f"{DC}/rest/api/content", params={"limit": "250"}).respond(
        200,
        json={
            "results": [content(1), content(2)],
            "start": 0,
            "limit": 2,
            "size": 2,
            "_links": {"next": "/rest/api/content?spaceKey=DEMO&limit=2&start=2"},
        },
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        pages = await confluence.pages_in_space(Space("1", "DEMO", "Demo"))
    assert [p.id for p in pages] == ["1", "2", "3"]


def test_an_unreadable_ca_bundle_is_explained(tmp_path: Path) -> None:
    settings = dc_settings().model_copy(update={"ca_bundle": str(tmp_path / "missing.pem")})
    with pytest.raises(ConfluenceError, match=r"ca_bundle .*missing\.pem"):
        make_backend(settings, config_dir=tmp_path, environ=FAKE_ENV)


async def test_a_ca_bundle_is_used_for_verification(tmp_path: Path) -> None:
    import certifi

    settings = dc_settings().model_copy(update={"ca_bundle": certifi.where()})
    async with make_backend(settings, config_dir=tmp_path, environ=FAKE_ENV) as confluence:
        assert confluence.edition == "datacenter"


async def test_a_redirect_is_not_followed(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(f"{DC}/rest/api/user/current").respond(
        302, headers={"Location": "https://sso.acme.test/login?token=abc"}
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(ConfluenceError, match="redirected") as caught:
            await confluence.current_user()
    assert "https://sso.acme.test/login" in str(caught.value)
    assert "token=abc" not in str(caught.value)


async def test_a_write_answered_in_the_wrong_shape(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.post(f"{DC}/rest/api/content/7/child/attachment").respond(200, json={"results": []})
    async with dc(mocked, sleeps, tmp_path) as confluence:
        with pytest.raises(ConfluenceError, match="unexpected shape"):
            await confluence.upload_attachment(
                "7", filename="a.txt", data=b"x", media_type="text/plain", comment=""
            )


async def test_a_foreign_confsync_property_is_no_mark(
    router: respx.Router, mocked: httpx.AsyncBaseTransport, sleeps: Sleeps, tmp_path: Path
) -> None:
    router.get(f"{DC}/rest/api/content/7/property/confsync").respond(
        200,
        json={
            "id": "9",
            "key": "confsync",
            "value": {"owner": "someone"},
            "version": {"number": 3},
        },
    )
    async with dc(mocked, sleeps, tmp_path) as confluence:
        assert await confluence.get_mark("7") is None
