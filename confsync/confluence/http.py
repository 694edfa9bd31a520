"""The HTTP policy of the client, in one place: timeouts, retries, rate limits, paging,
bounded concurrency, redaction and the mapping of failures to ``confsync.errors``.

Retry rules (what peers converged on, see docs/confluence-api.md "Errors that matter"):

- 429 is retried for every method, after ``Retry-After`` (or ``Beta-Retry-After``) seconds,
  clamped to ``RetryPolicy.max_retry_after``: Cloud has sent 9223372036854775807.
  https://developer.atlassian.com/cloud/confluence/rate-limiting/
- 5xx and network failures are retried for idempotent requests only. A request that cannot
  have reached the server (connect failure) is retried whatever its method.
- A write that may have reached the server (a 5xx, or a connection lost after sending) is
  retried only after ``lookup`` confirmed its effect is absent; if present, that is the result.
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
from typing import Any, TypeVar
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
        maybe_applied = False  # an earlier attempt may have taken effect
        while True:
            attempt += 1
            request = self._client.build_request(method, url, **kwargs)
            sent_at = policy.clock()
            try:
                async with self.throttle.slot() as slot:
                    response = await self._client.send(request)
                    await response.aread()
                    slot.answered(response)
            except httpx.TransportError as exc:
                reached = _may_have_reached_server(exc)
                self._log_failure(request, exc, attempt)
                if _is_tls_failure(exc) or isinstance(exc, httpx.UnsupportedProtocol):
                    raise self._connection_error(exc, request, call, attempt, waited) from exc
                if reached and not idempotent:
                    if lookup is None:
                        raise self._connection_error(exc, request, call, attempt, waited) from exc
                    maybe_applied = True
                    found = await lookup()
                    if found is not None:
                        return _Found(found)
                delay = policy.backoff(attempt)
                if not self._may_retry(attempt, started, delay):
                    raise self._connection_error(exc, request, call, attempt, waited) from exc
                waited += delay
                await policy.sleep(delay)
                continue
            status = response.status_code
            log.debug(
                "%s %s -> %d in %.0f ms (attempt %d)",
                method,
                self.redactor.text(str(request.url)),
                status,
                (policy.clock() - sent_at) * 1000,
                attempt,
            )
            if 200 <= status < 300 or status in accept:
                return response
            retryable = status == 429 or (status >= 500 and status not in _NOT_RETRIED_5XX)
            if not retryable:
                if maybe_applied and lookup is not None:
                    # A 409 or "title exists" now may be the effect of our own earlier attempt.
                    found = await lookup()
                    if found is not None:
                        return _Found(found)
                raise error_for(response, call, self.identity, self.redactor)
            if status >= 500 and not idempotent:
                if lookup is None:
                    raise error_for(response, call, self.identity, self.redactor)
                maybe_applied = True
                found = await lookup()
                if found is not None:
                    return _Found(found)
            hinted = retry_after_seconds(response, policy.max_retry_after)
            if hinted is None:
                delay = policy.backoff(attempt)
            else:
                # A little jitter, so that concurrent requests told the same wait do not all
                # come back in the same instant and trip the limit again.
                jitter = policy.random() * min(1.0, hinted / 10)
                delay = min(hinted + jitter, policy.max_retry_after)
            if not self._may_retry(attempt, started, delay):
                raise self._exhausted(response, call, attempt, waited)
            log.info(
                "Confluence answered %d to %s %s; retrying in %.1f s (attempt %d)",
                status,
                method,
                self.redactor.text(str(request.url.copy_with(query=None))),
                delay,
                attempt,
            )
            waited += delay
            await policy.sleep(delay)

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
