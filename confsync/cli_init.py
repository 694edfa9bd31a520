"""The setting-up commands: ``init``, ``login`` and ``auth status|logout``.

Loaded only when named (``cli.LazyGroup``). Each parses its options, asks on a terminal, calls
one function of ``confsync.setup`` and prints what it returns.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from confsync.cli_options import directory_option, repo_dir, site_option

__all__ = ["auth", "init", "login"]

_SETUP_OPTIONS = (
    "edition",
    "url",
    "sandbox",
    "auth",
    "scoped",
    "client_id",
    "auth_url",
    "api_url",
    "team_id",
    "team_name",
    "space",
    "retro_parent",
    "health_parent",
    "retro_title",
    "health_title",
    "non_interactive",
)


def _ask(question: str, default: str, choices: Sequence[str]) -> str:
    kind = click.Choice(list(choices)) if choices else None
    answer = click.prompt(question, default=default or None, type=kind, show_choices=bool(choices))
    return str(answer)


@click.command()
@click.argument(
    "target", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--edition", type=click.Choice(["cloud", "datacenter"]))
@click.option(
    "--url", metavar="URL", help="The site: https://SITE.atlassian.net/wiki, https://HOST."
)
@click.option("--sandbox", is_flag=True, help="Use the embedded sandbox (no url, no credentials).")
@click.option(
    "--auth",
    "auth",
    type=click.Choice(["api-token", "oauth2", "pat", "basic", "app-link"]),
    help="Sign-in method: api-token, oauth2 (Cloud); pat, basic, app-link (Data Center).",
)
@click.option("--scoped", is_flag=True, help="api-token: a scoped token (through the gateway).")
@click.option("--client-id", metavar="ID", help="oauth2, app-link: the OAuth client id.")
@click.option(
    "--auth-url", metavar="URL", help="oauth2: the authorization server (default Atlassian's)."
)
@click.option("--api-url", metavar="URL", help="oauth2, scoped api-token: the API gateway.")
@click.option("--team-id", metavar="ID", help="Lower case; part of every page address.")
@click.option("--team-name", metavar="NAME")
@click.option("--space", metavar="KEY", help="The Confluence space key.")
@click.option("--retro-parent", metavar="SPEC", help="none | create:TITLE | existing:TITLE-or-id")
@click.option("--health-parent", metavar="SPEC", help="none | create:TITLE | existing:TITLE-or-id")
@click.option("--retro-title", metavar="TEMPLATE", help="Retrospective page title template.")
@click.option("--health-title", metavar="TEMPLATE", help="Health check page title template.")
@click.option(
    "--ci",
    type=click.Choice(["github", "gitlab"]),
    help="Also write a CI pipeline: .github/workflows/confsync.yml or .gitlab-ci.yml.",
)
@click.option(
    "--repo-url",
    metavar="URL",
    help="The git repo CI installs confsync from (default: where this one was installed from).",
)
@click.option("--force", is_flag=True, help="Overwrite files that are already there.")
@click.option(
    "--non-interactive",
    "--yes",
    "non_interactive",
    is_flag=True,
    help="Ask nothing: the options given, defaults for the rest.",
)
@click.pass_context
def init(ctx: click.Context, /, target: Path | None, **options: Any) -> None:
    """Set up a reports repo in DIR (default: -C or the current folder).

    \b
    On a terminal it asks; otherwise give the answers as options. It writes
      confsync.yaml     where the pages go and how to sign in (${VARIABLES} only)
      reports/TEAM/     one example retrospective and one example health check
      .gitignore        with .confsync/ (appended to, never replaced)
      and with --ci, the CI pipeline.
    What it writes passes validate. It never replaces a file without --force.
    --ci alone (no other option) writes only the pipeline, for a repo that has its
    confsync.yaml; the secrets it lists are the ${VARIABLES} that confsync.yaml refers to.
    """
    directory = repo_dir(ctx, target)
    setup = any(options[name] for name in _SETUP_OPTIONS)
    terminal = sys.stdin.isatty()
    if options["ci"] and not setup:
        from confsync.ci.scaffold import write_pipeline

        written = write_pipeline(
            options["ci"], directory, repo_url=options["repo_url"], force=options["force"]
        )
        for line in written.summary():
            click.echo(line)
        return
    if not setup and not terminal:
        raise click.UsageError(
            "not on a terminal, so init cannot ask: give the setup as options (--sandbox or "
            "--url and --auth, --space, ...; see --help), or --non-interactive for the "
            "defaults; --ci github or --ci gitlab alone writes only the CI pipeline"
        )
    from confsync.setup.init import InitOptions, init_repo

    given = InitOptions(
        edition=options["edition"],
        url=options["url"],
        sandbox=options["sandbox"],
        auth=options["auth"],
        scoped=options["scoped"],
        client_id=options["client_id"],
        auth_url=options["auth_url"],
        api_url=options["api_url"],
        team_id=options["team_id"],
        team_name=options["team_name"],
        space=options["space"],
        retro_parent=options["retro_parent"],
        health_parent=options["health_parent"],
        retro_title=options["retro_title"],
        health_title=options["health_title"],
        ci=options["ci"],
        repo_url=options["repo_url"],
        force=options["force"],
    )
    asking = terminal and not options["non_interactive"]
    done = init_repo(directory, given, ask=_ask if asking else None)
    for path in done.files:
        click.echo(f"Wrote {path}")
    if done.pipeline is not None:
        for line in done.pipeline.summary()[1:]:
            click.echo(line)
    click.echo("Next:")
    for step in done.next_steps:
        click.echo(f"  {step}")


class _Ui:
    """``setup.login.LoginUi`` on the terminal."""

    def show_url(self, url: str, redirect_uri: str, *, opened: bool) -> None:
        if opened:
            click.echo("Opened the browser to sign in. If it did not open, go to:\n")
        else:
            click.echo("Open this address in a browser and approve the access:\n")
        click.echo(f"  {url}\n")
        click.echo(f"(The app must have {redirect_uri} as its callback URL.)")

    def ask_redirect(self) -> str:
        return str(click.prompt("Paste the address the browser was sent back to"))

    def choose_site(self, sites: Sequence[Any]) -> Any:
        if not sys.stdin.isatty():
            listed = ", ".join(f"{s.url} ({s.id})" for s in sites)
            raise click.UsageError(
                f"the sign-in covers several sites at this url: {listed}; set "
                "confluence.auth.cloud_id to the one to use"
            )
        for number, site in enumerate(sites, 1):
            click.echo(f"  {number}. {site.name}  {site.url}  (cloud id {site.id})")
        chosen = click.prompt("Which site", type=click.IntRange(1, len(sites)), default=1)
        return sites[chosen - 1]


@click.command()
@directory_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port of the loopback listener (http://127.0.0.1:PORT/callback); 0: a free one. "
    "Register that callback URL in the app.",
)
@click.option(
    "--paste",
    "--no-browser",
    "paste",
    is_flag=True,
    help="No listener: open the URL anywhere, then paste the address the browser went to.",
)
@click.option(
    "--redirect-uri",
    default="http://localhost:8765/callback",
    show_default=True,
    help="With --paste: the callback URL registered for the app.",
)
@click.option("--no-open", is_flag=True, help="Print the URL instead of opening the browser.")
@click.option(
    "--scopes",
    metavar="SCOPES",
    help="The scopes to ask for, separated by spaces (classic or granular). Default: the "
    "granular ones confsync needs, plus delete:page:confluence when a team prunes; WRITE on "
    "Data Center.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the browser.",
)
@site_option
@click.pass_context
def login(
    ctx: click.Context,
    directory: Path | None,
    port: int,
    paste: bool,
    redirect_uri: str,
    no_open: bool,
    scopes: str | None,
    timeout: float,
    site: str | None,
) -> None:
    """Sign in with OAuth 2.0 (Cloud oauth2, Data Center app-link) and keep the tokens.

    Opens the browser at the sign-in page; after you approve, it comes back to a listener on
    this machine (127.0.0.1) and confsync keeps the tokens in the token store (mode 0600).
    From then on the store is enough: refresh_token in confsync.yaml is only the seed for CI.
    On a machine without a browser, use --paste.
    """
    import asyncio

    from confsync.loading import load_repo, one_site
    from confsync.setup.login import LoginOptions
    from confsync.setup.login import login as run_login

    repo = one_site(load_repo(repo_dir(ctx, directory)), site)
    options = LoginOptions(
        port=port,
        paste=paste,
        redirect_uri=redirect_uri,
        open_browser=not no_open,
        scopes=scopes,
        timeout=timeout,
    )
    prune = any(team.prune for team in repo.config.teams)
    signed = asyncio.run(
        run_login(
            repo.config.settings, config_dir=repo.root, prune=prune, options=options, ui=_Ui()
        )
    )
    click.echo(f"Signed in as {signed.account} to {signed.site}.")
    click.echo(f"Scopes: {' '.join(signed.scopes)}")
    click.echo(f"The tokens are in {signed.store}.")


@click.group()
def auth() -> None:
    """What confsync signs in with, and forgetting an OAuth login."""


@auth.command()
@directory_option
@site_option
@click.pass_context
def status(ctx: click.Context, directory: Path | None, site: str | None) -> int:
    """Show the sign-in method, user, site, and for OAuth the scopes and expiry.

    Reads confsync.yaml and the token store; sends nothing, and never shows a token. Exits 1
    when an OAuth method has no stored login.
    """
    from confsync.loading import load_repo, one_site
    from confsync.setup.auth import auth_status

    repo = one_site(load_repo(repo_dir(ctx, directory)), site)
    found = auth_status(repo.config.settings, config_dir=repo.root)
    for line in found.lines():
        click.echo(line)
    return 0 if found.signed_in else 1


@auth.command()
@directory_option
@site_option
@click.pass_context
def logout(ctx: click.Context, directory: Path | None, site: str | None) -> None:
    """Forget the OAuth tokens of this config's app in the token store.

    Neither Atlassian Cloud nor Data Center offers a revocation endpoint to call: to revoke
    the app's access itself, use the page the message names.
    """
    import asyncio

    from confsync.loading import load_repo, one_site
    from confsync.setup.auth import logout as forget

    repo = one_site(load_repo(repo_dir(ctx, directory)), site)
    done = asyncio.run(forget(repo.config.settings, config_dir=repo.root))
    if done.forgot:
        click.echo(f"Forgot the {done.method} tokens in {done.store}.")
    else:
        click.echo(f"No {done.method} tokens of this app were in {done.store}.")
    click.echo(f"To revoke the app's access too: {done.revoke_where}.")
