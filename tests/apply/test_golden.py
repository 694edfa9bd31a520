"""Golden apply results: the text, markdown and JSON views of real applies against the sandbox.

Each case writes a repo into a temp folder, sets the scene in the in-process sandbox (a first
publish, an edited report, a page edited by hand after the plan, a title taken after the
plan, a report removed with prune on, nothing to do), plans, applies that plan, and compares
the three views of the result with ``golden/<case>/result.{txt,md,json}``. Volatile values
(page ids, version numbers, the confsync version, the digest of ``confsync.yaml``, the
commit) are replaced by placeholders first. Every case also checks that the text and
markdown views show each change of the JSON.

To refresh the golden files after an intended change of the result or its views:

    CONFSYNC_UPDATE_GOLDEN=1 pytest tests/apply

then review ``git diff tests/apply/golden`` like any other change.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from confsync.apply_output import (
    TextLine,
    render_json,
    render_markdown,
    render_text,
    result_json,
    summary_line,
    text_lines,
)
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.plan.test_golden import first_publish, report_edited
from tests.support.golden import compare_golden

GOLDEN = Path(__file__).parent / "golden"
VIEWS = ("result.txt", "result.md", "result.json")


def normalise(text: str) -> str:
    # Page ids are five digits and more in the sandbox; no other number in a result is.
    text = re.sub(r"\b\d{5,}\b", "<id>", text)
    text = re.sub(r"\b(version(?: is:)?) \d+\b", r"\1 <n>", text)
    text = re.sub(r'("confsync_version": )"[^"]*"', r'\1"<confsync-version>"', text)
    # The plan goldens hold the digest of confsync.yaml; here it would only be noise.
    text = re.sub(r'("config_digest": )"[^"]*"', r'\1"<config-digest>"', text)
    return re.sub(r'("commit": )(null|"[^"]*")', r'\1"<commit>"', text)


def views(document: dict[str, Any]) -> dict[str, str]:
    return {
        "result.txt": normalise(render_text(document)),
        "result.md": normalise(render_markdown(document)),
        "result.json": normalise(render_json(document)),
    }


def compare(case: str, produced: dict[str, str]) -> None:
    compare_golden(GOLDEN / case, produced, suite="tests/apply")


def assert_views_agree(document: dict[str, Any]) -> None:
    """Every change of the JSON is in the text view (its own line, on stderr when it was not
    made) and in the markdown view (its own row), in the same order, with the same counts."""
    changes = document["changes"]
    lines = text_lines(document)
    markdown = render_markdown(document)
    rows = [line for line in markdown.splitlines() if line.startswith("| `")]
    if not changes:
        assert lines == []
        assert "**No changes.**" in markdown
        return
    assert len(lines) == len(changes) + 1
    assert lines[-1] == TextLine(summary_line(document), failed=False)
    assert f"**{summary_line(document)}**" in markdown
    s = document["summary"]
    assert s["changed"] + s["failed"] == len(changes)
    assert s["failed"] == sum(1 for c in changes if not c["ok"])
    assert s["skipped"] == sum(1 for c in changes if c["skipped"])
    uploaded = sum(len(c["attachments"]) for c in changes)
    assert f"| {s['changed']} | {s['failed']} | {s['skipped']} | {uploaded} |" in markdown
    assert len(rows) == len(changes)
    for change, line, row in zip(changes, lines[:-1], rows, strict=True):
        assert line.failed is not change["ok"]
        assert change["title"] in line.text
        assert f"`{change['address']}`" in row
        shown = html.unescape(row.replace("\\|", "|"))  # a cell's text, as a reader sees it
        assert change["title"] in shown
        if change["ok"]:
            assert change["error"] is None
            assert (change["link"] or "deleted") in line.text
            assert (change["link"] or "deleted") in shown
        else:
            assert change["link"] is None
            assert change["address"] in line.text
            assert line.text.endswith(change["error"])
            assert " ".join(change["error"].split()) in shown  # on one line in a cell
        for name in change["attachments"]:
            assert name in shown


# ---- the cases: what happens before the plan, and between the plan and apply ---------------

Scene = Callable[[RepoSpec, SandboxSite], Awaitable[None]]


async def nothing_to_do(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()


async def report_removed(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()
    del spec.reports["platform"]["2026-11-04-sprint-21"]
    spec.team_settings["platform"] = {"prune": True}
    spec.write()


async def edited_by_hand_after_the_plan(spec: RepoSpec, site: SandboxSite) -> None:
    await site.edit_by_hand("PLAT", "Sprint 22 - Retrospective", "<p>Added by hand.</p>")


async def title_taken_after_the_plan(spec: RepoSpec, site: SandboxSite) -> None:
    await site.create_by_hand("PLAT", "Retrospectives")


# case → (before the plan, between the plan and apply, its summary line)
CASES: dict[str, tuple[Scene, Scene | None, str | None]] = {
    "first_publish": (first_publish, None, "Apply complete: 8 changed, 0 failed."),
    "nothing_to_do": (nothing_to_do, None, None),
    "update": (report_edited, None, "Apply complete: 1 changed, 0 failed."),
    "delete": (report_removed, None, "Apply complete: 1 changed, 0 failed."),
    # A 409: the page moved on since the plan; the change fails, the others are made.
    "stale_page": (
        report_edited,
        edited_by_hand_after_the_plan,
        "Apply complete: 0 changed, 1 failed.",
    ),
    # A create refused (the title is taken): its parent failed, so its children are skipped.
    "parent_refused": (
        first_publish,
        title_taken_after_the_plan,
        "Apply complete: 5 changed, 3 failed.",
    ),
}


async def applied(spec: RepoSpec, case: str) -> dict[str, Any]:
    """The apply result document of ``case``."""
    from confsync.workflow import run_apply

    before, between, _ = CASES[case]
    site = SandboxSite(spec, in_memory=True)
    await before(spec, site)
    plan = await site.plan()
    if between is not None:
        await between(spec, site)
    workspace = site.workspace()
    async with site.backend(workspace) as confluence:
        result = await run_apply(workspace, plan, confluence)
    return result_json(plan, result)


@pytest.mark.anyio
@pytest.mark.parametrize("case", sorted(CASES))
async def test_golden_apply_result(case: str, spec: RepoSpec) -> None:
    document = await applied(spec, case)

    produced = views(document)
    summary = CASES[case][2]
    if summary is None:
        assert (document["changes"], produced["result.txt"]) == ([], "")
    else:
        assert produced["result.txt"].splitlines()[-1] == summary
    compare(case, produced)
    assert_views_agree(document)
    assert json.loads(render_json(document)) == document


@pytest.mark.anyio
async def test_a_skipped_change_names_the_parent_that_failed(spec: RepoSpec) -> None:
    document = await applied(spec, "parent_refused")

    skipped = [c for c in document["changes"] if c["skipped"]]
    assert [c["address"] for c in skipped] == [
        "platform/retrospective/2026-11-04-sprint-21",
        "platform/retrospective/2026-11-18-sprint-22",
    ]
    for change in skipped:
        assert change["error"] == "skipped: its parent platform/retrospective/parent failed"
        assert change["attachments"] == []
    assert document["summary"] == {"changed": 5, "failed": 3, "skipped": 2}


def _change(index: int, **fields: Any) -> dict[str, Any]:
    return {
        "address": f"team/retrospective/report-{index}",
        "action": "update",
        "space": "TEAM",
        "title": f"Report {index}",
        "ok": True,
        "skipped": False,
        "link": f"https://example.atlassian.net/wiki/pages/{index}",
        "error": None,
        "attachments": [],
        **fields,
    }


def _document(changes: list[dict[str, Any]], commit: str | None = None) -> dict[str, Any]:
    origin = {"confsync_version": "0.1.0", "config_digest": "0" * 20, "commit": commit}
    return {
        "format_version": "1.0",
        "origin": origin,
        "summary": {
            "changed": sum(1 for c in changes if c["ok"]),
            "failed": sum(1 for c in changes if not c["ok"]),
            "skipped": sum(1 for c in changes if c["skipped"]),
        },
        "changes": changes,
    }


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param([_change(1, action="create", attachments=["a.pdf", "b|c.png"])], id="files"),
        pytest.param([_change(1, action="delete", link=None)], id="delete"),
        pytest.param(
            [_change(1, ok=False, link=None, error="Confluence said <no> | twice\nthen stopped")],
            id="markup-in-an-error",
        ),
        pytest.param([_change(1, title="Q&A <draft> | notes")], id="markup-in-a-title"),
    ],
)
def test_the_views_agree_on_awkward_text(changes: list[dict[str, Any]]) -> None:
    document = _document(changes)
    assert_views_agree(document)
    [row] = [line for line in render_markdown(document).splitlines() if line.startswith("| `")]
    assert row.count(" | ") == 4  # five cells: nothing in the text broke the table


def test_the_markdown_view_names_the_commit_of_the_plan() -> None:
    document = _document([_change(1)], commit="3f1c2a9b1c2d4e5f6a7b8c9d0e1f2a3b4c5d6e7f")
    assert "Applied the plan made at commit `3f1c2a9b1c2d`." in render_markdown(document)


def test_a_long_markdown_view_is_cut_and_says_so() -> None:
    document = _document([_change(i) for i in range(400)])
    markdown = render_markdown(document, limit=5_000)
    assert len(markdown) <= 5_000
    shown = sum(1 for line in markdown.splitlines() if line.startswith("| `"))
    assert 0 < shown < 400
    assert f"… and {400 - shown} more changes not shown here" in markdown
    assert "**Apply complete: 400 changed, 0 failed.**" in markdown
