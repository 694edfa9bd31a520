"""`confsync check` (sign in, see the spaces; more in test_check_publish.py) and
`confsync login` refusing non-OAuth configs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from confsync.sandbox import create_app
from confsync.workflow import check_connection, open_backend, prepare
from tests.plan.cli import confsync

CONFIG = """\
version: 1
confluence:
  edition: {edition}
  sandbox: .confsync/sandbox.sqlite
teams:
  - id: platform
    name: Platform Team
    space: PLAT
    reports: reports
"""

REPORT = "kind: retrospective\ndate: 2026-11-20\ncolumns: [{name: Went well}]\n"


def repo(tmp_path: Path, edition: str) -> Path:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "2026-11-20-retro.yaml").write_text(REPORT)
    (tmp_path / "confsync.yaml").write_text(CONFIG.format(edition=edition))
    return tmp_path


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
def test_check_signs_in_and_finds_the_team_spaces(tmp_path: Path, edition: str) -> None:
    result = confsync(repo(tmp_path, edition), "check")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Signed in as ")
    assert lines[1].startswith("Team platform: space PLAT, ")


@pytest.mark.anyio
async def test_check_names_a_space_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, "cloud")
    config = root / "confsync.yaml"
    config.write_text(
        config.read_text().replace(
            "  sandbox: .confsync/sandbox.sqlite\n",
            "  url: http://sandbox.local/wiki\n"
            '  auth: {method: api-token, email: admin@example.com, token: "${TOKEN}"}\n',
        )
    )
    monkeypatch.setenv("TOKEN", "sandbox-token")
    workspace = prepare(root)
    app = create_app(":memory:", edition="cloud", spaces=["DEMO"])
    async with open_backend(workspace, transport=httpx.ASGITransport(app=app)) as confluence:
        report = await check_connection(workspace, confluence)
    assert report.first_problem is not None
    assert report.first_problem.startswith("team platform: Space PLAT does not exist")


def test_login_explains_it_is_only_for_oauth(tmp_path: Path) -> None:
    result = confsync(repo(tmp_path, "cloud"), "login")
    assert result.code == 1
    assert "confsync login is for OAuth sign-in" in result.err
