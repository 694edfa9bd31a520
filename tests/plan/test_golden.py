"""Golden plans: the text, markdown and JSON views of real plans against the sandbox.

Each case writes a repo into a temp folder, publishes it to the in-process sandbox (every request
checked against Atlassian's OpenAPI files when they are available), changes the repo or the
pages the way a person would, plans, and compares the three views with
``golden/<case>/plan.{txt,md,json}``. Volatile values (page ids, version numbers, the commit, the
confsync version) are replaced by placeholders first.

To refresh the golden files after an intended change of the plan or its views:

    CONFSYNC_UPDATE_GOLDEN=1 pytest tests/plan

then review ``git diff tests/plan/golden`` like any other change.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from confsync.plan.model import Plan
from confsync.plan.output import render_json, render_markdown, render_text
from tests.plan.cli import CliResult, confsync
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.support.golden import compare_golden

GOLDEN = Path(__file__).parent / "golden"

_ID_FIELDS = ("page_id", "parent_id", "attachment_id")


def _volatile_ids(data: dict[str, Any]) -> dict[str, str]:
    """Page and attachment ids in the order the plan first names them → stable placeholders."""
    found: dict[str, str] = {}
    for change in data["changes"]:
        states = [change.get("before") or {}, change.get("after") or {}, *change["attachments"]]
        for state in states:
            for name in _ID_FIELDS:
                value = state.get(name)
                if value is not None and value not in found:
                    found[value] = f"<id{len(found) + 1}>"
    return found


def normalise(text: str, ids: dict[str, str]) -> str:
    if ids:
        pattern = re.compile(r"\b(" + "|".join(re.escape(i) for i in ids) + r")\b")
        text = pattern.sub(lambda m: ids[m.group(1)], text)
    text = re.sub(r'("(?:attachment_)?version": )\d+', r'\1"<n>"', text)
    text = re.sub(r"\bversion \d+\b", "version <n>", text)
    text = re.sub(r"--db \S+", "--db <sandbox-file>", text)
    text = re.sub(r'("confsync_version": )"[^"]*"', r'\1"<confsync-version>"', text)
    text = re.sub(r'("commit": )(null|"[^"]*")', r'\1"<commit>"', text)
    return re.sub(r"http://sandbox\.local/\S*", "<sandbox-url>", text)


def views(plan: Plan) -> dict[str, str]:
    data = plan.to_json()
    ids = _volatile_ids(data)
    return {
        "plan.txt": normalise(render_text(plan), ids),
        "plan.md": normalise(render_markdown(plan), ids),
        "plan.json": normalise(render_json(plan), ids),
    }


def compare(case: str, produced: dict[str, str]) -> None:
    compare_golden(GOLDEN / case, produced, suite="tests/plan")


# ---- the cases: each changes the repo or Confluence; the test then plans ----------------------

Setup = Callable[[RepoSpec, SandboxSite], Awaitable[None]]


async def first_publish(spec: RepoSpec, site: SandboxSite) -> None:
    pass


async def no_change(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()


async def report_edited(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()
    edit_sprint_22(spec)


def edit_sprint_22(spec: RepoSpec) -> None:
    items = spec.report("platform", "2026-11-18-sprint-22")["columns"][0]["items"]
    items[0] = {"text": "Deploys are much faster", "votes": 9}
    spec.write()


async def title_template_changed(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()
    spec.team_settings["platform"] = {
        "retrospectives": {"title": "{{TeamName}}: {{RetrospectiveTitleOrDate}}"},
        "health_checks": {"title": "{{TeamName}}: {{HealthCheckTitleOrDate}} ({{MMM}} {{YYYY}})"},
    }
    spec.write()


async def moved_by_hand(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()
    await site.move_by_hand("PLAT", "Sprint 21 - Retrospective", "Health Checks")


def _drift(on_drift: str) -> Setup:
    async def setup(spec: RepoSpec, site: SandboxSite) -> None:
        await site.apply()
        await site.edit_by_hand("PLAT", "Sprint 21 - Retrospective", "<p>Added by hand.</p>")
        spec.team_settings["platform"] = {"on_drift": on_drift}
        spec.write()

    return setup


def _title_taken(adopt: bool) -> Setup:
    async def setup(spec: RepoSpec, site: SandboxSite) -> None:
        await site.create_by_hand("PLAT", "Sprint 22 - Retrospective")
        if adopt:
            spec.team_settings["platform"] = {"adopt": True}
            spec.write()

    return setup


async def parent_exists(spec: RepoSpec, site: SandboxSite) -> None:
    await site.create_by_hand("PLAT", "Retrospectives")


async def deleted_by_hand(spec: RepoSpec, site: SandboxSite) -> None:
    await site.apply()
    page = await site.page("PLAT", "Sprint 21 - Retrospective")
    async with site.backend() as confluence:
        await confluence.delete_page(page.id)


def _report_removed(prune: bool) -> Setup:
    async def setup(spec: RepoSpec, site: SandboxSite) -> None:
        await site.apply()
        del spec.reports["platform"]["2026-11-04-sprint-21"]
        if prune:
            spec.team_settings["platform"] = {"prune": True}
        spec.write()

    return setup


async def labels_changed(spec: RepoSpec, site: SandboxSite) -> None:
    """A label added by hand, then the team's retrospective labels changed in the config."""
    await site.apply()
    await site.label_by_hand("PLAT", "Sprint 21 - Retrospective", "keep-me")
    spec.team_settings["platform"] = {"retrospectives": {"labels": ["retro", "platform"]}}
    spec.write()


