from __future__ import annotations

from pathlib import Path

import pytest

from tests.plan.sandbox_repo import RepoSpec


@pytest.fixture(params=["cloud", "datacenter"])
def edition(request: pytest.FixtureRequest) -> str:
    edition: str = request.param
    return edition


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edition: str) -> RepoSpec:
    """The fixture repo (two teams, five reports) in a temp folder, on a fresh sandbox."""
    monkeypatch.chdir(tmp_path)
    spec = RepoSpec(tmp_path / "repo", edition=edition)
    spec.root.mkdir()
    spec.write()
    return spec
