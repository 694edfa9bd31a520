"""plan and apply through the real command line, against the sandbox, in both dialects.

The CLI opens the sandbox file the repo's confsync.yaml names, exactly as a user's run does;
the tests look at Confluence through a second, in-process view of the same file.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter

import pytest

from tests.plan.cli import confsync
from tests.plan.sandbox_repo import RepoSpec, SandboxSite

NO_CHANGES = "No changes."
ONE_UPDATE = "Plan: 0 to create, 1 to update, 0 to move, 0 to delete."
FIRST = "Plan: 8 to create, 0 to update, 0 to move, 0 to delete."

PLAT_TITLES = [
    "Health Checks",
    "PLAT Home",
    "Q3 Health - Health Check",
    "Q4 Health - Health Check",
    "Retrospectives",
    "Sprint 21 - Retrospective",
    "Sprint 22 - Retrospective",
]


def titles(repo: RepoSpec, space: str) -> list[str]:
    return asyncio.run(SandboxSite(repo, checker=None).titles(space))


def summary(out: str) -> str:
    lines = out.splitlines()
    return next(line for line in reversed(lines) if line.startswith(("Plan:", NO_CHANGES)))


def completed(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("Apply complete:"))


def edit_report(repo: RepoSpec) -> None:
    items = repo.report("platform", "2026-11-18-sprint-22")["columns"][0]["items"]
    items.append({"text": "Shorter stand-ups", "votes": 2})
    repo.write()


def test_publish_edit_publish_converges(repo: RepoSpec) -> None:
    first = confsync(repo.root, "apply", "--auto-approve")
    assert first.code == 0, first.err
    assert summary(first.out) == FIRST
    assert completed(first.out) == "Apply complete: 8 changed, 0 failed."
    # Parents first; within a phase, changes finish in whatever order the network allows.
    progress = first.err.splitlines()
    assert sorted(progress[:3]) == [
        "ok: create mobile/retrospective/parent",
        "ok: create platform/health-check/parent",
        "ok: create platform/retrospective/parent",
    ]
    assert sorted(progress[3:]) == [
        "ok: create mobile/retrospective/2026-11-19-sprint-9",
        "ok: create platform/health-check/2026-10-01-q3-health",
        "ok: create platform/health-check/2026-11-18-q4-health",
        "ok: create platform/retrospective/2026-11-04-sprint-21",
        "ok: create platform/retrospective/2026-11-18-sprint-22",
    ]
    assert titles(repo, "PLAT") == PLAT_TITLES
    assert titles(repo, "MOB") == ["MOB Home", "Retrospectives", "Sprint 9 - Retrospective"]

    unchanged = confsync(repo.root, "plan", "--detailed-exitcode")
    assert (unchanged.code, unchanged.out) == (0, f"8 pages up to date.\n{NO_CHANGES}\n")

    edit_report(repo)
    edited = confsync(repo.root, "plan", "--detailed-exitcode")
    assert edited.code == 2, edited.err
    assert summary(edited.out) == ONE_UPDATE
    changed = [line for line in edited.out.splitlines() if line[:2] in ("+ ", "~ ", "- ", "! ")]
    assert changed == [
        "~ update 'Sprint 22 - Retrospective' "
        "(platform/retrospective/2026-11-18-sprint-22, space PLAT)"
    ]
    assert "      +Shorter stand-ups" in edited.out.splitlines()

    second = confsync(repo.root, "apply", "--auto-approve")
    assert second.code == 0, second.err
    assert summary(second.out) == ONE_UPDATE
    lines = second.out.splitlines()
    done = lines.index(completed(second.out))
    assert lines[done - 1].startswith("~ Sprint 22 - Retrospective: http://127.0.0.1:8090/")
    assert lines[done] == "Apply complete: 1 changed, 0 failed."

    after = confsync(repo.root, "plan", "--detailed-exitcode")
    assert (after.code, summary(after.out)) == (0, NO_CHANGES)
    again = confsync(repo.root, "apply", "--auto-approve")
    assert (again.code, again.out, again.err) == (0, f"8 pages up to date.\n{NO_CHANGES}\n", "")
    assert titles(repo, "PLAT") == PLAT_TITLES


def test_team_limits_the_plan(repo: RepoSpec) -> None:
    mobile = confsync(repo.root, "plan", "--team", "mobile", "--format", "json")
    assert mobile.code == 0, mobile.err
    assert '"platform/' not in mobile.out
    text = confsync(repo.root, "plan", "--team", "mobile")
    assert summary(text.out) == "Plan: 2 to create, 0 to update, 0 to move, 0 to delete."

    applied = confsync(repo.root, "apply", "--auto-approve", "--team", "mobile")
    assert applied.code == 0, applied.err
    assert titles(repo, "PLAT") == ["PLAT Home"]
    assert titles(repo, "MOB") == ["MOB Home", "Retrospectives", "Sprint 9 - Retrospective"]
    rest = confsync(repo.root, "plan", "--detailed-exitcode")
    assert (rest.code, summary(rest.out)) == (
        2,
        "Plan: 6 to create, 0 to update, 0 to move, 0 to delete.",
    )

    unknown = confsync(repo.root, "plan", "--team", "nosuch")
    assert (unknown.code, unknown.out) == (1, "")
    assert unknown.err == "Error: no team 'nosuch' in confsync.yaml; teams: platform, mobile\n"


def test_team_plan_never_prunes_another_team(repo: RepoSpec) -> None:
    repo.team_settings["platform"] = {"prune": True}
    repo.write()
    assert confsync(repo.root, "apply", "--auto-approve").code == 0
    del repo.reports["platform"]["2026-11-04-sprint-21"]
    repo.write()
    mobile = confsync(repo.root, "plan", "--team", "mobile", "--detailed-exitcode")
    assert (mobile.code, summary(mobile.out)) == (0, NO_CHANGES)
    platform = confsync(repo.root, "plan", "--team", "platform")
    assert summary(platform.out) == "Plan: 0 to create, 0 to update, 0 to move, 1 to delete."


def test_apply_off_a_terminal_without_auto_approve_is_a_usage_error(repo: RepoSpec) -> None:
    result = confsync(repo.root, "apply")
    assert result.code == 64
    assert result.err.splitlines()[-1] == (
        "Error: not on a terminal: pass --auto-approve to apply without asking"
    )
    assert titles(repo, "PLAT") == ["PLAT Home"]


def test_saved_plan_applies_exactly_and_refuses_after_a_hand_edit(repo: RepoSpec) -> None:
    assert confsync(repo.root, "apply", "--auto-approve").code == 0
    edit_report(repo)
    saved = repo.root / "plan.json"
    planned = confsync(repo.root, "plan", "--out", str(saved))
    assert planned.out.splitlines()[-1] == (
        f"Saved the plan to {saved}; apply it with: confsync apply {saved}"
    )
    site = SandboxSite(repo, checker=None)
    asyncio.run(site.edit_by_hand("PLAT", "Sprint 22 - Retrospective", "<p>Mine.</p>"))

    refused = confsync(repo.root, "apply", str(saved))
    # Refused as a whole, before any write, naming the page that moved on.
    assert (refused.code, refused.out) == (1, "")
    assert refused.err.startswith(
        "Error: Confluence changed since the plan was made "
        "(platform/retrospective/2026-11-18-sprint-22: page "
    )
    assert "nothing was applied" in refused.err
    page = asyncio.run(site.page("PLAT", "Sprint 22 - Retrospective"))
    assert (page.body or "").endswith("<p>Mine.</p>")


def test_saved_plan_without_changes_to_make(repo: RepoSpec) -> None:
    assert confsync(repo.root, "apply", "--auto-approve").code == 0
    saved = repo.root / "plan.json"
    assert confsync(repo.root, "plan", "--out", str(saved)).code == 0
    applied = confsync(repo.root, "apply", str(saved))
    assert (applied.code, applied.out) == (0, f"8 pages up to date.\n{NO_CHANGES}\n")


@pytest.mark.parametrize("edition", ["cloud"], indirect=True)
def test_exit_codes_through_a_real_process(repo: RepoSpec) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1"}
        return subprocess.run(
            [sys.executable, "-m", "confsync", "-C", str(repo.root), *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=60,
        )

    pending = run("plan", "--detailed-exitcode")
    assert (pending.returncode, summary(pending.stdout)) == (2, FIRST)
    assert run("apply", "--auto-approve").returncode == 0
    done = run("plan", "--detailed-exitcode")
    assert (done.returncode, summary(done.stdout)) == (0, NO_CHANGES)


@pytest.mark.parametrize("edition", ["cloud"], indirect=True)
def test_usage_errors_exit_64_never_2(repo: RepoSpec) -> None:
    bad = confsync(repo.root, "plan", "--format", "yaml", "--detailed-exitcode")
    assert (bad.code, bad.out) == (64, "")
    assert bad.err.splitlines()[-1] == (
        "Error: Invalid value for '--format': 'yaml' is not one of 'text', 'markdown', 'json'."
    )


def test_no_duplicate_titles(repo: RepoSpec) -> None:
    for _ in range(2):
        assert confsync(repo.root, "apply", "--auto-approve").code == 0
    counts = Counter(titles(repo, "PLAT") + titles(repo, "MOB"))
    assert [t for t, n in counts.items() if n > 1] == ["Retrospectives"]  # one per space
    assert counts["Retrospectives"] == 2


def test_a_team_with_no_reports_is_a_warning_and_its_pages_are_orphans(repo: RepoSpec) -> None:
    assert confsync(repo.root, "apply", "--auto-approve").code == 0
    repo.reports["platform"] = {}
    repo.write()

    planned = confsync(repo.root, "plan")

    assert planned.code == 0, planned.err
    assert planned.out.count("? orphan ") == 6  # the four reports and the two parents
    assert summary(planned.out) == NO_CHANGES
    assert planned.err.startswith("Warning: repo/confsync.yaml:12:18: teams[0].reports: ")
    assert "its pages in Confluence are kept (listed as orphans)" in planned.err


def test_a_plan_of_one_team_lists_no_orphans_of_another(repo: RepoSpec) -> None:
    assert confsync(repo.root, "apply", "--auto-approve").code == 0
    del repo.reports["platform"]["2026-11-04-sprint-21"]
    repo.write()

    mobile = confsync(repo.root, "plan", "--team", "mobile")
    platform = confsync(repo.root, "plan", "--team", "platform")

    assert "orphan" not in mobile.out
    assert "? orphan 'Sprint 21 - Retrospective'" in platform.out
