"""A saved plan is applied only to the repo it was made from (no Confluence needed to refuse)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from confsync.errors import StalePlanError
from confsync.plan.model import Action, Change, PageState, Plan
from confsync.workflow import Workspace, check_plan_origin, prepare
from tests.plan.sandbox_repo import RepoSpec


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    spec.write()
    return prepare(spec.root)


def _plan(workspace: Workspace, **origin: str | None) -> Plan:
    page = workspace.desired[-1]
    change = Change(
        str(page.address),
        Action.CREATE,
        page.space_key,
        "new report",
        after=PageState(page.title, None, None, page.digest),
        source=page.source,
    )
    return Plan(dataclasses.replace(workspace.origin, **origin), (change,))


def test_a_plan_of_this_repo_is_accepted(workspace: Workspace) -> None:
    check_plan_origin(workspace, _plan(workspace))


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        (
            {"confsync_version": "0.0.1"},
            "the plan was made by confsync 0.0.1, this is {version}: run plan again",
        ),
        (
            {"config_digest": "0" * 20},
            "confsync.yaml changed since the plan was made: run plan again",
        ),
        (
            {"commit": "4b825dc642cb6eb9a060e54bf8d69288fbee4904"},
            "the plan was made at commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904, the repo is "
            "at (none): run plan again",
        ),
    ],
)  # fmt: skip
def test_a_plan_from_elsewhere_is_stale(
    workspace: Workspace, origin: dict[str, str], message: str
) -> None:
    with pytest.raises(StalePlanError) as caught:
        check_plan_origin(workspace, _plan(workspace, **origin))
    assert str(caught.value) == message.format(version=workspace.origin.confsync_version)


def test_a_plan_for_a_report_that_changed_is_stale(workspace: Workspace) -> None:
    plan = _plan(workspace)
    (change,) = plan.changes
    assert change.after is not None
    edited = dataclasses.replace(change, after=dataclasses.replace(change.after, digest="x"))
    with pytest.raises(StalePlanError) as caught:
        check_plan_origin(workspace, Plan(plan.origin, (edited,)))
    assert str(caught.value) == (
        "reports/platform/2026-11-18-sprint-22.yaml changed since the plan was made: run plan again"
    )
