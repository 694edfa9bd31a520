"""The HTTP policy of the client, in one place: timeouts, retries, rate limits, paging,
bounded concurrency, redaction and the mapping of failures to ``confsync.errors``.

Retry rules (what peers converged on, see docs/confluence-notes.md "Rate limits and retries"):

- 429 is retried for every method, after ``Retry-After`` (or ``Beta-Retry-After``) seconds,
  clamped to ``RetryPolicy.max_retry_after``: Cloud has sent 9223372036854775807.
  https://developer.atlassian.com/cloud/confluence/rate-limiting/
- 5xx and network failures are retried for idempotent requests only. A request that cannot
  have reached the server (connect failure) is retried whatever its method.
- A write that may have reached the server (a 5xx, or a connection lost after sending) is
  retried only after ``lookup`` confirmed its effect is absent; if present, that is the result.
  A refusal after such an attempt (a 409, "title exists") is looked up too: it may be that
  attempt's own effect. Without a ``lookup``, such a write is not sent again.
- Backoff is exponential with full jitter; a total budget of attempts and seconds bounds it all.

Every request waits for a place under the client's ``Throttle`` (``confluence/throttle.py``):
an adaptive limit on requests in flight, lowered before Confluence has to answer 429.
"""

from __future__ import annotations

import logging
import math
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import anyio
import httpx

from confsync import __version__
from confsync.confluence.errormap import Call, Identity, error_for, not_json
from confsync.confluence.paging import next_link, resolve_next
from confsync.confluence.redact import Redactor
from confsync.confluence.throttle import Throttle, retry_after_seconds
from confsync.errors import (
    ConfluenceError,
    ConnectionFailedError,
    RateLimitError,
    ServerError,
)
from confsync.urls import is_loopback

__all__ = [
    "USER_AGENT",
    "HttpClient",
    "RetryPolicy",
    "build_async_client",
    "require_secure_url",
    "retry_after_seconds",
]

T = TypeVar("T")

log = logging.getLogger("confsync.confluence")

USER_AGENT = f"confsync/{__version__} httpx/{httpx.__version__}"
SANDBOX_HOST = "sandbox.local"
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_NOT_RETRIED_5XX = frozenset({501, 505})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop. ``sleep``, ``clock`` and ``random`` are injectable for tests."""

    max_attempts: int = 8
    max_elapsed: float = 180.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1)))."""
        ceiling = min(self.max_delay, math.ldexp(self.base_delay, min(attempt - 1, 30)))
        return self.random() * ceiling


