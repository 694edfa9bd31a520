"""The command line: version, help, exit codes of validate, usage errors, schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from confsync import __version__
from confsync.cli import cli, run
from confsync.schemas import json_schemas

BASE = Path(__file__).parent / "bad_inputs" / "base"


def invoke(args: list[str]) -> tuple[int, str, str]:
    """Run the real CLI in-process: (exit code, stdout, stderr)."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = run(cli.main, args)
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # list_commands/get_command, not .commands: some subcommands are loaded lazily.
    ctx = click.Context(group)
    paths: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


COMMANDS = _command_paths(cli)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    return root


def test_version() -> None:
    assert invoke(["--version"]) == (0, f"confsync, version {__version__}\n", "")


def test_the_foundation_commands_are_there() -> None:
    assert {("validate",), ("schema",)} <= set(COMMANDS)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_of_the_program(flag: str) -> None:
    code, out, err = invoke([flag])
    assert (code, err) == (0, "")
    assert out.startswith("Usage: confsync [OPTIONS] COMMAND [ARGS]...\n")
    assert "64 usage error" in out
    for (name,) in (path for path in COMMANDS if len(path) == 1):
        assert f"\n  {name} " in out


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_of_every_command(path: tuple[str, ...], flag: str) -> None:
    code, out, err = invoke([*path, flag])
    assert (code, err) == (0, "")
    assert out.startswith(f"Usage: confsync {' '.join(path)} ")
    assert "Show this message and exit." in out


def test_validate_a_valid_repo_exits_0(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, out, err = invoke(["validate"])
    assert (code, err) == (0, "")
    assert out.startswith(f"{repo / 'confsync.yaml'}: valid; 2 teams, 2 reports")


@pytest.mark.parametrize(
    "args", [["validate", "-C", "repo"], ["-C", "repo", "validate"], ["validate", "-Crepo"]]
)
def test_validate_in_another_directory(
    args: list[str], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.parent)
    code, out, err = invoke(args)
    assert (code, err) == (0, "")
    assert out.startswith("repo/confsync.yaml: valid; 2 teams, 2 reports")


def test_validate_an_invalid_repo_exits_1_with_paths_relative_to_where_it_runs(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "reports/platform/2026-11-20-sprint-22.yaml").write_text(
        "kind: retrospective\ndate: 2026-11-31\ncolumns: [{name: Went well}]\n"
    )
    monkeypatch.chdir(repo.parent)
    assert invoke(["validate", "-C", "repo"]) == (
        1,
        "",
        "repo/reports/platform/2026-11-20-sprint-22.yaml:2:7: date: '2026-11-31' is not a "
        "date; write it as YYYY-MM-DD\n1 problem found; nothing was published.\n",
    )


def test_validate_without_a_config_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke(["validate"]) == (
        1,
        "",
        "confsync.yaml: not found; run in your repo or pass -C DIR\n"
        "1 problem found; nothing was published.\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--nope"], "No such option '--nope'."),
        (["nope"], "No such command 'nope'."),
        (["validate", "-C"], "Option '-C' requires an argument."),
        (["validate", "extra"], "Got unexpected extra argument (extra)"),
        (["schema", "--out"], "Option '--out' requires an argument."),
        (["--version=1"], "Option '--version' does not take a value."),
    ],
)
def test_usage_errors_exit_64_not_2(args: list[str], message: str) -> None:
    code, out, err = invoke(args)
    assert (code, out) == (64, "")
    assert err.endswith(f"Error: {message}\n")


def test_no_command_is_a_usage_error_that_shows_the_help() -> None:
    code, out, err = invoke([])
    assert (code, out) == (64, "")
    assert err.startswith("Usage: confsync [OPTIONS] COMMAND [ARGS]...\n")


def test_schema_writes_every_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke(["schema", "--out", "out/schemas"])
    assert (code, err) == (0, "")
    expected = json_schemas()
    assert out == "".join(f"wrote out/schemas/{name}\n" for name in expected)
    written = {p.name: json.loads(p.read_text()) for p in (tmp_path / "out/schemas").iterdir()}
    assert written == expected
    assert sorted(written) == [
        "confsync.schema.json",
        "health-check.schema.json",
        "retrospective.schema.json",
    ]


def test_a_file_system_error_is_exit_1_with_the_path_not_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("")

    code, out, err = invoke(["schema", "--out", "a-file/schemas"])

    assert (code, out) == (1, "")
    assert err.startswith("Error: Not a directory (a-file/schemas")
    assert "Internal error" not in err


def test_schema_defaults_to_a_schemas_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = invoke(["schema"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == sorted(json_schemas())


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_option_names_its_environment_variable(path: tuple[str, ...]) -> None:
    ctx = click.Context(cli)
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(ctx, name)
    assert command is not None
    _, out, _ = invoke([*path, "--help"])
    prefix = "_".join(("CONFSYNC", *path)).upper().replace("-", "_")
    flat = " ".join(out.split())  # the help wraps long variable names
    for param in command.params:
        if isinstance(param, click.Option) and param.name:
            named = param.envvar or f"{prefix}_{param.name.upper()}"
            assert f"env var: {named}" in flat, param.name


def test_the_version_never_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFSYNC_VERSION", "0.1.0")  # CI's version to install, say
    code, out, _ = invoke(["schema", "--help"])
    assert code == 0
    assert out.startswith("Usage: confsync schema")
