"""Title templates: every placeholder, ordinals, fallbacks, and every way a template is wrong;
the README's table of placeholders and the sample config's list, both generated from the table."""

from __future__ import annotations

import datetime as dt

import pytest

from confsync.render.titles import (
    MAX_TITLE_LENGTH,
    PLACEHOLDERS,
    TitleContext,
    TitleTemplateError,
    check_template,
    ordinal,
    render_title,
)
from confsync.types import ReportKind
from tests.support.generated import (
    README,
    SAMPLE_CONFIG,
    check_comment,
    check_markdown,
    placeholders_comment,
    placeholders_markdown,
)

RETRO = ReportKind.RETROSPECTIVE
HEALTH = ReportKind.HEALTH_CHECK

KNOWN_RETRO = (
    "known: {{RetrospectiveTitleOrDate}}, {{YY}}, {{YYYY}}, {{MM}}, {{MMM}}, {{MMMM}}, "
    "{{D}}, {{DD}}, {{Do}}, {{TeamName}}"
)
KNOWN_HEALTH = KNOWN_RETRO.replace("RetrospectiveTitleOrDate", "HealthCheckTitleOrDate")


def title(
    template: str,
    date: dt.date = dt.date(2026, 3, 5),
    report_title: str | None = "Sprint 22",
    kind: ReportKind = RETRO,
    team: str = "Platform Team",
) -> str:
    return render_title(template, TitleContext(kind, date, report_title, team_name=team))


def test_the_placeholders_are_exactly_these() -> None:
    assert [(p.name, p.kind) for p in PLACEHOLDERS] == [
        ("RetrospectiveTitleOrDate", RETRO), ("HealthCheckTitleOrDate", HEALTH), ("YY", None),
        ("YYYY", None), ("MM", None), ("MMM", None), ("MMMM", None), ("D", None), ("DD", None),
        ("Do", None), ("TeamName", None),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", [RETRO, HEALTH])
def test_the_error_for_an_unknown_placeholder_lists_the_tables_entries_for_the_kind(
    kind: ReportKind,
) -> None:
    known = ", ".join(p.written for p in PLACEHOLDERS if p.kind in (None, kind))
    assert check_template("{{Nope}}", kind) == [f"unknown placeholder {{{{Nope}}}}; known: {known}"]


def test_the_readme_table_of_placeholders_is_generated_from_the_table() -> None:
    check_markdown(README, "PLACEHOLDERS", placeholders_markdown())


def test_the_sample_configs_list_of_placeholders_is_generated_from_the_table() -> None:
    check_comment(SAMPLE_CONFIG, "Placeholders", placeholders_comment(RETRO, indent="    "))


def test_the_readme_table_has_a_row_per_placeholder_saying_what_it_stands_for() -> None:
    rows = [line for line in placeholders_markdown() if line.startswith("| `{{")]
    assert [row.split("`")[1] for row in rows] == [p.written for p in PLACEHOLDERS]
    assert "| `{{TeamName}}` | the team's `name` (not a date part) | `Platform Team` |" in rows
    assert (
        "| `{{HealthCheckTitleOrDate}}` | only in health-check titles: the report's `title`, or "
        "its `date` (YYYY-MM-DD) when it has none | `Sprint 22`; untitled: `2026-03-03` |"
    ) in rows


@pytest.mark.parametrize(
    ("template", "date", "expected"),
    [
        ("{{YY}}", dt.date(2026, 3, 5), "26"),
        ("{{YY}}", dt.date(2005, 3, 5), "05"),
        ("{{YYYY}}", dt.date(2026, 3, 5), "2026"),
        ("{{YYYY}}", dt.date(987, 3, 5), "0987"),
        ("{{MM}}", dt.date(2026, 3, 5), "03"),
        ("{{MM}}", dt.date(2026, 11, 5), "11"),
        ("{{MMM}}", dt.date(2026, 3, 5), "Mar"),
        ("{{MMM}}", dt.date(2026, 9, 5), "Sep"),
        ("{{MMMM}}", dt.date(2026, 3, 5), "March"),
        ("{{MMMM}}", dt.date(2026, 12, 5), "December"),
        ("{{D}}", dt.date(2026, 3, 5), "5"),
        ("{{D}}", dt.date(2026, 3, 25), "25"),
        ("{{DD}}", dt.date(2026, 3, 5), "05"),
        ("{{DD}}", dt.date(2026, 3, 25), "25"),
        ("{{Do}}", dt.date(2026, 3, 5), "5th"),
        ("{{Do}}", dt.date(2026, 3, 22), "22nd"),
        ("{{TeamName}}", dt.date(2026, 3, 5), "Platform Team"),
        ("{{RetrospectiveTitleOrDate}}", dt.date(2026, 3, 5), "Sprint 22"),
        (
            "{{TeamName}} retro {{YYYY}}-{{MM}}-{{DD}} ({{MMMM}} {{Do}}, '{{YY}}; {{MMM}} {{D}})",
            dt.date(2026, 1, 2),
            "Platform Team retro 2026-01-02 (January 2nd, '26; Jan 2)",
        ),
    ],
)
def test_each_placeholder(template: str, date: dt.date, expected: str) -> None:
    assert title(template, date) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (10, "10th"),
        (11, "11th"), (12, "12th"), (13, "13th"), (14, "14th"),
        (21, "21st"), (22, "22nd"), (23, "23rd"), (24, "24th"), (30, "30th"), (31, "31st"),
        (101, "101st"), (102, "102nd"), (111, "111th"), (112, "112th"), (113, "113th"),
        (121, "121st"),
    ],
)  # fmt: skip
def test_ordinal(day: int, expected: str) -> None:
    assert ordinal(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (31, "31st")],
)  # fmt: skip
def test_do_placeholder_uses_the_ordinal(day: int, expected: str) -> None:
    assert title("{{MMMM}} {{Do}}", dt.date(2026, 1, day)) == f"January {expected}"


