"""Report discovery."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from confsync.cli import cli, run
from confsync.loading import load_repo

CONFIG = """\
version: 1
confluence: {edition: cloud, sandbox: .confsync/sandbox.sqlite}
teams:
  - {id: platform, name: Platform, space: PLAT, reports: .}
"""


def test_reports_kept_beside_confsync_yaml_do_not_count_the_config_as_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "confsync.yaml").write_text(CONFIG)
    (tmp_path / "2026-11-20-retro.yaml").write_text(
        "kind: retrospective\ndate: 2026-11-20\ncolumns: [{name: Went well}]\n"
    )
    (tmp_path / ".hidden.yaml").write_text("not: a report\n")
    repo = load_repo(tmp_path)
    assert [r.source for r in repo.reports] == ["2026-11-20-retro.yaml"]


TWO_TEAMS = """\
version: 1
confluence: {edition: cloud, sandbox: .confsync/sandbox.sqlite}
teams:
  - {id: platform, name: Platform, space: PLAT, reports: reports/platform, prune: true}
  - {id: mobile, name: Mobile, space: MOB, reports: reports/mobile}
"""
RETRO = "kind: retrospective\ndate: 2026-11-20\ncolumns: [{name: Went well}]\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=CI", "-c", "user.email=ci@example.com", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def test_a_team_whose_reports_folder_is_empty_on_a_fresh_clone_validates_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git keeps no empty folder: made locally, it is missing from every clone.
    origin = tmp_path / "origin"
    (origin / "reports/platform").mkdir(parents=True)
    (origin / "reports/mobile").mkdir(parents=True)
    (origin / "confsync.yaml").write_text(TWO_TEAMS)
    (origin / "reports/mobile/2026-11-20-retro.yaml").write_text(RETRO)
    _git(origin, "init", "-q")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "reports")
    _git(tmp_path, "clone", "-q", str(origin), "clone")
    clone = tmp_path / "clone"
    assert not (clone / "reports/platform").exists()

    for root, state in ((origin, "empty"), (clone, "missing")):
        monkeypatch.chdir(root)
        repo = load_repo(root)
        assert [str(w) for w in repo.warnings] == [
            f"confsync.yaml:4:58: teams[0].reports: folder 'reports/platform' is {state}: team "
            "'platform' has no reports; with prune: true, plan deletes every page confsync "
            "made for it"
        ]
        with CliRunner().isolation() as (stdout, stderr, _):
            code = run(cli.main, ["validate"])
        assert code == 0
        assert stderr.getvalue().decode().startswith("Warning: confsync.yaml:4:58: teams[0]")
        assert stdout.getvalue().decode().endswith("valid; 2 teams, 1 report.\n")
