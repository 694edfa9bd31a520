"""Glyph warnings are about what confsync draws itself (PDFs, charts), and only that."""

from __future__ import annotations

from pathlib import Path

import pytest

from confsync.glyphs import glyph_warnings
from confsync.loading import load_repo

UNDRAWABLE = "private \\U000F0001 use"


def _repo(root: Path, retrospectives: str) -> Path:
    (root / "reports").mkdir()
    (root / "confsync.yaml").write_text(
        "version: 1\nconfluence: {edition: cloud, sandbox: s.sqlite}\n"
        "teams: [{id: t, name: T, space: T, reports: reports, "
        f"retrospectives: {retrospectives}}}]\n"
    )
    (root / "reports" / "r.yaml").write_text(
        "kind: retrospective\ndate: 2026-11-20\n"
        f'columns: [{{name: C, items: [{{text: "{UNDRAWABLE}", votes: 2}}]}}]\n'
    )
    return root


@pytest.mark.parametrize(
    ("settings", "warned"),
    [
        ("{pdf: false, chart: false}", False),
        ("{pdf: true, chart: false}", True),
        ("{pdf: false, chart: true}", True),
    ],
)
def test_only_reports_confsync_draws_are_checked(
    tmp_path: Path, settings: str, warned: bool
) -> None:
    # Health checks print PDFs by default: that must not make a retrospective that is drawn
    # by nobody but the reader's browser a candidate for the warning.
    warnings = glyph_warnings(load_repo(_repo(tmp_path, settings)))
    assert [w.file.endswith("r.yaml") for w in warnings] == ([True] if warned else [])
