"""A lease per space, kept in Confluence, so that two applies never write one space at once.

The lease is a record of the space (``confsync-lock``, a content property of its homepage:
``Confluence.space_record``) that Confluence creates atomically: a create fails when it
exists, so of two applies starting together exactly one holds it. It names its owner (user,
host, process, CI job) and when it expires; the holder renews it while it works and deletes
it at the end. A holder that dies (SIGKILL, a cancelled CI job) leaves a lease that
expires: the next apply takes it over with a version-checked update, so a lock never blocks
longer than its lifetime (and, on the holder's own machine, no longer than its process lives).
``confsync force-unlock SPACE LOCK_ID`` deletes one by hand, as Terraform's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import getpass
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from confsync.confluence.api import Confluence
from confsync.errors import (
    BadRequestError,
    ConflictError,
    ConfluenceError,
    ConfsyncError,
    PermissionDeniedError,
    StaleVersionError,
)
from confsync.types import ContentProperty, Space

__all__ = [
    "LOCK_KEY",
    "LOCK_TTL",
    "Lease",
    "LockError",
    "SpaceLocks",
    "force_unlock",
    "owner_description",
]

LOCK_KEY = "confsync-lock"
LOCK_TTL = 60.0
"""Seconds a lease lives unless renewed: a killed apply blocks others at most this long."""

_POLL = 2.0


class LockError(ConfsyncError):
    """A space is locked by another apply (or the lock could not be taken or released)."""


@dataclass(frozen=True)
class Lease:
    lock_id: str
    owner: str
    acquired: float
    expires: float
    ci_job: str | None = None
    host: str | None = None
    pid: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "lock_id": self.lock_id,
            "owner": self.owner,
            "ci_job": self.ci_job,
            "acquired": _iso(self.acquired),
            "expires": _iso(self.expires),
            "host": self.host,
            "pid": self.pid,
        }

    def holder_is_gone(self) -> bool:
        """True when the holder ran on this machine and its process is no more: a lease left
        by a killed apply here need not be waited out."""
        return self.host == socket.gethostname() and self.pid is not None and not _alive(self.pid)

    @classmethod
    def from_json(cls, value: Any) -> Lease | None:
        """The lease in a property value; None for anything else (treated as expired)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                lock_id=str(value["lock_id"]),
                owner=str(value["owner"]),
                acquired=_epoch(str(value["acquired"])),
                expires=_epoch(str(value["expires"])),
                ci_job=str(value["ci_job"]) if value.get("ci_job") else None,
                host=str(value["host"]) if value.get("host") else None,
                pid=value["pid"] if isinstance(value.get("pid"), int) else None,
            )
        except (KeyError, ValueError):
            return None

    def describe(self, space: str) -> str:
        job = f" ({self.ci_job})" if self.ci_job else ""
        return (
            f"space {space} is locked by {self.owner}{job} since {_iso(self.acquired)}, until "
            f"{_iso(self.expires)} unless renewed (lock id {self.lock_id})"
        )


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def _epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    try:  # a killed process its parent has not reaped yet is a zombie: gone all the same
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def owner_description() -> str:
    """Who holds a lock, for the message another apply prints: user, host and process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "someone"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


def ci_job_url() -> str | None:
    """The CI job this apply runs in, when the CI says (GitHub Actions, GitLab CI)."""
    if os.environ.get("GITHUB_RUN_ID") and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        return (
            f"{server}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
        )
    return os.environ.get("CI_JOB_URL") or None


_WHERE = (
    "The lock is a content property of the space's homepage: the account must be allowed to "
    "edit that page (a space without homepage keeps it as a space property, which Cloud lets "
    "only the space's admins write)"
)

_REFUSALS = 3
"""Creates of a lease refused while no lease is there, before the refusal is the answer."""


class SpaceLocks:
    """Hold the lease of each space for the duration of an ``async with``.

    Spaces are locked in key order, so two applies needing the same spaces never wait for
    each other in a circle. ``timeout``: seconds to wait for a held lock (0: fail at once).
    """

    def __init__(
        self,
        confluence: Confluence,
        space_keys: Sequence[str],
        *,
        timeout: float = 0.0,
        ttl: float = LOCK_TTL,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        site: str = "",
    ) -> None:
        self.confluence = confluence
        self.site = site
        """The name of the site, when the config names several: said in the unlock command."""
        self.space_keys = sorted(set(space_keys))
        self.timeout, self.ttl = timeout, ttl
        self.clock, self.sleep = clock, sleep
        self.lock_id = uuid.uuid4().hex
        self.owner, self.ci_job = owner_description(), ci_job_url()
        self.held: dict[str, tuple[Space, ContentProperty]] = {}
        self._renewing: asyncio.Task[None] | None = None

    def lease(self) -> Lease:
        now = self.clock()
        return Lease(
            self.lock_id,
            self.owner,
            now,
            now + self.ttl,
            self.ci_job,
            host=socket.gethostname(),
            pid=os.getpid(),
        )

    async def __aenter__(self) -> Self:
        try:
            # The spaces are read together; their leases are taken one after the other in
            # sorted order, so that two applies never each hold what the other waits for.
            spaces = await asyncio.gather(*(self.confluence.space(k) for k in self.space_keys))
            for key, space in zip(self.space_keys, spaces, strict=True):
                self.held[key] = (space, await self._acquire(space))
        except BaseException:
            await self._release_all()
            raise
        self._renewing = asyncio.create_task(self._renew_forever())
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
        await self._release_all()

    async def _acquire(self, space: Space) -> ContentProperty:
        deadline = self.clock() + self.timeout
        refused = 0
        while True:
            # Created atomically, or refused because it exists: a free space costs one request.
            try:
                created = await self.confluence.create_space_record(
                    space, LOCK_KEY, self.lease().to_json()
                )
            except PermissionDeniedError as exc:
                raise LockError(
                    f"cannot take the apply lock of space {space.key}: {exc} {_WHERE}; "
                    "confsync check names what the account needs."
                ) from exc
            except (BadRequestError, ConflictError):
                # Refused, yet not there when looked at: its holder released it in between.
                # Refused again and again, the refusal is about something else: say it.
                refused += 1
                if refused >= _REFUSALS:
                    raise
                continue
            if created is not None:
                return created
            current = await self.confluence.space_record(space, LOCK_KEY)
            if current is None:
                continue  # released since: try again
            held = Lease.from_json(current.value)
            if held is None or held.expires <= self.clock() or held.holder_is_gone():
                # Expired, its holder dead, or not a lease: take it over, version-checked,
                # so that of two applies taking over together only one succeeds.
                with contextlib.suppress(StaleVersionError):
                    return await self.confluence.update_space_record(
                        space, current, self.lease().to_json()
                    )
                continue
            if self.clock() >= deadline:
                wait = "" if self.timeout == 0 else f" (waited {self.timeout:g} s)"
                raise LockError(
                    f"{held.describe(space.key)}{wait}. Another apply is publishing to it: "
                    "try again when it is done, or wait for it with --lock-timeout SECONDS. If "
                    "its holder is gone, the lock expires by itself; to remove it now: "
                    f"confsync force-unlock {space.key} {held.lock_id}"
                    + (f" --site {self.site}" if self.site else "")
                )
            await self.sleep(min(_POLL, max(0.1, deadline - self.clock())))

    async def _renew_forever(self) -> None:
        while True:
            await self.sleep(self.ttl / 3)
            for key, (space, current) in list(self.held.items()):
                # A failed renewal is tried again at the next tick; the lease outlives two.
                with contextlib.suppress(ConfluenceError):
                    renewed = await self.confluence.update_space_record(
                        space, current, self.lease().to_json()
                    )
                    self.held[key] = (space, renewed)

    async def _release_all(self) -> None:
        await asyncio.gather(*(self._release(space) for space, _ in self.held.values()))
        self.held.clear()

    async def _release(self, space: Space) -> None:
        # Read first: a lease taken over (expired, or force-unlocked) is another run's now, and
        # Data Center deletes a property by key, whoever wrote it.
        with contextlib.suppress(ConfluenceError):
            current = await self.confluence.space_record(space, LOCK_KEY)
            lease = Lease.from_json(current.value) if current is not None else None
            if current is not None and lease is not None and lease.lock_id == self.lock_id:
                await self.confluence.delete_space_record(space, current)


async def force_unlock(confluence: Confluence, space_key: str, lock_id: str) -> Lease:
    """Delete the lease of a space, if it is the one named (as ``terraform force-unlock``)."""
    space = await confluence.space(space_key)
    current = await confluence.space_record(space, LOCK_KEY)
    if current is None:
        raise LockError(f"space {space_key} is not locked")
    lease = Lease.from_json(current.value)
    if lease is not None and lease.lock_id != lock_id:
        raise LockError(
            f"{lease.describe(space_key)}, not {lock_id}: check the lock id and try again"
        )
    await confluence.delete_space_record(space, current)
    return lease or Lease(lock_id, "unknown", 0.0, 0.0)