NONE = "No changes."

# case → (setup, its summary line, whether apply then converges to "No changes.")
CASES: dict[str, tuple[Setup, str, bool]] = {
    "first_publish": (
        first_publish,
        "Plan: 8 to create, 0 to update, 0 to move, 0 to delete.",
        True,
    ),
    "no_change": (no_change, NONE, True),
    "report_edited": (
        report_edited,
        "Plan: 0 to create, 1 to update, 0 to move, 0 to delete.",
        True,
    ),
    "title_template_changed": (
        title_template_changed,
        "Plan: 0 to create, 4 to update, 0 to move, 0 to delete.",
        True,
    ),
    "moved_by_hand": (
        moved_by_hand,
        "Plan: 0 to create, 0 to update, 1 to move, 0 to delete.",
        True,
    ),
    "drift_fail": (
        _drift("fail"),
        "Plan: 0 to create, 0 to update, 0 to move, 0 to delete.\nBlocked: 1 drift, 0 conflicts.",
        False,
    ),
    "drift_skip": (_drift("skip"), NONE, False),
    "drift_overwrite": (
        _drift("overwrite"),
        "Plan: 0 to create, 1 to update, 0 to move, 0 to delete.",
        True,
    ),
    "conflict": (
        _title_taken(adopt=False),
        "Plan: 7 to create, 0 to update, 0 to move, 0 to delete.\nBlocked: 0 drift, 1 conflict.",
        False,
    ),
    "adopt": (
        _title_taken(adopt=True),
        "Plan: 7 to create, 1 to update, 0 to move, 0 to delete.",
        True,
    ),
    "prune_on": (
        _report_removed(prune=True),
        "Plan: 0 to create, 0 to update, 0 to move, 1 to delete.",
        True,
    ),
    "prune_off": (_report_removed(prune=False), NONE, False),
    "parent_exists": (
        parent_exists,
        "Plan: 7 to create, 0 to update, 0 to move, 0 to delete.",
        True,
    ),
    "labels_changed": (
        labels_changed,
        "Plan: 0 to create, 2 to update, 0 to move, 0 to delete.",
        True,
    ),
    "deleted_by_hand": (
        deleted_by_hand,
        "Plan: 1 to create, 0 to update, 0 to move, 0 to delete.",
        True,
    ),
}


@pytest.mark.anyio
@pytest.mark.parametrize("case", sorted(CASES))
async def test_golden_plan(case: str, spec: RepoSpec) -> None:
    setup, summary, converges = CASES[case]
    site = SandboxSite(spec, in_memory=True)
    await setup(spec, site)

    plan = await site.plan()

    produced = views(plan)
    # The stable last lines: the summary, "Blocked: ..." when something blocks, then uploads.
    tail = produced["plan.txt"].splitlines()
    tail = tail[:-1] if plan.uploads else tail
    assert "\n".join(tail[-len(summary.splitlines()) :]) == summary
    compare(case, produced)
    assert Plan.from_json(plan.to_json()) == plan
    assert Plan.from_json(json.loads(render_json(plan))) == plan
    if converges:
        await site.apply()
        again = await site.plan()
        assert render_text(again).splitlines()[-1] == NONE
        assert not again.has_changes


@pytest.mark.anyio
async def test_title_template_change_renames_in_place(spec: RepoSpec) -> None:
    site = SandboxSite(spec, in_memory=True)
    await title_template_changed(spec, site)
    await site.apply()
    assert await site.titles("PLAT") == [
        "Health Checks",
        "PLAT Home",
        "Platform Team: Q3 Health (Oct 2026)",
        "Platform Team: Q4 Health (Nov 2026)",
        "Platform Team: Sprint 21",
        "Platform Team: Sprint 22",
        "Retrospectives",
    ]


