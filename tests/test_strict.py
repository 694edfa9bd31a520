"""Strict input: no value converted to another type, one rule for titles and names, URLs and
credentials checked before any network call, and no message that quotes what a file held.

The exact messages, positioned, are in ``tests/bad_inputs/*/strict-*``; these tests are the
rules themselves, case by case.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import respx
from click.testing import CliRunner
from pydantic import ValidationError

from confsync import yamlio
from confsync.cli import cli, run
from confsync.config import Config
from confsync.confluence import make_backend
from confsync.connection import ConfluenceSettings
from confsync.errors import ConfsyncError, InputError, Problem
from confsync.loading import load_repo
from confsync.reports import report_adapter
from confsync.text import long_text_problem, name_problem, one_line
from confsync.urls import url_problem
from confsync.yamlio import Document, read_yaml

BASE = Path(__file__).parent / "bad_inputs" / "base"
TEAM = {"id": "platform", "name": "Platform Team", "space": "PLAT", "reports": "reports"}
SANDBOX = {"edition": "cloud", "sandbox": ".confsync/sandbox.sqlite"}
RETRO = {
    "kind": "retrospective",
    "date": "2026-11-20",
    "columns": [{"name": "Went well", "items": [{"text": "Deploys are faster", "votes": 5}]}],
}
HEALTH = {
    "kind": "health-check",
    "date": "2026-11-18",
    "dimensions": [{"name": "Speed", "votes": {"green": 1, "amber": 2, "red": 3}}],
}


def _set(document: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    """A deep copy of ``document`` with ``value`` at ``path`` (mappings made as needed)."""
    result = copy.deepcopy(document)
    node: Any = result
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    node[path[-1]] = value
    return result


def _config(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    base = {"version": 1, "confluence": dict(SANDBOX), "teams": [dict(TEAM)]}
    return _set(base, path, value)


def _error_types(exc: ValidationError) -> set[str]:
    return {error["type"] for error in exc.errors()}


# ---- no silent conversion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("version",), True),
        (("version",), 1.0),
        (("version",), "1"),
        (("confluence", "concurrency"), True),
        (("confluence", "concurrency"), 8.0),
        (("confluence", "concurrency"), "8"),
        (("confluence", "timeout"), True),
        (("confluence", "timeout"), "30"),
        (("defaults", "retrospectives", "pdf"), "yes"),
        (("defaults", "retrospectives", "pdf"), 1),
        (("teams", 0, "health_checks", "chart"), 0),
        (("teams", 0, "adopt"), "true"),
        (("teams", 0, "prune"), 1),
        (("teams", 0, "name"), 2026),
        (("teams", 0, "id"), 7),
        (("teams", 0, "space"), 12),
        (("teams", 0, "retrospectives", "parent"), {"create": 2026}),
        (("teams", 0, "retrospectives", "parent"), {"existing": True}),
        (("teams", 0, "retrospectives", "parent"), {"existing": 0}),
        (("teams", 0, "retrospectives", "title"), 22),
    ],
)
def test_config_values_are_never_converted(path: tuple[str | int, ...], value: object) -> None:
    document = _config(path, value)
    if path[:3] == ("defaults", "retrospectives", "pdf"):
        document["defaults"]["retrospectives"].update(
            parent={"create": "Retrospectives"}, title="{{RetrospectiveTitleOrDate}}"
        )
    with pytest.raises(ValidationError):
        Config.model_validate(document)


def test_deliberate_conversions_remain() -> None:
    # A page id may be written as a number, and a timeout as a whole number of seconds.
    config = Config.model_validate(
        _set(
            _config(("confluence", "timeout"), 30),
            ("teams", 0, "retrospectives", "parent"),
            {"existing": 12345},
        )
    )
    assert config.confluence.timeout == 30.0
    parent = config.teams[0].retrospectives.parent
    assert parent is not None
    assert parent != "none"
    assert getattr(parent, "existing", None) == "12345"


@pytest.mark.parametrize(
    ("report", "path", "value"),
    [
        (RETRO, ("columns", 0, "items", 0, "votes"), True),
        (RETRO, ("columns", 0, "items", 0, "votes"), 5.0),
        (RETRO, ("columns", 0, "items", 0, "votes"), "5"),
        (RETRO, ("columns", 0, "items", 0, "text"), 42),
        (RETRO, ("title",), 22),
        (RETRO, ("title",), True),
        (RETRO, ("facilitator",), 7),
        (RETRO, ("columns", 0, "name"), False),
        (RETRO, ("themes",), [{"name": "Speed", "votes": True}]),
        (HEALTH, ("dimensions", 0, "votes", "green"), True),
        (HEALTH, ("dimensions", 0, "votes", "red"), 1.0),
        (HEALTH, ("dimensions", 0, "name"), 3),
    ],
)
def test_report_values_are_never_converted(
    report: dict[str, Any], path: tuple[str | int, ...], value: object
) -> None:
    with pytest.raises(ValidationError) as raised:
        report_adapter.validate_python(_set(report, path, value))
    assert _error_types(raised.value) <= {"int_type", "string_type", "bool_type"}


@pytest.mark.parametrize(
    "written", ["2026-11-20", "2024-02-29", "0001-01-01", dt.date(2026, 11, 20)]
)
def test_a_date_is_yyyy_mm_dd_text(written: object) -> None:
    report = report_adapter.validate_python(
        _set(_set(RETRO, ("date",), written), ("actions",), [{"text": "x", "due": written}])
    )
    assert report.date == report.actions[0].due
    assert isinstance(report.date, dt.date)
    assert not isinstance(report.date, dt.datetime)


@pytest.mark.parametrize(
    ("written", "error"),
    [
        (0, "date_type"),  # lax pydantic: 1970-01-01
        (20261120, "date_type"),
        (1763596800, "date_type"),  # 2025-11-20 as seconds since 1970
        (True, "date_type"),
        (2026.5, "date_type"),
        (dt.datetime(2026, 11, 20), "date_type"),
        ("20261120", "date_parsing"),
        ("1763596800", "date_parsing"),
        ("2026-11-20T00:00:00", "date_from_datetime_inexact"),
        ("2026-11-20 00:00", "date_from_datetime_inexact"),
        ("2026-02-30", "date_parsing"),
        ("2026-1-5", "date_parsing"),
        (" 2026-11-20", "date_parsing"),
        ("2026-11-20 ", "date_parsing"),
        ("2026-W47-5", "date_parsing"),
        ("next friday", "date_parsing"),
    ],
)
def test_nothing_else_is_a_date(written: object, error: str) -> None:
    for path in [("date",), ("actions",)]:
        value: object = written if path == ("date",) else [{"text": "x", "due": written}]
        with pytest.raises(ValidationError) as raised:
            report_adapter.validate_python(_set(RETRO, path, value))
        assert _error_types(raised.value) == {error}


# ---- one rule for a title or a name -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sprint 22",
        "Q4 Health Check",
        "Zoë",
        "速度と品質",
        "🚀 Launch",
        "a  b",
        "a\u00a0b",
        "x" * 300,
    ],
)
def test_acceptable_titles_and_names(text: str) -> None:
    assert name_problem(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be only white space"),
        ("\t\n", "must not be only white space"),
        ("\u3000", "must not be only white space"),
        ("Sprint\n22", "holds a line break at character 7"),
        ("Sprint\t22", "holds a tab at character 7"),
        ("Sprint\r22", "holds a carriage return (U+000D) at character 7"),
        ("Sprint\x0022", "holds a NUL character (U+0000) at character 7"),
        ("Sprint\x0722", "holds a bell character (U+0007 BEL) at character 7"),
        ("Sprint \x1b[31m22", "holds an escape character (U+001B ESC) at character 8"),
        ("Sprint\x7f", "holds a delete character (U+007F DEL) at character 7"),
        ("Sprint\x9b22", "holds a control character (U+009B) at character 7"),
        ("Sprint\u202822", "holds a line break (U+2028) at character 7"),
        ("Sprint \ud83d\ude80", "holds half of a character (U+D83D"),
        ("Sprint\uffff", "holds a non-character (U+FFFF) at character 7"),
        (" Sprint 22", "starts with white space"),
        ("Sprint 22 ", "ends with white space"),
        ("Sprint 22\u00a0", "ends with white space"),
    ],
)
def test_refused_titles_and_names(text: str, message: str) -> None:
    problem = name_problem(text)
    assert problem is not None
    assert problem.startswith(message)


@pytest.mark.parametrize(
    ("field", "loc"),
    [
        ("title", ("title",)),
        ("facilitator", ("facilitator",)),
        ("participants", ("participants", 0)),
        ("column", ("columns", 0, "name")),
        ("author", ("columns", 0, "items", 0, "author")),
        ("theme", ("themes", 0, "name")),
        ("owner", ("actions", 0, "owner")),
        ("format", ("format",)),
    ],
)
def test_every_name_in_a_retrospective_follows_the_rule(
    field: str, loc: tuple[str | int, ...]
) -> None:
    bad = "Dana\x1bKim"
    document = {
        "title": bad if field == "title" else "Sprint 22",
        "facilitator": bad if field == "facilitator" else "Dana",
        "participants": [bad if field == "participants" else "Lee"],
        "format": bad if field == "format" else "4ls",
        "columns": [
            {
                "name": bad if field == "column" else "Went well",
                "items": [{"text": "ok", "author": bad if field == "author" else "Ana"}],
            }
        ],
        "themes": [{"name": bad if field == "theme" else "Speed"}],
        "actions": [{"text": "do", "owner": bad if field == "owner" else "Lee"}],
    }
    with pytest.raises(ValidationError) as raised:
        report_adapter.validate_python({**RETRO, **document})
    (error,) = raised.value.errors()
    assert error["loc"][1:] == loc  # after the union's tag
    assert "escape character" in error["msg"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("teams", 0, "name"), "Platform\x00Team"),
        (("teams", 0, "name"), "   "),
        (("teams", 0, "retrospectives", "parent"), {"create": "   "}),
        (("teams", 0, "retrospectives", "parent"), {"create": "Retros\n"}),
        (("teams", 0, "retrospectives", "parent"), {"existing": " Team space"}),
        (("teams", 0, "retrospectives", "title"), "{{RetrospectiveTitleOrDate}}\x1b"),
        (("confluence",), {"edition": "datacenter", "url": "https://c.acme.test",
                           "auth": {"method": "basic", "username": "ana\n",
                                    "password": "${CONFLUENCE_PASSWORD}"}}),
    ],
)  # fmt: skip
def test_every_name_and_title_in_the_config_follows_the_rule(
    path: tuple[str | int, ...], value: object
) -> None:
    with pytest.raises(ValidationError) as raised:
        Config.model_validate(_config(path, value))
    assert _error_types(raised.value) == {"value_error"}


@pytest.mark.parametrize(
    "text", ["One line", "Two\nlines\n", "\ttabbed\n", "  indented", "trailing  ", "Zoë 🚀"]
)
def test_longer_text_keeps_line_breaks_and_tabs(text: str) -> None:
    assert long_text_problem(text) is None
    report = report_adapter.validate_python(_set(RETRO, ("notes",), text))
    assert report.notes == text  # as written: nothing stripped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "must not be empty or only white space"),
        ("\n\n", "must not be empty or only white space"),
        ("ok\x07", "holds a bell character (U+0007 BEL) at character 3;"),
        ("line one\nline \x1btwo",
         "holds an escape character (U+001B ESC) at character 6 of line 2;"),
        ("a\r\nb", "holds a carriage return (U+000D) at character 2 of line 1;"),
        ("a\x00", "holds a NUL character (U+0000) at character 2;"),
        ("a\x85", "holds a line break (U+0085 NEL) at character 2;"),
        ("a\ud800", "holds half of a character (U+D800"),
    ],
)  # fmt: skip
def test_longer_text_refuses_other_control_characters(text: str, message: str) -> None:
    problem = long_text_problem(text)
    assert problem is not None
    assert problem.startswith(message)
    for path in [("notes",), ("summary",), ("comments",), ("columns", 0, "items", 0, "text")]:
        value: object = [text] if path == ("comments",) else text
        with pytest.raises(ValidationError):
            report_adapter.validate_python(_set(RETRO, path, value))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", "a b"),
        ("a\r\n\tb", "a b"),
        ("\x00a\x1b", "a"),
        ("a\u2028b", "a b"),
        ("a  b\u00a0c", "a  b\u00a0c"),  # an acceptable name is drawn as written
    ],
)
def test_one_line(text: str, expected: str) -> None:
    assert one_line(text) == expected


# ---- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.atlassian.net/wiki",
        "https://acme.atlassian.net/wiki/",
        "https://confluence.acme.test",
        "https://confluence.acme.test:8443/confluence",
        "https://10.0.0.7/confluence",
        "https://[2001:db8::1]/wiki",
        "https://bücher.example/wiki",
        "http://localhost:8090/wiki",
        "http://127.0.0.1:8090/confluence",
        "http://127.1.2.3/wiki",
        "http://[::1]:8090/wiki",
    ],
)
def test_acceptable_urls(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://admin:hunter2@acme.atlassian.net/wiki", "holds a user name or password"),
        ("https://admin@acme.atlassian.net/wiki", "holds a user name or password"),
        ("http://admin:hunter2@localhost/wiki", "holds a user name or password"),
        ("https://acme.atlassian.net/my wiki", "holds a space at character 30"),
        ("https://acme.atlassian.net/wiki\n", "holds a line break at character 32"),
        ("https://acme.atlassian.net/\twiki", "holds a tab at character 28"),
        ("https://acme.atlassian.net/wiki\x00", "holds a white space, control or non-character"),
        (" https://acme.atlassian.net/wiki", "holds a space at character 1"),
        ("http://acme.atlassian.net/wiki", "uses plain http://"),
        ("http://10.0.0.7/wiki", "uses plain http://"),
        ("https:///wiki", "has no host name"),
        ("https://", "has no host name"),
        ("https://:8443/wiki", "has no host name"),
        ("acme.atlassian.net/wiki", "must start with https://"),
        ("ftp://acme.atlassian.net/wiki", "must start with https://"),
        ("https:acme.atlassian.net", "must start with https://"),
        ("//acme.atlassian.net/wiki", "must start with https://"),
        ("https://acme.atlassian.net/wiki?os_authType=basic", "must not have a query"),
        ("https://acme.atlassian.net/wiki#top", "must not have a query"),
        ("https://acme.atlassian.net/wiki?", "must not have a query"),
        ("https://acme.atlassian.net:99999/wiki", "has a port that is not a number"),
        ("https://acme.atlassian.net:0/wiki", "has a port that is not a number"),
        ("https://acme.atlassian.net:x/wiki", "has a port that is not a number"),
        ("https://acme..net/wiki", "has a host name that is not valid"),
        ("https://a%20b.net/wiki", "has a host name that is not valid"),
        ("https://[::1/wiki", "is not a valid URL"),
    ],
)
def test_refused_urls(url: str, message: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert problem.startswith(message)
    assert "hunter2" not in problem
    assert "admin" not in problem


@pytest.mark.parametrize("field", ["auth_url", "api_url"])
def test_the_oauth_urls_follow_the_same_rule(field: str) -> None:
    auth = {
        "method": "oauth2",
        "client_id": "Yk2lB5mXc1",
        "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
        field: "https://user:hunter2@auth.example.com",
    }
    confluence = {"edition": "cloud", "url": "https://acme.atlassian.net/wiki", "auth": auth}
    with pytest.raises(ValidationError) as raised:
        Config.model_validate(_config(("confluence",), confluence))
    (error,) = raised.value.errors()
    assert error["loc"][-1] == field


def _repo(tmp_path: Path, config: str) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    (root / "confsync.yaml").write_text(config, encoding="utf-8")
    return root


def invoke(args: list[str]) -> tuple[int, str, str]:
    with CliRunner().isolation() as (stdout, stderr, _):
        code = run(cli.main, args)
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


TEAMS = "teams: [{id: platform, name: Platform Team, space: PLAT, reports: reports/platform}]\n"


def test_a_password_in_the_url_is_refused_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(
        tmp_path,
        "version: 1\nconfluence:\n  edition: cloud\n"
        "  url: https://admin:hunter2@acme.atlassian.net/wiki\n"
        '  auth: {method: api-token, email: "${E}", token: "${T}"}\n' + TEAMS,
    )
    monkeypatch.chdir(root)
    for command in (["validate"], ["plan"], ["apply", "--auto-approve"]):
        code, out, err = invoke(command)
        assert code == 1
        assert "hunter2" not in out + err
        assert "confsync.yaml:4:8: confluence.url: holds a user name or password" in err


def test_plain_http_to_a_remote_host_names_the_line_of_confsync_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(
        tmp_path,
        "version: 1\nconfluence:\n  edition: datacenter\n  url: http://confluence.acme.test\n"
        '  auth: {method: pat, token: "${CONFLUENCE_PAT}"}\n' + TEAMS,
    )
    monkeypatch.chdir(root)
    code, _, err = invoke(["validate"])
    assert code == 1
    assert err.startswith("confsync.yaml:4:8: confluence.url: uses plain http://")
    assert "use https://" in err


# ---- credentials --------------------------------------------------------------------------------

PAT_CONFIG = (
    "version: 1\nconfluence:\n  edition: datacenter\n  url: https://confluence.acme.test\n"
    '  auth: {method: pat, token: "${CONFLUENCE_PAT}"}\n' + TEAMS
)


@pytest.mark.parametrize(
    "value", ["pat-s3cr3t\n", "pat-s3cr3t\r\n", " pat-s3cr3t", "pat\x1bs3cr3t"]
)
@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]])
def test_a_token_with_a_line_break_fails_at_once_without_a_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, command: list[str]
) -> None:
    # Sent as it is, the line break made every request fail in the HTTP layer, which looked
    # like a network problem and was retried eight times.
    monkeypatch.chdir(_repo(tmp_path, PAT_CONFIG))
    monkeypatch.setenv("CONFLUENCE_PAT", value)
    with respx.mock(assert_all_called=False) as network:  # no routes: any request fails
        code, out, err = invoke(command)
    assert network.calls.call_count == 0
    assert code == 1
    assert err.startswith("Error: environment variable CONFLUENCE_PAT (${CONFLUENCE_PAT} in ")
    assert "s3cr3t" not in out + err
    assert "Traceback" not in err


AUTHS = {
    "api-token": ("cloud", {"method": "api-token", "email": "${CONFLUENCE_EMAIL}",
                            "token": "${CONFLUENCE_API_TOKEN}"}),
    "oauth2": ("cloud", {"method": "oauth2", "client_id": "c1",
                         "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
                         "refresh_token": "${CONFLUENCE_REFRESH_TOKEN}"}),
    "pat": ("datacenter", {"method": "pat", "token": "${CONFLUENCE_PAT}"}),
    "basic": ("datacenter", {"method": "basic", "username": "${CONFLUENCE_USER}",
                             "password": "${CONFLUENCE_PASSWORD}"}),
    "app-link": ("datacenter", {"method": "app-link", "client_id": "c1",
                                "client_secret": "${CONFLUENCE_CLIENT_SECRET}",
                                "refresh_token": "${CONFLUENCE_REFRESH_TOKEN}"}),
}  # fmt: skip
GOOD_ENV = {
    name: f"value-of-{name.lower()}"
    for name in ["CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN", "CONFLUENCE_CLIENT_SECRET",
                 "CONFLUENCE_REFRESH_TOKEN", "CONFLUENCE_PAT", "CONFLUENCE_USER",
                 "CONFLUENCE_PASSWORD"]
}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "variable"),
    [(method, var) for method, (_, auth) in AUTHS.items()
     for var in (v[2:-1] for v in auth.values() if v.startswith("${"))],
)  # fmt: skip
def test_every_variable_of_every_sign_in_method_is_checked_before_a_request(
    tmp_path: Path, method: str, variable: str
) -> None:
    edition, auth = AUTHS[method]
    settings = ConfluenceSettings.model_validate(
        {"edition": edition, "url": "https://confluence.acme.test", "auth": auth}
    )
    environ = {**GOOD_ENV, variable: GOOD_ENV[variable] + "\n"}
    with respx.mock(assert_all_called=False) as network, pytest.raises(ConfsyncError) as raised:
        make_backend(settings, config_dir=tmp_path, environ=environ)
    assert network.calls.call_count == 0
    assert str(raised.value).startswith(f"environment variable {variable} (${{{variable}}} in ")
    assert GOOD_ENV[variable] not in str(raised.value)


# ---- YAML: only the core schema's tags ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "tag"),
    [
        ("title: !!binary U3ByaW50IDIy\n", (1, 8), "!!binary"),
        ("participants: !!set {Ana, Lee}\n", (1, 15), "!!set"),
        ("columns: !!omap [{a: 1}]\n", (1, 10), "!!omap"),
        ("columns: !!pairs [{a: 1}]\n", (1, 10), "!!pairs"),
        ("kind: retrospective\nfacilitator: !person Dana\n", (2, 14), "!person"),
        ("title: !<tag:example.com,2026:title> x\n", (1, 8), "tag:example.com,2026:title"),
        ("date: !!python/object/apply:os.system [ls]\n", (1, 7), "!!python/object/apply:os.system"),
        ("!!python/name:os.system\n", (1, 1), "!!python/name:os.system"),
        ("a:\n  - b: !Ref x\n", (2, 8), "!Ref"),
    ],
)
def test_a_tag_outside_the_core_schema_is_refused_with_its_position(
    tmp_path: Path, text: str, position: tuple[int, int], tag: str
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    assert yamlio._load_fast(text) is None  # the fast path leaves it to the round-trip reader
    problem = read_yaml(path, "r.yaml")
    assert isinstance(problem, Problem)
    assert (problem.line, problem.column) == position
    assert problem.message.startswith(f"the tag {tag} is not supported")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: !!str 5\n", "5"),
        ("a: !!int '5'\n", 5),
        ("a: !!float 5\n", 5.0),
        ("a: !!bool true\n", True),
        ("a: !!null ''\n", None),
        ("a: !!timestamp 2026-11-20\n", "2026-11-20"),
        ("a: !!seq [1]\n", [1]),
        ("a: !!map {b: 1}\n", {"b": 1}),
        ("b: &x {c: 1}\na:\n  <<: *x\n", {"c": 1}),
    ],
)
def test_core_tags_are_fine_and_both_readers_agree(
    tmp_path: Path, text: str, value: object
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    fast = read_yaml(path, "r.yaml")
    slow = yamlio._load_round_trip(text, "r.yaml")
    assert isinstance(fast, Document)
    assert isinstance(slow, Document)
    assert fast.data == slow.data
    assert fast.data["a"] == value


def test_a_value_that_does_not_fit_its_tag_is_not_quoted(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("kind: retrospective\nvotes: !!int s3cr3t\n")
    problem = read_yaml(path, "r.yaml")
    assert isinstance(problem, Problem)
    assert (problem.line, problem.column) == (2, 8)
    assert "s3cr3t" not in problem.message


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ATATT3xFfGF0-s3cr3t\n", "found text"),
        ("'s3cr3t: quoted'\n", "found text"),
        ("73519246\n", "found a number"),
        ("3.14159\n", "found a number"),
        ("true\n", "found true or false"),
        ("- s3cr3t\n- other\n", "found a list"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_described_never_quoted(
    tmp_path: Path, text: str, found: str
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    problem = read_yaml(path, "r.yaml")
    assert isinstance(problem, Problem)
    assert problem.message == f"expected a mapping of fields at the top, {found}"
    assert "s3cr3t" not in str(problem)
    assert "7351" not in str(problem)


@pytest.mark.parametrize(
    ("text", "position", "code"),
    [
        ("kind: retrospective\ntitle: Sprint \x1b[31m22\n", (2, 15), "U+001B"),
        ("title: a\x00b\n", (1, 9), "U+0000"),
        ("title: 'a\x7f'\n", (1, 10), "U+007F"),
        ("a: 1\nb: [x, \x07]\n", (2, 8), "U+0007"),
    ],
)
def test_a_raw_control_character_in_a_file_is_positioned(
    tmp_path: Path, text: str, position: tuple[int, int], code: str
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    problem = read_yaml(path, "r.yaml")
    assert isinstance(problem, Problem)
    assert (problem.line, problem.column) == position
    assert problem.message == (
        f"a control character ({code}), which a YAML file must not hold; remove it"
    )


# ---- what validation messages quote --------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "field", "kind"),
    [
        ("{method: basic, username: ana, password: 73519246}", "password", "a number"),
        ("{method: basic, username: ana, password: true}", "password", "true or false"),
        ("{method: pat, token: 4.815162342}", "token", "a number"),
    ],
)
def test_a_secret_of_the_wrong_type_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: str, field: str, kind: str
) -> None:
    root = _repo(
        tmp_path,
        "version: 1\nconfluence:\n  edition: datacenter\n  url: https://confluence.acme.test\n"
        f"  auth: {auth}\n" + TEAMS,
    )
    monkeypatch.chdir(root)
    with pytest.raises(InputError) as raised:
        load_repo(root)
    (problem,) = raised.value.problems
    assert problem.path == f"confluence.auth.{field}"
    assert problem.message == f"expected text, found {kind} (not shown: the field is for a secret)"
