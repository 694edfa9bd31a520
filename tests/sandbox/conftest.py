from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import create_app
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, sandbox_client


class FakeClock:
    """Epoch seconds that a test moves by hand."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cloud_app(clock: FakeClock) -> Starlette:
    return create_app(spaces=["DEMO", "PLAT"], clock=clock)


@pytest.fixture
def dc_app(clock: FakeClock) -> Starlette:
    return create_app(edition="datacenter", spaces=["DEMO", "PLAT"], clock=clock)


@pytest.fixture
async def cloud(cloud_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(cloud_app, auth=CLOUD_AUTH) as client:
        yield client


@pytest.fixture
async def dc(dc_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(dc_app, auth=DC_AUTH) as client:
        yield client
