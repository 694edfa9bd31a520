"""Report discovery."""

from __future__ import annotations

from pathlib import Path

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
