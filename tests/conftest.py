from __future__ import annotations

from pathlib import Path

import pytest

from tests.plan.sandbox_repo import RepoSpec
from tests.support.openapi import layer_status


@pytest.fixture
def anyio_backend() -> str:
    # confsync runs on asyncio; trio is not a supported backend.
    return "asyncio"


def pytest_report_header() -> str:
    # Whether requests and answers are validated against Atlassian's OpenAPI files (issue 15).
    return layer_status()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Also at the end, where a quiet (-q) run shows it: a green run without the specs has
    # validated nothing, and says so.
    terminalreporter.write_line(layer_status())


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RepoSpec:
    """The fixture repo (two teams, five reports) written in a temp folder, the working
    directory; its sandbox file inside it (fresh)."""
    monkeypatch.chdir(tmp_path)
    made = RepoSpec(tmp_path / "repo")
    made.root.mkdir()
    made.write()
    return made