def require_secure_url(url: str, *, in_process: bool = False) -> None:
    """Refuse to send credentials over plain HTTP, except to loopback or the in-process sandbox."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and (is_loopback(host) or (in_process and host == SANDBOX_HOST)):
        return
    raise ConfluenceError(
        f"Refusing to talk to {parts.scheme}://{parts.netloc}: confsync sends credentials only "
        "over https (plain http is allowed for localhost). Use the https:// URL of the site."
    )


def build_async_client(
    *,
    auth: httpx.Auth | None,
    timeout: float,
    concurrency: int,
    ca_bundle: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The one ``httpx.AsyncClient`` factory: explicit timeouts, TLS verification always on
    (with an optional CA bundle), proxies from the environment, no redirects followed (a
    redirect usually means a login page, and following it would carry our credentials)."""
    verify: ssl.SSLContext | bool = True
    if ca_bundle is not None:
        try:
            verify = ssl.create_default_context(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise ConfluenceError(
                f"confluence.ca_bundle {ca_bundle!r} is not a readable PEM bundle of CA "
                f"certificates ({type(exc).__name__}: {exc.strerror or exc}). Point it at the "
                "file holding your internal CA's certificate."
            ) from exc
    return httpx.AsyncClient(
        auth=auth,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        verify=verify,
        trust_env=True,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        transport=transport,
    )


@dataclass
class _Found:
    value: Any


class HttpClient:
    """Requests relative to one API base, under the retry policy, mapped to our errors.

    ``base`` is the API base URL, or a coroutine function resolving it on first use (the Cloud
    gateway URL needs the cloudId, which may take a request to find).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base: str | Callable[[], Awaitable[str]],
        identity: Identity,
        redactor: Redactor,
        policy: RetryPolicy | None = None,
        concurrency: int = 8,
    ) -> None:
        self._client = client
        self._base = base if isinstance(base, str) else None
        self._resolve_base = None if isinstance(base, str) else base
        self._base_lock = anyio.Lock()
        self.identity = identity
        self.redactor = redactor
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.throttle = Throttle(
            concurrency,
            clock=self.policy.clock,
            sleep=self.policy.sleep,
            max_pause=self.policy.max_retry_after,
        )

    def __repr__(self) -> str:
        return f"HttpClient(base={self._base!r}, concurrency={self.concurrency})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def base_url(self) -> str:
        if self._base is None:
            async with self._base_lock:
                if self._base is None:
                    assert self._resolve_base is not None
                    self._base = (await self._resolve_base()).rstrip("/")
        return self._base

    async def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else await self.base_url() + path

    # ---- public helpers --------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        call: Call,
        accept: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send with retries; a 2xx, or a status in ``accept``, is returned, the rest raised."""
        outcome = await self._exchange(
            method, await self.url(path), call=call, accept=accept, lookup=None, **kwargs
        )
        assert isinstance(outcome, httpx.Response)
        return outcome

    async def get_json(
        self, path: str, *, call: Call, params: Mapping[str, Any] | None = None
    ) -> Any:
        return self.json(await self.request("GET", path, call=call, params=params), call)

    async def write(
        self,
        method: str,
        path: str,
        *,
        call: Call,
        parse: Callable[[Any], T],
        lookup: Callable[[], Awaitable[T | None]],
        **kwargs: Any,
    ) -> T:
        """A write that must not happen twice: when an attempt may have reached the server,
        ``lookup`` is asked for its effect before anything is sent again."""
        outcome = await self._exchange(
            method, await self.url(path), call=call, accept=frozenset(), lookup=lookup, **kwargs
        )
        if isinstance(outcome, _Found):
            found: T = outcome.value
            return found
        try:
            return parse(self.json(outcome, call))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ConfluenceError(
                f"Confluence accepted the request to {call.what} but answered in an unexpected "
                f"shape ({type(exc).__name__}: {exc}); the change may have been made. Check "
                "the page in Confluence, and report this with the log.",
                status=outcome.status_code,
            ) from exc

    async def pages(
        self, path: str, *, call: Call, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[list[Any]]:
        """Each page of ``results`` of a listing, following ``next`` links to the end."""
        url = await self.url(path)
        current_params: Mapping[str, Any] | None = params
        seen: set[str] = set()
        while True:
            response = await self.request("GET", url, call=call, params=current_params)
            body = self.json(response, call)
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise not_json(response, call)
            yield results
            link = next_link(response, body)
            if not link or not results or link in seen:
                return  # the end (a repeated link would loop forever)
            seen.add(link)
            url, current_params = resolve_next(await self.base_url(), link), None

    async def collect(
        self, path: str, *, call: Call, params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        found: list[Any] = []
        async for results in self.pages(path, call=call, params=params):
            found.extend(results)
        return found

    @staticmethod
    def json(response: httpx.Response, call: Call) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise not_json(response, call) from exc

    # ---- the retry loop --------------------------------------------------------------------

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        call: Call,
        accept: frozenset[int],
        lookup: Callable[[], Awaitable[Any]] | None,
        **kwargs: Any,
    ) -> httpx.Response | _Found:
        policy = self.policy
        idempotent = method in _IDEMPOTENT and lookup is None
        started = policy.clock()
        attempt = 0
        waited = 0.0
        maybe_applied = False  # this or an earlier attempt may have taken effect
        while True:
            attempt += 1
            request = self._client.build_request(method, url, **kwargs)
            sent = await self._send_once(request, attempt)
            if isinstance(sent, httpx.Response):
                outcome = _status_outcome(sent.status_code, accept)
                if outcome is _Outcome.ANSWERED:
                    return sent
            else:
                outcome = _transport_outcome(sent)
            if outcome is _Outcome.IN_DOUBT and not idempotent:
                if lookup is None:  # nothing can tell whether it took effect: never resend
                    self._give_up(sent, request, call, attempt, waited)
                maybe_applied = True
            # Ask when this attempt may have taken effect, and when a refusal may be the effect
            # of an earlier one (a 409, "title exists"). A broken connection or a 429 cannot be.
            if maybe_applied and lookup is not None and outcome in _ASK_AFTER:
                found = await self._applied_anyway(lookup)
                if found is not None:
                    return found
            if outcome in _FINAL:
                self._give_up(sent, request, call, attempt, waited)
            delay = self._delay(sent, attempt)
            if not self._may_retry(attempt, started, delay):
                self._give_up(sent, request, call, attempt, waited, retried=True)
            if isinstance(sent, httpx.Response):
                log.info(
                    "Confluence answered %d to %s %s; retrying in %.1f s (attempt %d)",
                    sent.status_code,
                    method,
                    self.redactor.text(str(request.url.copy_with(query=None))),
                    delay,
                    attempt,
                )
            waited += delay
            await policy.sleep(delay)

    async def _send_once(
        self, request: httpx.Request, attempt: int
    ) -> httpx.Response | httpx.TransportError:
        """One attempt under the throttle: the answer, body read, or the transport's failure."""
        sent_at = self.policy.clock()
        try:
            async with self.throttle.slot() as slot:
                response = await self._client.send(request)
                await response.aread()
                slot.answered(response)
        except httpx.TransportError as exc:
            self._log_failure(request, exc, attempt)
            return exc
        log.debug(
            "%s %s -> %d in %.0f ms (attempt %d)",
            request.method,
            self.redactor.text(str(request.url)),
            response.status_code,
            (self.policy.clock() - sent_at) * 1000,
            attempt,
        )
        return response

    @staticmethod
    async def _applied_anyway(lookup: Callable[[], Awaitable[Any]]) -> _Found | None:
        """The effect of a write whose answer was lost or refused, when ``lookup`` finds it."""
        found = await lookup()
        return None if found is None else _Found(found)

    def _delay(self, sent: httpx.Response | httpx.TransportError, attempt: int) -> float:
        policy = self.policy
        hinted = (
            retry_after_seconds(sent, policy.max_retry_after)
            if isinstance(sent, httpx.Response)
            else None
        )
        if hinted is None:
            return policy.backoff(attempt)
        # A little jitter, so that concurrent requests told the same wait do not all come back
        # in the same instant and trip the limit again.
        jitter = policy.random() * min(1.0, hinted / 10)
        return min(hinted + jitter, policy.max_retry_after)

    def _give_up(
        self,
        sent: httpx.Response | httpx.TransportError,
        request: httpx.Request,
        call: Call,
        attempts: int,
        waited: float,
        *,
        retried: bool = False,
    ) -> NoReturn:
        """Raise the error for the last attempt; ``retried``: because the budget is spent."""
        if isinstance(sent, httpx.TransportError):
            raise self._connection_error(sent, request, call, attempts, waited) from sent
        if retried:
            raise self._exhausted(sent, call, attempts, waited)
        raise error_for(sent, call, self.identity, self.redactor)

    def _may_retry(self, attempt: int, started: float, delay: float) -> bool:
        policy = self.policy
        if attempt >= policy.max_attempts:
            return False
        return policy.clock() - started + delay <= policy.max_elapsed

    def _exhausted(
        self, response: httpx.Response, call: Call, attempts: int, waited: float
    ) -> ConfluenceError:
        status = response.status_code
        if status == 429:
            return RateLimitError(
                f"Confluence kept rate-limiting the requests to {call.what} (429): gave up after "
                f"{attempts} attempts and {waited:.1f} s of waiting. Lower confluence.concurrency "
                f"(now {self.concurrency}) or try again later.",
                status=status,
            )
        mapped = error_for(response, call, self.identity, self.redactor)
        return ServerError(
            f"{mapped} It failed {attempts} times over {waited:.1f} s of retrying.",
            status=status,
        )

    def _connection_error(
        self,
        exc: httpx.TransportError,
        request: httpx.Request,
        call: Call,
        attempts: int,
        waited: float,
    ) -> ConnectionFailedError:
        host = request.url.host
        detail = self.redactor.text(str(exc) or type(exc).__name__)[:300]
        if _is_tls_failure(exc):
            advice = (
                f"The TLS certificate of {host} could not be verified ({detail}). If the server "
                "uses an internal CA, set confluence.ca_bundle to that CA's bundle file."
            )
        elif isinstance(exc, httpx.TimeoutException):
            advice = (
                f"{host} did not answer in time ({type(exc).__name__}). Raise "
                "confluence.timeout if the server is slow, or check the network."
            )
        else:
            advice = (
                f"{type(exc).__name__}: {detail}. Check the url, the network and proxy "
                "settings (HTTPS_PROXY, NO_PROXY)."
            )
        return ConnectionFailedError(
            f"Could not {call.what} at {host} after {attempts} attempt(s) and {waited:.1f} s "
            f"of waiting: {advice}"
        )

    def _log_failure(self, request: httpx.Request, exc: Exception, attempt: int) -> None:
        log.debug(
            "%s %s failed: %s (attempt %d)",
            request.method,
            self.redactor.text(str(request.url)),
            type(exc).__name__,
            attempt,
        )


class _Outcome(Enum):
    """What one attempt's result means for the retry loop."""

    ANSWERED = "a 2xx or an accepted status: the result"
    REFUSED = "a final error answer: raised"
    BROKEN = "a failure no retry mends (TLS, an unsupported protocol): raised"
    NOT_APPLIED = "certainly without effect (a 429, no connection made): retried"
    IN_DOUBT = "may have taken effect (a 5xx, the answer lost after sending): retried if safe"


_FINAL = frozenset({_Outcome.REFUSED, _Outcome.BROKEN})
_ASK_AFTER = frozenset({_Outcome.IN_DOUBT, _Outcome.REFUSED})


def _status_outcome(status: int, accept: frozenset[int]) -> _Outcome:
    if 200 <= status < 300 or status in accept:
        return _Outcome.ANSWERED
    if status == 429:
        return _Outcome.NOT_APPLIED
    if status >= 500 and status not in _NOT_RETRIED_5XX:
        return _Outcome.IN_DOUBT
    return _Outcome.REFUSED


def _transport_outcome(exc: httpx.TransportError) -> _Outcome:
    if _is_tls_failure(exc) or isinstance(exc, httpx.UnsupportedProtocol):
        return _Outcome.BROKEN
    return _Outcome.IN_DOUBT if _may_have_reached_server(exc) else _Outcome.NOT_APPLIED


def _may_have_reached_server(exc: httpx.TransportError) -> bool:
    """False only when the request certainly was not sent (no connection was made)."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen) or "SSL:" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