@pytest.mark.parametrize(
    ("kind", "template", "report_title", "expected"),
    [
        (RETRO, "{{RetrospectiveTitleOrDate}} - Retrospective", "Sprint 22",
         "Sprint 22 - Retrospective"),
        (RETRO, "{{RetrospectiveTitleOrDate}} - Retrospective", None,
         "2026-03-05 - Retrospective"),
        (RETRO, "{{RetrospectiveTitleOrDate}} - Retrospective", "",
         "2026-03-05 - Retrospective"),
        (HEALTH, "{{HealthCheckTitleOrDate}} - Health Check", "Q1 Health Check",
         "Q1 Health Check - Health Check"),
        (HEALTH, "{{HealthCheckTitleOrDate}} - Health Check", None,
         "2026-03-05 - Health Check"),
    ],
)  # fmt: skip
def test_title_or_date(
    kind: ReportKind, template: str, report_title: str | None, expected: str
) -> None:
    assert title(template, report_title=report_title, kind=kind) == expected


def test_a_report_title_is_not_expanded_again() -> None:
    # Substitution is one pass: a title that looks like a placeholder stays text.
    assert (
        title("{{RetrospectiveTitleOrDate}} ({{YYYY}})", report_title="{{TeamName}} {{YYYY}}")
        == "{{TeamName}} {{YYYY}} (2026)"
    )


def test_a_template_without_placeholders_renders_as_written() -> None:
    assert title("Retrospective") == "Retrospective"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ YYYY }}", "2026"),
        ("{{YYYY}}  -   {{MM}}", "2026 - 03"),
        ("{{RetrospectiveTitleOrDate}}", "Sprint 22 on the Ærø ferry"),
    ],
)
def test_runs_of_spaces_inside_are_collapsed(template: str, expected: str) -> None:
    # As Confluence stores them: comparing with the stored title must not see a change.
    assert title(template, report_title="Sprint 22 on the  Ærø\u00a0 ferry") == expected


_ONE_LINE = "a title or name is one line of printable text: remove it"
_AS_WRITTEN = "remove it (titles and names are used as written)"


@pytest.mark.parametrize(
    ("template", "report_title", "team", "message"),
    [
        ("   {{TeamName}} {{MMM}}", "Sprint 22", "Platform Team",
         f"starts with white space; {_AS_WRITTEN}"),
        ("{{RetrospectiveTitleOrDate}}", "Sprint 22 ", "Platform Team",
         f"ends with white space; {_AS_WRITTEN}"),
        ("{{TeamName}}\t{{MMM}}", "Sprint 22", "Platform Team",
         f"holds a tab at character 14; {_ONE_LINE}"),
        ("{{RetrospectiveTitleOrDate}} - Retro", "Sprint\n22", "Platform Team",
         f"holds a line break at character 7; {_ONE_LINE}"),
        ("{{TeamName}} retro", "Sprint 22", "Platform\x1bTeam",
         f"holds an escape character (U+001B ESC) at character 9; {_ONE_LINE}"),
        ("{{TeamName}}", "Sprint 22", "\x00",
         f"holds a NUL character (U+0000) at character 1; {_ONE_LINE}"),
        ("{{TeamName}}", "Sprint 22", "P\x85",
         f"holds a line break (U+0085 NEL) at character 2; {_ONE_LINE}"),
    ],
)  # fmt: skip
def test_a_title_that_renders_to_unacceptable_text_is_refused_not_cleaned(
    template: str, report_title: str, team: str, message: str
) -> None:
    with pytest.raises(TitleTemplateError) as raised:
        title(template, report_title=report_title, team=team)
    assert str(raised.value) == f"the rendered title {message}"


