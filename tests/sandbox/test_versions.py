"""Page versions: each version read back by number, listed, and never changed by reading.

Every exchange here is checked against Atlassian's OpenAPI files (except where a test sends
a request the spec forbids on purpose).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.sandbox.conftest import FakeClock
from tests.sandbox.helpers import V1, V2, error_text, v1_page
from tests.support.openapi import ContractChecker
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, sandbox_client

pytestmark = pytest.mark.anyio

DC = "/rest/api"
# Version n (1-based) of the page every test writes: its title, body and message.
TITLES = ["Runbook", "Runbook", "Runbook (edited)"]
BODIES = ["<p>one</p>", "<p>two</p>", "<p>three</p>"]
MESSAGES = ["", "by hand", "Published by confsync"]
V1_BASES = {"cloud-v1": V1, "dc": DC, "dc-context": f"/confluence{DC}"}
# A past version reads as historical, the latest as the page's own status.
AT_EACH_VERSION = pytest.mark.parametrize(
    ("number", "status"), [(1, "historical"), (2, "historical"), (3, "current")]
)


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return ContractChecker()


@pytest.fixture
async def v2(cloud_app: Starlette, checker: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(cloud_app, auth=CLOUD_AUTH, checker=checker) as client:
        yield client


@pytest.fixture(params=sorted(V1_BASES))
async def v1(
    request: pytest.FixtureRequest,
    cloud_app: Starlette,
    dc_app: Starlette,
    checker: ContractChecker,
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A checked client and the v1 base path, for Cloud v1 and Data Center (with and without
    its context path)."""
    cloud = request.param == "cloud-v1"
    app, auth = (cloud_app, CLOUD_AUTH) if cloud else (dc_app, DC_AUTH)
    # The Cloud v1 spec puts the enum of getContentById's `status` on the array, not on its
    # items, so no status value passes its request check there; the answers are still checked.
    async with sandbox_client(app, auth=auth, checker=checker, check_requests=not cloud) as client:
        yield client, V1_BASES[request.param]


async def _three_versions(client: httpx.AsyncClient, base: str, clock: FakeClock) -> str:
    """A page written three times (TITLES, BODIES, MESSAGES), a minute apart; its id."""
    created = await client.post(f"{base}/content", json=v1_page("DEMO", TITLES[0], BODIES[0]))
    assert created.status_code == 200, created.text
    page = str(created.json()["id"])
    for number in (2, 3):
        clock.advance(60)
        update = {
            "type": "page",
            "title": TITLES[number - 1],
            "body": {"storage": {"value": BODIES[number - 1], "representation": "storage"}},
            "version": {"number": number, "message": MESSAGES[number - 1]},
        }
        updated = await client.put(f"{base}/content/{page}", json=update)
        assert updated.status_code == 200, updated.text
    return page


def _v1_read(number: int, status: str = "historical") -> dict[str, Any]:
    return {"version": number, "status": status, "expand": "body.storage,version"}


# Cloud v2


@AT_EACH_VERSION
async def test_v2_answers_the_page_as_it_was_at_each_version(
    v2: httpx.AsyncClient, clock: FakeClock, number: int, status: str
) -> None:
    page = await _three_versions(v2, V1, clock)
    params = {"version": number, "body-format": "storage"}
    answer = (await v2.get(f"{V2}/pages/{page}", params=params)).json()
    assert answer["status"] == status
    assert answer["title"] == TITLES[number - 1]
    assert answer["body"]["storage"]["value"] == BODIES[number - 1]
    assert answer["version"]["number"] == number
    assert answer["version"]["message"] == MESSAGES[number - 1]


async def test_v2_lists_versions_newest_first_and_pages_by_cursor(
    v2: httpx.AsyncClient, clock: FakeClock
) -> None:
    page = await _three_versions(v2, V1, clock)
    listed = (await v2.get(f"{V2}/pages/{page}/versions")).json()
    assert [v["number"] for v in listed["results"]] == [3, 2, 1]
    assert [v["message"] for v in listed["results"]] == MESSAGES[::-1]
    assert [v["page"] for v in listed["results"]] == [
        {"id": page, "title": title} for title in TITLES[::-1]
    ]
    assert "next" not in listed["_links"]
    oldest = await v2.get(f"{V2}/pages/{page}/versions", params={"sort": "modified-date"})
    assert [v["number"] for v in oldest.json()["results"]] == [1, 2, 3]

    seen: list[tuple[int, str]] = []
    response = await v2.get(
        f"{V2}/pages/{page}/versions", params={"limit": 1, "body-format": "storage"}
    )
    while True:
        assert response.status_code == 200, response.text
        for version in response.json()["results"]:
            seen.append((version["number"], version["page"]["body"]["storage"]["value"]))
        following = response.json()["_links"].get("next")
        if following is None:
            assert "Link" not in response.headers
            break
        assert response.headers["Link"].startswith(f'<{following}>; rel="next"')
        response = await v2.get(following)
    assert seen == [(3, BODIES[2]), (2, BODIES[1]), (1, BODIES[0])]


