"""The charts of votes: PNGs drawn at apply time, shown on the page, digested by inputs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from confsync.desired import desired_pages, digest_of
from confsync.loading import load_repo
from confsync.render.charts import (
    TOP_ITEMS,
    chart_inputs,
    has_votes,
    health_check_chart,
    retrospective_chart,
)
from confsync.reports import HealthCheck, Retrospective, report_adapter


def health(*votes: tuple[str, int, int, int]) -> HealthCheck:
    report = report_adapter.validate_python(
        {
            "kind": "health-check",
            "date": "2026-11-18",
            "dimensions": [
                {"name": n, "votes": {"green": g, "amber": a, "red": r}} for n, g, a, r in votes
            ],
        }
    )
    assert isinstance(report, HealthCheck)
    return report


def test_the_chart_is_a_png_with_a_row_per_dimension() -> None:
    two = Image.open(io.BytesIO(health_check_chart(health(("Fun", 3, 1, 0), ("Speed", 0, 0, 0)))))
    four = health(("Fun", 3, 1, 0), ("Speed", 0, 0, 0), ("Value", 1, 1, 1), ("Mission", 0, 2, 9))
    bigger = Image.open(io.BytesIO(health_check_chart(four)))
    assert (two.format, bigger.format) == ("PNG", "PNG")
    assert two.width == bigger.width
    assert bigger.height - two.height == 2 * 30  # one 30-pixel row per dimension
    # The first bar starts green: the colour of the most common vote of "Fun".
    assert two.getpixel((245, 44 + 15)) == (0x36, 0xB3, 0x7E)


def test_the_chart_digest_follows_the_votes_only() -> None:
    before = digest_of(chart_inputs(health(("Fun", 3, 1, 0))))
    assert digest_of(chart_inputs(health(("Fun", 3, 1, 0)))) == before
    assert digest_of(chart_inputs(health(("Fun", 3, 0, 1)))) != before


CONFIG = """\
version: 1
confluence: {{edition: cloud, sandbox: .confsync/sandbox.sqlite}}
defaults:
  health_checks:
    {{parent: none, title: "{{{{HealthCheckTitleOrDate}}}}", pdf: false, chart: {chart}}}
teams:
  - {{id: platform, name: Platform, space: PLAT, reports: reports}}
"""

REPORT = """\
kind: health-check
date: 2026-11-18
dimensions: [{name: Fun, votes: {green: 3, amber: 1, red: 0}}]
"""


def _page(tmp_path: Path, chart: str) -> tuple[str, list[str]]:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "2026-11-18-q4.yaml").write_text(REPORT)
    (tmp_path / "confsync.yaml").write_text(CONFIG.format(chart=chart))
    [page] = desired_pages(load_repo(tmp_path))
    return page.body, [a.filename for a in page.attachments]


def test_the_page_shows_the_chart_it_attaches(tmp_path: Path) -> None:
    body, files = _page(tmp_path, "true")
    assert files == ["2026-11-18-q4-votes.png"]
    assert '<ri:attachment ri:filename="2026-11-18-q4-votes.png" />' in body
    assert "<h2>Files</h2>" not in body  # the chart is shown with the dimensions, not listed


def test_a_team_may_turn_the_chart_off(tmp_path: Path) -> None:
    body, files = _page(tmp_path, "false")
    assert files == []
    assert "votes.png" not in body


def _image(report: HealthCheck) -> Image.Image:
    return Image.open(io.BytesIO(health_check_chart(report)))


@pytest.mark.parametrize(
    "name",
    [
        "x" * 200,
        "W" * 200,
        "🚀 Speed 👩‍👩‍👧",
        "速度と品質",
        "ספיד מהיר",
        "e\u0301\u0301\u0301",
        "a\u00a0b  \u3000c",
        "\u200b\u200e\u202eevil",
        "{{TeamName}} <b>&amp;</b>",
        "\U0010fffd",
    ],
)
def test_any_accepted_dimension_name_is_drawn(name: str) -> None:
    # Accepted by the model (the chart is drawn at apply time: a crash there ends every apply).
    image = _image(health((name, 1, 1, 1), ("Speed", 0, 0, 0)))
    assert image.height == _image(health(("a", 1, 1, 1), ("b", 0, 0, 0))).height


@pytest.mark.parametrize(
    ("name", "drawn_as"),
    [
        ("Easy to\nrelease\n", "Easy to release"),
        ("Easy to\r\nrelease", "Easy to release"),
        ("Easy\tto release", "Easy to release"),
        ("Easy to\u2028release", "Easy to release"),
        ("Easy to\x85release", "Easy to release"),
        ("\x1b[31mEasy to release\x00", "[31mEasy to release"),
    ],
)
def test_each_name_is_drawn_on_one_line_whatever_it_holds(name: str, drawn_as: str) -> None:
    # The model refuses these names; the chart does not rely on it (Pillow cannot measure a
    # line break, and a multi-line label would run into the next row).
    valid = health(("placeholder", 4, 2, 1))
    unchecked = valid.model_copy(
        update={"dimensions": [valid.dimensions[0].model_copy(update={"name": name})]}
    )
    expected = health((drawn_as, 4, 2, 1))
    assert health_check_chart(unchecked) == health_check_chart(expected)


def _retro(*columns: tuple[str, list[tuple[str, int]]]) -> Retrospective:
    report = report_adapter.validate_python(
        {
            "kind": "retrospective",
            "date": "2026-11-20",
            "columns": [
                {"name": name, "items": [{"text": t, "votes": v} for t, v in items]}
                for name, items in columns
            ],
        }
    )
    assert isinstance(report, Retrospective)
    return report


def test_the_retrospective_chart_shows_the_most_voted_items_first_top_n() -> None:
    many = [(f"item {n}", n) for n in range(1, 20)]
    report = _retro(("Went well", many[:10]), ("To improve", [*many[10:], ("none", 0)]))
    inputs = chart_inputs(report)
    assert [votes for _, _, votes in inputs["items"]] == list(range(19, 19 - TOP_ITEMS, -1))
    assert inputs["columns"] == ["Went well", "To improve"]
    image = Image.open(io.BytesIO(retrospective_chart(report)))
    fewer = Image.open(io.BytesIO(retrospective_chart(_retro(("A", [("x", 2), ("y", 1)])))))
    assert image.height > fewer.height
    assert image.width == fewer.width


def test_a_retrospective_nobody_voted_on_has_no_chart() -> None:
    assert not has_votes(_retro(("A", [("x", 0)])))
    assert has_votes(_retro(("A", [("x", 1)])))
