"""The apply lock: one lease per space in Confluence, over both backends and every sign-in,
against the sandbox (each request and answer checked against Atlassian's OpenAPI files)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from dataclasses import dataclass

import pytest

from confsync.confluence.api import Confluence
from confsync.errors import BadRequestError, PermissionDeniedError
from confsync.lock import LOCK_KEY, Lease, LockError, SpaceLocks, force_unlock
from tests.client.sites import Site

pytestmark = pytest.mark.anyio

SPACE = "DEMO"


@dataclass
class Clock:
    """Time that passes only when a test (or a waiting lock) says so."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def holder(confluence: Confluence) -> str | None:
    space = await confluence.space(SPACE)
    found = await confluence.space_record(space, LOCK_KEY)
    lease = Lease.from_json(found.value) if found is not None else None
    return lease.lock_id if lease is not None else None


async def test_one_apply_holds_a_space_the_other_is_refused_naming_it(
    confluence: Confluence,
) -> None:
    clock = Clock()
    first = SpaceLocks(confluence, [SPACE], clock=clock)
    second = SpaceLocks(confluence, [SPACE], clock=clock)

    async with first:
        assert await holder(confluence) == first.lock_id
        with pytest.raises(LockError) as refused:
            async with second:
                pytest.fail("two holders of one space")
        assert await holder(confluence) == first.lock_id  # the refused one took nothing

    message = str(refused.value)
    assert f"space {SPACE} is locked by {first.owner}" in message
    assert "until 2027-01-15T08:01:00+00:00 unless renewed" in message
    assert f"confsync force-unlock {SPACE} {first.lock_id}" in message
    assert await holder(confluence) is None  # released at the end
    async with second:
        assert await holder(confluence) == second.lock_id


async def test_of_applies_starting_together_exactly_one_holds_the_space(
    confluence: Confluence,
) -> None:
    locks = [SpaceLocks(confluence, [SPACE]) for _ in range(4)]
    entered: list[str] = []
    release = asyncio.Event()

    async def take(lock: SpaceLocks) -> None:
        async with lock:
            entered.append(lock.lock_id)
            await release.wait()

    tasks = [asyncio.ensure_future(take(lock)) for lock in locks]
    await asyncio.sleep(0.2)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert len(entered) == 1
    assert sum(isinstance(r, LockError) for r in results) == 3
    assert await holder(confluence) is None


async def test_a_dead_holders_lease_expires_and_is_taken_over(confluence: Confluence) -> None:
    clock = Clock()
    dead = SpaceLocks(confluence, [SPACE], clock=clock, ttl=60)
    await dead.__aenter__()
    assert dead._renewing is not None
    dead._renewing.cancel()  # killed: it renews no more and never releases

    clock.now += 59
    with pytest.raises(LockError):
        async with SpaceLocks(confluence, [SPACE], clock=clock):
            pass
    clock.now += 2
    successor = SpaceLocks(confluence, [SPACE], clock=clock)
    async with successor:
        assert await holder(confluence) == successor.lock_id
        # The dead one's late clean-up does not remove a lock that is no longer its own.
        await dead.__aexit__(None, None, None)
        assert await holder(confluence) == successor.lock_id


async def test_a_waiting_apply_gets_the_lock_when_it_expires_or_gives_up(
    confluence: Confluence,
) -> None:
    clock = Clock()
    first = SpaceLocks(confluence, [SPACE], clock=clock, ttl=60)
    await first.__aenter__()
    assert first._renewing is not None
    first._renewing.cancel()

    with pytest.raises(LockError) as gave_up:
        async with SpaceLocks(confluence, [SPACE], clock=clock, sleep=clock.sleep, timeout=30):
            pass
    assert "(waited 30 s)" in str(gave_up.value)
    waiting = SpaceLocks(confluence, [SPACE], clock=clock, sleep=clock.sleep, timeout=300)
    async with waiting:
        acquired = clock.now  # before anything else awaits (its renewals move this clock)
        assert await holder(confluence) == waiting.lock_id
    assert 60 <= acquired - 1_800_000_000.0 <= 60 + 2  # when the dead lease ran out


async def test_a_working_apply_renews_its_lease(confluence: Confluence) -> None:
    # Renewed every second; only a loop stalled for the lease's whole life (3 s) could lose
    # it, which a busy test machine does not do (at 1.5 s it did, once, at load 5).
    async with SpaceLocks(confluence, [SPACE], ttl=3.0) as working:
        await asyncio.sleep(3.5)  # longer than the lease's life: renewed meanwhile
        with pytest.raises(LockError):
            async with SpaceLocks(confluence, [SPACE]):
                pass
        assert await holder(confluence) == working.lock_id