async def test_v2_version_details_link_to_the_neighbours(
    v2: httpx.AsyncClient, clock: FakeClock
) -> None:
    page = await _three_versions(v2, V1, clock)
    details = [(await v2.get(f"{V2}/pages/{page}/versions/{n}")).json() for n in (1, 2, 3)]
    assert [(d.get("prevVersion"), d.get("nextVersion")) for d in details] == [
        (None, 2),
        (1, 3),
        (2, None),
    ]
    assert [d["message"] for d in details] == MESSAGES
    author = details[0]["authorId"]
    assert details[1]["collaborators"] == [author]
    assert details[2]["contentTypeModified"] is False


@pytest.mark.parametrize(
    "path",
    ["/pages/{page}?version=4", "/pages/{page}?version=0", "/pages/{page}/versions/4"],
)
async def test_v2_a_version_the_page_never_had_is_404(
    v2: httpx.AsyncClient, clock: FakeClock, path: str
) -> None:
    page = await _three_versions(v2, V1, clock)
    missing = await v2.get(V2 + path.format(page=page))
    assert missing.status_code == 404
    assert error_text(missing) == f"No version {path[-1]} of content {page}"


async def test_v2_refuses_a_sort_or_body_format_it_does_not_serve(
    cloud: httpx.AsyncClient, clock: FakeClock
) -> None:
    # `cloud` checks nothing: the unknown sort breaks the spec on purpose.
    page = await _three_versions(cloud, V1, clock)
    bad_sort = await cloud.get(f"{V2}/pages/{page}/versions", params={"sort": "title"})
    assert (bad_sort.status_code, error_text(bad_sort)) == (400, "Invalid sort: title")
    adf = await cloud.get(f"{V2}/pages/{page}/versions", params={"body-format": "atlas_doc_format"})
    assert adf.status_code == 400


# v1: Cloud and Data Center


@AT_EACH_VERSION
async def test_v1_answers_the_content_as_it_was_at_each_version(
    v1: tuple[httpx.AsyncClient, str], clock: FakeClock, number: int, status: str
) -> None:
    client, base = v1
    page = await _three_versions(client, base, clock)
    answer = await client.get(f"{base}/content/{page}", params=_v1_read(number))
    assert answer.status_code == 200, answer.text
    content = answer.json()
    assert content["status"] == status
    assert content["title"] == TITLES[number - 1]
    assert content["body"]["storage"]["value"] == BODIES[number - 1]
    assert content["version"]["number"] == number
    assert content["version"]["message"] == MESSAGES[number - 1]
    # The sandbox reads the version without status=historical too (Confluence's own links add it).
    plain = await client.get(f"{base}/content/{page}", params={"version": number})
    assert plain.json()["status"] == status


@pytest.mark.parametrize(
    "params",
    [
        {"version": 4, "status": "historical"},
        {"version": 0},
        # A page's latest state is never historical: the filter selects nothing.
        {"status": "historical"},
    ],
)
async def test_v1_a_version_the_content_never_had_is_404(
    v1: tuple[httpx.AsyncClient, str], clock: FakeClock, params: dict[str, Any]
) -> None:
    client, base = v1
    page = await _three_versions(client, base, clock)
    assert (await client.get(f"{base}/content/{page}", params=params)).status_code == 404


