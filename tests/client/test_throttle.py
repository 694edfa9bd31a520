"""The adaptive concurrency limit (``confluence/throttle.py``): rate-limit headers lower the
number of requests in flight and pause new ones; healthy answers raise it back, never above
``confluence.concurrency``.

Answers come from a strict respx router (exact headers), behind a transport that counts the
requests in flight; time is the fake clock of ``Sleeps``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from confsync.confluence.errormap import Call
from confsync.confluence.http import HttpClient
from confsync.confluence.throttle import Budget, read_budget
from confsync.errors import RateLimitError
from tests.client.conftest import SITE, Sleeps
from tests.client.http_clients import http_clients

pytestmark = pytest.mark.anyio

SPACES = f"{SITE}/api/v2/spaces"
OK = {"results": []}
CALL = Call("list spaces")
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
DATE = format_datetime(NOW, usegmt=True)


class InFlight(httpx.AsyncBaseTransport):
    """Records how many requests were in flight as each one arrived. Each stays a few turns of
    the event loop, so that all the requests the client lets go at once are seen together."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.now = 0
        self.arrivals: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.arrivals.append(self.now)
        try:
            for _ in range(20):
                await anyio.lowlevel.checkpoint()
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1

    def peak(self) -> int:
        """The most in flight since the last call."""
        peak = max(self.arrivals, default=0)
        self.arrivals.clear()
        return peak


@pytest.fixture
def wire(mocked: httpx.AsyncBaseTransport) -> InFlight:
    return InFlight(mocked)


@pytest.fixture
async def open_http(wire: InFlight, sleeps: Sleeps) -> AsyncIterator[Callable[..., HttpClient]]:
    async with http_clients(wire, sleeps) as make:
        yield make


async def batch(http: HttpClient, n: int) -> None:
    async def get() -> None:
        await http.get_json("/api/v2/spaces", call=CALL)

    async with anyio.create_task_group() as group:
        for _ in range(n):
            group.start_soon(get)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-RateLimit-NearLimit": "true"}, id="near-limit"),
        pytest.param(
            {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "99"}, id="under-10-percent"
        ),
        pytest.param({"X-RateLimit-Remaining": "0"}, id="nothing-left-no-reset"),
        pytest.param(
            {
                "X-RateLimit-Limit": "200",
                "X-RateLimit-Remaining": "12",
                "X-RateLimit-Interval-Seconds": "1",
                "X-RateLimit-FillRate": "20",
                "Retry-After": "0",
            },
            id="datacenter-bucket",
        ),
    ],
)
async def test_a_nearly_spent_budget_halves_the_requests_in_flight_once_per_window(
    headers: dict[str, str],
    router: respx.Router,
    wire: InFlight,
    sleeps: Sleeps,
    open_http: Callable[..., HttpClient],
) -> None:
    router.get(SPACES).respond(200, json=OK, headers=headers)
    http = open_http(8)
    await batch(http, 8)
    assert wire.peak() == 8
    assert http.throttle.limit == 4  # eight answers of one window lower it once, not eight times
    await batch(http, 4)
    assert wire.peak() == 4
    for _ in range(3):
        await http.get_json("/api/v2/spaces", call=CALL)
    assert http.throttle.limit == 1  # halved, never below 1
    await batch(http, 8)
    assert wire.peak() == 1
    assert sleeps.calls == []  # budget left, so no pause


async def test_less_left_than_the_limit_in_flight_lowers_it(
    router: respx.Router, wire: InFlight, open_http: Callable[..., HttpClient]
) -> None:
    router.get(SPACES).respond(200, json=OK, headers={"X-RateLimit-Remaining": "5"})
    http = open_http(8)
    await batch(http, 8)
    assert wire.peak() == 8
    assert http.throttle.limit == 4  # 5 left, below 8 in flight
    await batch(http, 4)
    assert wire.peak() == 4
    assert http.throttle.limit == 5  # 5 left was enough for those 4: a window's increase


async def test_answers_without_rate_limit_headers_keep_the_configured_concurrency(
    router: respx.Router, wire: InFlight, open_http: Callable[..., HttpClient]
) -> None:
    router.get(SPACES).respond(200, json=OK, headers={"X-RateLimit-Limit": "1000"})
    http = open_http(8)
    for _ in range(3):
        await batch(http, 16)
        assert wire.peak() == 8
    assert http.throttle.limit == 8


@pytest.mark.parametrize(
    ("headers", "pause"),
    [
        pytest.param(
            {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "2026-11-30T07:00:30Z",
                "Date": DATE,
            },
            30.0,
            id="cloud-iso-reset",
        ),
        pytest.param(
            {
                "X-RateLimit-Limit": "60",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int((NOW + timedelta(seconds=12)).timestamp())),
                "Date": DATE,
            },
            12.0,
            id="unix-time-reset",
        ),
        pytest.param(
            {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "2027-01-01T00:00:00Z",
                "Date": DATE,
            },
            60.0,
            id="far-reset-is-clamped",
        ),
        pytest.param(
            {
                "X-RateLimit-Limit": "20",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Interval-Seconds": "10",
                "X-RateLimit-FillRate": "5",
            },
            10.0,
            id="datacenter-interval",
        ),
        pytest.param(
            {
                "X-RateLimit-Limit": "20",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Interval-Seconds": "10",
                "X-RateLimit-FillRate": "5",
                "Retry-After": "7",
            },
            7.0,
            id="datacenter-retry-after",
        ),
    ],
)
async def test_a_spent_budget_pauses_new_requests_until_it_comes_back(
    headers: dict[str, str],
    pause: float,
    router: respx.Router,
    sleeps: Sleeps,
    open_http: Callable[..., HttpClient],
) -> None:
    sent_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(sleeps.now)
        return httpx.Response(200, json=OK, headers=headers if len(sent_at) == 1 else {})

    router.get(SPACES).mock(side_effect=answer)
    http = open_http(8)
    await http.get_json("/api/v2/spaces", call=CALL)
    await batch(http, 3)
    assert sleeps.calls == [pause]  # one pause, which the waiting requests share
    assert sent_at == [1000.0, *[1000.0 + pause] * 3]


