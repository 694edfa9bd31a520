"""The diff, pure: desired pages × an observation → a plan. No HTTP, no sandbox.

Each case builds ``DesiredPage`` and ``Observation`` values directly and states the actions,
reasons and flags the plan must have, change by change, in the order the plan lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from confsync.config import Team
from confsync.plan.bodytext import body_text
from confsync.plan.diff import diff
from confsync.plan.model import Action, Change, Plan, PlanOrigin
from confsync.plan.observation import Observation, SpaceView, message_for
from confsync.types import (
    DesiredPage,
    ManagedMark,
    Page,
    PageAddress,
    PageStatus,
    PageVersion,
    ParentRef,
    ReportKind,
    Space,
)

ORIGIN = PlanOrigin("0.0.0-test", "cfg", None)
SPACE = Space(id="900", key="PLAT", name="Platform", homepage_id="1")
HOME = Page("1", "900", "PLAT Home", None, PageStatus.CURRENT, PageVersion(1))
RETRO = ReportKind.RETROSPECTIVE
PARENT = PageAddress("platform", RETRO, "parent")
SPRINT = PageAddress("platform", RETRO, "sprint-22")
OLD = PageAddress("platform", RETRO, "sprint-21")
HAND = "fixed a typo"


def desired(
    address: PageAddress,
    title: str,
    digest: str,
    parent: ParentRef | None = None,
    body: str = "<p>Deploys are faster</p>",
) -> DesiredPage:
    if parent is None:
        parent = ParentRef() if address.is_parent else ParentRef(address=PARENT)
    source = "confsync.yaml" if address.is_parent else f"reports/platform/{address.name}.yaml"
    return DesiredPage(address, "PLAT", parent, title, digest, source, render=lambda: body)


def page(page_id: str, title: str, parent_id: str | None, message: str, version: int = 2) -> Page:
    return Page(page_id, "900", title, parent_id, PageStatus.CURRENT, PageVersion(version, message))


def mark(address: PageAddress) -> ManagedMark:
    return ManagedMark(
        address=str(address), source=f"reports/platform/{address.name}.yaml", version="0.1.0"
    )


def ours(digest: str) -> str:
    return message_for(digest)


PARENT_PAGE = desired(PARENT, "Retrospectives", "d-parent")
SPRINT_PAGE = desired(SPRINT, "Sprint 22 - Retrospective", "d-sprint")
LIVE_PARENT = page("10", "Retrospectives", "1", ours("d-parent"))


@dataclass
class Case:
    desired: list[DesiredPage]
    pages: list[Page]
    marks: dict[str, ManagedMark | None] = field(default_factory=dict)
    team: dict[str, Any] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)


def plan_of(case: Case) -> Plan:
    team = Team(id="platform", name="Platform", space="PLAT", reports="r", **case.team)
    view = SpaceView(SPACE, (HOME, *case.pages), case.marks)
    observation = Observation({"PLAT": view}, bodies=case.bodies)
    return diff(case.desired, observation, {"platform": team}, ORIGIN)


def actions(plan: Plan) -> list[tuple[str, Action, bool]]:
    return [(c.address, c.action, c.blocking) for c in plan.changes]


def change_at(plan: Plan, address: PageAddress) -> Change:
    return next(c for c in plan.changes if c.address == str(address))


P, S, GONE = str(PARENT), str(SPRINT), str(OLD)

# name → (case, expected [(address, action, blocking)], expected reason of the sprint change)
CASES: dict[str, tuple[Case, list[tuple[str, Action, bool]], str | None]] = {
    "create": (
        Case([PARENT_PAGE, SPRINT_PAGE], []),
        [(P, Action.CREATE, False), (S, Action.CREATE, False)],
        "new report",
    ),
    "noop: digest in the version message": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", ours("d-sprint"))],
        ),
        [(P, Action.NOOP, False), (S, Action.NOOP, False)],
        "up to date",
    ),
    "update: digest differs": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", ours("d-old"))],
            {"11": mark(SPRINT)},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "report changed",
    ),
    "rename: title template changed is an update, not delete+create": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 (retro)", "10", ours("d-old"))],
            {"11": mark(SPRINT)},
            team={"prune": True},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "report changed",
    ),
    "move: moved by hand under another page": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("12", "Elsewhere", "1", ""),
                page("11", "Sprint 22 - Retrospective", "12", ours("d-sprint")),
            ],
        ),
        [(P, Action.NOOP, False), (S, Action.MOVE, False)],
        "moved by hand; back under Retrospectives",
    ),
    "drift, on_drift fail: blocking": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", HAND, version=5)],
            {"11": mark(SPRINT)},
            team={"on_drift": "fail"},
        ),
        [(P, Action.NOOP, False), (S, Action.DRIFT, True)],
        "edited by hand since confsync last wrote it (version 5); on_drift is fail: keep the "
        "edit in the report file, or set on_drift: overwrite or skip",
    ),
    "drift, on_drift skip: shown, not blocking, nothing written": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", HAND, version=5)],
            {"11": mark(SPRINT)},
            team={"on_drift": "skip"},
        ),
        [(P, Action.NOOP, False), (S, Action.DRIFT, False)],
        "edited by hand since confsync last wrote it (version 5); skipped",
    ),
    "drift, on_drift overwrite: an update": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", HAND, version=5)],
            {"11": mark(SPRINT)},
            team={"on_drift": "overwrite"},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "edited by hand since confsync last wrote it (version 5); overwriting",
    ),
    "conflict: an unmanaged page has the title (any case)": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "SPRINT 22 - retrospective", "1", "", version=1)],
            {"11": None},
        ),
        [(P, Action.NOOP, False), (S, Action.CONFLICT, True)],
        "title 'Sprint 22 - Retrospective' is taken by page 11, which confsync does not "
        "manage; set adopt: true for team platform to take it over, or change the title",
    ),
    "adopt: the unmanaged page is taken over by an update": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "SPRINT 22 - retrospective", "1", "", version=1)],
            {"11": None},
            team={"adopt": True},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "adopting an existing page",
    ),
    "prune on: a managed page whose report is gone is deleted": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("11", "Sprint 22 - Retrospective", "10", ours("d-sprint")),
                page("13", "Sprint 21 - Retrospective", "10", ours("d-gone")),
            ],
            {"13": mark(OLD)},
            team={"prune": True},
        ),
        [(P, Action.NOOP, False), (S, Action.NOOP, False), (GONE, Action.DELETE, False)],
        "up to date",
    ),
    "prune off: nothing is deleted, the orphan is listed": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("11", "Sprint 22 - Retrospective", "10", ours("d-sprint")),
                page("13", "Sprint 21 - Retrospective", "10", ours("d-gone")),
            ],
            {"13": mark(OLD)},
        ),
        [(P, Action.NOOP, False), (S, Action.NOOP, False), (GONE, Action.ORPHAN, False)],
        "up to date",
    ),
    "prune on, but the gone page was edited by hand: kept, shown as drift": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("11", "Sprint 22 - Retrospective", "10", ours("d-sprint")),
                page("13", "Sprint 21 - Retrospective", "10", HAND),
            ],
            {"13": mark(OLD)},
            team={"prune": True},
        ),
        [(P, Action.NOOP, False), (S, Action.NOOP, False), (GONE, Action.DRIFT, False)],
        "up to date",
    ),
    "prune on never deletes an unmanaged page": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("11", "Sprint 22 - Retrospective", "10", ours("d-sprint")),
                page("13", "Team lunch notes", "10", HAND),
            ],
            {"13": None},
            team={"prune": True},
        ),
        [(P, Action.NOOP, False), (S, Action.NOOP, False)],
        "up to date",
    ),
    "killed run: a stamped page without its mark is recognised by its title": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - retrospective", "10", ours("d-half"))],
            {"11": None},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "report changed",
    ),
    "killed run: a page left pending (files not uploaded) is finished": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", "confsync pending")],
            {"11": mark(SPRINT)},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "left unfinished by an earlier apply (interrupted or refused); finishing it",
    ),
    # Pending toward the very digest the repo wants: the text is right, the files may not be.
    "killed run: a page pending toward the desired digest is finished, not taken as done": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("11", "Sprint 22 - Retrospective", "10", "confsync pending d-sprint"),
            ],
            {"11": mark(SPRINT)},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "left unfinished by an earlier apply (interrupted or refused); finishing it",
    ),
    "Cloud's bare first version of a marked page is unfinished, not drift": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", "", version=1)],
            {"11": mark(SPRINT)},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "left unfinished by an earlier apply (interrupted or refused); finishing it",
    ),
    "killed run: an unstamped, unmarked first version showing our text is finished": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", "", version=1)],
            {"11": None},
            bodies={"11": '<p class="auto-cursor-target">Deploys are faster</p>'},
        ),
        [(P, Action.NOOP, False), (S, Action.UPDATE, False)],
        "created by an interrupted run; finishing it",
    ),
    "killed run lookalike: a first version with other text is someone else's": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", "", version=1)],
            {"11": None},
            bodies={"11": "<p>My own notes</p>"},
        ),
        [(P, Action.NOOP, False), (S, Action.CONFLICT, True)],
        "title 'Sprint 22 - Retrospective' is taken by page 11, which confsync does not "
        "manage; set adopt: true for team platform to take it over, or change the title",
    ),
    "killed run lookalike: our text, but edited since (version 2), is someone else's": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", "", version=2)],
            {"11": None},
            bodies={"11": "<p>Deploys are faster</p>"},
        ),
        [(P, Action.NOOP, False), (S, Action.CONFLICT, True)],
        "title 'Sprint 22 - Retrospective' is taken by page 11, which confsync does not "
        "manage; set adopt: true for team platform to take it over, or change the title",
    ),
    "two desired pages cannot share one managed page's title": (
        Case(
            [PARENT_PAGE, SPRINT_PAGE],
            [
                LIVE_PARENT,
                page("11", "Sprint 22 - Retrospective", "10", ours("d-other")),
            ],
            {"11": mark(OLD)},
        ),
        [(P, Action.NOOP, False), (S, Action.CONFLICT, True), (GONE, Action.ORPHAN, False)],
        "title 'Sprint 22 - Retrospective' is used by another page confsync manages "
        "(page 11); give the reports distinct titles",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_diff(name: str) -> None:
    case, expected, reason = CASES[name]
    plan = plan_of(case)
    assert actions(plan) == expected
    assert change_at(plan, SPRINT).reason == reason


def test_create_hangs_the_report_under_the_parent_being_created() -> None:
    plan = plan_of(CASES["create"][0])
    parent, report = plan.changes
    assert parent.after is not None
    assert report.after is not None
    assert parent.parent_address is None
    assert (parent.after.parent, parent.after.parent_id) == (None, None)
    assert report.parent_address == str(PARENT)
    assert (report.after.parent, report.after.parent_id) == ("Retrospectives", None)
    assert report.before is None
    assert report.body_diff.splitlines()[2:] == ["@@ -0,0 +1 @@", "+Deploys are faster"]


def test_rename_carries_the_title_change_and_the_page_it_renames() -> None:
    plan = plan_of(CASES["rename: title template changed is an update, not delete+create"][0])
    change = change_at(plan, SPRINT)
    assert change.fields == {
        "title": {"old": "Sprint 22 (retro)", "new": "Sprint 22 - Retrospective"}
    }
    assert change.before is not None
    assert (change.before.page_id, change.before.version) == ("11", 2)
    assert not [c for c in plan.changes if c.action in (Action.CREATE, Action.DELETE)]


def test_move_names_the_old_and_the_new_parent() -> None:
    change = change_at(plan_of(CASES["move: moved by hand under another page"][0]), SPRINT)
    assert change.fields == {"parent": {"old": "Elsewhere", "new": "Retrospectives"}}
    assert change.after is not None
    assert change.after.parent_id == "10"


def test_adopt_updates_the_page_it_found() -> None:
    plan = plan_of(CASES["adopt: the unmanaged page is taken over by an update"][0])
    change = change_at(plan, SPRINT)
    assert change.before is not None
    assert (change.before.page_id, change.before.digest) == ("11", None)
    assert change.fields == {
        "title": {"old": "SPRINT 22 - retrospective", "new": "Sprint 22 - Retrospective"},
        "parent": {"old": "PLAT Home", "new": "Retrospectives"},
    }


def test_delete_names_the_page_and_its_gone_report() -> None:
    plan = plan_of(CASES["prune on: a managed page whose report is gone is deleted"][0])
    change = change_at(plan, OLD)
    assert change.before is not None
    assert change.before.page_id == "13"
    assert change.reason == "report reports/platform/sprint-21.yaml is gone (prune is on)"
    assert plan.has_changes


@pytest.mark.parametrize(
    ("parent", "pages", "expected"),
    [
        pytest.param(
            ParentRef(title="team space"),
            [page("20", "Team Space", "1", ""), page("11", "Sprint 22", "20", ours("d-sprint"))],
            (Action.NOOP, False, "up to date"),
            id="existing by title, any case",
        ),
        pytest.param(
            ParentRef(page_id="20"),
            [page("20", "Team Space", "1", ""), page("11", "Sprint 22", "20", ours("d-sprint"))],
            (Action.NOOP, False, "up to date"),
            id="existing by id",
        ),
        pytest.param(
            ParentRef(page_id="20"),
            [page("20", "Team Space", "1", "")],
            (Action.CREATE, False, "new report"),
            id="existing by id, new report",
        ),
        pytest.param(
            ParentRef(title="Team Space"),
            [],
            (
                Action.CONFLICT,
                True,
                "parent page 'Team Space' does not exist in space PLAT",
            ),
            id="existing by title, missing",
        ),
        pytest.param(
            ParentRef(page_id="404"),
            [],
            (Action.CONFLICT, True, "parent page id 404 is not a current page of space PLAT"),
            id="existing by id, missing",
        ),
        pytest.param(
            ParentRef(),
            [page("11", "Sprint 22", "1", ours("d-sprint"))],
            (Action.NOOP, False, "up to date"),
            id="space root: under the homepage, as Cloud puts it",
        ),
        pytest.param(
            ParentRef(),
            [page("11", "Sprint 22", None, ours("d-sprint"))],
            (Action.NOOP, False, "up to date"),
            id="space root: no parent, as Data Center puts it",
        ),
    ],
)
def test_existing_parent(parent: ParentRef, pages: list[Page], expected: tuple[Any, ...]) -> None:
    report = desired(SPRINT, "Sprint 22", "d-sprint", parent=parent)
    plan = plan_of(Case([report], pages))
    (change,) = plan.changes
    assert (change.action, change.blocking, change.reason) == expected
    assert change.after is not None
    found = pages and pages[0].title == "Team Space"
    assert change.after.parent_id == ("20" if found else None)


def test_update_shows_the_body_as_text_lines_for_reviewers() -> None:
    case = Case(
        [PARENT_PAGE, desired(SPRINT, "Sprint 22 - Retrospective", "d-new", body="<p>B</p>")],
        [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", ours("d-old"))],
        {"11": mark(SPRINT)},
        bodies={"11": "<p>A</p>"},
    )
    change = change_at(plan_of(case), SPRINT)
    assert change.body_diff == "--- current\n+++ desired\n@@ -1 +1 @@\n-A\n+B"


def test_body_text_keeps_dates_and_task_states() -> None:
    storage = (
        "<h2>Action items</h2><ac:task-list><ac:task><ac:task-status>incomplete"
        "</ac:task-status><ac:task-body>Ship it &#8212; <strong>Lee</strong> by "
        '<time datetime="2026-12-04" /></ac:task-body></ac:task></ac:task-list>'
    )
    assert body_text(storage) == ["Action items", "incomplete", "Ship it — Lee by 2026-12-04"]


def test_body_text_drops_macro_settings_but_keeps_titles() -> None:
    storage = (
        "<p>Intro</p>"
        '<ac:structured-macro ac:name="children"><ac:parameter ac:name="sort">creation'
        '</ac:parameter><ac:parameter ac:name="reverse">true</ac:parameter>'
        "</ac:structured-macro>"
        '<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green'
        '</ac:parameter><ac:parameter ac:name="title">GREEN</ac:parameter>'
        "</ac:structured-macro>"
    )
    assert body_text(storage) == ["Intro", "GREEN"]


def test_a_due_date_change_is_visible_in_the_body_diff() -> None:
    def body(due: str) -> str:
        return f'<p>Ship it by <time datetime="{due}" /></p>'

    case = Case(
        [
            PARENT_PAGE,
            desired(SPRINT, "Sprint 22 - Retrospective", "d-new", body=body("2026-12-11")),
        ],
        [LIVE_PARENT, page("11", "Sprint 22 - Retrospective", "10", ours("d-old"))],
        {"11": mark(SPRINT)},
        bodies={"11": body("2026-12-04")},
    )
    change = change_at(plan_of(case), SPRINT)
    assert change.body_diff.splitlines()[3:] == [
        "-Ship it by 2026-12-04",
        "+Ship it by 2026-12-11",
    ]


def test_the_diff_is_pure() -> None:
    case = CASES["adopt: the unmanaged page is taken over by an update"][0]
    assert plan_of(case) == plan_of(case)


def test_a_page_of_the_space_top_moved_by_hand_goes_back_under_the_homepage() -> None:
    report = desired(SPRINT, "Sprint 22", "d-sprint", parent=ParentRef())
    pages = [page("12", "Elsewhere", "1", ""), page("11", "Sprint 22", "12", ours("d-sprint"))]
    (change,) = plan_of(Case([report], pages)).changes
    assert (change.action, change.blocking) == (Action.MOVE, False)
    assert change.reason == "moved by hand; back to the top of the space, under PLAT Home"
    assert change.after is not None
    assert (change.after.parent, change.after.parent_id) == ("PLAT Home", "1")
    assert change.fields == {"parent": {"old": "Elsewhere", "new": "PLAT Home"}}


def test_a_space_without_homepage_cannot_take_a_page_back_to_its_top() -> None:
    report = desired(SPRINT, "Sprint 22", "d-sprint", parent=ParentRef())
    live = page("11", "Sprint 22", "12", ours("d-sprint"))
    view = SpaceView(
        Space(id="900", key="PLAT", name="Platform"), (page("12", "Elsewhere", None, ""), live)
    )
    team = Team(id="platform", name="Platform", space="PLAT", reports="r")
    plan = diff([report], Observation({"PLAT": view}), {"platform": team}, ORIGIN)
    (change,) = plan.changes
    assert (change.action, change.blocking) == (Action.CONFLICT, True)
    assert change.reason == (
        "moved by hand under 'Elsewhere'; space PLAT has no homepage to move it back under: "
        "move it to the top of the space by hand"
    )


def test_prune_deletes_a_parent_with_no_report_left() -> None:
    case = Case(
        [],
        [LIVE_PARENT, page("13", "Sprint 21 - Retrospective", "10", ours("d-gone"))],
        {"10": mark(PARENT), "13": mark(OLD)},
        team={"prune": True},
    )
    plan = plan_of(case)
    assert [(c.address, c.action, c.reason) for c in plan.changes] == [
        (P, Action.DELETE, "no report of its kind is left (prune is on)"),
        (GONE, Action.DELETE, "report reports/platform/sprint-21.yaml is gone (prune is on)"),
    ]


# ---- labels: added and removed against what the mark records -----------------------------------


def _labelled(labels: tuple[str, ...], digest: str = "d-sprint") -> DesiredPage:
    base = desired(SPRINT, "Sprint 22 - Retrospective", digest)
    return DesiredPage(
        base.address,
        "PLAT",
        base.parent,
        base.title,
        digest,
        base.source,
        labels=labels,
        render=lambda: "<p>x</p>",
    )


def _marked(labels: tuple[str, ...]) -> ManagedMark:
    return ManagedMark(
        address=str(SPRINT),
        source="reports/platform/sprint-22.yaml",
        version="0.2.0",
        labels=labels,
    )


LIVE_SPRINT = page("11", "Sprint 22 - Retrospective", "10", ours("d-old"))


@pytest.mark.parametrize(
    ("wanted", "marks", "add", "remove"),
    [
        # A new page gets every label.
        (("platform", "retrospective"), {}, ("platform", "retrospective"), ()),
        # The mark records what confsync put there: only the difference is written.
        (("platform", "retro"), {"11": _marked(("platform", "retrospective"))}, ("retro",),
         ("retrospective",)),
        (("platform", "retrospective"), {"11": _marked(("platform", "retrospective"))}, (), ()),
        (("platform",), {"11": _marked(("platform", "retrospective"))}, (), ("retrospective",)),
        # A mark written before labels records none: every label is added, none removed.
        (("platform", "retrospective"), {"11": mark(SPRINT)}, ("platform", "retrospective"), ()),
    ],
)  # fmt: skip
def test_labels_are_added_and_removed_against_what_the_mark_records(
    wanted: tuple[str, ...],
    marks: dict[str, ManagedMark | None],
    add: tuple[str, ...],
    remove: tuple[str, ...],
) -> None:
    pages = [LIVE_PARENT, LIVE_SPRINT] if marks else [LIVE_PARENT]
    plan = plan_of(Case([PARENT_PAGE, _labelled(wanted)], pages, marks))
    change = change_at(plan, SPRINT)
    assert change.action is (Action.UPDATE if marks else Action.CREATE)
    assert (change.labels.add, change.labels.remove) == (add, remove)
    if marks:
        recorded = marks["11"]
        assert change.before is not None
        assert recorded is not None
        assert change.before.mark_labels == recorded.labels


def test_an_adopted_page_gets_every_label_and_loses_none() -> None:
    # The page confsync takes over has no mark: nothing on it is confsync's to remove.
    taken = page("11", "Sprint 22 - Retrospective", "10", HAND, 1)
    case = Case(
        [PARENT_PAGE, _labelled(("platform",))],
        [LIVE_PARENT, taken],
        {"11": None},
        team={"adopt": True},
    )
    change = change_at(plan_of(case), SPRINT)
    assert change.action is Action.UPDATE
    assert change.before is not None
    assert change.before.mark_labels is None
    assert (change.labels.add, change.labels.remove) == (("platform",), ())


def test_changes_that_write_no_page_carry_no_labels() -> None:
    noop = page("11", "Sprint 22 - Retrospective", "10", ours("d-sprint"))
    moved = page("11", "Sprint 22 - Retrospective", "1", ours("d-sprint"))
    for live in (noop, moved):
        plan = plan_of(Case([PARENT_PAGE, _labelled(("platform",))], [LIVE_PARENT, live]))
        change = change_at(plan, SPRINT)
        assert change.action in (Action.NOOP, Action.MOVE)
        assert not change.labels
