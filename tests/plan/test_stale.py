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
    """A plan that creates the last page and finds the others up to date."""
    changes = tuple(
        Change(
            str(page.address),
            Action.CREATE if page is workspace.desired[-1] else Action.NOOP,
            page.space_key,
            "new report",
            after=PageState(page.title, None, None, page.digest),
            source=page.source,
        )
        for page in workspace.desired
    )
    return Plan(dataclasses.replace(workspace.origin, **origin), changes)


def test_a_plan_of_this_repo_is_accepted(workspace: Workspace) -> None:
    check_plan_origin(workspace, _plan(workspace))


def test_a_plan_made_at_another_commit_is_accepted(workspace: Workspace) -> None:
    # Reviewed in a pull request, applied after the merge: the commit is recorded only.
    check_plan_origin(
        workspace, _plan(workspace, commit="4b825dc642cb6eb9a060e54bf8d69288fbee4904")
    )


def test_a_plan_that_does_not_know_a_report_is_stale(workspace: Workspace) -> None:
    plan = _plan(workspace)
    without = Plan(plan.origin, plan.changes[1:])
    with pytest.raises(StalePlanError) as caught:
        check_plan_origin(workspace, without)
    assert str(caught.value) == (
        "mobile/retrospective/parent is not in the plan (added since it was made): run plan again"
    )


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
    *others, change = plan.changes
    assert change.after is not None
    edited = dataclasses.replace(change, after=dataclasses.replace(change.after, digest="x"))
    with pytest.raises(StalePlanError) as caught:
        check_plan_origin(workspace, Plan(plan.origin, (*others, edited)))
    assert str(caught.value) == (
        "reports/platform/2026-11-18-sprint-22.yaml changed since the plan was made: run plan again"
    )
