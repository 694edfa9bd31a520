"""The plan's views beyond the golden cases: colour, the markdown size cap, the file format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from confsync.errors import PlanError
from confsync.plan.model import (
    FORMAT_VERSION,
    Action,
    Change,
    LabelChange,
    PageState,
    Plan,
    PlanOrigin,
)
from confsync.plan.output import render_json, render_markdown, render_text

ORIGIN = PlanOrigin("0.1.0", "cfg", "abc123")


def _create(n: int, body_lines: int = 1) -> Change:
    title = f"Sprint {n} - Retrospective"
    body = "\n".join(f"+line {i} of sprint {n}" for i in range(body_lines))
    return Change(
        address=f"platform/retrospective/sprint-{n}",
        action=Action.CREATE,
        space="PLAT",
        reason="new report",
        after=PageState(title, "Retrospectives", None, f"d{n}"),
        body_diff=f"--- current\n+++ desired\n@@ -0,0 +1,{body_lines} @@\n{body}",
    )


def test_text_is_coloured_by_marker() -> None:
    plan = Plan(
        ORIGIN,
        (
            _create(1),
            Change("platform/retrospective/sprint-0", Action.DELETE, "PLAT", "gone",
                   before=PageState("Sprint 0", "Retrospectives", "10", "d0", 2, "11")),
            Change("platform/retrospective/sprint-2", Action.CONFLICT, "PLAT", "taken",
                   after=PageState("Sprint 2", None), blocking=True),
        ),
    )  # fmt: skip

    def style(text: str, colour: str) -> str:
        return f"[{colour}]{text}"

    lines = render_text(plan, style=style).splitlines()
    assert [line for line in lines if line.startswith("[")] == [
        "[green]+ create 'Sprint 1 - Retrospective' (platform/retrospective/sprint-1, space PLAT)",
        "[red]- delete 'Sprint 0' (platform/retrospective/sprint-0, space PLAT)",
        "[magenta]! conflict 'Sprint 2' (platform/retrospective/sprint-2, space PLAT)",
        "[magenta]1 change blocks apply (marked !): resolve them and plan again.",
    ]
    assert lines[-2:] == [
        "Plan: 1 to create, 0 to update, 0 to move, 1 to delete.",
        "Blocked: 0 drift, 1 conflict.",
    ]


def test_a_blocked_plan_never_says_no_changes() -> None:
    drift = Change("platform/retrospective/sprint-1", Action.DRIFT, "PLAT", "edited by hand",
                   before=PageState("Sprint 1", "Retrospectives", "10", None, 3, "11"),
                   blocking=True)  # fmt: skip
    plan = Plan(ORIGIN, (drift,))

    text = render_text(plan).splitlines()
    markdown = render_markdown(plan)

    assert text[-2:] == [
        "Plan: 0 to create, 0 to update, 0 to move, 0 to delete.",
        "Blocked: 1 drift, 0 conflicts.",
    ]
    assert "No changes." not in markdown
    assert "**Blocked: 1 drift, 0 conflicts.**" in markdown
    assert plan.summary()["blocked"] == 1


def test_markdown_stays_under_the_comment_limit() -> None:
    plan = Plan(ORIGIN, tuple(_create(n, body_lines=40) for n in range(200)))
    text = render_markdown(plan, limit=20_000)
    assert len(text) <= 20_000
    shown = text.count("<details>")
    assert 0 < shown < 200
    assert text.endswith(
        f"\n… and {200 - shown} more changes not shown here (comment size limit); "
        "see the plan file for all of them.\n"
    )
    assert "**Plan: 200 to create, 0 to update, 0 to move, 0 to delete.**" in text


def test_markdown_cannot_be_broken_out_of_by_a_title() -> None:
    change = _create(1)
    evil = "</summary></details><img src=x onerror=alert(1)> ```"
    change = Change(
        change.address,
        change.action,
        change.space,
        change.reason,
        after=PageState(evil, None),
        body_diff="--- current\n+++ desired\n@@ -0,0 +1 @@\n+``` </details>",
    )
    text = render_markdown(Plan(ORIGIN, (change,)))
    lines = text.splitlines()
    # HTML inside the diff's code fence is shown as text, so only whole lines count.
    assert (lines.count("<details>"), lines.count("</details>")) == (1, 1)
    assert text.count("<details>") == 1
    assert "<img" not in text
    # The fence around the diff, and no fence inside it.
    assert [line for line in lines if line.startswith("```")] == ["```diff", "```"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"format_version": "2.0", "origin": {}, "changes": []},
            f"plan file format 2.0 is not {FORMAT_VERSION}; make the plan again with this "
            "confsync",
        ),
        (
            {"origin": {}, "changes": []},
            f"plan file format (none) is not {FORMAT_VERSION}; make the plan again with this "
            "confsync",
        ),
        (
            {"format_version": FORMAT_VERSION, "origin": {"confsync_version": "1"}, "changes": []},
            "plan file is damaged (",
        ),
        (
            {
                "format_version": FORMAT_VERSION,
                "origin": {"confsync_version": "1", "config_digest": "c", "commit": None},
                "changes": [{"address": "a/retrospective/b", "action": "explode", "space": "X",
                             "reason": ""}],
            },
            "plan file is damaged ('explode' is not a valid Action); make the plan again",
        ),
    ],
)  # fmt: skip
def test_a_plan_file_from_elsewhere_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError) as caught:
        Plan.from_json(data)
    assert str(caught.value).startswith(message)


def test_minor_format_versions_are_read() -> None:
    plan = Plan(ORIGIN, (_create(1),))
    data = json.loads(render_json(plan))
    data["format_version"] = FORMAT_VERSION.split(".")[0] + ".9"
    assert Plan.from_json(data) == plan


def test_labels_are_shown_and_read_back() -> None:
    update = Change(
        address="platform/retrospective/sprint-1",
        action=Action.UPDATE,
        space="PLAT",
        reason="report changed",
        before=PageState("Sprint 1", None, None, "d0", 2, "11", "r.yaml", ("platform", "retro")),
        after=PageState("Sprint 1", None, None, "d1"),
        labels=LabelChange(add=("retrospective", "sprint"), remove=("retro",)),
    )
    plan = Plan(ORIGIN, (update, _create(2)))

    assert "    labels: +retrospective +sprint -retro" in render_text(plan).splitlines()
    assert "- labels: +retrospective +sprint -retro" in render_markdown(plan).splitlines()
    data = json.loads(render_json(plan))
    assert data["changes"][0]["labels"] == {"add": ["retrospective", "sprint"], "remove": ["retro"]}
    assert data["changes"][0]["before"]["mark_labels"] == ["platform", "retro"]
    assert data["changes"][1]["labels"] == {"add": [], "remove": []}
    assert Plan.from_json(data) == plan


def test_a_plan_file_of_1_2_without_labels_reads_as_no_label_change() -> None:
    data = json.loads(render_json(Plan(ORIGIN, (_create(1),))))
    del data["changes"][0]["labels"]
    (change,) = Plan.from_json(data).changes
    assert change.labels == LabelChange()
