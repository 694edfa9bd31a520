"""The set-up commands a team admin runs once: ``check``, ``test-publish``, ``spaces``,
``pages search``.

Loaded by ``cli.LazyGroup`` only when named; like ``cli.py``, they parse, call one function,
print and return an exit code.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from confsync.cli import EXIT_ERROR, EXIT_OK
from confsync.cli_options import directory_option, repo_dir, site_option, team_option, warn_sites
from confsync.errors import ConfsyncError

__all__ = ["check", "pages", "spaces", "test_publish"]

format_option = click.option(
    "--format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one document with a format_version.",
)


@click.command("test-publish")
@directory_option
@click.option(
    "--team", metavar="ID", multiple=True, help="Only this team (a team id); repeat for several."
)
@click.option(
    "--kind",
    type=click.Choice(["retrospective", "health-check"]),
    default="retrospective",
    show_default=True,
    help="The kind of sample report to publish.",
)
@click.option("--keep", is_flag=True, help="Leave the test page in Confluence to look at.")
@click.pass_context
def test_publish(
    ctx: click.Context, directory: Path | None, team: tuple[str, ...], kind: str, keep: bool
) -> int:
    """Publish a test page with its PDF for each team, print its link, then delete it.

    The page is a sample report titled "confsync test <time> <random>", so it cannot
    collide with a real page. It goes under the team's parent page when that exists, else
    at the space root: a test never creates a parent. A missing permission (create,
    update, upload, delete) is named, and nothing is left behind on any failure. With
    --keep the page stays, for you to look at and delete.
    """
    from confsync.discovery import open_site
    from confsync.render.pdf import render_pdf
    from confsync.setup_views import render_test_pages_text
    from confsync.sites import Site, each_site, sites_of
    from confsync.testpublish import publish_test_pages
    from confsync.types import ReportKind
    from confsync.workflow import prepare

    workspace = prepare(repo_dir(ctx, directory), teams=team)

    def printer(body: str, title: str, cover: str) -> bytes:
        return render_pdf(body, title=title, cover=cover, files={})

    async def publish(site: Site) -> Any:
        repo = site.workspace.repo
        async with open_site(repo) as confluence:
            return await publish_test_pages(
                repo, confluence, teams=team, kind=ReportKind(kind), keep=keep, printer=printer
            )

    done, faults = asyncio.run(each_site(sites_of(workspace), publish))
    click.echo(render_test_pages_text([page for _, pages in done for page in pages]), nl=False)
    warn_sites(faults)
    return EXIT_ERROR if faults else EXIT_OK


@click.command()
@directory_option
@site_option
@format_option
@click.pass_context
def spaces(ctx: click.Context, directory: Path | None, site: str | None, format: str) -> int:
    """List the spaces the configured account can see: key, name, link.

    For choosing a team's space: key. Every page of results is read.
    """
    from confsync.discovery import list_spaces, open_site
    from confsync.loading import load_repo, one_site
    from confsync.setup_views import render_json, render_spaces_text, spaces_json

    repo = one_site(load_repo(repo_dir(ctx, directory)), site)

    async def run() -> Any:
        async with open_site(repo) as confluence:
            return await list_spaces(confluence)

    found = asyncio.run(run())
    text = render_json(spaces_json(found)) if format == "json" else render_spaces_text(found)
    click.echo(text, nl=False)
    return EXIT_OK


@click.group()
def pages() -> None:
    """Find pages in Confluence (to pick a parent page)."""


@pages.command()
@directory_option
@click.argument("text")
@click.option("--space", "space", metavar="KEY", required=True, help="The space to search.")
@site_option
@format_option
@click.pass_context
def search(
    ctx: click.Context, directory: Path | None, text: str, space: str, site: str | None, format: str
) -> int:
    """Pages of space KEY whose title matches TEXT (its words, the last one as a prefix).

    Shows each page's id, title and ancestors, so that two pages with similar titles can be
    told apart; put the id in confsync.yaml as parent: {existing: ID}.
    """
    from confsync.discovery import open_site, search_parent_pages
    from confsync.loading import load_repo, one_site
    from confsync.setup_views import matches_json, render_json, render_matches_text

    repo = one_site(load_repo(repo_dir(ctx, directory)), site)

    async def run() -> Any:
        async with open_site(repo) as confluence:
            return await search_parent_pages(confluence, text, space)

    found = asyncio.run(run())
    shown = render_json(matches_json(found)) if format == "json" else render_matches_text(found)
    click.echo(shown, nl=False)
    return EXIT_OK


@click.command()
@directory_option
@team_option
@click.option(
    "--format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one document with a format_version, the user and each team's findings.",
)
@click.pass_context
def check(ctx: click.Context, directory: Path | None, team: tuple[str, ...], format: str) -> int:
    """Check, writing nothing, that each team can publish.

    Signs in, then per team: the space is visible; each parent page exists (existing:) or
    can be created (create:); the account may create, update, upload and delete there (the
    OAuth scopes, and the space permissions where Confluence reports them; otherwise it
    says to run confsync test-publish). Exits 0 when all is well, 1 naming the first thing
    missing.
    """
    import asyncio

    from confsync.setup_views import checks_json, render_checks_text, render_json
    from confsync.sites import check_sites
    from confsync.workflow import prepare

    workspace = prepare(repo_dir(ctx, directory), teams=team)
    done, faults = asyncio.run(check_sites(workspace, teams=team))
    found = [(site.name, report) for site, report in done]
    if format == "json":
        click.echo(render_json(checks_json(found, faults)), nl=False)
    else:
        click.echo(render_checks_text(found, faults), nl=False)
    problem = next(map(str, faults), None)
    for name, report in found:
        if problem is None and report.first_problem is not None:
            problem = f"site {name}: {report.first_problem}" if name else report.first_problem
    if problem is not None:
        raise ConfsyncError(problem)
    return EXIT_OK
