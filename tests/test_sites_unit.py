"""Several sites, piece by piece: ``each_site`` (a site's fault is its own), the apply result
with ``site_errors``, ``check`` of one site and of several, and a plan's ``site``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest

from confsync.apply import ApplyResult, Outcome
from confsync.apply_output import (
    TextLine,
    render_markdown,
    render_text,
    result_json,
    text_lines,
)
from confsync.errors import AuthError, ConfsyncError, ConnectionFailedError
from confsync.plan.model import Action, Change, PageState, Plan, PlanOrigin
from confsync.plan.output import render_text as plan_text
from confsync.setup_check import CHECK_FORMAT, CheckReport, TeamStatus
from confsync.setup_views import checks_json, render_check_text, render_checks_text
from confsync.sites import Site, SiteFault, each_site
from confsync.types import CurrentUser, Space
from confsync.workflow import Workspace

ORIGIN = PlanOrigin(confsync_version="0.0.0", config_digest="abc", commit="c0ffee" * 6 + "c0ff")


def site(name: str) -> Site:
    # each_site hands a site to the job and never looks into its workspace.
    return Site(name, cast(Workspace, None))


def gathered(
    sites: list[Site], job: Callable[[Site], Awaitable[Any]]
) -> tuple[list[tuple[Site, Any]], list[SiteFault]]:
    return asyncio.run(each_site(sites, job))


# ---- each_site -------------------------------------------------------------------------------


def test_one_sites_result_is_returned() -> None:
    async def job(s: Site) -> str:
        return f"done {s.name}"

    only = site("")
    assert gathered([only], job) == ([(only, "done ")], [])


@pytest.mark.parametrize("error", [ConfsyncError("site down"), RuntimeError("a bug")])
def test_one_sites_error_is_raised_as_it_is(error: Exception) -> None:
    async def job(s: Site) -> str:
        raise error

    with pytest.raises(type(error)) as raised:
        gathered([site("")], job)
    assert raised.value is error


def test_with_several_sites_a_confsync_error_is_that_sites_fault() -> None:
    refused = AuthError("401: the token was refused")

    async def job(s: Site) -> str:
        if s.name == "dc":
            raise refused
        return f"planned {s.name}"

    dc, cloud = site("dc"), site("cloud")
    done, faults = gathered([dc, cloud], job)

    assert done == [(cloud, "planned cloud")]
    assert faults == [SiteFault("dc", refused)]
    assert faults[0].error is refused
    assert str(faults[0]) == "site dc: 401: the token was refused"


def test_with_several_sites_all_failing_is_the_commands_error_naming_each() -> None:
    async def job(s: Site) -> str:
        raise ConnectionFailedError(f"{s.name} unreachable")

    # Not an empty result: a command would print "No changes." above the errors.
    with pytest.raises(ConfsyncError) as raised:
        gathered([site("b"), site("a")], job)

    assert str(raised.value) == "every site failed: site b: b unreachable; site a: a unreachable"


def test_with_several_sites_another_error_is_raised_not_a_fault() -> None:
    finished: list[str] = []

    async def job(s: Site) -> str:
        if s.name == "dc":
            raise KeyError("a bug")
        await asyncio.sleep(0)
        finished.append(s.name)
        return s.name

    with pytest.raises(KeyError):
        gathered([site("dc"), site("cloud")], job)
    assert finished == ["cloud"]  # the other site was let finish, not left running


def test_several_sites_are_worked_on_at_once() -> None:
    # Site a waits for site b: done one after the other, this would never end.
    async def run() -> tuple[list[tuple[Site, Any]], list[SiteFault]]:
        b_started = asyncio.Event()

        async def job(s: Site) -> str:
            if s.name == "a":
                await asyncio.wait_for(b_started.wait(), timeout=5)
            else:
                b_started.set()
            return s.name

        return await each_site([site("a"), site("b")], job)

    done, faults = asyncio.run(run())
    assert [(s.name, r) for s, r in done] == [("a", "a"), ("b", "b")]
    assert faults == []


# ---- the apply result with site errors --------------------------------------------------------


def change(address: str, *, site: str = "", action: Action = Action.CREATE) -> Change:
    return Change(
        address=address,
        action=action,
        space="ENG",
        reason="new report",
        after=PageState(title=f"Page {address.rsplit('/', 1)[-1]}", parent=None),
        site=site,
    )


DOWN = SiteFault("dc", ConnectionFailedError("cannot reach https://dc.example.com | retry"))


def test_result_json_lists_the_sites_apply_could_not_work_on() -> None:
    made = change("alpha/retrospective/one", site="cloud")
    plan = Plan(ORIGIN, (made,))
    result = ApplyResult([Outcome(made, True, "https://cloud.example.com/p/1")])

    document = result_json(plan, result, [DOWN])

    assert document["format_version"] == "1.1"
    assert document["site_errors"] == [
        {"site": "dc", "error": "cannot reach https://dc.example.com | retry"}
    ]
    assert document["summary"] == {"changed": 1, "failed": 0, "skipped": 0}
    assert document["changes"][0]["site"] == "cloud"
    assert document["changes"][0]["link"] == "https://cloud.example.com/p/1"
    assert json.loads(json.dumps(document)) == document


def test_result_json_of_one_site_has_no_site_errors_and_no_site() -> None:
    made = change("alpha/retrospective/one")
    document = result_json(Plan(ORIGIN, (made,)), ApplyResult([Outcome(made, True, "u")]))

    assert document["site_errors"] == []
    assert "site" not in document["changes"][0]


def test_the_text_view_says_a_sites_error_first_on_stderr() -> None:
    made = change("alpha/retrospective/one", site="cloud")
    failed = change("beta/retrospective/two", site="cloud")
    plan = Plan(ORIGIN, (made, failed))
    result = ApplyResult(
        [Outcome(failed, False, "title taken"), Outcome(made, True, "https://c/p/1")]
    )

    lines = text_lines(result_json(plan, result, [DOWN]))

    assert lines == [
        TextLine("! site dc: cannot reach https://dc.example.com | retry", True),
        TextLine("+ Page one: https://c/p/1", False),
        TextLine("! Page two (beta/retrospective/two): title taken", True),
        TextLine("Apply complete: 1 changed, 1 failed.", False),
    ]


def test_the_text_view_shows_a_sites_error_when_nothing_changed() -> None:
    document = result_json(Plan(ORIGIN, ()), ApplyResult(), [DOWN])

    assert text_lines(document) == [
        TextLine("! site dc: cannot reach https://dc.example.com | retry", True)
    ]
    assert render_text(document) == "! site dc: cannot reach https://dc.example.com | retry\n"
    # Without a site error, nothing applied is nothing said (the plan said "No changes.").
    assert text_lines(result_json(Plan(ORIGIN, ()), ApplyResult())) == []


def test_the_markdown_view_puts_a_caution_per_site_under_the_heading() -> None:
    second = SiteFault("cloud", AuthError("401:\nrefused"))
    document = result_json(Plan(ORIGIN, ()), ApplyResult(), [DOWN, second])

    assert render_markdown(document) == (
        "### confsync apply\n\n"
        "> [!CAUTION]\n"
        "> Site `dc`: nothing was applied: cannot reach https://dc.example.com \\| retry\n\n"
        "> [!CAUTION]\n"
        "> Site `cloud`: nothing was applied: 401: refused\n\n"
        "**No changes.**\n"
    )


def test_the_markdown_view_with_changes_has_the_caution_before_the_summary() -> None:
    made = change("alpha/retrospective/one", site="cloud")
    document = result_json(
        Plan(ORIGIN, (made,)), ApplyResult([Outcome(made, True, "https://c/p/1")]), [DOWN]
    )

    markdown = render_markdown(document)

    assert markdown.startswith(
        "### confsync apply\n\n"
        "> [!CAUTION]\n"
        "> Site `dc`: nothing was applied: cannot reach https://dc.example.com \\| retry\n\n"
        "**Apply complete: 1 changed, 0 failed.**\n"
    )
    assert "| `+` | Page one | `alpha/retrospective/one` | [create](https://c/p/1) |  |" in markdown
    assert markdown.count("[!CAUTION]") == 1


# ---- check of one site and of several ---------------------------------------------------------


def report(team: str, problem: str | None = None) -> CheckReport:
    space = Space("1", "ENG", "Engineering")
    status = TeamStatus(
        team,
        "ENG",
        space=space,
        space_link="https://x/spaces/ENG",
        problems=(problem,) if problem else (),
    )
    return CheckReport(CurrentUser("Ana", account_id="a-1", email="ana@example.com"), (status,))


def test_check_of_the_single_site_form_is_as_it_always_was() -> None:
    one = report("alpha")

    assert checks_json([("", one)]) == one.to_json()
    assert render_checks_text([("", one)]) == render_check_text(one)
    assert render_check_text(one).endswith("Ready to publish.\n")


def test_check_of_several_sites_is_a_report_per_site() -> None:
    a, b = report("alpha"), report("beta", "space ENG not found")
    fault = SiteFault("c", AuthError("401: refused"))

    document = checks_json([("a", a), ("b", b)], [fault])

    assert document == {
        "format_version": CHECK_FORMAT,
        "sites": [
            {"site": "a", **a.to_json()},
            {"site": "b", **b.to_json()},
            {"site": "c", "ok": False, "error": "401: refused"},
        ],
        "ok": False,
    }
    assert CHECK_FORMAT == "1.1"
    assert [s["ok"] for s in document["sites"]] == [True, False, False]
    assert render_checks_text([("a", a), ("b", b)], [fault]) == (
        f"Site a:\n{render_check_text(a)}\nSite b:\n{render_check_text(b)}\nSite c: 401: refused\n"
    )


def test_check_of_one_named_site_is_in_the_shape_of_several() -> None:
    a = report("alpha")

    assert checks_json([("a", a)]) == {
        "format_version": CHECK_FORMAT,
        "sites": [{"site": "a", **a.to_json()}],
        "ok": True,
    }
    assert render_checks_text([("a", a)]) == f"Site a:\n{render_check_text(a)}"


# ---- a plan's site ----------------------------------------------------------------------------


def test_a_plan_round_trips_with_its_sites() -> None:
    plan = Plan(
        ORIGIN,
        (
            change("alpha/retrospective/one", site="dc"),
            change("beta/retrospective/two", site="cloud", action=Action.UPDATE),
        ),
    )

    data = plan.to_json()

    assert data["format_version"] == "1.3"
    assert [c["site"] for c in data["changes"]] == ["dc", "cloud"]
    assert Plan.from_json(json.loads(json.dumps(data))) == plan


def test_a_plan_of_one_unnamed_site_writes_no_site() -> None:
    plan = Plan(ORIGIN, (change("alpha/retrospective/one"),))

    data = plan.to_json()

    assert "site" not in data["changes"][0]
    assert Plan.from_json(data) == plan
    assert Plan.from_json(data).changes[0].site == ""


def test_a_plan_of_format_1_2_without_sites_reads_as_one_site() -> None:
    data = Plan(ORIGIN, (change("alpha/retrospective/one"),)).to_json()
    data["format_version"] = "1.2"

    assert Plan.from_json(data).changes[0].site == ""


def test_plan_on_site_keeps_that_sites_changes_in_order() -> None:
    one, two, three = (
        change("alpha/retrospective/one", site="dc"),
        change("beta/retrospective/two", site="cloud"),
        change("alpha/retrospective/three", site="dc"),
    )
    plan = Plan(ORIGIN, (one, two, three))

    assert plan.on_site("dc") == Plan(ORIGIN, (one, three))
    assert plan.on_site("cloud").changes == (two,)
    assert plan.on_site("other").changes == ()
    assert plan.on_site("").changes == ()


def test_of_site_and_joined_undo_on_site() -> None:
    dc = Plan(ORIGIN, (change("alpha/retrospective/one"),)).of_site("dc")
    cloud = Plan(ORIGIN, (change("beta/retrospective/two"),)).of_site("cloud")

    joined = Plan.joined(ORIGIN, [dc, cloud])

    assert [c.site for c in joined.changes] == ["dc", "cloud"]
    assert joined.on_site("dc") == dc
    assert joined.on_site("cloud") == cloud
    assert joined.summary()["create"] == 2


def test_the_plan_text_says_which_site_a_change_is_on() -> None:
    plan = Plan(
        ORIGIN, (change("alpha/retrospective/one", site="dc"), change("beta/retrospective/two"))
    )

    text = plan_text(plan, show_body=False)

    assert "create 'Page one' (alpha/retrospective/one, space ENG on dc)" in text
    assert "create 'Page two' (beta/retrospective/two, space ENG)" in text
