"""The command line: parse options, call one function per command, print, set the exit code.

Exit codes: 0 success (with --detailed-exitcode: no changes); 1 a ConfsyncError (invalid input,
Confluence refused, stale plan); 2 the plan has changes (only with --detailed-exitcode);
3 an internal error (a bug; the traceback goes to a log file named on stderr); 64 a command-line
usage error (so that it is never mistaken for 2); 130 interrupted.
"""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from confsync import __version__
from confsync.errors import ConfsyncError, InputError

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130

_DIRECTORY_HELP = "Run as if started in DIR (the repo holding confsync.yaml)."


def _directory(ctx: click.Context, given: Path | None) -> Path:
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
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok, 1 error (message on stderr), 2 changes pending "
    "(plan --detailed-exitcode), 3 internal error, 64 usage error, 130 interrupted.",
)
@click.version_option(__version__, "--version", prog_name="confsync")
@directory_option
def cli(directory: Path | None) -> None:
    """Publish team retrospectives and health checks from YAML in git to Confluence.

    \b
    Typical use:
      confsync validate            check confsync.yaml and every report, offline
      confsync schema --out schemas/   write JSON Schemas for editor autocompletion
    """


@cli.command()
@directory_option
@click.pass_context
def validate(ctx: click.Context, directory: Path | None) -> None:
    """Check confsync.yaml and every report file, without contacting Confluence.

    Every problem in every file is listed on stderr as FILE:LINE:COLUMN: FIELD: MESSAGE.
    Exits 0 when all is valid, 1 otherwise.
    """
    from confsync.loading import load_repo

    repo = load_repo(_directory(ctx, directory))
    count = len(repo.reports)
    click.echo(
        f"{repo.root / 'confsync.yaml'}: valid; {len(repo.config.teams)} teams, "
        f"{count} report{'s' if count != 1 else ''}."
    )


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write the JSON Schemas into.",
)
def schema(out: Path) -> None:
    """Write JSON Schemas for confsync.yaml and the report files.

    Point your editor at them (the samples start with a yaml-language-server line) to get
    completion and checking while you type.
    """
    from confsync.schemas import json_schemas

    out.mkdir(parents=True, exist_ok=True)
    for name, document in json_schemas().items():
        (out / name).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        click.echo(f"wrote {out / name}")


def _register_optional_commands() -> None:
    try:
        from confsync.sandbox.cli import sandbox
    except ImportError:  # the sandbox is an optional part of a source checkout in progress
        return
    cli.add_command(sandbox)


_register_optional_commands()


def _bug_report(exc: BaseException) -> str:
    with tempfile.NamedTemporaryFile(
        "w", prefix="confsync-crash-", suffix=".log", delete=False
    ) as log:
        log.write(f"confsync {__version__}\n")
        log.write("".join(traceback.format_exception(exc)))
    return log.name


def run(invoke: Callable[..., Any], args: list[str] | None = None) -> int:
    """Run the CLI and return its exit code, mapping every outcome to the documented codes."""
    try:
        result = invoke(args=args, prog_name="confsync", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_ERROR
    except InputError as exc:
        click.echo(str(exc), err=True)
        return EXIT_ERROR
    except ConfsyncError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        path = _bug_report(exc)
        click.echo(
            f"Internal error: {type(exc).__name__}. This is a bug in confsync; "
            f"please report it with the log at {path}",
            err=True,
        )
        return EXIT_BUG
    return result if isinstance(result, int) else EXIT_OK


def main() -> None:
    sys.exit(run(cli.main))
