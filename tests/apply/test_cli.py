"""``confsync apply --format``: the result on stdout alone, everything else on stderr.

Through the real command line, against the sandbox file the repo names (as a user's run).
"""

from __future__ import annotations

import asyncio
import json

import pytest

from confsync.plan.output import PlanFormat
from tests.apply.test_golden import GOLDEN, normalise
from tests.plan.cli import confsync
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.plan.test_golden import edit_sprint_22
from tests.support.generated import README


def titles(spec: RepoSpec) -> list[str]:
    return asyncio.run(SandboxSite(spec, checker=None).titles("PLAT"))


def test_json_prints_the_result_alone_on_stdout(spec: RepoSpec) -> None:
    result = confsync(spec.root, "apply", "--format", "json", "--auto-approve")

    assert result.code == 0, result.err
    # The same document as the in-process golden of a first publish.
    assert normalise(result.out) == (GOLDEN / "first_publish" / "result.json").read_text()
    err = result.err.splitlines()
    assert "Plan: 8 to create, 0 to update, 0 to move, 0 to delete." in err
    assert "ok: create platform/retrospective/parent" in err
    assert "The pages are in the embedded sandbox. To browse them, run" in err


def test_json_without_auto_approve_is_refused_before_anything_is_read(spec: RepoSpec) -> None:
    result = confsync(spec.root, "apply", "--format", "json", input="y\n")

    assert (result.code, result.out) == (64, "")
    assert result.err.endswith(
        "Error: apply --format json never asks: pass --auto-approve or PLAN_FILE\n"
    )
    assert titles(spec) == ["PLAT Home"]


def test_json_applies_a_saved_plan_without_asking(spec: RepoSpec) -> None:
    assert confsync(spec.root, "apply", "--auto-approve").code == 0
    edit_sprint_22(spec)
    saved = spec.root / "plan.json"
    assert confsync(spec.root, "plan", "--out", str(saved)).code == 0

    result = confsync(spec.root, "apply", "--format", "json", str(saved))

    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["origin"] == json.loads(saved.read_text())["origin"]
    assert document["summary"] == {"changed": 1, "failed": 0, "skipped": 0}
    [change] = document["changes"]
    assert (change["address"], change["action"], change["ok"]) == (
        "platform/retrospective/2026-11-18-sprint-22",
        "update",
        True,
    )


def test_the_format_comes_from_the_environment_too(
    spec: RepoSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert confsync(spec.root, "apply", "--auto-approve").code == 0
    monkeypatch.setenv("CONFSYNC_APPLY_FORMAT", "json")

    again = confsync(spec.root, "apply", "--auto-approve")

    # Nothing to do is a result too: an empty one, the plan's "No changes." on stderr.
    assert again.code == 0, again.err
    document = json.loads(again.out)
    assert (document["summary"], document["changes"]) == (
        {"changed": 0, "failed": 0, "skipped": 0},
        [],
    )
    assert again.err.splitlines()[-1] == "No changes."


def test_markdown_prints_the_comment_alone_on_stdout(spec: RepoSpec) -> None:
    result = confsync(spec.root, "apply", "--format", "markdown", "--auto-approve")

    assert result.code == 0, result.err
    assert normalise(result.out) == (GOLDEN / "first_publish" / "result.md").read_text()
    assert "Plan: 8 to create, 0 to update, 0 to move, 0 to delete." in result.err


def test_a_blocked_plan_prints_no_result(spec: RepoSpec) -> None:
    asyncio.run(SandboxSite(spec, checker=None).create_by_hand("PLAT", "Sprint 22 - Retrospective"))

    result = confsync(spec.root, "apply", "--format", "json", "--auto-approve")

    assert (result.code, result.out) == (1, "")
    assert "Blocked: 0 drift, 1 conflict." in result.err.splitlines()
    assert result.err.endswith("Error: nothing was applied: the plan has blocking changes (!)\n")


def test_the_readme_lists_the_apply_formats_there_are() -> None:
    formats = r"\|".join(PlanFormat)
    [row] = [
        line for line in README.read_text().splitlines() if line.startswith("| `confsync apply ")
    ]
    assert f"[--format {formats}]" in row