async def test_reading_history_changes_nothing(
    v1: tuple[httpx.AsyncClient, str], clock: FakeClock
) -> None:
    client, base = v1
    page = await _three_versions(client, base, clock)
    for number in (1, 2, 3, 4):
        await client.get(f"{base}/content/{page}", params=_v1_read(number))
    current = await client.get(f"{base}/content/{page}", params={"expand": "body.storage,version"})
    content = current.json()
    assert (content["status"], content["title"]) == ("current", TITLES[2])
    assert content["body"]["storage"]["value"] == BODIES[2]
    assert content["version"]["number"] == 3
    history = await client.get(f"{base}/content/{page}/history")
    assert history.json()["lastUpdated"]["message"] == MESSAGES[2]
    # The next update still needs version 4: no read took a number.
    update = {"type": "page", "title": TITLES[2], "version": {"number": 4}}
    assert (await client.put(f"{base}/content/{page}", json=update)).status_code == 200


async def test_cloud_v1_lists_versions_newest_first_with_their_content(
    cloud_app: Starlette, checker: ContractChecker, clock: FakeClock
) -> None:
    async with sandbox_client(cloud_app, auth=CLOUD_AUTH, checker=checker) as client:
        page = await _three_versions(client, V1, clock)
        seen: list[dict[str, Any]] = []
        response = await client.get(f"{V1}/content/{page}/version", params={"limit": 1})
        while True:
            assert response.status_code == 200, response.text
            seen += response.json()["results"]
            following = response.json()["_links"].get("next")
            if following is None:
                break
            response = await client.get(f"/wiki{following}")
        # The content is expanded unasked, as the spec says.
        assert [(v["number"], v["message"], v["content"]["status"]) for v in seen] == [
            (3, MESSAGES[2], "current"),
            (2, MESSAGES[1], "historical"),
            (1, MESSAGES[0], "historical"),
        ]
        assert [v["content"]["title"] for v in seen] == TITLES[::-1]
        one = await client.get(f"{V1}/content/{page}/version/2", params={"expand": "collaborators"})
        version = one.json()
        assert (version["number"], version["message"]) == (2, "by hand")
        assert version["collaborators"]["userAccountIds"] == [version["by"]["accountId"]]
        assert version["_expandable"]["content"] == (
            f"/rest/api/content/{page}?status=historical&version=2"
        )
        assert (await client.get(f"{V1}/content/{page}/version/4")).status_code == 404
        assert (await client.get(f"{V1}/content/1/version")).status_code == 404


async def test_data_center_serves_no_version_listing(dc: httpx.AsyncClient) -> None:
    # The DC 10.0.3 spec has only DELETE /content/{id}/version/{versionNumber}.
    created = await dc.post(f"{DC}/content", json=v1_page("DEMO", "Listed"))
    page = created.json()["id"]
    assert (await dc.get(f"{DC}/content/{page}/version")).status_code == 404
    assert (await dc.get(f"{DC}/content/{page}/version/1")).status_code == 404


# trashed and purged pages


async def test_a_trashed_page_shows_its_versions_only_when_trashed_pages_are_asked_for(
    v2: httpx.AsyncClient, clock: FakeClock
) -> None:
    page = await _three_versions(v2, V1, clock)
    assert (await v2.delete(f"{V2}/pages/{page}")).status_code == 204
    old = f"{V2}/pages/{page}"
    assert (await v2.get(old, params={"version": 1})).status_code == 404
    trashed = await v2.get(old, params={"version": 1, "status": "trashed"})
    assert trashed.json()["status"] == "historical"
    latest = await v2.get(old, params={"version": 3, "status": "trashed"})
    assert latest.json()["status"] == "trashed"
    # Like its properties and v1 history, a trashed page's version listing stays readable.
    listed = await v2.get(f"{V2}/pages/{page}/versions")
    assert [v["number"] for v in listed.json()["results"]] == [3, 2, 1]
    assert (await v2.delete(old, params={"purge": "true"})).status_code == 204
    for path in (old + "?version=1&status=trashed", f"{old}/versions", f"{old}/versions/1"):
        assert (await v2.get(path)).status_code == 404


async def test_v1_reads_a_trashed_pages_version_only_with_status_trashed(
    v1: tuple[httpx.AsyncClient, str], clock: FakeClock
) -> None:
    client, base = v1
    page = await _three_versions(client, base, clock)
    assert (await client.delete(f"{base}/content/{page}")).status_code == 204
    gone = await client.get(f"{base}/content/{page}", params=_v1_read(1))
    assert gone.status_code == 404
    trashed = await client.get(f"{base}/content/{page}", params=_v1_read(1, "trashed"))
    assert trashed.json()["status"] == "historical"