async def test_budget_left_at_the_reset_does_not_pause(
    router: respx.Router, sleeps: Sleeps, open_http: Callable[..., HttpClient]
) -> None:
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "50",
        "X-RateLimit-Reset": "2026-11-30T07:00:30Z",
        "Date": DATE,
    }
    router.get(SPACES).respond(200, json=OK, headers=headers)
    http = open_http(8)
    await batch(http, 8)
    assert sleeps.calls == []
    assert http.throttle.limit == 8


async def test_healthy_answers_raise_the_limit_back_but_never_above_the_configured_one(
    router: respx.Router, wire: InFlight, open_http: Callable[..., HttpClient]
) -> None:
    near = httpx.Response(200, json=OK, headers={"X-RateLimit-NearLimit": "true"})
    router.get(SPACES).mock(side_effect=[near, near, near, *[httpx.Response(200, json=OK)] * 48])
    http = open_http(4)
    for _ in range(3):
        await http.get_json("/api/v2/spaces", call=CALL)
    assert http.throttle.limit == 1
    limits = []
    for _ in range(8):
        await http.get_json("/api/v2/spaces", call=CALL)
        limits.append(http.throttle.limit)
    # Additive increase: one more in flight after a window's worth of healthy answers.
    assert limits == [2, 2, 3, 3, 3, 4, 4, 4]
    wire.peak()
    await batch(http, 40)
    assert wire.peak() == 4
    assert http.throttle.limit == 4


async def test_a_429_halves_the_limit_and_its_retry_after_is_honoured(
    router: respx.Router, wire: InFlight, sleeps: Sleeps, open_http: Callable[..., HttpClient]
) -> None:
    route = router.get(SPACES).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            *[httpx.Response(200, json=OK)] * 5,
        ]
    )
    http = open_http(8)
    await http.get_json("/api/v2/spaces", call=CALL)
    assert sleeps.calls == [3.15]  # Retry-After plus a little jitter; the pause then has passed
    assert http.throttle.limit == 4
    wire.peak()
    await batch(http, 4)
    assert wire.peak() == 4
    assert route.call_count == 6


async def test_a_429_pauses_the_requests_sent_after_it(
    router: respx.Router, sleeps: Sleeps, open_http: Callable[..., HttpClient]
) -> None:
    sent_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(sleeps.now)
        if len(sent_at) == 1:
            return httpx.Response(429, headers={"Beta-Retry-After": "5"})
        return httpx.Response(200, json=OK)

    router.get(SPACES).mock(side_effect=answer)
    http = open_http(8, max_attempts=1)  # the 429 is not retried: the pause alone is seen
    with pytest.raises(RateLimitError):
        await http.get_json("/api/v2/spaces", call=CALL)
    assert sleeps.calls == []
    await batch(http, 2)
    assert sleeps.calls == [5.0]
    assert sent_at == [1000.0, 1005.0, 1005.0]
    assert http.throttle.limit == 4


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, Budget()),
        (
            {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "3"},
            Budget(limit=100, remaining=3),
        ),
        ({"X-RateLimit-NearLimit": "TRUE"}, Budget(near=True)),
        ({"X-RateLimit-NearLimit": "false"}, Budget()),
        ({"X-RateLimit-Remaining": "lots"}, Budget()),
        ({"X-RateLimit-Remaining": "inf"}, Budget()),
        ({"X-RateLimit-Reset": "2026-11-30T07:01Z", "Date": DATE}, Budget(resets_in=60.0)),
        ({"X-RateLimit-Reset": "2026-11-30T07:00:10"}, Budget(resets_in=10.0)),  # wall clock
        ({"X-RateLimit-Reset": "2026-11-30T06:00:00Z", "Date": DATE}, Budget(resets_in=0.0)),
        ({"X-RateLimit-Reset": "15"}, Budget(resets_in=15.0)),
        ({"X-RateLimit-Reset": "whenever"}, Budget()),
        ({"X-RateLimit-Interval-Seconds": "10"}, Budget(resets_in=10.0)),
        (
            {"X-RateLimit-Reset": "20", "X-RateLimit-Interval-Seconds": "10"},
            Budget(resets_in=20.0),
        ),
        ({"Retry-After": "9223372036854775807"}, Budget(retry_after=60.0)),
        ({"Beta-Retry-After": "4"}, Budget(retry_after=4.0)),
    ],
)
def test_rate_limit_headers_are_read(headers: dict[str, str], expected: Budget) -> None:
    response = httpx.Response(200, headers=headers)
    assert read_budget(response, cap=60.0, wall=NOW.timestamp) == expected