@pytest.mark.parametrize(
    ("case", "blocking"),
    [("drift_fail", 1), ("drift_skip", 0), ("conflict", 1), ("prune_off", 0)],
)
def test_cases_that_write_nothing(case: str, blocking: int, spec: RepoSpec) -> None:
    # Sync test: the CLI runs its own event loop.
    setup = CASES[case][0]
    site = SandboxSite(spec)
    asyncio.run(setup(spec, site))
    plan = asyncio.run(site.plan())
    assert len(plan.blocking) == blocking
    titles_before = asyncio.run(site.titles("PLAT"))
    result = confsync(spec.root, "apply", "--auto-approve")
    assert result.code == (1 if blocking else 0), result.err
    if blocking:
        assert result.err == ("Error: nothing was applied: the plan has blocking changes (!)\n")
    assert asyncio.run(site.titles("PLAT")) == titles_before


def test_stale_plan_file_is_refused(spec: RepoSpec) -> None:
    first = confsync(spec.root, "apply", "--auto-approve")
    assert first.code == 0, first.err
    edit_sprint_22(spec)
    saved = spec.root / "plan.json"
    planned = confsync(spec.root, "plan", "--out", str(saved), "--format", "json")
    assert planned.code == 0, planned.err
    plan = Plan.from_json(json.loads(saved.read_text()))
    assert planned.out == saved.read_text()

    items = spec.report("platform", "2026-11-18-sprint-22")["columns"][0]["items"]
    items.append({"text": "Written after the plan", "votes": 1})
    spec.write()
    refused = confsync(spec.root, "apply", str(saved))

    produced = views(plan)
    produced["apply.txt"] = normalise(
        f"exit {refused.code}\n--- stdout\n{refused.out}--- stderr\n{refused.err}",
        _volatile_ids(plan.to_json()),
    )
    compare("stale_plan", produced)
    assert refused.code == 1
    assert refused.out == ""  # a refused plan is not shown as if it were about to be applied
    assert refused.err == (
        "Error: reports/platform/2026-11-18-sprint-22.yaml changed since the plan was made: "
        "run plan again\n"
    )
    # Nothing was written: the page still has the content of the first apply.
    again = confsync(spec.root, "plan")
    assert again.out.splitlines()[-1] == "Plan: 0 to create, 1 to update, 0 to move, 0 to delete."


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=CI", "-c", "user.email=ci@example.com", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def _saved_update(spec: RepoSpec) -> Path:
    """A repo in git, published; then a commit that edits one report, and its saved plan."""
    _git(spec.root, "init", "-q", "-b", "main")
    _git(spec.root, "add", "-A")
    _git(spec.root, "commit", "-q", "-m", "reports")
    first = confsync(spec.root, "apply", "--auto-approve")
    assert first.code == 0, first.err
    edit_sprint_22(spec)
    _git(spec.root, "commit", "-q", "-am", "edit sprint 22")
    saved = spec.root / ".confsync" / "plan.json"
    planned = confsync(spec.root, "plan", "--out", str(saved))
    assert planned.code == 0, planned.err
    return saved


def _apply_view(plan_file: Path, result: CliResult) -> dict[str, str]:
    plan = Plan.from_json(json.loads(plan_file.read_text()))
    produced = views(plan)
    produced["apply.txt"] = normalise(
        f"exit {result.code}\n--- stdout\n{result.out}--- stderr\n{result.err}",
        _volatile_ids(plan.to_json()),
    )
    return produced


def test_an_applied_plan_is_refused_before_any_write(spec: RepoSpec) -> None:
    saved = _saved_update(spec)
    done = confsync(spec.root, "apply", str(saved))
    assert done.code == 0, done.err
    site = SandboxSite(spec)
    before = asyncio.run(site.page("PLAT", "Sprint 22 - Retrospective")).version.number

    again = confsync(spec.root, "apply", str(saved))

    compare("applied_plan", _apply_view(saved, again))
    assert again.code == 1
    assert again.out == ""
    assert "platform/retrospective/2026-11-18-sprint-22: page" in again.err
    assert "Was this plan applied already?" in again.err
    after = asyncio.run(site.page("PLAT", "Sprint 22 - Retrospective")).version.number
    assert after == before


def test_a_plan_applies_after_a_merge_commit_that_changed_nothing_it_depends_on(
    spec: RepoSpec,
) -> None:
    saved = _saved_update(spec)
    # The pull request is merged: a new commit, with a file the plan does not depend on.
    (spec.root / "NOTES.md").write_text("Merged.\n")
    _git(spec.root, "add", "NOTES.md")
    _git(spec.root, "commit", "-q", "-m", "Merge pull request #7")

    done = confsync(spec.root, "apply", str(saved))

    compare("applied_after_merge", _apply_view(saved, done))
    assert done.code == 0, done.err
    assert confsync(spec.root, "plan").out.splitlines()[-1] == NONE
