"""A page's digest covers its template (``PageRenderer.fingerprint``) instead of its rendered
body, so that a plan renders nothing to find out what changed. Any edit of a template
republishes the pages it renders; a file an override may include, every page of that team."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from confsync.desired import desired_pages
from confsync.loading import load_repo
from confsync.render.pages import PageRenderer

SAMPLES = Path(__file__).parents[2] / "samples"


def _digests(root: Path) -> dict[str, str]:
    return {str(p.address): p.digest for p in desired_pages(load_repo(root))}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns(".confsync"))
    config = root / "confsync.yaml"
    line = "    reports: reports/platform\n"
    assert config.read_text().count(line) == 1
    config.write_text(config.read_text().replace(line, line + "    templates: templates\n"))
    (root / "templates").mkdir()
    return root


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {address for address in before if after[address] != before[address]}


def test_an_edit_that_renders_the_same_still_republishes_what_the_template_renders(
    repo: Path,
) -> None:
    before = _digests(repo)
    own = PageRenderer().template_source("retrospective")
    (repo / "templates" / "retrospective.xml.j2").write_text("{# a note #}\n" + own)
    changed = _changed(before, _digests(repo))
    assert changed
    assert all(
        a.startswith("platform/retrospective/") and a != "platform/retrospective/parent"
        for a in changed
    )


def test_a_file_an_override_may_include_changes_every_kind_of_its_team(repo: Path) -> None:
    before = _digests(repo)
    (repo / "templates" / "macros.j2").write_text("{% macro x() %}x{% endmacro %}\n")
    changed = _changed(before, _digests(repo))
    assert {a.split("/")[1] for a in changed} == {"retrospective", "health-check"}
    assert all(a.startswith("platform/") for a in changed)
