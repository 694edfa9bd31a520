"""``make_backend`` with ``sandbox:`` settings: the embedded sandbox on a SQLite file, with its
built-in account, no environment needed; the state survives a new backend (a new run)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from confsync.confluence import make_backend
from confsync.confluence.api import Confluence
from confsync.connection import ConfluenceSettings
from tests.client.conftest import Sleeps
from tests.support.openapi import ContractChecker, ValidatingTransport

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
async def test_the_embedded_sandbox_keeps_its_pages(
    edition: str, tmp_path: Path, checker: ContractChecker, sleeps: Sleeps
) -> None:
    settings = ConfluenceSettings.model_validate(
        {"edition": edition, "sandbox": ".confsync/sandbox.sqlite"}
    )

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return ValidatingTransport(inner, checker)

    def backend() -> Confluence:
        return make_backend(
            settings,
            config_dir=tmp_path,
            environ={},
            policy=sleeps.policy(),
            sandbox_spaces=["PLAT"],
            wrap_transport=wrap,
        )

    async with backend() as confluence:
        assert (await confluence.current_user()).display_name
        space = await confluence.space("PLAT")
        page = await confluence.create_page(
            space, title="Kept", body="<p>x</p>", parent_id=None, message="confsync k"
        )
        prefix = "/wiki" if edition == "cloud" else "/confluence"
        assert confluence.page_url(page).startswith(f"http://127.0.0.1:8090{prefix}/pages/")
    assert (tmp_path / ".confsync" / "sandbox.sqlite").is_file()
    async with backend() as confluence:
        space = await confluence.space("PLAT")
        assert [p.title for p in await confluence.pages_by_title(space, "Kept")] == ["Kept"]
