"""The token store: private file mode, atomic writes, a readable error when corrupt, and an
exclusive lock across processes."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from confsync.confluence.tokens import TokenSet, TokenStore
from confsync.errors import AuthError

pytestmark = pytest.mark.anyio

TOKENS = TokenSet("access-secret-1", "refresh-secret-1", 1234.5, "read:page:confluence")


def test_the_store_is_private_and_written_atomically(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "conf" / "tokens.json")
    assert store.read("k") is None
    store.write("k", TOKENS)
    store.write("other", TokenSet("a2", None, 1.0))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.read("k") == TOKENS
    assert store.read("other") == TokenSet("a2", None, 1.0)
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["tokens.json"]


def test_token_sets_keep_their_secrets_out_of_repr() -> None:
    assert "secret" not in repr(TOKENS)


def test_a_corrupt_store_says_what_to_do(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.path.write_text("{not json")
    with pytest.raises(AuthError, match=r"tokens\.json is unreadable.*confsync login"):
        store.read("k")


async def test_the_lock_serialises_tasks(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    events: list[str] = []

    async def hold(name: str) -> None:
        async with store.locked():
            events.append(f"{name} in")
            await anyio.sleep(0.05)
            events.append(f"{name} out")

    async with anyio.create_task_group() as group:
        group.start_soon(hold, "a")
        group.start_soon(hold, "b")
    assert events in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_the_lock_excludes_another_process(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "f = open(sys.argv[1], 'a')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(0.4)\n",
            str(store.lock_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    async with store.locked():
        waited = time.monotonic() - started
    holder.wait(timeout=5)
    assert waited > 0.2
