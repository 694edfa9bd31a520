"""Planning part of a repo (--team, --target, --changed-since), teams as a CI matrix, and the
command line's conventions (colour, CONFSYNC_* variables), through the real CLI on the sandbox.

The --changed-since cases build a real git repo in a temp folder; the selection rules are also
checked without Confluence, on the desired pages ``prepare`` renders.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from confsync import cli
from confsync.plan.model import Plan, PlanOrigin, Selection
from confsync.selection import select
from confsync.workflow import prepare
from tests.plan.cli import CliResult, confsync
from tests.plan.sandbox_repo import TEAM_SPACES, RepoSpec

SPRINT_22 = "platform/retrospective/2026-11-18-sprint-22"
RETRO_PARENT = "platform/retrospective/parent"
SPRINT_9 = "mobile/retrospective/2026-11-19-sprint-9"
MOBILE_PARENT = "mobile/retrospective/parent"
Q3, Q4 = "platform/health-check/2026-10-01-q3-health", "platform/health-check/2026-11-18-q4-health"
HEALTH_PARENT = "platform/health-check/parent"
ALL = [
    MOBILE_PARENT,
    HEALTH_PARENT,
    RETRO_PARENT,
    SPRINT_9,
    Q3,
    Q4,
    "platform/retrospective/2026-11-04-sprint-21",
    SPRINT_22,
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RepoSpec:
    """The fixture repo (two teams, five reports) on a fresh, empty sandbox."""
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    spec.write()
    return spec


def plan_json(repo: RepoSpec, *args: str) -> tuple[dict[str, Any], CliResult]:
    result = confsync(repo.root, "plan", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out), result


def addresses(plan: dict[str, Any], *actions: str) -> list[str]:
    wanted = actions or ("create", "update", "move", "noop", "delete", "conflict", "drift")
    return [c["address"] for c in plan["changes"] if c["action"] in wanted]


def edit(repo: RepoSpec, team: str, stem: str, text: str = "Shorter stand-ups") -> None:
    report = repo.report(team, stem)
    if report["kind"] == "retrospective":
        report["columns"][0]["items"].append({"text": text, "votes": 1})
    else:
        report["dimensions"][0]["comments"].append(text)
    repo.write()


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def committed(repo: RepoSpec) -> RepoSpec:
    (repo.root / ".gitignore").write_text(".confsync/\n")
    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "reports")
    return repo


# ---- --team, repeatable ---------------------------------------------------------------------


def test_repeated_team_plans_those_teams_and_not_a_third(
    repo: RepoSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(TEAM_SPACES, "data", "DATA")
    repo.team_names["data"] = "Data Team"
    repo.team_settings["data"] = {}
    sprint = copy.deepcopy(repo.report("mobile", "2026-11-19-sprint-9"))
    repo.reports["data"] = {"2026-11-20-sprint-3": {**sprint, "title": "Sprint 3"}}
    repo.write()

    plan, result = plan_json(repo, "--team", "platform", "--team", "data")
    teams = {a.split("/")[0] for a in addresses(plan)}
    assert teams == {"platform", "data"}
    assert result.err == ""  # whole teams: nothing to say
    assert plan["origin"]["selection"]["teams"] == ["data", "platform"]


def test_an_unknown_team_names_the_known_ones(repo: RepoSpec) -> None:
    result = confsync(repo.root, "plan", "--team", "mobile", "--team", "web", "--team", "ios")
    assert (result.code, result.out) == (1, "")
    assert result.err == "Error: no teams 'ios', 'web' in confsync.yaml; teams: platform, mobile\n"


def test_team_selection_prunes_only_the_selected_teams(repo: RepoSpec) -> None:
    repo.team_settings = {"platform": {"prune": True}, "mobile": {"prune": True}}
    repo.write()
    assert confsync(repo.root, "apply", "--auto-approve").code == 0
    del repo.reports["platform"]["2026-11-04-sprint-21"]
    del repo.reports["mobile"]["2026-11-19-sprint-9"]
    repo.write()

    only_platform, _ = plan_json(repo, "--team", "platform")
    assert addresses(only_platform, "delete") == ["platform/retrospective/2026-11-04-sprint-21"]
    both, _ = plan_json(repo, "--team", "platform", "--team", "mobile")
    assert sorted(addresses(both, "delete")) == sorted(
        [MOBILE_PARENT, SPRINT_9, "platform/retrospective/2026-11-04-sprint-21"]
    )
    # Anything narrower than whole teams never deletes.
    targeted, _ = plan_json(repo, "--target", SPRINT_22)
    assert addresses(targeted, "delete") == []


# ---- --target -------------------------------------------------------------------------------


def test_target_creates_one_report_and_its_parent(repo: RepoSpec) -> None:
    plan, result = plan_json(repo, "--target", SPRINT_22)
    assert addresses(plan) == [RETRO_PARENT, SPRINT_22]
    assert addresses(plan, "create") == [RETRO_PARENT, SPRINT_22]
    assert result.err == "Planning 1 of 5 reports (named by --target); prune is off in this mode.\n"

    applied = confsync(repo.root, "apply", "--auto-approve", "--target", SPRINT_22)
    assert applied.code == 0, applied.err
    assert "Apply complete: 2 changed, 0 failed." in applied.out
    everything, _ = plan_json(repo)
    assert sorted(addresses(everything, "noop")) == sorted([RETRO_PARENT, SPRINT_22])
    assert len(addresses(everything, "create")) == 6


def test_an_unknown_target_suggests_close_addresses(repo: RepoSpec) -> None:
    result = confsync(repo.root, "plan", "--target", "platform/retrospective/sprint-22")
    assert result.code == 1
    assert result.err.startswith(
        f"Error: no page at 'platform/retrospective/sprint-22' (did you mean {SPRINT_22} or "
    )
    assert "as plan --format json shows it" in result.err


# ---- --changed-since ------------------------------------------------------------------------


def test_changed_since_plans_the_changed_report_and_its_parent(repo: RepoSpec) -> None:
    committed(repo)
    edit(repo, "platform", "2026-11-18-sprint-22")  # not committed: the working tree counts

    plan, result = plan_json(repo, "--changed-since", "HEAD")
    assert addresses(plan) == [RETRO_PARENT, SPRINT_22]
    assert result.err == (
        "Planning 1 of 5 reports (changed since HEAD); prune is off in this mode.\n"
    )
    selection = plan["origin"]["selection"]
    assert selection["changed_since"] == "HEAD"
    assert selection["changed_since_commit"] == git(repo.root, "rev-parse", "HEAD").strip()

    git(repo.root, "commit", "-q", "-am", "edit")
    since_parent, _ = plan_json(repo, "--changed-since", "HEAD~1")
    assert addresses(since_parent) == [RETRO_PARENT, SPRINT_22]
    nothing, quiet = plan_json(repo, "--changed-since", "HEAD")
    assert (nothing["changes"], quiet.err) == (
        [],
        "Planning 0 of 5 reports (changed since HEAD); prune is off in this mode.\n",
    )


def test_changed_since_composes_with_team(repo: RepoSpec) -> None:
    committed(repo)
    edit(repo, "platform", "2026-11-18-sprint-22")
    edit(repo, "mobile", "2026-11-19-sprint-9")

    both, _ = plan_json(repo, "--changed-since", "HEAD")
    assert addresses(both) == [MOBILE_PARENT, RETRO_PARENT, SPRINT_9, SPRINT_22]
    mobile, result = plan_json(repo, "--team", "mobile", "--changed-since", "HEAD")
    assert addresses(mobile) == [MOBILE_PARENT, SPRINT_9]
    assert result.err == (
        "Planning 1 of 5 reports (team mobile, changed since HEAD); prune is off in this mode.\n"
    )
    neither, _ = plan_json(repo, "--target", SPRINT_22, "--team", "mobile")
    assert neither["changes"] == []


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("no-such-branch", "Error: --changed-since no-such-branch: git says: fatal: bad revision "
         "'no-such-branch'\n"),
        ("--output=x", "Error: --changed-since '--output=x': not a git revision\n"),
    ],
)  # fmt: skip
def test_changed_since_a_ref_git_does_not_know_exits_1(
    repo: RepoSpec, ref: str, message: str
) -> None:
    committed(repo)
    result = confsync(repo.root, "plan", f"--changed-since={ref}")
    assert (result.code, result.out, result.err) == (1, "", message)
    assert not (repo.root / "x").exists()


def test_changed_since_outside_a_git_repo_exits_1(
    repo: RepoSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.root.parent))
    result = confsync(repo.root, "apply", "--auto-approve", "--changed-since", "HEAD")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith("Error: --changed-since HEAD: git says: fatal: not a git repo")


# The rules, without Confluence: which pages a change to which file selects.
@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"reports/platform/2026-11-18-sprint-22.yaml"}, [RETRO_PARENT, SPRINT_22]),
        ({"reports/platform/burndown.png"}, [RETRO_PARENT, SPRINT_22]),  # an attachment
        ({"confsync.yaml"}, ALL),
        # A health check's page compares with the one before: the team's health checks.
        ({"reports/platform/2026-10-01-q3-health.yaml"}, [HEALTH_PARENT, Q3, Q4]),
        ({"reports/platform/2026-09-01-q2-health.yaml"}, [HEALTH_PARENT, Q3, Q4]),  # removed
        ({"templates/platform/retrospective.xml.j2"}, []),  # platform has no templates
        ({"README.md", "reports/mobile/notes.txt"}, []),
        (set(), []),
    ],
)  # fmt: skip
def test_which_changes_select_which_pages(
    repo: RepoSpec, files: set[str], expected: list[str]
) -> None:
    workspace = prepare(repo.root)
    chosen = select(workspace.repo, workspace.desired, Selection.of(), frozenset(files))
    assert [str(d.address) for d in chosen] == expected


def test_a_template_change_selects_the_teams_pages(repo: RepoSpec) -> None:
    (repo.root / "templates").mkdir()
    (repo.root / "templates" / "notes.md").write_text("The templates of mobile.\n")
    repo.team_settings["mobile"] = {"templates": "./templates/"}
    repo.write()
    workspace = prepare(repo.root)
    changed = frozenset({"templates/notes.md"})
    chosen = select(workspace.repo, workspace.desired, Selection.of(), changed)
    assert [str(d.address) for d in chosen] == [MOBILE_PARENT, SPRINT_9]


def test_an_untracked_report_counts_as_changed(repo: RepoSpec) -> None:
    committed(repo)
    sprint = copy.deepcopy(repo.report("mobile", "2026-11-19-sprint-9"))
    repo.reports["mobile"]["2026-12-03-sprint-10"] = {**sprint, "title": "Sprint 10"}
    repo.write()
    plan, _ = plan_json(repo, "--changed-since", "HEAD")
    assert addresses(plan) == [MOBILE_PARENT, "mobile/retrospective/2026-12-03-sprint-10"]


# ---- a saved plan keeps its selection ---------------------------------------------------------


def test_a_saved_plan_is_applied_only_with_its_own_selection(repo: RepoSpec) -> None:
    saved = repo.root.parent / "mobile.json"
    made = confsync(repo.root, "plan", "--team", "mobile", "--out", str(saved))
    assert made.code == 0, made.err

    other = confsync(repo.root, "apply", "--team", "platform", str(saved))
    assert (other.code, other.out) == (1, "")
    assert other.err == (
        "Error: the plan was made with --team mobile, this apply has --team platform: apply it "
        "with the options it was made with (--changed-since naming the same commit), or plan "
        "again\n"
    )
    bare = confsync(repo.root, "apply", str(saved))
    assert bare.code == 1
    assert "this apply has no --team, --target or --changed-since" in bare.err

    same = confsync(repo.root, "apply", "--team", "mobile", str(saved))
    assert same.code == 0, same.err
    assert "Apply complete: 2 changed, 0 failed." in same.out


def test_the_selection_survives_the_plan_file_and_old_files_still_read() -> None:
    selection = Selection(("mobile",), (SPRINT_9,), "origin/main", "3f1c" * 10)
    plan = Plan(PlanOrigin("0.1.0", "cfg", "abc", selection), ())
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert again.origin.selection is not None
    assert again.origin.selection.changed_since == "origin/main"

    whole = Plan(PlanOrigin("0.1.0", "cfg", "abc"), ())
    assert "selection" not in whole.to_json()["origin"]  # as plan files were before
    old = {"format_version": "1.0", "changes": []}
    old["origin"] = {"confsync_version": "0.1.0", "config_digest": "cfg", "commit": None}
    assert Plan.from_json(old).origin.selection is None


def test_selections_are_equal_by_commit_not_by_the_name_of_the_ref() -> None:
    by_name = Selection(changed_since="origin/main", changed_since_commit="a" * 40)
    assert by_name == Selection(changed_since="a" * 40, changed_since_commit="a" * 40)
    assert by_name != Selection(changed_since="origin/main", changed_since_commit="b" * 40)
    assert by_name != Selection.of()
    assert Selection.of(["b", "a", "b"]) == Selection(("a", "b"))


# ---- teams ----------------------------------------------------------------------------------


def test_teams_as_a_github_actions_matrix(repo: RepoSpec) -> None:
    result = confsync(repo.root, "teams", "--format", "json")
    assert result.code == 0, result.err
    assert result.out.count("\n") == 1  # one line, for $GITHUB_OUTPUT
    assert json.loads(result.out) == {
        "include": [
            {
                "team": "platform",
                "name": "Platform Team",
                "space": "PLAT",
                "reports": "reports/platform",
                "report_count": 4,
            },
            {
                "team": "mobile",
                "name": "Mobile Team",
                "space": "MOB",
                "reports": "reports/mobile",
                "report_count": 1,
            },
        ]
    }
    assert not (repo.root / ".confsync").exists()  # offline: the sandbox was never opened


def test_teams_as_text(repo: RepoSpec) -> None:
    result = confsync(repo.root, "teams")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "TEAM      NAME           SPACE  REPORTS FOLDER    REPORTS\n"
        "platform  Platform Team  PLAT   reports/platform  4\n"
        "mobile    Mobile Team    MOB    reports/mobile    1\n"
    )


# ---- colour ---------------------------------------------------------------------------------

ANSI = "\x1b["


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], False),  # not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({}, ["--color"], True),
        ({"NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1"}, ["--color"], True),  # the flag wins
        ({"FORCE_COLOR": "1"}, ["--no-color"], False),
        ({"FORCE_COLOR": ""}, [], False),  # empty is unset
        ({"CONFSYNC_PLAN_COLOR": "1"}, [], True),
    ],
)
def test_colour(
    repo: RepoSpec,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    coloured: bool,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = confsync(repo.root, "plan", *args)
    assert result.code == 0, result.err
    assert (ANSI in result.out) is coloured
    assert "Plan: 8 to create, 0 to update, 0 to move, 0 to delete." in result.out


# ---- CONFSYNC_* variables -------------------------------------------------------------------


def run_without_directory(*args: str) -> CliResult:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = cli.run(cli.cli.main, list(args))
    return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


def test_options_from_the_environment(repo: RepoSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.root.parent)  # not the repo: CONFSYNC_DIRECTORY names it
    monkeypatch.setenv("CONFSYNC_DIRECTORY", str(repo.root))
    monkeypatch.setenv("CONFSYNC_PLAN_FORMAT", "json")
    monkeypatch.setenv("CONFSYNC_PLAN_TEAM", "mobile")
    monkeypatch.setenv("CONFSYNC_VERSION", "0.1.0")  # a version to install, not --version
    result = run_without_directory("plan")
    assert result.code == 0, result.err
    assert addresses(json.loads(result.out)) == [MOBILE_PARENT, SPRINT_9]

    monkeypatch.setenv("CONFSYNC_PLAN_TEAM", "mobile platform")  # several: space-separated
    monkeypatch.setenv("CONFSYNC_PLAN_FORMAT", "markdown")
    monkeypatch.setenv("CONFSYNC_TEAMS_FORMAT", "json")
    assert run_without_directory("plan").out.startswith("#")
    assert json.loads(run_without_directory("teams").out)["include"][1]["team"] == "mobile"
    # The command line wins over the environment.
    flagged = run_without_directory("plan", "--format", "json", "--team", "platform")
    assert {a.split("/")[0] for a in addresses(json.loads(flagged.out))} == {"platform"}
