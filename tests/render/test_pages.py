"""The storage format of report pages, checked structurally (lxml + XPath), not as strings."""

from __future__ import annotations

from typing import Any

import pytest

from confsync.render.pages import PageFile, PageRenderer, previous_of, trend_of
from confsync.reports import HealthCheck, Retrospective, Votes, report_adapter
from tests.render.storage import NS, parse, texts


def retro(**changes: Any) -> Retrospective:
    data: dict[str, Any] = {
        "kind": "retrospective",
        "title": "Sprint 22",
        "date": "2026-11-20",
        "format": "start-stop-continue",
        "facilitator": "Dana Kim",
        "participants": ["Dana Kim", "Lee Wong"],
        "columns": [
            {
                "name": "Went well",
                "items": [
                    {"text": "Deploys are faster", "votes": 5, "author": "Lee Wong"},
                    {"text": "Pairing", "votes": 1},
                    {"text": "Fewer pages at night", "votes": 8, "comments": ["thanks SRE"]},
                ],
            },
            {"name": "To improve", "items": []},
        ],
        "themes": [
            {"name": "Testing", "votes": 2, "items": ["Flaky tests"]},
            {"name": "Release", "votes": 7, "description": "Faster releases"},
        ],
        "actions": [
            {"text": "Automate notes", "owner": "Lee Wong", "due": "2026-12-04"},
            {"text": "Fix CI cache", "status": "in-progress"},
            {"text": "Write runbook", "status": "done", "due": "2026-11-30"},
            {"text": "Rewrite in Rust", "status": "dropped"},
        ],
        "notes": "First paragraph.\n\n- one\n- two",
    }
    data.update(changes)
    report = report_adapter.validate_python(data)
    assert isinstance(report, Retrospective)
    return report


def health(date: str, votes: list[dict[str, int]], **changes: Any) -> HealthCheck:
    names = ["Easy to release", "Fun", "Speed", "Mission"]
    data: dict[str, Any] = {
        "kind": "health-check",
        "title": f"Health {date}",
        "date": date,
        "dimensions": [
            {"name": name, "votes": v, "comments": [f"about {name}"]}
            for name, v in zip(names, votes, strict=False)
        ],
    }
    data.update(changes)
    report = report_adapter.validate_python(data)
    assert isinstance(report, HealthCheck)
    return report


def render_retro(report: Retrospective, files: tuple[PageFile, ...] = ()) -> str:
    return PageRenderer().retrospective(report, team_name="Platform Team", files=files)


def test_retrospective_columns_are_headings_with_items_sorted_by_votes() -> None:
    page = parse(render_retro(retro()))
    assert texts(page, "h2") == [
        "Went well",
        "To improve",
        "Themes",
        "Action items",
        "Notes",
    ]
    rows = page.xpath("h2[.='Went well']/following-sibling::table[1]/tbody/tr[td]")
    assert [(texts(r, "td[1]"), texts(r, "td[2]/p"), texts(r, "td[3]")) for r in rows] == [
        (["8"], ["Fewer pages at night"], [""]),
        (["5"], ["Deploys are faster"], ["Lee Wong"]),
        (["1"], ["Pairing"], [""]),
    ]
    assert texts(rows[0], "td[2]/ul/li") == ["thanks SRE"]
    assert texts(page, "h2[.='Went well']/following-sibling::table[1]/tbody/tr[1]/th") == [
        "Votes",
        "Item",
        "Author",
    ]
    # An empty column says so instead of showing an empty table.
    assert texts(page, "h2[.='To improve']/following-sibling::*[1]") == ["No items."]


def test_retrospective_details_themes_and_notes() -> None:
    page = parse(render_retro(retro()))
    details = page.xpath("ac:structured-macro[@ac:name='details']", namespaces=NS)
    assert len(details) == 1
    rows = details[0].xpath(".//tr", namespaces=NS)
    assert [(texts(r, "th")[0], texts(r, "td")[0]) for r in rows] == [
        ("Team", "Platform Team"),
        ("Date", ""),
        ("Format", "start-stop-continue"),
        ("Facilitator", "Dana Kim"),
        ("Participants", "Dana Kim, Lee Wong"),
    ]
    assert details[0].xpath(".//tr[th='Date']/td/time/@datetime", namespaces=NS) == ["2026-11-20"]
    assert texts(page, "h3") == ["Release (7 votes)", "Testing (2 votes)"]
    assert texts(page, "h2[.='Notes']/following-sibling::p[1]") == ["First paragraph."]
    assert texts(page, "h2[.='Notes']/following-sibling::ul[1]/li") == ["one", "two"]


def test_action_items_are_a_task_list_with_statuses_owners_and_due_dates() -> None:
    page = parse(render_retro(retro()))
    tasks = page.xpath("ac:task-list/ac:task", namespaces=NS)
    assert [t.xpath("string(ac:task-status)", namespaces=NS) for t in tasks] == [
        "incomplete",
        "incomplete",
        "complete",
        "complete",
    ]
    bodies = [t.xpath("ac:task-body", namespaces=NS)[0] for t in tasks]
    assert [b.xpath("time/@datetime") for b in bodies] == [["2026-12-04"], [], ["2026-11-30"], []]
    assert [b.xpath("string(strong)") for b in bodies] == ["Lee Wong", "", "", ""]
    assert bodies[3].xpath("string(s)") == "Rewrite in Rust"
    in_progress = bodies[1].xpath(".//ac:structured-macro[@ac:name='status']", namespaces=NS)
    assert [
        m.xpath("string(ac:parameter[@ac:name='colour'])", namespaces=NS) for m in in_progress
    ] == ["Blue"]


