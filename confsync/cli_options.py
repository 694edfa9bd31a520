"""The options and helpers the commands share: where the repo is, which teams, pages or site,
colour, and how a warning is shown."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from confsync.errors import Problem

if TYPE_CHECKING:
    from confsync.sites import SiteFault

__all__ = [
    "changed_since_option",
    "colour_option",
    "confirm",
    "directory_option",
    "repo_dir",
    "site_option",
    "style_for",
    "target_option",
    "team_option",
    "warn",
    "warn_sites",
]

_DIRECTORY_HELP = (
    "Run as if started in DIR (the repo holding confsync.yaml); CONFSYNC_DIRECTORY works for "
    "every command."
)


def repo_dir(ctx: click.Context, given: Path | None) -> Path:
    """The repo: the command's -C, else the one given before the command, else here."""
    if given is not None:
        return given
    parent = ctx.find_root().params.get("directory")
    return parent if isinstance(parent, Path) else Path.cwd()


directory_option = click.option(
    "-C",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help=_DIRECTORY_HELP,
    show_envvar=True,
)


def warn(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(f"Warning: {problem}", err=True)


def warn_sites(faults: Sequence[SiteFault]) -> None:
    """The sites a command could not work on, each an error line on stderr."""
    for fault in faults:
        click.echo(f"Error: {fault}", err=True)


def style_for(ctx: click.Context, color: bool | None) -> Callable[[str, str], str] | None:
    """--color/--no-color, else NO_COLOR, else FORCE_COLOR (each when set and not empty:
    https://no-color.org, https://force-color.org), else whether stdout is a terminal."""
    import os

    if color is None:
        forced = bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()
        color = not os.environ.get("NO_COLOR") and forced
    if color:
        ctx.color = True  # or click.echo strips the colours when stdout is not a terminal
    return (lambda text, fg: click.style(text, fg=fg)) if color else None


team_option = click.option(
    "--team",
    metavar="ID",
    multiple=True,
    help="Only this team's pages (a team id); repeat for several.",
)
target_option = click.option(
    "--target",
    metavar="ADDRESS",
    multiple=True,
    help="Only this page and its parent: an address as plan --format json shows it, "
    "<team>/<kind>/<report file name without .yaml>; repeat for several. Prune is off.",
)
changed_since_option = click.option(
    "--changed-since",
    metavar="REF",
    help="Only the reports whose files differ from the git REF (commits since it and "
    "uncommitted edits), with their parent pages. Prune is off.",
)
site_option = click.option(
    "--site",
    metavar="NAME",
    help="Which site of confluence.sites to speak to (needed when confsync.yaml names several).",
)
colour_option = click.option(
    "--color/--no-color",
    "color",
    default=None,
    help="Colour the output (default: on a terminal or with FORCE_COLOR, not with NO_COLOR).",
)


async def confirm(question: str, *, err: bool = False) -> bool:
    """``click.confirm``'s yes/no question (no by default), answered while the event loop
    runs: the apply's locks are renewed while a person reads the plan. The answer is read
    when the loop sees stdin readable, not by a thread blocked in ``input()``: such a thread
    would keep the process from ending on Ctrl-C until Enter was pressed."""
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()
    while True:
        click.echo(f"{question} [y/N]: ", nl=False, err=err)
        readable: asyncio.Future[None] = loop.create_future()

        def ready(future: asyncio.Future[None] = readable) -> None:
            if not future.done():
                future.set_result(None)

        loop.add_reader(fd, ready)
        try:
            await readable
        finally:
            loop.remove_reader(fd)
        line = os.read(fd, 4096)
        if not line:  # end of input (Ctrl-D): as click.confirm does
            click.echo(err=err)
            raise click.Abort
        answer = line.decode(errors="replace").strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        click.echo("Error: invalid input", err=err)
