"""Every request plan and apply send, and every answer, matches Atlassian's OpenAPI files.

A whole life cycle (publish with an attachment, edit, rename, move back, overwrite a hand edit,
adopt, prune) through ``workflow.open_backend(workspace, transport=ValidatingTransport(...))``.
"""

from __future__ import annotations

import pytest

from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.support.openapi import ContractChecker, require_specs

# The operations a life cycle must use, per dialect: (spec, METHOD, path template).
EXPECTED = {
    "cloud": {
        ("cloud-v2", "GET", "/spaces"),
        ("cloud-v2", "GET", "/pages"),
        ("cloud-v2", "GET", "/pages/{page-id}/properties"),
        ("cloud-v1", "POST", "/wiki/rest/api/content/{id}/child/attachment"),
        ("cloud-v2", "POST", "/pages"),
        ("cloud-v2", "PUT", "/pages/{id}"),
        ("cloud-v2", "GET", "/pages/{id}"),
        ("cloud-v2", "DELETE", "/pages/{id}"),
    },
    "datacenter": {
        ("dc", "GET", "/rest/api/space/{spaceKey}"),
        ("dc", "POST", "/rest/api/content"),
        ("dc", "POST", "/rest/api/content/{id}/child/attachment"),
        ("dc", "PUT", "/rest/api/content/{contentId}"),
        ("dc", "DELETE", "/rest/api/content/{id}"),
    },
}


@pytest.mark.anyio
async def test_a_life_cycle_keeps_to_the_contract(repo: RepoSpec, edition: str) -> None:
    checker = ContractChecker(require_specs())
    site = SandboxSite(repo, checker=checker, in_memory=True)
    await site.create_by_hand("MOB", "Sprint 9 - Retrospective")
    repo.team_settings = {
        "platform": {"on_drift": "overwrite", "prune": True},
        "mobile": {"adopt": True},
    }
    repo.write()
    await site.apply()

    repo.report("platform", "2026-11-18-sprint-22")["summary"] = "A good sprint."
    repo.team_settings["platform"]["health_checks"] = {"title": "{{HealthCheckTitleOrDate}}"}
    repo.write()
    await site.apply()

    await site.move_by_hand("PLAT", "Sprint 21 - Retrospective", "Health Checks")
    await site.edit_by_hand("PLAT", "Q3 Health", "<p>By hand.</p>")
    del repo.reports["platform"]["2026-11-18-sprint-22"]
    repo.write()
    plan = await site.plan()
    assert plan.summary() == {
        "create": 0,
        "update": 1,
        "move": 1,
        "noop": 5,
        "use": 0,
        "delete": 1,
        "conflict": 0,
        "drift": 0,
        "orphan": 0,
        "upload": 0,
        "blocked": 0,
    }
    await site.apply()
    assert not (await site.plan()).has_changes

    assert checker.unchecked == set()
    missing = EXPECTED[edition] - checker.covered
    assert not missing, sorted(checker.covered)
