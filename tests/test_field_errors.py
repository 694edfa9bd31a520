"""A model validator names the field a problem is about as data (``confsync.text.FieldError``),
and ``confsync.validation`` positions the problem from that data, never from the wording.

The exact messages and positions of every such check are in the bad-input suite
(tests/bad_inputs); here: that the models say the field, that a message can be reworded without
moving its problem, and the one choice only the file can make (url or sandbox, written last).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator

from confsync.config import Config
from confsync.errors import Problem
from confsync.reports import report_adapter
from confsync.text import FieldError
from confsync.validation import problems_from
from confsync.yamlio import Document, read_yaml

TEAM = {"id": "platform", "name": "Platform Team", "space": "PLAT", "reports": "reports"}
SANDBOX = {"edition": "cloud", "sandbox": ".confsync/sandbox.sqlite"}
SITE = "https://acme.atlassian.net/wiki"
RETRO = {"kind": "retrospective", "date": "2026-11-20", "columns": [{"name": "Went well"}]}


def _config(**fields: Any) -> dict[str, Any]:
    return {"version": 1, "confluence": SANDBOX, "teams": [TEAM], **fields}


def _raised(validate: Any, data: dict[str, Any]) -> FieldError:
    with pytest.raises(ValidationError) as caught:
        validate(data)
    (error,) = caught.value.errors()
    assert error["type"] == "value_error"
    raised = error["ctx"]["error"]
    assert isinstance(raised, FieldError)
    return raised


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        pytest.param(
            _config(teams=[TEAM, {**TEAM, "name": "Other"}, TEAM]), ("teams", 1, "id"), id="team"
        ),
        pytest.param(
            _config(confluence={"edition": "cloud", "url": SITE}), ("auth",), id="url-needs-auth"
        ),
        pytest.param(
            _config(
                confluence={
                    "edition": "cloud",
                    "url": SITE,
                    "auth": {"method": "pat", "token": "${CONFLUENCE_PAT}"},
                }
            ),
            ("auth", "method"),
            id="method-for-edition",
        ),
        pytest.param(_config(confluence={"edition": "cloud"}), (), id="neither-url-nor-sandbox"),
    ],
)
def test_the_config_validators_name_their_field(data: dict[str, Any], loc: tuple[Any, ...]) -> None:
    raised = _raised(Config.model_validate, data)
    assert (raised.loc, raised.rivals) == (loc, ())


def test_url_and_sandbox_both_given_are_rivals() -> None:
    data = _config(confluence={**SANDBOX, "url": SITE})
    raised = _raised(Config.model_validate, data)
    assert (raised.loc, raised.rivals) == ((), ("url", "sandbox"))


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        pytest.param(
            {**RETRO, "participants": ["Ana", "Zoë", "Ana", "Zoë"]},
            ("participants", 2),
            id="participant",
        ),
        pytest.param(
            {
                "kind": "health-check",
                "date": "2026-11-20",
                "dimensions": [
                    {"name": "Speed", "votes": {}},
                    {"name": "Fun", "votes": {}},
                    {"name": "speed", "votes": {}},
                ],
            },
            ("dimensions", 2, "name"),
            id="dimension",
        ),
    ],
)
def test_the_report_validators_name_their_field(data: dict[str, Any], loc: tuple[Any, ...]) -> None:
    raised = _raised(report_adapter.validate_python, data)
    assert raised.loc == loc


def test_a_field_error_keeps_its_field_through_pickling() -> None:
    # Reports are validated in worker processes (confsync.cores).
    raised = pickle.loads(pickle.dumps(FieldError("said", loc=("teams", 1, "id"), rivals=("a",))))
    assert (str(raised), raised.loc, raised.rivals) == ("said", ("teams", 1, "id"), ("a",))


# ---- the wording is free ------------------------------------------------------------------------


class _Team(BaseModel):
    id: str


class _Board(BaseModel):
    """A model whose validator's wording comes from the test (the validation context)."""

    model_config = ConfigDict(extra="forbid")
    teams: list[_Team]

    @model_validator(mode="after")
    def _ids_unique(self, info: ValidationInfo) -> _Board:
        assert info.context is not None
        ids = [team.id for team in self.teams]
        for index, team_id in enumerate(ids):
            if team_id in ids[:index]:
                raise FieldError(info.context["wording"], loc=("teams", index, "id"))
        return self


BOARD = """\
teams:
  - id: a
  - id: b
  - id: a
"""


def _document(tmp_path: Path, name: str, text: str) -> Document:
    (tmp_path / name).write_text(text, encoding="utf-8")
    document = read_yaml(tmp_path / name, name)
    assert isinstance(document, Document)
    return document


@pytest.mark.parametrize(
    "wording",
    [
        "team id 'a' is used twice; team ids must be unique",
        "the id 'a' is taken by an earlier team",
        # What the old wording table took for other checks, each pointing elsewhere:
        "url needs auth",
        "auth method 'a' is not for cloud",
        "participant 'a' is listed twice",
        "give exactly one of url and sandbox",
    ],
)
def test_a_message_can_be_reworded_without_moving_its_problem(tmp_path: Path, wording: str) -> None:
    document = _document(tmp_path, "board.yaml", BOARD)
    with pytest.raises(ValidationError) as caught:
        _Board.model_validate(document.data, context={"wording": wording})
    problems = problems_from(caught.value, document, "board.yaml", _Board.model_json_schema())
    assert problems == [Problem("board.yaml", 4, 9, "teams[2].id", wording)]


@pytest.mark.parametrize(
    ("confluence", "line", "path"),
    [
        pytest.param(
            "  sandbox: s.sqlite\n  url: https://acme.atlassian.net/wiki\n",
            5,
            "confluence.url",
            id="sandbox-then-url",
        ),
        pytest.param(
            "  url: https://acme.atlassian.net/wiki\n  sandbox: s.sqlite\n",
            5,
            "confluence.sandbox",
            id="url-then-sandbox",
        ),
        pytest.param("  url: null\n  sandbox: null\n", 5, "confluence.sandbox", id="both-null"),
        pytest.param("  url: null\n", 3, "confluence", id="one-null"),
    ],
)
def test_url_and_sandbox_point_at_the_one_written_last(
    tmp_path: Path, confluence: str, line: int, path: str
) -> None:
    text = (
        f"version: 1\nconfluence:\n  edition: cloud\n{confluence}teams:\n"
        "  - {id: platform, name: Platform Team, space: PLAT, reports: reports}\n"
    )
    document = _document(tmp_path, "confsync.yaml", text)
    with pytest.raises(ValidationError) as caught:
        Config.model_validate(document.data)
    (problem,) = problems_from(caught.value, document, "confsync.yaml", Config.model_json_schema())
    assert (problem.line, problem.path, problem.message) == (
        line,
        path,
        "give exactly one of url (a real Confluence) and sandbox (local)",
    )
