"""``confsync sandbox serve``: the sandbox as a real HTTP server (uvicorn)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from confsync.sandbox import defaults

__all__ = ["sandbox"]


# The same help options as the main CLI: click caches a command's help option the first time
# it is built, so a direct invocation must not fix it to --help alone.
_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=_CONTEXT)
def sandbox() -> None:
    """A local Confluence for trying confsync without credentials."""


@sandbox.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file to keep state in (default: in memory, lost on exit).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8090, show_default=True)
@click.option(
    "--edition", type=click.Choice(["cloud", "datacenter"]), default="cloud", show_default=True
)
@click.option(
    "--space",
    "spaces",
    multiple=True,
    metavar="KEY",
    help="A space to create besides DEMO (repeatable).",
)
@click.option(
    "--context-path",
    default="/confluence",
    show_default=True,
    help="Data Center context path (the API answers at the root too).",
)
@click.option("--latency-ms", type=float, default=0.0, help="Latency added to each API call.")
@click.option("--fail-rate", type=float, default=0.0, help="Share of API calls answering 5xx.")
@click.option(
    "--rate-limit-rate",
    type=float,
    default=0.0,
    help="Share of API calls answering 429 with Retry-After.",
)
@click.option(
    "--quota",
    type=int,
    default=None,
    help="At most this many API calls per --quota-window seconds, then 429.",
)
@click.option("--quota-window", type=float, default=60.0, show_default=True)
@click.option("--drop-rate", type=float, default=0.0, help="Share of connections dropped.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of fault randomness.")
@click.option("--log-level", default="warning", show_default=True)
def serve(
    db: Path | None,
    host: str,
    port: int,
    edition: str,
    spaces: tuple[str, ...],
    context_path: str,
    latency_ms: float,
    fail_rate: float,
    rate_limit_rate: float,
    quota: int | None,
    quota_window: float,
    drop_rate: float,
    seed: int,
    log_level: str,
) -> None:
    """Serve the sandbox until Ctrl-C."""
    import uvicorn

    from confsync.sandbox.app import create_app
    from confsync.sandbox.faults import Faults

    faults = Faults(
        latency_ms=latency_ms,
        error_rate=fail_rate,
        rate_limit_rate=rate_limit_rate,
        quota=quota,
        quota_window_s=quota_window,
        drop_rate=drop_rate,
        seed=seed,
    )
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(
        db if db is not None else ":memory:",
        edition="cloud" if edition == "cloud" else "datacenter",
        spaces=spaces,
        context_path=context_path,
        faults=faults,
    )
    shown = "localhost" if host in {"127.0.0.1", "::1"} else host
    base = f"http://{shown}:{port}"
    click.echo(f"confsync sandbox ({edition}) on {base}   state: {db or 'in memory'}")
    if edition == "cloud":
        click.echo(f"  site URL   {base}/wiki   (API {base}/wiki/api/v2)")
        click.echo(
            f"  sign in    {defaults.DEFAULT_CLOUD_EMAIL} / API token {defaults.DEFAULT_API_TOKEN}"
        )
        click.echo(
            f"  gateway    {base}/ex/confluence/{defaults.DEFAULT_CLOUD_ID}/wiki   (api_url "
            f"{base}; scoped API token {defaults.DEFAULT_SCOPED_API_TOKEN})"
        )
        click.echo(
            f"  OAuth      client {defaults.DEFAULT_OAUTH_CLIENT_ID} / "
            f"{defaults.DEFAULT_OAUTH_CLIENT_SECRET}, cloudId {defaults.DEFAULT_CLOUD_ID}"
        )
    else:
        click.echo(f"  base URL   {base}{context_path}   (also {base})")
        click.echo(
            f"  sign in    {defaults.DEFAULT_DC_USER} / {defaults.DEFAULT_DC_PASSWORD}, "
            f"or personal access token {defaults.DEFAULT_PAT}"
        )
        click.echo(
            f"  OAuth      client {defaults.DEFAULT_OAUTH_CLIENT_ID} / "
            f"{defaults.DEFAULT_OAUTH_CLIENT_SECRET}"
        )
    click.echo(f"  spaces     {', '.join(dict.fromkeys([defaults.DEFAULT_SPACE, *spaces]))}")
    click.echo(f"  browse     {base}/   (no sign-in: meant for loopback)")
    click.echo("Press Ctrl-C to stop.")
    sys.stdout.flush()
    # uvicorn handles SIGINT and SIGTERM itself: it finishes open requests and returns.
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="off")
    click.echo("sandbox stopped")
