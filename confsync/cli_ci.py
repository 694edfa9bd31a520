"""The commands around plan and apply in CI: ``preview`` (the pages as a reviewer will see
them), ``teams`` (a job matrix), ``ci-comment`` (the plan on the pull request) and
``force-unlock`` (a lock whose apply is gone).

Loaded by ``cli.LazyGroup`` only when named; like ``cli.py``, they parse, call one function,
print and return an exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from confsync.cli_options import (
    changed_since_option,
    directory_option,
    repo_dir,
    site_option,
    target_option,
    team_option,
    warn,
)
from confsync.plan.output import PlanFormat

__all__ = ["ci_comment", "force_unlock", "preview", "teams"]


@click.command()
@directory_option
@click.option(
    "--format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='json: one line, {"include": [{"team": ID, "space": KEY, ...}, ...]}, a GitHub '
    "Actions matrix as it is.",
)
@click.pass_context
def teams(ctx: click.Context, directory: Path | None, format: str) -> None:
    """List the teams of confsync.yaml: id, name, space, reports folder, report count.

    Offline, after validating the repo. With --format json, a CI matrix of one job per
    team: in GitHub Actions, strategy.matrix: ${{ fromJSON(needs.teams.outputs.matrix) }},
    then confsync plan --team ${{ matrix.team }}.
    """
    from confsync.teams import render_teams_json, render_teams_text
    from confsync.workflow import list_teams

    found = list_teams(repo_dir(ctx, directory))
    render = render_teams_json if format == "json" else render_teams_text
    click.echo(render(found), nl=False)


@click.command("force-unlock")
@directory_option
@click.argument("space")
@click.argument("lock_id")
@site_option
@click.pass_context
def force_unlock(
    ctx: click.Context, directory: Path | None, space: str, lock_id: str, site: str | None
) -> None:
    """Remove the apply lock of SPACE, if its id is LOCK_ID.

    For a lock whose apply is gone and which you cannot wait for to expire (--lock-ttl). The
    error of a refused apply names the space and the lock id. Make sure no apply is running.
    """
    import asyncio

    from confsync.discovery import open_site
    from confsync.loading import load_repo, one_site
    from confsync.lock import force_unlock as unlock

    repo = one_site(load_repo(repo_dir(ctx, directory)), site)

    async def run() -> Any:
        async with open_site(repo) as confluence:
            return await unlock(confluence, space, lock_id)

    lease = asyncio.run(run())
    click.echo(f"Removed the lock {lock_id} of space {space} (held by {lease.owner}).")


@click.command("ci-comment")
@click.option("--provider", type=click.Choice(["github", "gitlab"]), required=True)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("plan.md"),
    show_default=True,
    help=f"The plan to post (plan --format {PlanFormat.MARKDOWN}).",
)
@click.option(
    "--token-env",
    metavar="NAME",
    default=None,
    help="Variable holding the token (default: GITHUB_TOKEN, CONFSYNC_GITLAB_TOKEN).",
)
def ci_comment(provider: str, file: Path, token_env: str | None) -> None:
    """Post the plan on the pull or merge request of this CI job, as ONE comment.

    The pipelines of init --ci run it. The first run creates the comment; later runs find it
    by its hidden marker <!-- confsync-plan --> and update it in place. Reads the CI job's
    variables (GitHub: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH; GitLab:
    CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID) and the token; never prints it.
    """
    from confsync.ci.comment import post_plan

    posted = post_plan(provider, file, token_name=token_env)
    where = f": {posted.url}" if posted.url else f" ({posted.comment_id})"
    click.echo(f"Plan comment {posted.action}{where}")


@click.command()
@directory_option
@team_option
@target_option
@changed_since_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("preview"),
    show_default=True,
    help="Folder to write the preview into (its pages/ and index.html are replaced).",
)
@click.option("--changed-only", is_flag=True, help="Only the pages the plan creates or changes.")
@click.option("--offline", is_flag=True, help="Without Confluence: every page shown as new.")
@click.pass_context
def preview(
    ctx: click.Context,
    directory: Path | None,
    team: tuple[str, ...],
    target: tuple[str, ...],
    changed_since: str | None,
    out: Path,
    changed_only: bool,
    offline: bool,
) -> None:
    """Write static HTML of the pages the plan would publish, to review before apply.

    Each page as a reader will see it, its images and PDF beside it, and an index that mirrors
    the plan (action, reason, a link to the page in Confluence when it exists); for updates,
    the changed text is marked. --offline needs no Confluence (a pull request from a fork).
    """
    import asyncio

    from confsync.sites import run_preview
    from confsync.workflow import prepare

    workspace = prepare(
        repo_dir(ctx, directory), teams=team, targets=target, changed_since=changed_since
    )
    warn(workspace.warnings)
    entries = asyncio.run(run_preview(workspace, out, offline=offline, changed_only=changed_only))
    click.echo(f"{out / 'index.html'}: {len(entries)} page{'s' if len(entries) != 1 else ''}.")
