"""Facts of the plan said in one place: its formats, what writes, what is a parent page."""

from __future__ import annotations

import itertools

import click
import pytest

from confsync.cli import cli
from confsync.errors import PlanError
from confsync.plan.model import Action, AttachmentChange, Change, PageState, Plan, PlanOrigin
from confsync.plan.output import (
    PlanFormat,
    render,
    render_json,
    render_markdown,
    render_text,
    summary_line,
)
from confsync.types import PageAddress, ReportKind

ORIGIN = PlanOrigin("0.1.0", "cfg", "abc123")
PNG = AttachmentChange("votes.png", "image/png", "d1", "chart")


def _change(action: Action, *, files: bool = False, blocking: bool = False) -> Change:
    return Change(
        "platform/retrospective/sprint-1",
        action,
        "PLAT",
        "why",
        before=PageState("Sprint 1", None, None, "d0", 1, "10"),
        after=PageState("Sprint 1", None, None, "d1"),
        attachments=(PNG,) if files else (),
        blocking=blocking,
    )


def test_plan_offers_exactly_the_formats_of_the_enum() -> None:
    plan = cli.get_command(click.Context(cli), "plan")
    assert plan is not None
    [option] = [p for p in plan.params if p.name == "format"]
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == ["text", "markdown", "json"] == list(PlanFormat)


@pytest.mark.parametrize(
    ("format", "view"),
    [(PlanFormat.TEXT, render_text), (PlanFormat.MARKDOWN, render_markdown),
     (PlanFormat.JSON, render_json)],
)  # fmt: skip
def test_each_format_renders_its_view(format: PlanFormat, view: object) -> None:
    plan = Plan(ORIGIN, (_change(Action.UPDATE, files=True),))
    assert callable(view)
    assert render(plan, format) == view(plan)


@pytest.mark.parametrize(
    ("action", "writes"),
    [(Action.CREATE, True), (Action.UPDATE, True), (Action.MOVE, True), (Action.DELETE, True),
     (Action.NOOP, False), (Action.CONFLICT, False), (Action.DRIFT, False),
     (Action.ORPHAN, False)],
)  # fmt: skip
def test_what_writes(action: Action, writes: bool) -> None:
    assert _change(action).changes_anything is writes
    assert _change(action, files=True).changes_anything  # files to upload are always written


@pytest.mark.parametrize(
    ("action", "files", "blocking"),
    list(itertools.product(Action, [False, True], [False, True])),
)
def test_the_summary_line_says_no_changes_exactly_when_the_plan_has_none(
    action: Action, files: bool, blocking: bool
) -> None:
    plan = Plan(ORIGIN, (_change(action, files=files, blocking=blocking),))
    quiet = not plan.has_changes and not plan.blocking
    assert (summary_line(plan) == "No changes.") is quiet
    assert (render_text(plan).splitlines().count("No changes.") == 1) is quiet
    assert ("**No changes.**" in render_markdown(plan)) is quiet


@pytest.mark.parametrize(
    ("address", "parent"),
    [("platform/retrospective/parent", True), ("mobile/health-check/parent", True),
     ("platform/retrospective/2026-11-06-sprint-22", False),
     ("platform/retrospective/parents", False)],
)  # fmt: skip
def test_a_change_is_a_parent_exactly_when_its_address_is(address: str, parent: bool) -> None:
    assert PageAddress.parse(address).is_parent is parent
    assert Change(address, Action.CREATE, "PLAT", "new").is_parent is parent


def test_the_parent_address_is_the_one_that_is_a_parent() -> None:
    address = PageAddress.parent_of("platform", ReportKind.RETROSPECTIVE)
    assert str(address) == "platform/retrospective/parent"
    assert address.is_parent


@pytest.mark.parametrize(
    "address", ["", "platform", "platform/retrospective", "platform/notakind/x", "a/b/c/d", 7]
)
def test_a_plan_file_with_a_change_that_has_no_page_address_is_refused(address: object) -> None:
    data = Plan(ORIGIN, (_change(Action.CREATE),)).to_json()
    data["changes"][0]["address"] = address
    with pytest.raises(PlanError, match=r"^plan file is damaged \(.*\); make the plan again$"):
        Plan.from_json(data)
