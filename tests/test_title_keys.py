"""Titles are told apart as Confluence tells them apart: without regard to case, but "ß" is
not "ss" (Java's lower-casing keeps them apart; Python's casefold would not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from confsync.errors import InputError
from confsync.loading import load_repo
from confsync.text import title_key


def _repo(root: Path, first: str, second: str) -> Path:
    (root / "reports").mkdir()
    (root / "confsync.yaml").write_text(
        "version: 1\nconfluence: {edition: cloud, sandbox: s.sqlite}\n"
        "teams: [{id: t, name: T, space: T, reports: reports, "
        'retrospectives: {title: "{{RetrospectiveTitleOrDate}}"}}]\n'
    )
    for day, title in (("20", first), ("21", second)):
        (root / "reports" / f"2026-11-{day}.yaml").write_text(
            f"kind: retrospective\ndate: 2026-11-{day}\ntitle: {title}\n"
            "columns: [{name: C, items: [{text: x}]}]\n"
        )
    return root


def test_titles_that_differ_only_as_casefold_would_merge_them_are_two_pages(
    tmp_path: Path,
) -> None:
    repo = load_repo(_repo(tmp_path, "Maße", "MASSE"))
    assert sorted(r.title for r in repo.reports) == ["MASSE", "Maße"]


def test_titles_that_differ_only_in_case_are_one_page(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ignores case in titles"):
        load_repo(_repo(tmp_path, "Sprint Review", "SPRINT review"))


def test_the_key_is_lower_case_and_keeps_sharp_s() -> None:
    assert title_key("Straße") == "straße" != title_key("STRASSE")
    assert title_key("Équipe") == title_key("ÉQUIPE")
