"""Several Confluence sites in confsync.yaml (``confluence: {sites: {NAME: ...}}`` and a
``site:`` per team), through the real loader and the real command line: what is refused, where,
and what each team, report and page belongs to."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from confsync.cli import cli, run
from confsync.connection import ConfluenceSettings, SiteMap
from confsync.desired import desired_pages
from confsync.errors import ConfsyncError, InputError
from confsync.loading import Repo, load_repo, one_site
from confsync.types import PageAddress, ReportKind
from confsync.workflow import prepare

RETRO = ReportKind.RETROSPECTIVE

# Line 11 is the first team's "- id:" line; each team below takes 4 lines, 5 with site:.
SITES = """\
version: 1
confluence:
  sites:
    dc:
      edition: datacenter
      sandbox: .confsync/dc.sqlite
    cloud:
      edition: cloud
      sandbox: .confsync/cloud.sqlite
teams:
"""
SINGLE = """\
version: 1
confluence:
  edition: cloud
  sandbox: .confsync/sandbox.sqlite
teams:
"""


def team(id: str, space: str, site: str | None = None, *, extra: str = "") -> str:
    text = f"  - id: {id}\n    name: {id.title()} Team\n    space: {space}\n"
    text += f"    reports: reports/{id}\n"
    if site is not None:
        text += f"    site: {site}\n"
    return text + extra


def retro(title: str = "Sprint 22", day: str = "2026-11-20") -> str:
    return (
        f"kind: retrospective\ntitle: {title}\ndate: {day}\n"
        "columns: [{name: Went well, items: [{text: Deploys are faster}]}]\n"
    )


def write(root: Path, config: str, reports: dict[str, str] | None = None) -> Path:
    """A repo at ``root``: ``config`` as confsync.yaml, and ``reports`` by path (each team's
    folder is made, empty when no report is given for it)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "confsync.yaml").write_text(config)
    for line in config.splitlines():
        if line.strip().startswith("reports:"):
            (root / line.split(":", 1)[1].strip()).mkdir(parents=True, exist_ok=True)
    for path, text in (reports or {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def invoke(args: list[str]) -> tuple[int, str, str]:
    """Run the real CLI in-process: (exit code, stdout, stderr)."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = run(cli.main, args)
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def refused(root: Path) -> list[str]:
    """The problems ``load_repo`` raises for ``root``, checked to be exactly what
    ``confsync validate`` prints (the working directory is ``root``)."""
    with pytest.raises(InputError) as raised:
        load_repo(root)
    code, out, err = invoke(["validate"])
    assert (code, out) == (1, "")
    assert err == f"{raised.value}\n"
    return [str(problem) for problem in raised.value.problems]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the repo goes; the working directory, so messages name files as a user sees them."""
    made = tmp_path / "repo"
    made.mkdir()
    monkeypatch.chdir(made)
    return made


# ---- what is refused, and where -------------------------------------------------------------


def test_with_several_sites_a_team_without_site_is_refused_naming_it_and_the_sites(
    root: Path,
) -> None:
    write(root, SITES + team("alpha", "ENG", "dc") + team("beta", "OPS"))

    assert refused(root) == [
        "confsync.yaml:16:9: teams[1].id: team 'beta' must say which site it publishes to: "
        "add site: with one of dc, cloud"
    ]


def test_an_unknown_site_is_refused_at_its_site_key_naming_the_known_sites(root: Path) -> None:
    write(root, SITES + team("alpha", "ENG", "dc") + team("beta", "OPS", "clod"))

    assert refused(root) == [
        "confsync.yaml:20:11: teams[1].site: there is no site 'clod': confluence.sites names "
        "dc, cloud; did you mean 'cloud'?"
    ]


def test_site_with_the_single_site_form_is_refused(root: Path) -> None:
    write(root, SINGLE + team("alpha", "ENG", "main"))

    assert refused(root) == [
        "confsync.yaml:10:11: teams[0].site: there is no site 'main': confluence names one "
        "site, without a name: leave site: out, or write confluence: as sites: {NAME: {...}}"
    ]


@pytest.mark.parametrize("name", ["DC", "big site", "-dc", "d" * 65])
def test_a_site_name_that_is_not_a_slug_is_refused(root: Path, name: str) -> None:
    config = SITES.replace("    dc:\n", f"    {name}:\n")
    write(root, config + team("alpha", "ENG", "cloud"))

    with pytest.raises(InputError) as raised:
        load_repo(root)

    [problem] = raised.value.problems
    assert (problem.file, problem.path) == ("confsync.yaml", f"confluence.sites.{name}")
    if len(name) > 64:
        assert problem.message == "is 65 characters long, over the limit of 64"
    else:
        assert problem.message == (
            f"{name!r} is not valid here; use lower-case letters, digits, '-' and '_', "
            "starting with a letter or a digit"
        )


def test_a_site_name_that_is_not_a_slug_is_positioned_at_the_name(root: Path) -> None:
    write(root, SITES.replace("    dc:\n", "    DC:\n") + team("alpha", "ENG", "cloud"))

    with pytest.raises(InputError) as raised:
        load_repo(root)

    assert (raised.value.problems[0].line, raised.value.problems[0].column) == (4, 5)


def test_no_sites_at_all_is_refused(root: Path) -> None:
    write(root, "version: 1\nconfluence:\n  sites: {}\nteams:\n" + team("alpha", "ENG"))

    assert refused(root) == [
        "confsync.yaml:3:10: confluence.sites: must have at least 1 item; found none"
    ]


def test_the_two_forms_mixed_name_the_field_too_many(root: Path) -> None:
    write(root, SITES.replace("confluence:\n", "confluence:\n  edition: cloud\n") + team("a", "E"))

    assert refused(root) == [
        "confsync.yaml:3:12: confluence.edition: edition is a site's setting: with sites:, "
        "write it under each site (sites.NAME.edition)"
    ]


def test_two_names_for_one_confluence_are_refused(root: Path) -> None:
    config = SITES.replace(".confsync/dc.sqlite", "./.confsync/cloud.sqlite")
    write(root, config + team("alpha", "ENG", "dc"))

    [problem] = refused(root)

    assert "confluence.sites.cloud: sites dc and cloud are one Confluence" in problem


def test_narrowing_to_a_site_twice_keeps_its_teams(root: Path) -> None:
    write(root, SITES + team("alpha", "ENG", "dc") + team("beta", "ENG", "cloud"))

    once = load_repo(root).on_site("dc")

    assert [t.id for t in one_site(once, None).config.teams] == ["alpha"]
    assert [t.id for t in once.on_site("dc").config.teams] == ["alpha"]


def test_a_sandbox_outside_the_repo_in_a_site_is_refused_naming_the_site(root: Path) -> None:
    config = SITES.replace(".confsync/cloud.sqlite", "../cloud.sqlite")
    write(root, config + team("alpha", "ENG", "dc"))

    assert refused(root) == [
        "confsync.yaml:9:16: confluence.sites.cloud.sandbox: '../cloud.sqlite' is outside the "
        "repo; confsync reads only files kept in the repo (the folder of confsync.yaml)"
    ]
    assert not (root.parent / "cloud.sqlite").exists()


# ---- what belongs where ---------------------------------------------------------------------


def test_one_site_under_sites_needs_no_site_per_team(root: Path) -> None:
    config = SITES.replace(
        "    cloud:\n      edition: cloud\n      sandbox: .confsync/cloud.sqlite\n", ""
    )
    write(root, config + team("alpha", "ENG") + team("beta", "OPS", "dc"))

    repo = load_repo(root)

    config_ = repo.config
    assert isinstance(config_.confluence, SiteMap)
    assert list(config_.sites()) == ["dc"]
    assert config_.settings is config_.sites()["dc"]
    assert config_.settings.edition == "datacenter"
    assert [config_.site_of(t) for t in config_.teams] == ["dc", "dc"]
    assert [config_.place(t) for t in config_.teams] == [("dc", "ENG"), ("dc", "OPS")]
    assert one_site(repo, None).config.teams == config_.teams
    assert one_site(repo, "dc").config.teams == config_.teams


def test_the_single_site_form_loads_as_before(root: Path) -> None:
    write(root, SINGLE + team("alpha", "eng"), {"reports/alpha/2026-11-20-s.yaml": retro()})

    repo = load_repo(root)

    config = repo.config
    assert isinstance(config.confluence, ConfluenceSettings)
    assert config.sites() == {"": config.settings}
    assert config.settings is config.confluence
    assert config.settings.sandbox == ".confsync/sandbox.sqlite"
    assert config.teams[0].site is None
    assert config.site_of(config.teams[0]) == ""
    assert config.place(config.teams[0]) == ("", "ENG")
    narrowed = one_site(repo, None)
    assert (narrowed.config.teams, narrowed.reports) == (config.teams, repo.reports)
    assert narrowed.config.settings == config.settings


def _two_teams_one_space(root: Path, beta_site: str, *, parent: bool = False) -> None:
    # alpha and beta both in space ENG (beta writes it eng), one report each, same title.
    retros = "    retrospectives: {parent: {create: Team Retros}}\n" if parent else ""
    config = SITES + team("alpha", "ENG", "dc", extra=retros)
    config += team("beta", "eng", beta_site, extra=retros)
    write(
        root,
        config,
        {
            "reports/alpha/2026-11-20-sprint.yaml": retro(),
            "reports/beta/2026-11-21-sprint.yaml": retro(day="2026-11-21"),
        },
    )


def test_one_title_in_one_space_key_on_two_sites_is_two_pages(root: Path) -> None:
    _two_teams_one_space(root, "cloud")

    repo = load_repo(root)

    assert sorted((r.team.id, r.title) for r in repo.reports) == [
        ("alpha", "Sprint 22 - Retrospective"),
        ("beta", "Sprint 22 - Retrospective"),
    ]
    code, out, err = invoke(["validate"])
    assert (code, err) == (0, "")
    assert out.endswith("confsync.yaml: valid; 2 teams, 2 reports.\n")


def test_one_title_in_one_space_on_one_site_is_refused_naming_both_files(root: Path) -> None:
    _two_teams_one_space(root, "dc")

    assert refused(root) == [
        "reports/beta/2026-11-21-sprint.yaml:2:8: title: renders the page title "
        "'Sprint 22 - Retrospective', already the title of the page of "
        "reports/alpha/2026-11-20-sprint.yaml in space eng on site dc; set a distinct title"
    ]


def test_a_report_may_take_a_created_parents_title_on_another_site_only(root: Path) -> None:
    retros = "    retrospectives: {parent: {create: Sprint 22 - Retrospective}}\n"
    config = SITES + team("alpha", "ENG", "dc", extra=retros) + team("beta", "ENG", "cloud")
    write(root, config, {"reports/beta/2026-11-20-sprint.yaml": retro()})
    assert [r.title for r in load_repo(root).reports] == ["Sprint 22 - Retrospective"]

    (root / "confsync.yaml").write_text(config.replace("site: cloud", "site: dc"))

    assert refused(root) == [
        "reports/beta/2026-11-20-sprint.yaml:2:8: title: renders the page title "
        "'Sprint 22 - Retrospective', already the title of the retrospective parent page of "
        "team 'alpha' in space ENG on site dc; set a distinct title"
    ]


def _parents(repo: Repo) -> dict[str, tuple[str, str]]:
    """Each desired page's address → (its space, the address of its parent)."""
    return {
        str(page.address): (page.space_key, str(page.parent.address or ""))
        for page in desired_pages(repo)
    }


def test_a_created_parent_named_on_two_sites_is_two_pages_each_its_owners(root: Path) -> None:
    # Different titles per team, so that only the parent is at stake.
    _two_teams_one_space(root, "cloud", parent=True)
    (root / "reports/beta/2026-11-21-sprint.yaml").write_text(retro("Sprint 23", "2026-11-21"))

    found = _parents(load_repo(root))

    assert found == {
        "alpha/retrospective/parent": ("ENG", ""),
        "beta/retrospective/parent": ("eng", ""),
        "alpha/retrospective/2026-11-20-sprint": ("ENG", "alpha/retrospective/parent"),
        "beta/retrospective/2026-11-21-sprint": ("eng", "beta/retrospective/parent"),
    }
    titles = {str(p.address): p.title for p in desired_pages(load_repo(root))}
    assert titles["alpha/retrospective/parent"] == titles["beta/retrospective/parent"]
    assert titles["beta/retrospective/parent"] == "Team Retros"


def test_a_created_parent_named_twice_on_one_site_is_one_shared_page(root: Path) -> None:
    _two_teams_one_space(root, "dc", parent=True)
    (root / "reports/beta/2026-11-21-sprint.yaml").write_text(retro("Sprint 23", "2026-11-21"))

    found = _parents(load_repo(root))

    assert found == {
        "alpha/retrospective/parent": ("ENG", ""),
        "alpha/retrospective/2026-11-20-sprint": ("ENG", "alpha/retrospective/parent"),
        "beta/retrospective/2026-11-21-sprint": ("eng", "alpha/retrospective/parent"),
    }


# ---- one site of several: Repo.on_site, Workspace.on_site ------------------------------------


def _three_teams(root: Path) -> None:
    config = SITES + team("alpha", "ENG", "dc") + team("beta", "OPS", "cloud")
    config += team("gamma", "ENG", "dc")
    write(
        root,
        config,
        {
            "reports/alpha/2026-11-20-a.yaml": retro("Alpha"),
            "reports/beta/2026-11-20-b.yaml": retro("Beta"),
            "reports/gamma/2026-11-20-g.yaml": retro("Gamma"),
        },
    )


def test_repo_on_site_keeps_that_sites_teams_and_reports(root: Path) -> None:
    _three_teams(root)
    repo = load_repo(root)

    dc, cloud = repo.on_site("dc"), repo.on_site("cloud")

    assert [t.id for t in dc.config.teams] == ["alpha", "gamma"]
    assert sorted(r.team.id for r in dc.reports) == ["alpha", "gamma"]
    assert dc.config.settings == repo.config.sites()["dc"]
    assert [t.id for t in cloud.config.teams] == ["beta"]
    assert [r.team.id for r in cloud.reports] == ["beta"]
    assert cloud.config.settings.edition == "cloud"
    # The whole repo is left as it was.
    assert len(repo.config.teams) == 3
    assert len(repo.reports) == 3
    with pytest.raises(ConfsyncError, match=r"names 2 sites: name one with --site"):
        _ = repo.config.settings


def test_workspace_on_site_keeps_that_sites_desired_pages(root: Path) -> None:
    _three_teams(root)
    workspace = prepare(root)

    dc, cloud = workspace.on_site("dc"), workspace.on_site("cloud")

    assert sorted(str(p.address) for p in dc.desired) == [
        "alpha/retrospective/2026-11-20-a",
        "alpha/retrospective/parent",
        "gamma/retrospective/2026-11-20-g",
    ]
    assert sorted(str(p.address) for p in cloud.desired) == [
        "beta/retrospective/2026-11-20-b",
        "beta/retrospective/parent",
    ]
    assert [t.id for t in cloud.repo.config.teams] == ["beta"]
    assert [r.team.id for r in cloud.repo.reports] == ["beta"]
    assert (dc.origin, dc.selection) == (workspace.origin, workspace.selection)
    assert len(workspace.desired) == 5
    # One created parent per site, each its owner's (alpha's "Retrospectives" serves gamma).
    assert PageAddress.parent_of("gamma", RETRO) not in {p.address for p in dc.desired}


# ---- the commands that speak to one site ----------------------------------------------------

A_AND_B = """\
version: 1
confluence:
  sites:
    a: {edition: cloud, sandbox: .confsync/a.sqlite}
    b: {edition: datacenter, sandbox: .confsync/b.sqlite}
teams:
  - {id: alpha, name: Alpha, space: ENG, reports: reports/alpha, site: a}
  - {id: beta, name: Beta, space: OPS, reports: reports/beta, site: b}
"""
ONE_SITE_COMMANDS = [
    ["spaces"],
    ["pages", "search", "X", "--space", "ENG"],
    ["auth", "status"],
    ["force-unlock", "ENG", "123"],
]


@pytest.mark.parametrize("command", ONE_SITE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_one_site_command_with_several_sites_asks_for_site(
    root: Path, command: list[str]
) -> None:
    write(root, A_AND_B)

    assert invoke(command) == (
        1,
        "",
        "Error: confsync.yaml names 2 sites (a, b): choose one with --site\n",
    )
    assert invoke([*command, "--site", "c"]) == (
        1,
        "",
        "Error: there is no site 'c' in confsync.yaml (sites: a, b)\n",
    )
    assert not (root / ".confsync").exists()


@pytest.mark.parametrize("command", ONE_SITE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_site_with_the_single_site_form_is_refused_by_a_one_site_command(
    root: Path, command: list[str]
) -> None:
    write(root, SINGLE + team("alpha", "ENG"))

    assert invoke([*command, "--site", "a"]) == (
        1,
        "",
        "Error: there is no site 'a' in confsync.yaml (sites: none: confluence: is one site, "
        "unnamed)\n",
    )


def test_spaces_of_the_site_chosen(root: Path) -> None:
    write(root, A_AND_B)

    code, out, err = invoke(["spaces", "--site", "a"])

    assert (code, err) == (0, "")
    keys = [line.split()[0] for line in out.splitlines()[:-1]]
    assert "ENG" in keys
    assert "OPS" not in keys  # beta's space is on site b
    assert (root / ".confsync/a.sqlite").is_file()
    assert not (root / ".confsync/b.sqlite").exists()


def test_the_other_one_site_commands_speak_to_the_site_chosen(root: Path) -> None:
    write(root, A_AND_B)

    assert invoke(["auth", "status", "--site", "b"]) == (
        0,
        "method: embedded sandbox (its built-in account; no credentials)\n"
        "site:   .confsync/b.sqlite (datacenter)\n",
        "",
    )
    code, out, err = invoke(["pages", "search", "X", "--space", "OPS", "--site", "b"])
    assert (code, out, err) == (0, "No page title matches.\n", "")
    assert invoke(["force-unlock", "OPS", "123", "--site", "b"]) == (
        1,
        "",
        "Error: space OPS is not locked\n",
    )
    assert not (root / ".confsync/a.sqlite").exists()


def test_every_teams_site_mistake_is_listed_in_one_run_with_the_reports_problems(
    root: Path,
) -> None:
    config = SITES + team("alpha", "ENG") + team("beta", "ENG", "claud") + team("gamma", "ENG")
    write(root, config, {"reports/beta/2026-11-20-sprint.yaml": "kind: retrospective\n"})

    problems = refused(root)

    assert [p.split(": ", 2)[1] for p in problems[:3]] == [
        "teams[0].id",
        "teams[1].site",
        "teams[2].id",
    ]
    assert problems[1].endswith(
        "there is no site 'claud': confluence.sites names dc, cloud; did you mean 'cloud'?"
    )
    assert any(p.startswith("reports/beta/2026-11-20-sprint.yaml") for p in problems[3:])


def test_an_unknown_key_beside_sites_names_what_is_allowed_there(root: Path) -> None:
    write(root, SITES.replace("  sites:\n", "  colour: blue\n  sites:\n") + team("a", "E", "dc"))

    assert refused(root) == [
        "confsync.yaml:3:3: confluence.colour: unknown field 'colour'; allowed here: sites"
    ]
