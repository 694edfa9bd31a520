"""Two Confluence sites at once: a Cloud and a Data Center sandbox, each served over real HTTP
in a process of its own, and one repo whose teams publish to one each (``confluence.sites``,
a ``site:`` per team). The real command line runs against both: one plan, one apply, both
converge; a fault on one site (sign-in refused, down, failing, locked) is that site's, and
the other publishes; ``check`` reports both.

The two sandboxes are shared by the module (starting them is most of the cost); every test
publishes into space keys of its own, made on both sites, so that what a test finds on a
site is its own doing, and a page on the wrong site is seen.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from confsync.confluence import http
from confsync.lock import LOCK_KEY, Lease
from confsync.sandbox import DEFAULT_API_TOKEN, DEFAULT_CLOUD_EMAIL, DEFAULT_PAT
from confsync.sandbox.served import free_port, served_sandbox
from tests.plan.cli import CliResult, confsync
from tests.plan.sandbox_repo import RepoSpec

TOKEN_VAR = "SITES_CLOUD_TOKEN"
PAT_VAR = "SITES_DC_PAT"

CLOUD_PAGES = [
    "Health Checks",
    "Q3 Health - Health Check",
    "Q4 Health - Health Check",
    "Retrospectives",
    "Sprint 21 - Retrospective",
    "Sprint 22 - Retrospective",
]
"""What the platform team (on the cloud site) publishes: two parents, four reports."""
DC_PAGES = ["Retrospectives", "Sprint 9 - Retrospective"]
"""What the mobile team (on the dc site) publishes: a parent, one report."""

_numbers = itertools.count(1)


@dataclass
class Server:
    """One served sandbox, as the site ``name`` of confsync.yaml, with a client on its REST
    API (the sandbox's own credentials) and one on its admin API."""

    name: str
    edition: str
    root: str
    """Where it is served (the admin API is under it)."""
    api: httpx.Client = field(init=False)
    admin: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        if self.edition == "cloud":
            self.api = httpx.Client(
                base_url=self.url, auth=(DEFAULT_CLOUD_EMAIL, DEFAULT_API_TOKEN)
            )
        else:
            headers = {"Authorization": f"Bearer {DEFAULT_PAT}"}
            self.api = httpx.Client(base_url=self.url, headers=headers)
        self.admin = httpx.Client(base_url=f"{self.root}/_sandbox")

    def close(self) -> None:
        self.api.close()
        self.admin.close()

    @property
    def url(self) -> str:
        """The site's URL in confsync.yaml: Cloud's /wiki, Data Center's context path."""
        return f"{self.root}/wiki" if self.edition == "cloud" else f"{self.root}/confluence"

    def settings(self, url: str | None = None) -> dict[str, Any]:
        auth: dict[str, Any] = (
            {"method": "api-token", "email": DEFAULT_CLOUD_EMAIL, "token": f"${{{TOKEN_VAR}}}"}
            if self.edition == "cloud"
            else {"method": "pat", "token": f"${{{PAT_VAR}}}"}
        )
        return {"edition": self.edition, "url": url or self.url, "auth": auth}

    def add_space(self, key: str) -> None:
        self.admin.post("/spaces", json={"key": key}).raise_for_status()

    @contextmanager
    def unfaulted(self) -> Iterator[None]:
        """The test's own reads are not confsync's: they pass any fault set on the site."""
        faults = self.admin.get("/faults").json()
        if not faults["error_rate"]:
            yield
            return
        self.admin.post("/faults", json={"clear": True}).raise_for_status()
        try:
            yield
        finally:
            self.admin.post("/faults", json=faults).raise_for_status()

    def pages(self, key: str) -> dict[str, str | None]:
        """Every current page of space ``key``: its title, and its parent's title (None at the
        space root); a title found twice fails the test."""
        cql = f'space = "{key}" AND type = page'
        with self.unfaulted():
            found = self.api.get(
                "/rest/api/content/search",
                params={"cql": cql, "limit": 250, "expand": "ancestors"},
            )
        found.raise_for_status()
        results = found.json()["results"]
        titles = [page["title"] for page in results]
        assert len(titles) == len(set(titles)), f"a title twice on {self.name}: {titles}"
        return {
            page["title"]: page["ancestors"][-1]["title"] if page["ancestors"] else None
            for page in results
        }

    def homepage(self, key: str) -> str:
        with self.unfaulted():
            found = self.api.get(f"/rest/api/space/{key}", params={"expand": "homepage"})
        found.raise_for_status()
        return str(found.json()["homepage"]["id"])

    def lease(self, key: str) -> dict[str, Any] | None:
        """The apply lock of space ``key`` (a property of its homepage), if there is one."""
        with self.unfaulted():
            found = self.api.get(f"/rest/api/content/{self.homepage(key)}/property/{LOCK_KEY}")
        if found.status_code == 404:
            return None
        found.raise_for_status()
        value: dict[str, Any] = found.json()["value"]
        return value

    def hold_lock(self, key: str, lease: Lease) -> None:
        """Leave a lease on space ``key``, as an apply on another machine that is still at work
        holds it."""
        made = self.api.post(
            f"/rest/api/content/{self.homepage(key)}/property",
            json={"key": LOCK_KEY, "value": lease.to_json()},
        )
        made.raise_for_status()

    def set_faults(self, **faults: Any) -> None:
        self.admin.post("/faults", json=faults).raise_for_status()

    def reset_faults(self) -> None:
        self.admin.post("/reset", json={}).raise_for_status()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    folder = tmp_path_factory.mktemp("sites")
    with (
        served_sandbox(folder / "cloud.sqlite", [], edition="cloud") as cloud_root,
        served_sandbox(folder / "dc.sqlite", [], edition="datacenter") as dc_root,
    ):
        cloud, dc = Server("cloud", "cloud", cloud_root), Server("dc", "datacenter", dc_root)
        try:
            yield cloud, dc
        finally:
            cloud.close()
            dc.close()


@dataclass
class TwoSites:
    """A repo of two teams: platform on the cloud site, mobile on the dc site."""

    spec: RepoSpec
    cloud: Server
    dc: Server
    spaces: dict[str, str]
    """Team id → its space key (fresh for each test)."""
    homes: dict[tuple[str, str], set[str]]
    """(site, space key) → the pages there before the test (the space's homepage)."""

    def write(self, *, dc_url: str | None = None) -> None:
        self.spec.write()
        config = self.spec.config()
        config["confluence"] = {
            "sites": {"cloud": self.cloud.settings(), "dc": self.dc.settings(dc_url)}
        }
        (self.spec.root / "confsync.yaml").write_text(json.dumps(config, indent=2) + "\n")

    def run(self, *args: str) -> CliResult:
        return confsync(self.spec.root, *args)

    def published(self, server: Server, key: str) -> dict[str, str | None]:
        """The pages of ``key`` on ``server`` but its homepage: title → parent title."""
        home = self.homes[(server.name, key)]
        return {t: p for t, p in server.pages(key).items() if t not in home}

    def assert_published(self, *, cloud: list[str], dc: list[str]) -> None:
        """``cloud`` in platform's space on the cloud site, ``dc`` in mobile's on the dc site,
        and nothing anywhere else: not in the other team's space key on either site."""
        platform, mobile = self.spaces["platform"], self.spaces["mobile"]
        assert sorted(self.published(self.cloud, platform)) == sorted(cloud)
        assert sorted(self.published(self.dc, mobile)) == sorted(dc)
        if platform != mobile:
            assert self.published(self.cloud, mobile) == {}
            assert self.published(self.dc, platform) == {}


def _sites(
    tmp_path: Path, servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch, *, same: bool
) -> TwoSites:
    monkeypatch.setenv(TOKEN_VAR, DEFAULT_API_TOKEN)
    monkeypatch.setenv(PAT_VAR, DEFAULT_PAT)
    monkeypatch.setenv("NO_COLOR", "1")
    number = next(_numbers)
    platform = f"PL{number}"
    spaces = {"platform": platform, "mobile": platform if same else f"MO{number}"}
    cloud, dc = servers
    homes = {}
    for key in set(spaces.values()):
        for server in servers:
            server.add_space(key)
            homes[(server.name, key)] = set(server.pages(key))
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    spec.team_settings = {
        "platform": {"space": spaces["platform"], "site": "cloud"},
        "mobile": {"space": spaces["mobile"], "site": "dc"},
    }
    sites = TwoSites(spec, cloud, dc, spaces, homes)
    sites.write()
    return sites


@pytest.fixture
def sites(
    tmp_path: Path, servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch
) -> TwoSites:
    return _sites(tmp_path, servers, monkeypatch, same=False)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's retry loop as it is, with a budget of two attempts a few ms apart: a site
    that is down or failing is given up on in well under a second instead of half a minute."""
    policy = partial(http.RetryPolicy, max_attempts=2, base_delay=0.01, max_delay=0.02)
    monkeypatch.setattr(http, "RetryPolicy", policy)


def _converged(sites: TwoSites) -> None:
    """A plan finds nothing to do on either site, and an apply says so."""
    plan = sites.run("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out
    again = sites.run("apply", "--auto-approve")
    assert again.code == 0, again.err
    assert "No changes." in again.out
    assert "Apply complete" not in again.out


def _created(out: str) -> list[str]:
    """The headline of each create in a text plan."""
    return [line for line in out.splitlines() if line.startswith("+ create ")]


# ---- one plan, one apply -------------------------------------------------------------------


def test_one_plan_and_one_apply_publish_each_team_on_its_own_site(sites: TwoSites) -> None:
    plan = sites.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    created = _created(plan.out)
    assert len(created) == len(CLOUD_PAGES) + len(DC_PAGES)
    platform, mobile = sites.spaces["platform"], sites.spaces["mobile"]
    for line in created:
        if "(platform/" in line:
            assert line.endswith(f", space {platform} on cloud)"), line
        else:
            assert "(mobile/" in line
            assert line.endswith(f", space {mobile} on dc)"), line
    assert "Plan: 8 to create, 0 to update, 0 to move, 0 to delete." in plan.out

    as_json = sites.run("plan", "--format", "json")
    assert as_json.code == 0, as_json.err
    changes = json.loads(as_json.out)["changes"]
    assert {(c["address"].split("/")[0], c["site"], c["space"]) for c in changes} == {
        ("platform", "cloud", platform),
        ("mobile", "dc", mobile),
    }
    assert all(c["action"] == "create" for c in changes)

    applied = sites.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "Apply complete: 8 changed, 0 failed." in applied.out
    # Each page's link is on its own site.
    links = [line for line in applied.out.splitlines() if line.startswith("+ ")]
    assert sum(sites.cloud.url in line for line in links) == len(CLOUD_PAGES)
    assert sum(sites.dc.url in line for line in links) == len(DC_PAGES)
    sites.assert_published(cloud=CLOUD_PAGES, dc=DC_PAGES)
    # The reports hang under their site's own parent pages.
    on_cloud = sites.published(sites.cloud, platform)
    assert on_cloud["Sprint 21 - Retrospective"] == "Retrospectives"
    assert on_cloud["Q3 Health - Health Check"] == "Health Checks"
    assert sites.published(sites.dc, mobile)["Sprint 9 - Retrospective"] == "Retrospectives"
    # Neither apply left its lock behind.
    assert sites.cloud.lease(platform) is None
    assert sites.dc.lease(mobile) is None
    _converged(sites)


def test_a_saved_plan_makes_the_changes_of_both_sites(sites: TwoSites) -> None:
    saved = sites.spec.root / "plan.json"
    plan = sites.run("plan", "--out", str(saved))
    assert plan.code == 0, plan.err
    assert f"Saved the plan to {saved}" in plan.out
    sites_in_file = {c["site"] for c in json.loads(saved.read_text())["changes"]}
    assert sites_in_file == {"cloud", "dc"}
    sites.assert_published(cloud=[], dc=[])  # a plan writes nothing

    applied = sites.run("apply", str(saved))
    assert applied.code == 0, applied.err
    assert "Apply complete: 8 changed, 0 failed." in applied.out
    sites.assert_published(cloud=CLOUD_PAGES, dc=DC_PAGES)
    _converged(sites)

    # Applied once, the plan is stale on both sites: each refuses it, and nothing changes.
    again = sites.run("apply", str(saved))
    assert again.code == 1
    assert "site cloud: Confluence changed since the plan was made" in again.err
    assert "site dc: Confluence changed since the plan was made" in again.err
    sites.assert_published(cloud=CLOUD_PAGES, dc=DC_PAGES)


# ---- a fault on one site -------------------------------------------------------------------


FAULTS = ["sign-in refused", "down", "server errors"]


def _break(sites: TwoSites, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the dc site fail from its first request on."""
    if fault == "sign-in refused":
        monkeypatch.setenv(PAT_VAR, "a-revoked-token")
    elif fault == "down":
        sites.write(dc_url=f"http://127.0.0.1:{free_port()}/confluence")
    else:
        sites.dc.set_faults(error_rate=1.0, error_statuses=[500, 503], retry_after_s=0)


def _mend(sites: TwoSites, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if fault == "sign-in refused":
        monkeypatch.setenv(PAT_VAR, DEFAULT_PAT)
    elif fault == "down":
        sites.write()
    else:
        sites.dc.reset_faults()


@pytest.fixture
def broken(
    sites: TwoSites, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The fault named by the test's parameter, on the dc site; the sandbox's own faults are
    cleared after the test, whatever happened (the sandboxes are shared)."""
    fault: str = request.param
    request.getfixturevalue("quick_retries")
    _break(sites, fault, monkeypatch)
    try:
        yield fault
    finally:
        sites.dc.reset_faults()


DC_FAULT_SAYS = {
    "sign-in refused": f"refused the personal access token in {PAT_VAR} (401)",
    "down": "ConnectError",
    "server errors": '"Injected server error"',
}


@pytest.mark.parametrize("broken", FAULTS, indirect=True)
def test_a_fault_on_one_site_does_not_stop_the_other(
    sites: TwoSites, broken: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied = sites.run("apply", "--auto-approve", "--format", "json")
    assert applied.code == 1, applied.err
    result = json.loads(applied.out)
    [fault] = result["site_errors"]
    assert fault["site"] == "dc"
    assert DC_FAULT_SAYS[broken] in fault["error"]
    changes = result["changes"]
    assert {(c["site"], c["ok"]) for c in changes} == {("cloud", True)}
    assert sorted(c["title"] for c in changes) == CLOUD_PAGES
    assert result["summary"] == {"changed": len(CLOUD_PAGES), "failed": 0, "skipped": 0}
    sites.assert_published(cloud=CLOUD_PAGES, dc=[])
    assert sites.cloud.lease(sites.spaces["platform"]) is None

    # Still broken: the cloud site has nothing left to do; the dc site's fault is the error.
    again = sites.run("apply", "--auto-approve")
    assert again.code == 1
    assert "! site dc: " in again.err
    assert "site cloud" not in again.out + again.err
    assert "No changes." in again.out

    _mend(sites, broken, monkeypatch)
    mended = sites.run("apply", "--auto-approve", "--format", "json")
    assert mended.code == 0, mended.err
    result = json.loads(mended.out)
    assert result["site_errors"] == []
    assert sorted((c["site"], c["title"], c["ok"]) for c in result["changes"]) == [
        ("dc", title, True) for title in DC_PAGES
    ]
    sites.assert_published(cloud=CLOUD_PAGES, dc=DC_PAGES)
    _converged(sites)


@pytest.mark.parametrize("broken", FAULTS, indirect=True)
def test_a_plan_lacking_a_site_is_shown_but_not_saved(sites: TwoSites, broken: str) -> None:
    saved = sites.spec.root / "p.json"
    plan = sites.run("plan", "--out", str(saved))
    assert plan.code == 1
    created = _created(plan.out)
    assert len(created) == len(CLOUD_PAGES)
    assert all(line.endswith(" on cloud)") for line in created), created
    assert " on dc)" not in plan.out
    assert "Error: site dc: " in plan.err
    assert DC_FAULT_SAYS[broken] in plan.err
    assert f"The plan was not saved to {saved}" in plan.err
    assert "Saved the plan" not in plan.out + plan.err
    assert not saved.exists()
    # The JSON view too: the cloud site's plan, and the fault named in it and on stderr.
    as_json = sites.run("plan", "--format", "json")
    assert as_json.code == 1
    document = json.loads(as_json.out)
    assert {c["site"] for c in document["changes"]} == {"cloud"}
    assert [e["site"] for e in document["site_errors"]] == ["dc"]
    assert DC_FAULT_SAYS[broken] in document["site_errors"][0]["error"]
    assert "Error: site dc: " in as_json.err
    # The pull-request comment says a site is missing, not only the job's exit code.
    comment = sites.run("plan", "--format", "markdown")
    assert comment.code == 1
    assert "> [!CAUTION]\n> Site `dc` could not be planned" in comment.out
    assert f"Plan: {len(CLOUD_PAGES)} to create" in comment.out
    sites.assert_published(cloud=[], dc=[])


# ---- the lock ------------------------------------------------------------------------------


@pytest.mark.parametrize("locked", ["cloud", "dc"])
def test_the_lock_is_per_site(sites: TwoSites, locked: str) -> None:
    server, other = (sites.cloud, sites.dc) if locked == "cloud" else (sites.dc, sites.cloud)
    team = "platform" if locked == "cloud" else "mobile"
    key = sites.spaces[team]
    now = time.time()
    lease = Lease(
        lock_id="a1b2c3",
        owner="ci@runner-7 (pid 4242)",
        acquired=now,
        expires=now + 600,
        host=f"not-{socket.gethostname()}",  # another machine: its process is not looked for
        pid=4242,
    )
    server.hold_lock(key, lease)

    applied = sites.run("apply", "--auto-approve")
    assert applied.code == 1
    assert f"! site {locked}: space {key} is locked by ci@runner-7 (pid 4242)" in applied.err
    # The way out it names, runnable as written (several sites need --site).
    assert f"confsync force-unlock {key} a1b2c3 --site {locked}" in applied.err
    assert f"site {other.name}" not in applied.out + applied.err
    if locked == "cloud":
        sites.assert_published(cloud=[], dc=DC_PAGES)
    else:
        sites.assert_published(cloud=CLOUD_PAGES, dc=[])
    # The other site's apply let go of its own lock; the held one is untouched.
    other_key = sites.spaces["mobile" if locked == "cloud" else "platform"]
    assert other.lease(other_key) is None
    assert server.lease(key) == lease.to_json()

    unlocked = sites.run("force-unlock", "--site", locked, key, "a1b2c3")
    assert unlocked.code == 0, unlocked.err
    assert server.lease(key) is None
    applied = sites.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    sites.assert_published(cloud=CLOUD_PAGES, dc=DC_PAGES)
    _converged(sites)


# ---- check ---------------------------------------------------------------------------------


def test_check_reports_both_sites(sites: TwoSites) -> None:
    checked = sites.run("check")
    assert checked.code == 0, checked.err
    cloud_part, dc_part = checked.out.split("\nSite dc:\n")
    assert cloud_part.startswith("Site cloud:\n")
    assert f"Team platform: space {sites.spaces['platform']}, " in cloud_part
    assert "Team mobile" not in cloud_part
    assert "Ready to publish." in cloud_part
    assert f"Team mobile: space {sites.spaces['mobile']}, " in dc_part
    assert "Team platform" not in dc_part
    assert "Ready to publish." in dc_part
    assert f"{DEFAULT_CLOUD_EMAIL})" in cloud_part  # signed in as the Cloud account
    assert "(admin)." in dc_part  # and as the Data Center user

    as_json = sites.run("check", "--format", "json")
    assert as_json.code == 0, as_json.err
    document = json.loads(as_json.out)
    assert document["ok"] is True
    found = {s["site"]: s for s in document["sites"]}
    assert sorted(found) == ["cloud", "dc"]
    assert all(s["ok"] is True for s in found.values())
    assert [t["team"] for t in found["cloud"]["teams"]] == ["platform"]
    assert [t["team"] for t in found["dc"]["teams"]] == ["mobile"]


@pytest.mark.parametrize("broken", FAULTS, indirect=True)
def test_check_with_one_site_down_reports_the_other(sites: TwoSites, broken: str) -> None:
    checked = sites.run("check")
    assert checked.code == 1
    assert checked.out.startswith("Site cloud:\n")
    assert "Ready to publish." in checked.out
    assert "\nSite dc: " in checked.out
    assert DC_FAULT_SAYS[broken] in checked.out
    assert "Error: site dc: " in checked.err

    as_json = sites.run("check", "--format", "json")
    assert as_json.code == 1
    document = json.loads(as_json.out)
    assert document["ok"] is False
    found = {s["site"]: s for s in document["sites"]}
    assert sorted(found) == ["cloud", "dc"]
    assert found["cloud"]["ok"] is True
    assert [t["team"] for t in found["cloud"]["teams"]] == ["platform"]
    assert found["dc"]["ok"] is False
    assert DC_FAULT_SAYS[broken] in found["dc"]["error"]


# ---- one space key on both sites -----------------------------------------------------------


def test_one_space_key_and_parent_title_on_two_sites_do_not_collide(
    tmp_path: Path, servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = _sites(tmp_path, servers, monkeypatch, same=True)
    key = sites.spaces["platform"]
    # Mobile's report takes a title platform's has: on one site and space, a collision.
    mobile = sites.spec.reports["mobile"]["2026-11-19-sprint-9"]
    mobile["title"] = "Sprint 21"
    sites.spec.team_settings["mobile"]["site"] = "cloud"
    sites.write()
    refused = sites.run("validate")
    assert refused.code == 1
    assert "'Sprint 21 - Retrospective', already the title of the page of" in refused.err
    assert f"in space {key} on site cloud" in refused.err

    sites.spec.team_settings["mobile"]["site"] = "dc"
    sites.write()
    valid = sites.run("validate")
    assert valid.code == 0, valid.err

    plan = sites.run("plan", "--format", "json")
    assert plan.code == 0, plan.err
    parents = sorted(
        (c["site"], c["space"], c["after"]["title"])
        for c in json.loads(plan.out)["changes"]
        if c["address"].endswith("/parent")
    )
    assert parents == [
        ("cloud", key, "Health Checks"),
        ("cloud", key, "Retrospectives"),
        ("dc", key, "Retrospectives"),
    ]

    applied = sites.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    on_cloud = sites.published(sites.cloud, key)
    on_dc = sites.published(sites.dc, key)
    assert sorted(on_cloud) == CLOUD_PAGES
    assert on_dc == {"Retrospectives": None, "Sprint 21 - Retrospective": "Retrospectives"}
    assert on_cloud["Sprint 21 - Retrospective"] == "Retrospectives"
    _converged(sites)


# ---- every site failing, and test-publish ---------------------------------------------------


def test_every_site_failing_is_an_error_not_an_empty_plan(
    sites: TwoSites, quick_retries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PAT_VAR, "a-revoked-token")
    monkeypatch.setenv(TOKEN_VAR, "a-revoked-token")

    for command in (("plan",), ("apply", "--auto-approve"), ("check",)):
        failed = sites.run(*command)
        assert failed.code == 1, command
        assert "No changes." not in failed.out, command
        assert "Error: every site failed: site cloud: " in failed.err, command
        assert "; site dc: " in failed.err, command
    sites.assert_published(cloud=[], dc=[])


def test_test_publish_tries_every_site_and_names_the_one_that_failed(
    sites: TwoSites, quick_retries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PAT_VAR, "a-revoked-token")

    tried = sites.run("test-publish")

    assert tried.code == 1
    assert "Team platform: published " in tried.out
    assert "Team mobile" not in tried.out
    assert "Error: site dc: " in tried.err
    assert DC_FAULT_SAYS["sign-in refused"] in tried.err
    # The cloud site's test page was published and then deleted: nothing is left.
    assert not [t for t in sites.cloud.pages(sites.spaces["platform"]) if "confsync test" in t]
