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
from typing import Any, ClassVar

import click

from confsync import __version__
from confsync.cli_options import (
    changed_since_option,
    colour_option,
    confirm,
    directory_option,
    repo_dir,
    style_for,
    target_option,
    team_option,
    warn,
    warn_sites,
)
from confsync.errors import ConfsyncError, InputError
from confsync.plan.output import PlanFormat

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


def _show_envvars(command: click.Command) -> click.Command:
    """Make ``--help`` name the variable each option can come from (CONFSYNC_<COMMAND>_<OPTION>,
    from ``auto_envvar_prefix``), for every command, those added later included."""
    for param in command.params:
        if isinstance(param, click.Option) and param.allow_from_autoenv:
            param.show_envvar = True
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _show_envvars(sub)
    return command


class LazyGroup(click.Group):
    """A group whose heavier subcommands are imported only when named.

    The sandbox (Starlette, SQLite) would cost every plan a third of a second to import.
    """

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "sandbox": ("confsync.sandbox.cli", "sandbox"),
        "init": ("confsync.cli_init", "init"),
        "login": ("confsync.cli_init", "login"),
        "auth": ("confsync.cli_init", "auth"),
        "test-publish": ("confsync.cli_setup", "test_publish"),
        "spaces": ("confsync.cli_setup", "spaces"),
        "pages": ("confsync.cli_setup", "pages"),
        "check": ("confsync.cli_setup", "check"),
        "teams": ("confsync.cli_ci", "teams"),
        "preview": ("confsync.cli_ci", "preview"),
        "force-unlock": ("confsync.cli_ci", "force_unlock"),
        "ci-comment": ("confsync.cli_ci", "ci_comment"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy:
            found = super().get_command(ctx, name)
            return _show_envvars(found) if found is not None else None
        import importlib

        module, attribute = self.lazy[name]
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return _show_envvars(command)


@click.group(
    cls=LazyGroup,
    context_settings={
        "help_option_names": ["-h", "--help"],
        "max_content_width": 100,
        # Every option can come from CONFSYNC_<COMMAND>_<OPTION> (-C: CONFSYNC_DIRECTORY).
        "auto_envvar_prefix": "CONFSYNC",
    },
    epilog="Exit codes: 0 ok, 1 error (message on stderr), 2 changes pending "
    "(plan --detailed-exitcode), 3 internal error, 64 usage error, 130 interrupted.",
)
# Not from the environment: CONFSYNC_VERSION is a likely name for the version to install.
@click.version_option(__version__, "--version", prog_name="confsync", allow_from_autoenv=False)
@directory_option
def cli(directory: Path | None) -> None:
    """Publish team retrospectives and health checks from YAML in git to Confluence.

    \b
    Typical use, in the repo holding confsync.yaml:
      confsync validate              check confsync.yaml and every report, offline
      confsync plan                  show what would change in Confluence
      confsync apply                 make those changes (asks first)
      confsync apply --auto-approve  the same, in CI
      confsync plan --format markdown > plan.md   a pull-request comment
    Try it without an account: confsync -C samples apply --auto-approve
    publishes the samples into the embedded sandbox (a local Confluence).
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

    repo = load_repo(repo_dir(ctx, directory))
    warn(repo.warnings)
    count = len(repo.reports)
    teams = len(repo.config.teams)
    click.echo(
        f"{repo.root / 'confsync.yaml'}: valid; {teams} team{'s' if teams != 1 else ''}, "
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


@cli.command()
@directory_option
@team_option
@target_option
@changed_since_option
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Also save the plan (JSON)."
)
@click.option(
    "--format",
    type=click.Choice([f.value for f in PlanFormat]),
    default=PlanFormat.TEXT.value,
    show_default=True,
    help=f"{PlanFormat.MARKDOWN} suits a pull-request comment; {PlanFormat.JSON} is the "
    "versioned plan format.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to do, 2 when the plan has changes, 1 on error.",
)
@colour_option
@click.pass_context
def plan(
    ctx: click.Context,
    directory: Path | None,
    team: tuple[str, ...],
    target: tuple[str, ...],
    changed_since: str | None,
    out: Path | None,
    format: str,  # the option's name, so that CONFSYNC_PLAN_FORMAT sets it
    detailed_exitcode: bool,
    color: bool | None,
) -> int:
    """Show what apply would change in Confluence, without changing anything.

    Reads the repo, renders every page, reads what Confluence holds now and prints the
    difference, like terraform plan. Save it with --out and pass the file to apply to make
    exactly those changes.

    \b
    Markers: + create  ~ update or move  - delete  ! conflict or drift (blocks apply,
    but for a drift with on_drift: skip)  ? orphan (kept: prune is off)  = an existing page
    used as the parent, untouched
    """
    import asyncio

    from confsync.plan.output import render, render_json
    from confsync.sites import plan_sites
    from confsync.workflow import prepare

    workspace = prepare(
        repo_dir(ctx, directory), teams=team, targets=target, changed_since=changed_since
    )
    warn(workspace.warnings)
    if workspace.notice:
        click.echo(workspace.notice, err=True)

    result, faults = asyncio.run(plan_sites(workspace))
    if out is not None and not faults:
        out.write_text(render_json(result))
    view = PlanFormat(format)
    click.echo(render(result, view, style=style_for(ctx, color), faults=faults), nl=False)
    if out is not None and view is not PlanFormat.JSON and not faults:
        # markdown is piped into a comment (plan.md): the note goes to stderr there.
        click.echo(
            f"Saved the plan to {out}; apply it with: confsync apply {out}",
            err=view is PlanFormat.MARKDOWN,
        )
    if faults:
        warn_sites(faults)
        if out is not None:
            click.echo(f"The plan was not saved to {out}: it lacks a site.", err=True)
        return EXIT_ERROR
    if result.blocking:
        return EXIT_ERROR
    if detailed_exitcode and result.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


@cli.command()
@directory_option
@team_option
@target_option
@changed_since_option
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another apply's lock on a space (0: fail at once, naming it).",
)
@click.option(
    "--lock-ttl",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="How long this apply's lock outlives it if it is killed (renewed while it works).",
)
@click.option(
    "--format",
    type=click.Choice([f.value for f in PlanFormat]),
    default=PlanFormat.TEXT.value,
    show_default=True,
    help="How to show the result on stdout; with markdown or json, the plan, progress and "
    "prompts go to stderr. json (for CI) never asks: it needs --auto-approve or PLAN_FILE.",
)
@colour_option
@click.pass_context
def apply(
    ctx: click.Context,
    directory: Path | None,
    team: tuple[str, ...],
    target: tuple[str, ...],
    changed_since: str | None,
    plan_file: Path | None,
    auto_approve: bool,
    lock_timeout: float,
    lock_ttl: float,
    format: str,  # the option's name, so that CONFSYNC_APPLY_FORMAT sets it
    color: bool | None,
) -> int:
    """Make the changes a plan shows.

    With PLAN_FILE (from plan --out), apply exactly that plan, refusing one made from another
    config or confsync version, from other reports, or whose pages changed in Confluence since
    (checked in bulk before the first write). Without it, plan, show the plan, and ask before
    applying (unless --auto-approve). A second run has nothing to do.

    While it works, apply holds a lock on each space it writes (a property of the space's
    homepage in Confluence): a second apply fails at once naming the holder, or waits --lock-timeout
    seconds. The lock of a killed apply expires after --lock-ttl; force-unlock removes it.
    """
    import asyncio
    import json
    from contextlib import ExitStack

    from confsync.apply import Outcome
    from confsync.apply_output import progress_line, render, result_json, text_lines
    from confsync.plan.model import Plan
    from confsync.plan.output import render_text
    from confsync.sites import apply_sites
    from confsync.workflow import check_plan_origin, prepare, start_printing

    view = PlanFormat(format)
    if view is PlanFormat.JSON and plan_file is None and not auto_approve:
        raise click.UsageError("apply --format json never asks: pass --auto-approve or PLAN_FILE")
    aside = view is not PlanFormat.TEXT  # stdout holds the result alone
    workspace = prepare(
        repo_dir(ctx, directory), teams=team, targets=target, changed_since=changed_since
    )
    warn(workspace.warnings)
    if workspace.notice and plan_file is None:
        click.echo(workspace.notice, err=True)
    saved: Plan | None = None
    if plan_file is not None:
        try:
            saved = Plan.from_json(json.loads(plan_file.read_text()))
        except (OSError, ValueError) as exc:
            raise ConfsyncError(f"cannot read the plan file {plan_file}: {exc}") from exc
        # Refuse a stale plan before showing it: its changes will not be made.
        check_plan_origin(workspace, saved)
    style = None if aside else style_for(ctx, color)
    start_printing(workspace)  # WeasyPrint loads while apply locks and plans
    shown = ExitStack()
    progress: list[Any] = []

    async def approve(chosen: Plan) -> bool:
        click.echo(render_text(chosen, style=style), nl=False, err=aside)
        if chosen.blocking:
            raise ConfsyncError("nothing was applied: the plan has blocking changes (!)")
        if not chosen.has_changes:
            return False
        if saved is None and not auto_approve:
            if not sys.stdin.isatty():
                raise click.UsageError(
                    "not on a terminal: pass --auto-approve to apply without asking"
                )
            if not await confirm("Apply these changes?", err=aside):
                raise ConfsyncError("apply cancelled; nothing was changed")
        if sys.stderr.isatty():
            total = sum(1 for c in chosen.changes if c.changes_anything)
            bar = click.progressbar(length=total, label="Applying", file=sys.stderr)
            progress.append(shown.enter_context(bar))
        return True

    def step(outcome: Outcome) -> None:
        if progress:
            progress[0].update(1)
        else:
            click.echo(progress_line(outcome), err=True)

    with shown:
        chosen, result, faults = asyncio.run(
            apply_sites(
                workspace,
                saved,
                approve=approve,
                progress=step,
                lock_timeout=lock_timeout,
                lock_ttl=lock_ttl,
            )
        )
    document = result_json(chosen, result, faults)
    if view is PlanFormat.TEXT:
        for line in text_lines(document):
            click.echo(line.text, err=line.failed)
    else:
        click.echo(render(document, view), nl=False)
    for name, settings in workspace.repo.config.sites().items():
        if settings.sandbox is not None and document["changes"]:
            db = workspace.repo.root / settings.sandbox
            click.echo(
                f"The pages{f' of site {name}' if name else ''} are in the embedded sandbox. "
                "To browse them, run\n"
                f"  confsync sandbox serve --db {db} --edition {settings.edition}\n"
                "and open http://127.0.0.1:8090/",
                err=aside,
            )
    return EXIT_ERROR if document["summary"]["failed"] or faults else EXIT_OK


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
    except OSError as exc:
        # The machine, not confsync: a full disk, a folder it may not write, a file gone.
        where = f" ({exc.filename})" if exc.filename else ""
        click.echo(
            f"Error: {exc.strerror or exc}{where}. Check that the path exists and that "
            "confsync may read and write it.",
            err=True,
        )
        return EXIT_ERROR
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
