"""Running the real command line in-process, as a user's shell would (stdin not a terminal)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from confsync import cli

__all__ = ["CliResult", "confsync"]


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def confsync(root: Path, *args: str, input: str | None = None) -> CliResult:
    """``confsync -C ROOT ARGS...`` through ``cli.run``: the documented exit codes."""
    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        code = cli.run(cli.cli.main, ["-C", str(root), *args])
    return CliResult(code, out.getvalue().decode(), err.getvalue().decode())
