"""Persistence and concurrency of the SQLite store."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from confsync.sandbox import Sandbox, create_app
from confsync.sandbox.pages import PageFilter
from tests.sandbox.helpers import V2, space_id, v2_page
from tests.support.sandbox import sandbox_client

pytestmark = pytest.mark.anyio


async def test_a_file_database_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite"
    async with sandbox_client(create_app(db, spaces=["PLAT"])) as first:
        space = await space_id(first, "PLAT")
        created = await first.post(f"{V2}/pages", json=v2_page(space, "Kept"))
        page = created.json()["id"]
    async with sandbox_client(create_app(db)) as second:
        again = await second.get(f"{V2}/pages/{page}", params={"body-format": "storage"})
        assert again.json()["title"] == "Kept"
        # The restart did not seed PLAT a second time.
        spaces = (await second.get(f"{V2}/spaces")).json()["results"]
        assert sorted(s["key"] for s in spaces) == ["DEMO", "PLAT"]


async def test_two_apps_on_one_file_write_without_losing_anything(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    apps = [create_app(db), create_app(db)]
    async with sandbox_client(apps[0]) as a, sandbox_client(apps[1]) as b:
        space = await space_id(a)

        async def write(client: object, name: str) -> list[int]:
            assert isinstance(client, type(a))
            return [
                (await client.post(f"{V2}/pages", json=v2_page(space, f"{name}{i}"))).status_code
                for i in range(25)
            ]

        results = await asyncio.gather(write(a, "a"), write(b, "b"))
        assert list(results) == [[200] * 25, [200] * 25]
        # Both see all 50 (plus the homepage), with distinct ids.
        listed = (await b.get(f"{V2}/pages", params={"space-id": space, "limit": 250})).json()
        assert len({p["id"] for p in listed["results"]}) == 51
        # Uniqueness holds across apps: the same title from the other app is refused.
        assert (await b.post(f"{V2}/pages", json=v2_page(space, "a0"))).status_code == 400


@pytest.mark.parametrize("in_file", [False, True])
def test_the_store_is_safe_across_threads(tmp_path: Path, in_file: bool) -> None:
    db = tmp_path / "threads.sqlite" if in_file else ":memory:"
    sandbox: Sandbox = create_app(db).state.sandbox
    space = sandbox.store.space_by_key("DEMO")
    assert space is not None
    errors: list[BaseException] = []

    def create(prefix: str) -> None:
        try:
            for i in range(40):
                sandbox.pages.create(sandbox.store.admin, space, f"{prefix}-{i}", "<p/>")
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(str(n),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    pages, _ = sandbox.pages.find(None, PageFilter(space_ids=(space.id,)), limit=500)
    assert len(pages) == 161


def test_create_app_rejects_an_unknown_edition() -> None:
    with pytest.raises(ValueError, match="edition"):
        create_app(edition="server")  # type: ignore[arg-type]
