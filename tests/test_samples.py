"""The sample repo a newcomer learns from: valid, varied, and wired to the JSON Schemas."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from confsync.loading import Repo, load_repo
from tests.test_cli import invoke

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_FILES = sorted(SAMPLES.rglob("*.yaml"))


@pytest.fixture(scope="module")
def repo() -> Repo:
    return load_repo(SAMPLES)


def _schema_line(path: Path) -> str:
    name = "confsync" if path.name == "confsync.yaml" else ""
    if not name:
        kind = next(
            line.split(":", 1)[1].strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("kind:")
        )
        name = kind  # retrospective | health-check
    schema = (ROOT / "schemas" / f"{name}.schema.json").relative_to(ROOT)
    up = "../" * len(path.parent.relative_to(ROOT).parts)
    return f"# yaml-language-server: $schema={up}{schema.as_posix()}"


def test_validate_accepts_the_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert invoke(["validate", "-C", "samples"]) == (
        0,
        "samples/confsync.yaml: valid; 2 teams, 12 reports.\n",
        "",
    )


def test_the_samples_have_two_teams_in_two_spaces_and_every_kind_of_report(repo: Repo) -> None:
    assert [(t.id, t.space) for t in repo.config.teams] == [("platform", "PLAT"), ("mobile", "MOB")]
    per_team_kind = Counter((r.team.id, r.kind.value) for r in repo.reports)
    assert per_team_kind == {
        ("platform", "retrospective"): 5,
        ("platform", "health-check"): 2,
        ("mobile", "retrospective"): 3,
        ("mobile", "health-check"): 2,
    }
    formats = {r.report.format for r in repo.reports if r.kind.value == "retrospective"}
    assert len(formats) == 8


def test_every_sample_title_is_distinct(repo: Repo) -> None:
    titles = [(r.team.space, r.title.casefold()) for r in repo.reports]
    assert len(set(titles)) == len(titles) == 12


def test_the_samples_show_the_optional_fields_left_out(repo: Repo) -> None:
    reports = [r.report for r in repo.reports]
    assert any(r.title is None for r in reports), "one report without a title"
    assert any(r.facilitator is None for r in reports), "one report without a facilitator"
    assert any(r.attachments for r in reports), "one report with an attachment"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.relative_to(SAMPLES).as_posix())
def test_each_sample_starts_with_its_schema_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == _schema_line(path)
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target.is_file()


def test_the_schema_lines_point_where_they_should() -> None:
    by_name = {p.relative_to(SAMPLES).as_posix(): _schema_line(p) for p in SAMPLE_FILES}
    assert by_name["confsync.yaml"] == (
        "# yaml-language-server: $schema=../schemas/confsync.schema.json"
    )
    assert by_name["reports/platform/2026-09-11-sprint-18.yaml"] == (
        "# yaml-language-server: $schema=../../../schemas/retrospective.schema.json"
    )
    assert by_name["reports/mobile/2026-11-20-q4-health-check.yaml"] == (
        "# yaml-language-server: $schema=../../../schemas/health-check.schema.json"
    )


def test_the_sample_file_names_are_the_date_and_a_slug(repo: Repo) -> None:
    reports = repo.reports
    assert len(reports) == 12
    for loaded in reports:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.yaml", loaded.path.name)
        assert loaded.path.name.startswith(loaded.report.date.isoformat())
