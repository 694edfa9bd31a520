"""Good input: what the models make of valid configs and reports."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from confsync.config import Config, CreateParent, ExistingParent, KindDefaults
from confsync.connection import ApiTokenAuth, AppLinkAuth, BasicAuth, OAuth2Auth, PatAuth, resolve
from confsync.errors import ConfsyncError, InputError
from confsync.loading import load_repo
from confsync.reports import ActionItem, HealthCheck, Retrospective, Votes, report_adapter

BASE = Path(__file__).parent / "bad_inputs" / "base"

TEAM = {"id": "platform", "name": "Platform Team", "space": "PLAT", "reports": "reports"}
SANDBOX = {"edition": "cloud", "sandbox": ".confsync/sandbox.sqlite"}


def config(**fields: Any) -> Config:
    document: dict[str, Any] = {"version": 1, "confluence": SANDBOX, "teams": [TEAM]}
    document.update(fields)
    return Config.model_validate(document)


# ---- secrets ------------------------------------------------------------------------------------


def test_resolve_substitutes_a_set_variable() -> None:
    assert resolve("${CONFLUENCE_API_TOKEN}", {"CONFLUENCE_API_TOKEN": "t0k3n"}) == "t0k3n"


def test_resolve_substitutes_inside_text_and_several_times() -> None:
    env = {"USER_NAME": "ana", "DOMAIN": "example.com"}
    assert resolve("${USER_NAME}@${DOMAIN}", env) == "ana@example.com"
    assert resolve("no reference", env) == "no reference"


def test_resolve_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFSYNC_TEST_TOKEN", "from-the-env")
    assert resolve("${CONFSYNC_TEST_TOKEN}") == "from-the-env"


@pytest.mark.parametrize("environ", [{}, {"CONFLUENCE_API_TOKEN": ""}])
def test_resolve_names_an_unset_or_empty_variable(environ: dict[str, str]) -> None:
    with pytest.raises(ConfsyncError) as raised:
        resolve("${CONFLUENCE_API_TOKEN}", environ)
    assert str(raised.value) == (
        "environment variable CONFLUENCE_API_TOKEN is not set; "
        "confsync.yaml refers to it as ${CONFLUENCE_API_TOKEN}"
    )


def test_resolve_never_shows_a_value() -> None:
    with pytest.raises(ConfsyncError) as raised:
        resolve("${EMAIL}:${TOKEN}", {"EMAIL": "ana@example.com", "TOKEN": ""})
    assert "TOKEN" in str(raised.value)
    assert "ana@example.com" not in str(raised.value)


@pytest.mark.parametrize(
    "value", ["t0k3n\n", "t0k3n\r\n", "t0k3n ", " t0k3n", "\tt0k3n", "t0k3n\u00a0"]
)
def test_resolve_refuses_white_space_around_a_value_naming_only_the_variable(value: str) -> None:
    # Refused, not trimmed: a line break sent in a header fails every request in the HTTP layer.
    with pytest.raises(ConfsyncError) as raised:
        resolve("${CONFLUENCE_PAT}", {"CONFLUENCE_PAT": value})
    assert str(raised.value) == (
        "environment variable CONFLUENCE_PAT (${CONFLUENCE_PAT} in confsync.yaml) has white "
        "space or a line break at its start or end; set it to the value alone (a line break is "
        "often copied along with a secret)"
    )


@pytest.mark.parametrize("value", ["t0\nk3n", "t0\x1bk3n", "t0\x00k3n", "t0\tk3n", "t0\x85k3n"])
def test_resolve_refuses_a_control_character_inside_a_value(value: str) -> None:
    with pytest.raises(ConfsyncError) as raised:
        resolve("${EMAIL}:${TOKEN}", {"EMAIL": "ana@example.com", "TOKEN": value})
    message = str(raised.value)
    assert message.startswith("environment variable TOKEN (${TOKEN} in confsync.yaml) holds a ")
    assert "k3n" not in message
    assert "ana@example.com" not in message


def test_resolve_keeps_spaces_inside_a_value() -> None:
    assert resolve("${PASSWORD}", {"PASSWORD": "correct horse battery"}) == "correct horse battery"


def test_a_literal_secret_is_not_echoed_in_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    (root / "confsync.yaml").write_text(
        "version: 1\nconfluence:\n  edition: cloud\n  url: https://acme.atlassian.net/wiki\n"
        "  auth: {method: api-token, email: ana@example.com, token: ATATT3xFfGF0-s3cr3t}\n"
        "teams: [{id: platform, name: P, space: PLAT, reports: reports/platform}]\n"
    )
    monkeypatch.chdir(root)
    with pytest.raises(InputError) as raised:
        load_repo(root)
    assert "s3cr3t" not in str(raised.value)
    assert "${CONFLUENCE_API_TOKEN}" in str(raised.value)


@pytest.mark.parametrize(
    ("edition", "auth", "model"),
    [
        ("cloud", {"method": "api-token", "email": "ana@example.com",
                   "token": "${CONFLUENCE_API_TOKEN}"}, ApiTokenAuth),
        ("cloud", {"method": "oauth2", "client_id": "Yk2lB5mXc1",
                   "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
                   "refresh_token": "${CONFLUENCE_REFRESH_TOKEN}"}, OAuth2Auth),
        ("datacenter", {"method": "pat", "token": "${CONFLUENCE_PAT}"}, PatAuth),
        ("datacenter", {"method": "basic", "username": "ana",
                        "password": "${CONFLUENCE_PASSWORD}"}, BasicAuth),
        ("datacenter", {"method": "app-link", "client_id": "abc",
                        "client_secret": "${APP_LINK_SECRET}"}, AppLinkAuth),
    ],
)  # fmt: skip
def test_each_auth_method_with_references(
    edition: str, auth: dict[str, str], model: type[object]
) -> None:
    url = "https://acme.atlassian.net/wiki" if edition == "cloud" else "https://wiki.example.com"
    loaded = config(confluence={"edition": edition, "url": url, "auth": auth})
    assert isinstance(loaded.confluence.auth, model)
    assert loaded.confluence.url == url
    assert loaded.confluence.sandbox is None


# ---- defaults and overrides ---------------------------------------------------------------------


def test_defaults() -> None:
    loaded = config()
    assert loaded.defaults.retrospectives == KindDefaults(
        parent=CreateParent(create="Retrospectives"),
        title="{{RetrospectiveTitleOrDate}} - Retrospective",
        pdf=True,
    )
    assert loaded.defaults.health_checks == KindDefaults(
        parent=CreateParent(create="Health Checks"),
        title="{{HealthCheckTitleOrDate}} - Health Check",
        pdf=True,
        chart=True,
    )
    team = loaded.teams[0]
    assert (team.adopt, team.on_drift, team.prune, team.templates) == (False, "fail", False, None)
    assert (loaded.confluence.concurrency, loaded.confluence.timeout) == (8, 30.0)
    assert loaded.confluence.auth is None


def test_kind_settings_take_each_override_over_the_defaults() -> None:
    loaded = config(
        defaults={
            "retrospectives": {"parent": "none", "title": "{{RetrospectiveTitleOrDate}}"},
            "health_checks": {"parent": {"create": "Health"}, "title": "HC {{YYYY}}", "pdf": False},
        },
        teams=[{**TEAM, "retrospectives": {"title": "{{TeamName}}: {{RetrospectiveTitleOrDate}}"},
                "health_checks": {"parent": {"existing": 98765}, "pdf": True}}],
    )  # fmt: skip
    team = loaded.teams[0]
    assert loaded.kind_settings(team, "retrospective") == KindDefaults(
        parent="none", title="{{TeamName}}: {{RetrospectiveTitleOrDate}}", pdf=True
    )
    assert loaded.kind_settings(team, "health-check") == KindDefaults(
        parent=ExistingParent(existing="98765"), title="HC {{YYYY}}", pdf=True, chart=True
    )


def test_a_team_can_turn_the_health_check_chart_off() -> None:
    loaded = config(teams=[{**TEAM, "health_checks": {"chart": False}}])
    settings = loaded.kind_settings(loaded.teams[0], "health-check")
    assert settings.chart is False


def test_a_team_can_turn_the_retrospective_chart_off() -> None:
    assert config().kind_settings(config().teams[0], "retrospective").chart is True
    loaded = config(teams=[{**TEAM, "retrospectives": {"chart": False}}])
    assert loaded.kind_settings(loaded.teams[0], "retrospective").chart is False


def test_a_team_without_overrides_gets_the_defaults() -> None:
    loaded = config()
    team = loaded.teams[0]
    assert loaded.kind_settings(team, "retrospective") == loaded.defaults.retrospectives
    assert loaded.kind_settings(team, "health-check") == loaded.defaults.health_checks


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("none", "none"),
        ({"create": "Team Retrospectives"}, CreateParent(create="Team Retrospectives")),
        ({"existing": "Engineering Home"}, ExistingParent(existing="Engineering Home")),
        ({"existing": 123456789}, ExistingParent(existing="123456789")),
        ({"existing": "123456789"}, ExistingParent(existing="123456789")),
    ],
)
def test_parent_settings(written: object, expected: object) -> None:
    loaded = config(teams=[{**TEAM, "retrospectives": {"parent": written}}])
    assert loaded.kind_settings(loaded.teams[0], "retrospective").parent == expected


# ---- reports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "score", "total"),
    [
        ({}, None, 0),
        ({"green": 4}, 1.0, 4),
        ({"red": 3}, 0.0, 3),
        ({"amber": 2}, 0.5, 2),
        ({"green": 4, "amber": 2, "red": 2}, 0.625, 8),
        ({"green": 1, "amber": 1, "red": 1}, 0.5, 3),
    ],
)
def test_votes_score(votes: dict[str, int], score: float | None, total: int) -> None:
    parsed = Votes.model_validate(votes)
    assert parsed.score == score
    assert parsed.total == total


def test_a_minimal_retrospective() -> None:
    report = report_adapter.validate_python(
        {"kind": "retrospective", "date": "2026-11-20", "columns": [{"name": "Went well"}]}
    )
    assert isinstance(report, Retrospective)
    assert report.date == dt.date(2026, 11, 20)
    assert (report.title, report.facilitator, report.format) == (None, None, None)
    assert (report.participants, report.actions, report.themes, report.attachments) == (
        [], [], [], []
    )  # fmt: skip
    assert report.columns[0].items == []


def test_a_health_check_with_actions() -> None:
    report = report_adapter.validate_python(
        {
            "kind": "health-check",
            "date": "2026-11-18",
            "dimensions": [{"name": "Fun", "votes": {"green": 3}}],
            "actions": [{"text": "Book the offsite", "due": "2026-12-01"}, {"text": "Retro"}],
        }
    )
    assert isinstance(report, HealthCheck)
    assert report.actions == [
        ActionItem(text="Book the offsite", due=dt.date(2026, 12, 1), status="open"),
        ActionItem(text="Retro"),
    ]
    assert report.dimensions[0].votes.score == 1.0


def test_the_same_title_in_two_spaces_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    report = (BASE / "reports/platform/2026-11-20-sprint-22.yaml").read_text()
    (root / "reports/mobile/2026-11-20-sprint-22.yaml").write_text(report)
    monkeypatch.chdir(root)

    repo = load_repo(root)

    found = sorted((r.team.space, r.title, str(r.address), r.source) for r in repo.reports)
    assert found == [
        ("MOB", "Q4 Health Check - Health Check", "mobile/health-check/2026-11-18-q4-health",
         "reports/mobile/2026-11-18-q4-health.yaml"),
        ("MOB", "Sprint 22 - Retrospective", "mobile/retrospective/2026-11-20-sprint-22",
         "reports/mobile/2026-11-20-sprint-22.yaml"),
        ("PLAT", "Sprint 22 - Retrospective", "platform/retrospective/2026-11-20-sprint-22",
         "reports/platform/2026-11-20-sprint-22.yaml"),
    ]  # fmt: skip


def test_title_position_is_the_title_or_else_the_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    (root / "reports/platform/2026-11-21-untitled.yaml").write_text(
        "kind: retrospective\n# no title: the date stands in\ndate: 2026-11-21\n"
        "columns: [{name: Notes}]\n"
    )
    monkeypatch.chdir(root)

    by_name = {r.address.name: r for r in load_repo(root).reports}

    assert by_name["2026-11-21-untitled"].title == "2026-11-21 - Retrospective"
    assert by_name["2026-11-21-untitled"].title_position == (3, 7)
    assert by_name["2026-11-20-sprint-22"].title_position == (2, 8)
