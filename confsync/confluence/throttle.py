"""One client's limit on requests in flight, adapted to what Confluence says of its rate-limit
budget: halved when the budget is nearly spent or a 429 came back, raised by one per window of
healthy answers (AIMD), never above the configured concurrency; and a pause of new requests
when an answer says when the budget comes back.

Headers read (see docs/confluence-notes.md, "Rate limits and retries"):

- Cloud: ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` (an ISO 8601 time) and
  ``X-RateLimit-NearLimit: true``. https://developer.atlassian.com/cloud/confluence/rate-limiting/
- Data Center's token bucket: ``X-RateLimit-Limit``, ``-Remaining``, ``-Interval-Seconds``
  (new tokens come every interval) and ``-FillRate``; ``Retry-After`` is 0 while tokens remain.
  https://confluence.atlassian.com/doc/improving-instance-stability-with-rate-limiting-992679004.html
- ``Retry-After``, else ``Beta-Retry-After``, clamped as in the retry loop, on a 429 or an
  answer with ``X-RateLimit-Remaining`` (a 5xx's ``Retry-After`` concerns only its own retry).
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import httpx

__all__ = ["Budget", "Slot", "Throttle", "read_budget", "retry_after_seconds"]

log = logging.getLogger("confsync.confluence")

NEAR_SHARE = 0.1  # less than this share of the limit left: the budget is nearly spent
_UNIX_TIME_FLOOR = 1e9  # a Reset below this (September 2001) counts seconds from now


def retry_after_seconds(response: httpx.Response, cap: float) -> float | None:
    """``Retry-After`` (or ``Beta-Retry-After``) in seconds, clamped to [0, cap]; None if absent."""
    for name in ("retry-after", "beta-retry-after"):
        raw = response.headers.get(name)
        if raw is None:
            continue
        raw = raw.strip()
        try:
            seconds = float(raw)
        except ValueError:
            when = _http_date(raw)
            if when is None:
                continue
            seconds = when - time.time()
        if math.isnan(seconds):
            continue
        return min(max(seconds, 0.0), cap)
    return None


@dataclass(frozen=True)
class Budget:
    """What one answer says of the rate-limit budget; each field is None when not said.

    ``near`` is true when the answer says the budget is nearly spent; ``resets_in`` (seconds,
    in [0, cap]) is when it comes back: ``-Reset``, else Data Center's ``-Interval-Seconds``;
    ``retry_after`` is ``Retry-After`` (or ``Beta-Retry-After``), in [0, cap].
    """

    limit: float | None = None
    remaining: float | None = None
    near: bool = False
    resets_in: float | None = None
    retry_after: float | None = None


def read_budget(response: httpx.Response, *, cap: float, wall: Callable[[], float]) -> Budget:
    """The rate-limit headers of ``response``. A ``-Reset`` time is read against the answer's
    ``Date`` (the server's clock, so skew between the clocks does not matter), else ``wall``."""
    headers = response.headers
    resets_in = _reset_in(headers.get("x-ratelimit-reset"), headers.get("date"), wall)
    if resets_in is None:
        resets_in = _number(headers.get("x-ratelimit-interval-seconds"))
    return Budget(
        limit=_number(headers.get("x-ratelimit-limit")),
        remaining=_number(headers.get("x-ratelimit-remaining")),
        near=headers.get("x-ratelimit-nearlimit", "").strip().lower() == "true",
        resets_in=None if resets_in is None else min(max(resets_in, 0.0), cap),
        retry_after=retry_after_seconds(response, cap),
    )


@dataclass
class Slot:
    """One request's place in flight; ``cuts`` is how often the limit had been lowered when it
    was admitted: the answers of one window lower the limit once, not once each, and answers
    to requests sent before it was lowered do not raise it."""

    throttle: Throttle
    cuts: int

    def answered(self, response: httpx.Response) -> None:
        self.throttle.observe(response, self)


class Throttle:
    """The adaptive concurrency limit of one client, and its pause (see the module docstring).

    ``clock`` and ``sleep`` are the retry policy's (injectable for tests); ``wall`` reads Unix
    time for a ``-Reset`` sent without a ``Date``.
    """

    def __init__(
        self,
        ceiling: int,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        max_pause: float,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.ceiling = max(1, ceiling)
        self._limit = self.ceiling
        self._healthy = 0  # healthy answers since the limit last changed
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._max_pause = max_pause
        self._in_flight = 0
        self._cuts = 0
        self._paused_until = -math.inf
        self._changed: anyio.Event | None = None

    def __repr__(self) -> str:
        return f"Throttle(limit={self.limit}, ceiling={self.ceiling}, in_flight={self._in_flight})"

    @property
    def limit(self) -> int:
        """How many requests may be in flight now: 1 to ``ceiling``."""
        return self._limit

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        """Wait for the pause to pass and a place in flight, and hold it."""
        while True:
            pause = self._paused_until - self._clock()
            if pause > 0:
                await self._sleep(pause)
            elif self._in_flight < self.limit:
                break
            else:
                if self._changed is None:
                    self._changed = anyio.Event()
                await self._changed.wait()
        self._in_flight += 1
        try:
            yield Slot(self, self._cuts)
        finally:
            self._in_flight -= 1
            self._wake()

    def observe(self, response: httpx.Response, slot: Slot) -> None:
        """Adapt to one answer, received while ``slot`` is still held."""
        budget = read_budget(response, cap=self._max_pause, wall=self._wall)
        status = response.status_code
        if status == 429 or self._nearly_spent(budget):
            self._lower(slot, budget, status)
        elif status < 500:
            self._raise(slot)
        self._pause(self._pause_for(budget, status))
        self._wake()

    def _nearly_spent(self, budget: Budget) -> bool:
        if budget.near:
            return True
        remaining = budget.remaining
        if remaining is None:
            return False
        if budget.limit is not None and remaining < NEAR_SHARE * budget.limit:
            return True
        return remaining < self.limit

    def _pause_for(self, budget: Budget, status: int) -> float:
        """How long new requests wait: the ``Retry-After`` of a rate-limit answer (a 5xx's
        concerns only its own retry); else, once the requests in flight (this one included)
        will have spent what is left, until the budget comes back."""
        from_the_limiter = status == 429 or budget.remaining is not None
        if budget.retry_after and from_the_limiter:
            return budget.retry_after
        remaining = budget.remaining
        spent = status == 429 or (remaining is not None and remaining < self._in_flight)
        return (budget.resets_in or 0.0) if spent else 0.0

    def _lower(self, slot: Slot, budget: Budget, status: int) -> None:
        if slot.cuts != self._cuts:
            return  # lowered already for the window this request was sent in
        self._cuts += 1
        self._healthy = 0
        before = self._limit
        self._limit = max(1, before // 2)
        log.info(
            "Confluence %s (%s of %s left); requests in flight lowered from %d to %d",
            "answered 429" if status == 429 else "says the rate limit is nearly spent",
            _shown(budget.remaining),
            _shown(budget.limit),
            before,
            self.limit,
        )

    def _raise(self, slot: Slot) -> None:
        """One more in flight after as many healthy answers as are allowed in flight now,
        counting only requests sent since the limit was last lowered."""
        if self._limit >= self.ceiling or slot.cuts != self._cuts:
            return
        self._healthy += 1
        if self._healthy >= self._limit:
            self._limit += 1
            self._healthy = 0

    def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        until = self._clock() + seconds
        if until > self._paused_until:
            self._paused_until = until
            log.info("Pausing new requests to Confluence for %.1f s (rate limit)", seconds)

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _reset_in(raw: str | None, date: str | None, wall: Callable[[], float]) -> float | None:
    """Seconds until a ``-Reset``: an ISO 8601 time (Cloud), a Unix time, or seconds."""
    if raw is None:
        return None
    raw = raw.strip()
    number = _number(raw)
    if number is not None and number < _UNIX_TIME_FLOOR:
        return number
    if number is not None:
        when = number
    else:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        when = moment.timestamp()
    server_now = _http_date(date) if date is not None else None
    return when - (wall() if server_now is None else server_now)


def _http_date(raw: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _shown(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"