@pytest.mark.parametrize(
    ("kind", "template", "messages"),
    [
        (HEALTH, "{{RetrospectiveTitleOrDate}}",
         ["{{RetrospectiveTitleOrDate}} is not for health-check titles; "
          "use {{HealthCheckTitleOrDate}}"]),
        (RETRO, "{{HealthCheckTitleOrDate}} retro",
         ["{{HealthCheckTitleOrDate}} is not for retrospective titles; "
          "use {{RetrospectiveTitleOrDate}}"]),
        (RETRO, "{{Sprint}} retro", [f"unknown placeholder {{{{Sprint}}}}; {KNOWN_RETRO}"]),
        (HEALTH, "{{Quarter}} health", [f"unknown placeholder {{{{Quarter}}}}; {KNOWN_HEALTH}"]),
        (RETRO, "{{yyyy}}", [f"unknown placeholder {{{{yyyy}}}}; {KNOWN_RETRO}"]),
        (RETRO, "{{}}", [f"unknown placeholder {{{{}}}}; {KNOWN_RETRO}"]),
        (RETRO, "{{Team Name}} {{YYYY}}",
         [f"unknown placeholder {{{{Team Name}}}}; {KNOWN_RETRO}"]),
        (RETRO, "{{YYYY} retro", ["unbalanced braces: a placeholder is written {{Name}}"]),
        (RETRO, "YYYY}} retro", ["unbalanced braces: a placeholder is written {{Name}}"]),
        (RETRO, "{{ {{YYYY}}", ["unbalanced braces: a placeholder is written {{Name}}"]),
        (RETRO, "{{Sprint}} }}",
         [f"unknown placeholder {{{{Sprint}}}}; {KNOWN_RETRO}",
          "unbalanced braces: a placeholder is written {{Name}}"]),
        (RETRO, "", ["the title template is empty"]),
        (RETRO, "   ", ["the title template is empty"]),
    ],
)  # fmt: skip
def test_invalid_templates(kind: ReportKind, template: str, messages: list[str]) -> None:
    assert check_template(template, kind) == messages
    with pytest.raises(TitleTemplateError) as raised:
        title(template, kind=kind)
    assert str(raised.value) == messages[0]


@pytest.mark.parametrize(
    "template",
    [
        "{{RetrospectiveTitleOrDate}} - Retrospective",
        "{{TeamName}}: {{YYYY}}/{{MM}}/{{DD}} {{YY}} {{MMM}} {{MMMM}} {{D}} {{Do}}",
        "{YYYY} is literal text",
        "no placeholders at all",
    ],
)
def test_valid_templates_have_no_problems(template: str) -> None:
    assert check_template(template, RETRO) == []


def test_a_title_that_renders_empty_is_refused() -> None:
    with pytest.raises(TitleTemplateError, match=r"^the title renders empty$"):
        title("{{TeamName}}", team="  ")


def test_exactly_255_characters_is_fine() -> None:
    # "x" * 242 + " - 2026-03-05" = 255 characters
    rendered = title(
        "{{RetrospectiveTitleOrDate}} - {{YYYY}}-{{MM}}-{{DD}}", report_title="x" * 242
    )
    assert len(rendered) == MAX_TITLE_LENGTH == 255


def test_256_characters_is_refused_with_the_count_and_the_start_of_the_title() -> None:
    with pytest.raises(TitleTemplateError) as raised:
        title("{{RetrospectiveTitleOrDate}} - {{YYYY}}-{{MM}}-{{DD}}", report_title="y" * 243)
    assert str(raised.value) == (
        "the title renders to 256 characters, over Confluence's limit of 255: " + "y" * 60 + "..."
    )


def test_the_limit_counts_after_white_space_is_collapsed() -> None:
    # 300 characters as written, 255 once runs of spaces are collapsed.
    rendered = title("{{RetrospectiveTitleOrDate}}" + " " * 45 + "{{D}}", report_title="z" * 253)
    assert rendered == "z" * 253 + " 5"