def test_no_action_items_is_said_in_words() -> None:
    page = parse(render_retro(retro(actions=[])))
    assert page.xpath("ac:task-list", namespaces=NS) == []
    assert texts(page, "h2[.='Action items']/following-sibling::p[1]") == ["No action items."]


def test_files_section_shows_images_inline_and_links_other_files() -> None:
    files = (PageFile("burndown.png", True), PageFile("board.pdf", False))
    page = parse(render_retro(retro(), files))
    assert texts(page, "h2")[3] == "Files"
    images = page.xpath("//ac:image/ri:attachment/@ri:filename", namespaces=NS)
    assert images == ["burndown.png"]
    assert page.xpath("//ac:image/@ac:alt", namespaces=NS) == ["burndown.png"]
    links = page.xpath("//ac:link/ri:attachment/@ri:filename", namespaces=NS)
    assert links == ["board.pdf"]
    assert texts(page, "//ac:link/ac:link-body") == ["board.pdf"]


def test_no_files_no_files_section() -> None:
    page = parse(render_retro(retro()))
    assert "Files" not in texts(page, "h2")
    assert page.xpath("//ri:attachment", namespaces=NS) == []


def _status_cells(page: Any, row: int) -> list[tuple[str, str]]:
    cells = page.xpath(f"table/tbody/tr[td][{row}]/td", namespaces=NS)
    found = []
    for cell in cells[1:5]:
        (macro,) = cell.xpath("ac:structured-macro[@ac:name='status']", namespaces=NS)
        found.append(
            (
                macro.xpath("string(ac:parameter[@ac:name='colour'])", namespaces=NS),
                macro.xpath("string(ac:parameter[@ac:name='title'])", namespaces=NS),
            )
        )
    return found


def test_health_check_rows_are_coloured_status_macros() -> None:
    report = health(
        "2026-11-18",
        [
            {"green": 4, "amber": 2, "red": 1},
            {"green": 0, "amber": 3, "red": 1},
            {"green": 1, "amber": 1, "red": 5},
            {"green": 0, "amber": 0, "red": 0},
        ],
    )
    page = parse(PageRenderer().health_check(report, team_name="Platform", previous=None))
    assert texts(page, "table/tbody/tr[1]/th") == [
        "Dimension",
        "Overall",
        "Green",
        "Amber",
        "Red",
        "Comments",
    ]
    assert _status_cells(page, 1) == [
        ("Green", "GREEN"),
        ("Green", "4"),
        ("Yellow", "2"),
        ("Red", "1"),
    ]
    assert _status_cells(page, 2)[0] == ("Yellow", "AMBER")
    assert _status_cells(page, 3)[0] == ("Red", "RED")
    assert _status_cells(page, 4)[0] == ("Grey", "GREY")
    assert texts(page, "table/tbody/tr[td][1]/td[last()]/ul/li") == ["about Easy to release"]


def test_a_tie_shows_the_worse_colour() -> None:
    report = health("2026-11-18", [{"green": 2, "amber": 2, "red": 0}])
    page = parse(PageRenderer().health_check(report, team_name="Platform", previous=None))
    assert _status_cells(page, 1)[0] == ("Yellow", "AMBER")


def test_health_check_trend_against_the_previous_one() -> None:
    q3 = health(
        "2026-10-01",
        [
            {"green": 1, "amber": 2, "red": 4},
            {"green": 5, "amber": 0, "red": 0},
            {"green": 3, "amber": 1, "red": 0},
        ],
    )
    q4 = health(
        "2026-11-18",
        [
            {"green": 4, "amber": 2, "red": 1},
            {"green": 1, "amber": 0, "red": 4},
            {"green": 3, "amber": 1, "red": 0},
            {"green": 1, "amber": 0, "red": 0},
        ],
    )
    assert previous_of(q4, [q3, q4]) == q3
    assert previous_of(q3, [q3, q4]) is None
    page = parse(PageRenderer().health_check(q4, team_name="Platform", previous=q3))
    assert texts(page, "table/tbody/tr[1]/th")[5] == "Trend"
    assert texts(page, "table/tbody/tr[td]/td[6]") == [
        "↑ improving",
        "↓ declining",
        "→ steady",
        "new",
    ]
    details = page.xpath("ac:structured-macro[@ac:name='details']", namespaces=NS)[0]
    assert texts(details, ".//tr[th='Compared with']/td") == ["Health 2026-10-01"]


def test_without_a_previous_health_check_there_is_no_trend_column() -> None:
    report = health("2026-11-18", [{"green": 1}])
    page = parse(PageRenderer().health_check(report, team_name="Platform", previous=None))
    assert "Trend" not in texts(page, "table/tbody/tr[1]/th")
    assert "Compared with" not in texts(page, "//th")


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        ({"green": 3}, {"red": 3}, ("↑", "improving")),
        ({"red": 3}, {"green": 3}, ("↓", "declining")),
        ({"green": 1, "red": 1}, {"amber": 2}, ("→", "steady")),
        ({}, {"green": 1}, ("–", "no votes to compare")),
    ],
)
def test_trend_of(now: dict[str, int], before: dict[str, int], expected: tuple[str, str]) -> None:
    trend = trend_of(Votes(**now), Votes(**before))
    assert trend is not None
    assert (trend.symbol, trend.label) == expected


def test_parent_page_lists_its_children() -> None:
    body = PageRenderer().parent(title="Retrospectives", team_name="Platform", kind_label="Retros")
    page = parse(body)
    assert texts(page, "p") == [
        "Retros of Platform, published by confsync from the team's repository."
    ]
    (children,) = page.xpath("ac:structured-macro[@ac:name='children']", namespaces=NS)
    params = {
        p.xpath("string(@ac:name)", namespaces=NS): p.text
        for p in children.xpath("ac:parameter", namespaces=NS)
    }
    assert params == {"sort": "creation", "reverse": "true", "all": "false"}
