"""The README's console examples that say ``<!-- runnable -->`` print what the README shows.

A fenced ``console`` block on the line after ``<!-- runnable -->`` is run: each ``$ `` line is a
``confsync`` command, and the lines after it, up to the next command, are what it prints
(stdout and stderr interleaved, as a terminal shows them). A line ``...`` stands for any number
of lines, ``...`` within a line for any text; without ``...`` at either end, the output starts
and ends just as shown. Each block runs in a temp folder holding a fresh copy of ``samples/``
(no sandbox yet) as ``samples``, commands in order; every command must exit 0.

The checker is tested too: a README whose example shows a wrong value fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from confsync.cli import cli, run
from confsync.plan.output import PlanFormat
from tests.support.generated import README

SAMPLES = README.parent / "samples"
RUNNABLE = "<!-- runnable -->"
ELLIPSIS = "..."


@dataclass(frozen=True)
class Command:
    line: int
    """Its line in the README, from 1."""
    args: tuple[str, ...]
    """The arguments after ``confsync``."""
    shown: tuple[str, ...]
    """The output the README shows for it."""


@dataclass(frozen=True)
class Example:
    line: int
    commands: tuple[Command, ...]


def examples(text: str) -> list[Example]:
    """Every runnable example of a README's ``text``, in order."""
    lines = text.splitlines()
    found: list[Example] = []
    for at, line in enumerate(lines):
        if line.strip() != RUNNABLE:
            continue
        assert lines[at + 1 : at + 2] == ["```console"], (
            f"README line {at + 2}: {RUNNABLE} must be followed by a ```console block"
        )
        end = lines.index("```", at + 2)
        commands: list[tuple[int, list[str], list[str]]] = []
        for number in range(at + 2, end):
            if lines[number].startswith("$ "):
                words = shlex.split(lines[number][2:])
                assert words[:1] == ["confsync"], (
                    f"README line {number + 1}: not a confsync command"
                )
                commands.append((number + 1, words[1:], []))
            else:
                assert commands, f"README line {number + 1}: output before any command"
                commands[-1][2].append(lines[number])
        assert commands, f"README line {at + 1}: a runnable block without a command"
        found.append(Example(at + 1, tuple(Command(n, tuple(a), tuple(s)) for n, a, s in commands)))
    return found


def _line_matches(shown: str, printed: str) -> bool:
    if ELLIPSIS not in shown:
        return shown == printed
    pattern = ".*".join(re.escape(part) for part in shown.split(ELLIPSIS))
    return re.fullmatch(pattern, printed) is not None


def matches(shown: Sequence[str], printed: Sequence[str]) -> bool:
    """Whether ``printed`` is what ``shown`` says, ``...`` standing for what is left out."""
    if not shown:
        return not printed
    if shown[0] == ELLIPSIS:
        return any(matches(shown[1:], printed[skip:]) for skip in range(len(printed) + 1))
    return bool(printed) and _line_matches(shown[0], printed[0]) and matches(shown[1:], printed[1:])


def _confsync(args: Sequence[str]) -> tuple[int, str]:
    """``confsync ARGS`` in-process, in the current folder: exit code and what it printed."""
    # The reader's environment is not the README's: no CONFSYNC_ options, no forced colour.
    unset = [k for k in os.environ if k.startswith("CONFSYNC_") or k in ("FORCE_COLOR", "NO_COLOR")]
    with CliRunner().isolation(env=dict.fromkeys(unset)) as (_, _, output):
        code = run(cli.main, list(args))
    return code, output.getvalue().decode()


def check(example: Example, folder: Path) -> list[str]:
    """Run ``example`` in ``folder`` (empty): every way its output differs from the README's."""
    shutil.copytree(SAMPLES, folder / "samples", ignore=shutil.ignore_patterns(".confsync"))
    problems: list[str] = []
    with contextlib.chdir(folder):
        for command in example.commands:
            code, printed = _confsync(command.args)
            said = f"README line {command.line}: confsync {shlex.join(command.args)}"
            if code != 0:
                problems.append(f"{said} exited {code}:\n{printed}")
            elif not matches(command.shown, printed.splitlines()):
                shown = "\n".join(command.shown)
                problems.append(f"{said} printed\n{printed}\nnot what the README shows:\n{shown}")
    return problems


README_EXAMPLES = examples(README.read_text())


def test_the_readme_has_runnable_examples_of_apply_plan_and_teams() -> None:
    words = {word for e in README_EXAMPLES for c in e.commands for word in c.args}
    assert {"apply", "plan", "teams"} <= words


@pytest.mark.parametrize("example", README_EXAMPLES, ids=lambda e: f"line-{e.line}")
def test_a_readme_example_prints_what_the_readme_shows(example: Example, tmp_path: Path) -> None:
    assert check(example, tmp_path) == []


_PLAN_END = (
    "...\nPlan: 16 to create, 0 to update, 0 to move, 0 to delete.\n23 attachments to upload.\n```"
)


@pytest.mark.parametrize(
    ("shown", "wrong"),
    [
        pytest.param(_PLAN_END, _PLAN_END.replace("16 to create", "17 to create"), id="a-count"),
        # The plan's last line is the upload count: a README ending at the summary line is wrong.
        pytest.param(_PLAN_END, _PLAN_END.replace("\n23 attachments to upload.", ""), id="last"),
        pytest.param('"report_count":7}', '"report_count":8}', id="within-a-line"),
        pytest.param(
            "$ confsync -C samples teams --format json",
            "$ confsync -C samples teams --format yaml",
            id="a-failing-command",
        ),
    ],
)
def test_a_readme_showing_a_wrong_output_fails(shown: str, wrong: str, tmp_path: Path) -> None:
    text = README.read_text()
    assert text.count(shown) == 1
    mutated = [e for e in examples(text.replace(shown, wrong)) if e not in README_EXAMPLES]
    assert len(mutated) == 1
    assert check(mutated[0], tmp_path) != []


@pytest.mark.parametrize(
    ("shown", "printed", "expected"),
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "b", "c"], False),
        (["b", "c"], ["a", "b", "c"], False),
        (["...", "c"], ["a", "b", "c"], True),
        (["a", "...", "c"], ["a", "c"], True),
        (["a", "...", "d"], ["a", "b", "c"], False),
        (["a", "..."], ["a"], True),
        (["x...z"], ["xyz"], True),
        (["x...z"], ["xyzw"], False),
        (["x.z"], ["xyz"], False),
    ],
)
def test_what_an_ellipsis_stands_for(shown: list[str], printed: list[str], expected: bool) -> None:
    assert matches(shown, printed) is expected


def test_the_readme_lists_the_plan_formats_there_are() -> None:
    formats = r"\|".join(PlanFormat)
    [row] = [
        line for line in README.read_text().splitlines() if line.startswith("| `confsync plan ")
    ]
    assert f"[--format {formats}]" in row