async def test_force_unlock_removes_only_the_lock_it_names(confluence: Confluence) -> None:
    stuck = SpaceLocks(confluence, [SPACE])
    await stuck.__aenter__()
    assert stuck._renewing is not None
    stuck._renewing.cancel()

    with pytest.raises(LockError) as wrong:
        await force_unlock(confluence, SPACE, "0123")
    assert stuck.lock_id in str(wrong.value)
    assert await holder(confluence) == stuck.lock_id

    removed = await force_unlock(confluence, SPACE, stuck.lock_id)
    assert removed.owner == stuck.owner
    assert await holder(confluence) is None
    with pytest.raises(LockError, match="not locked"):
        await force_unlock(confluence, SPACE, stuck.lock_id)


async def _leave_lease(confluence: Confluence, lease: Lease) -> None:
    space = await confluence.space(SPACE)
    assert await confluence.create_space_record(space, LOCK_KEY, lease.to_json()) is not None


def _dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


async def test_a_lease_whose_process_died_on_this_machine_is_taken_over_at_once(
    confluence: Confluence,
) -> None:
    clock = Clock()
    now = clock()
    here = socket.gethostname()
    await _leave_lease(
        confluence, Lease("dead", "ci@here", now, now + 60, host=here, pid=_dead_pid())
    )

    async with SpaceLocks(confluence, [SPACE], clock=clock) as successor:
        assert await holder(confluence) == successor.lock_id


async def test_a_lease_held_on_another_machine_is_waited_out(confluence: Confluence) -> None:
    clock = Clock()
    now = clock()
    remote = Lease("remote", "ci@runner-7", now, now + 60, host="runner-7", pid=_dead_pid())
    await _leave_lease(confluence, remote)

    with pytest.raises(LockError, match="locked by ci@runner-7"):
        async with SpaceLocks(confluence, [SPACE], clock=clock):
            pass
    clock.now += 61
    async with SpaceLocks(confluence, [SPACE], clock=clock) as successor:
        assert await holder(confluence) == successor.lock_id


class _ReleasedInBetween:
    """A Confluence whose first lease creates are refused as if a lease were there, one that
    its holder releases before it can be read (the race of many applies starting at once)."""

    def __init__(self, confluence: Confluence, refusals: int) -> None:
        self._confluence, self.refusals = confluence, refusals

    def __getattr__(self, name: str) -> object:
        return getattr(self._confluence, name)

    async def create_space_record(self, *args: object, **kwargs: object) -> object:
        if self.refusals:
            self.refusals -= 1
            raise BadRequestError("A property with this key already exists", status=400)
        return await self._confluence.create_space_record(*args, **kwargs)  # type: ignore[arg-type]


async def test_a_lease_released_between_refusal_and_read_is_taken(confluence: Confluence) -> None:
    racing = _ReleasedInBetween(confluence, refusals=2)
    async with SpaceLocks(racing, [SPACE]) as locks:  # type: ignore[arg-type]
        assert await holder(confluence) == locks.lock_id


async def test_a_create_refused_again_and_again_is_the_error_shown(confluence: Confluence) -> None:
    racing = _ReleasedInBetween(confluence, refusals=10)
    with pytest.raises(BadRequestError, match="already exists"):
        async with SpaceLocks(racing, [SPACE]):  # type: ignore[arg-type]
            pass
    assert await holder(confluence) is None


class _MayNotEdit(_ReleasedInBetween):
    """An account that may not edit the space's homepage (a restricted homepage, say)."""

    async def create_space_record(self, *args: object, **kwargs: object) -> object:
        raise PermissionDeniedError("Cannot create the property (403).", status=403)


async def test_an_account_that_may_not_write_the_lock_is_told_what_it_needs(
    confluence: Confluence,
) -> None:
    with pytest.raises(LockError) as refused:
        async with SpaceLocks(_MayNotEdit(confluence, refusals=0), [SPACE]):  # type: ignore[arg-type]
            pass
    said = str(refused.value)
    assert said.startswith("cannot take the apply lock of space DEMO: Cannot create the property")
    assert "a content property of the space's homepage" in said
    assert "allowed to edit that page" in said


async def test_the_lease_is_a_property_of_the_homepage_not_of_the_space(
    site: Site, confluence: Confluence
) -> None:
    # A space property would ask the space's Admin permission on Cloud; the homepage's asks
    # only to edit that page, as publishing does.
    space = await confluence.space(SPACE)
    assert space.homepage_id is not None
    async with SpaceLocks(confluence, [SPACE]) as locks:
        found = await confluence.space_record(space, LOCK_KEY)
        assert found is not None
        assert found.value["lock_id"] == locks.lock_id
    written = [r.path for r in site.requests() if r.method != "GET" and "propert" in r.path]
    assert len(written) == 2  # taken, released
    assert all(f"/{space.homepage_id}/propert" in path for path in written), written
