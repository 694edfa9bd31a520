"""Broken repos, and the exact messages ``confsync validate`` prints for them.

The cases are data, under ``tests/bad_inputs/`` (see its README):

- ``config/NAME.yaml`` replaces ``confsync.yaml`` of the base repo in ``base/``;
- ``reports/NAME.yaml`` is added to the base repo as ``reports/platform/NAME.yaml``;
- ``repos/NAME/`` is a whole repo of its own (for problems across files).

Next to each case, ``NAME.expected`` holds every line ``confsync validate`` prints on stderr,
byte for byte. After a deliberate change of wording, refresh them and review the diff::

    .venv/bin/python tests/test_bad_inputs.py --refresh
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from confsync.cli import cli, run
from confsync.errors import InputError
from confsync.loading import load_repo
from confsync.yamlio import MAX_FILE_BYTES

CASES = Path(__file__).parent / "bad_inputs"
BASE = CASES / "base"


@dataclass(frozen=True)
class Case:
    group: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def source(self) -> Path:
        return CASES / self.group / (self.name if self.group == "repos" else f"{self.name}.yaml")

    @property
    def expected(self) -> Path:
        return CASES / self.group / f"{self.name}.expected"

    def build(self, root: Path) -> None:
        """Write this case's repo at ``root``."""
        if self.group == "repos":
            shutil.copytree(self.source, root)
            return
        shutil.copytree(BASE, root)
        target = "confsync.yaml" if self.group == "config" else f"reports/platform/{self.name}.yaml"
        shutil.copyfile(self.source, root / target)


def _cases() -> list[Case]:
    found = []
    for group in ("config", "reports"):
        found += [Case(group, path.stem) for path in sorted((CASES / group).glob("*.yaml"))]
    repos = sorted(path for path in (CASES / "repos").iterdir() if path.is_dir())
    return found + [Case("repos", path.name) for path in repos]


ALL_CASES = _cases()


def validate(args: list[str]) -> tuple[int, str, str]:
    """Run the real CLI in-process: (exit code, stdout, stderr)."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = run(cli.main, args)
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


@contextmanager
def _built(case: Case) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        case.build(root)
        yield root


def test_there_are_enough_cases() -> None:
    assert len(ALL_CASES) >= 45
    missing = [case.id for case in ALL_CASES if not case.expected.is_file()]
    assert not missing, f"cases without an .expected file: {missing}"
    expected = {p.relative_to(CASES).with_suffix("") for p in CASES.glob("*/*.expected")}
    stray = {p.as_posix() for p in expected} - {case.id for case in ALL_CASES}
    assert not stray, f".expected files without a case: {stray}"


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_validate_prints_every_problem_exactly(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    case.build(root)
    monkeypatch.chdir(root)

    code, out, err = validate(["validate"])

    assert err == case.expected.read_text(encoding="utf-8")
    assert code == 1
    assert out == ""
    assert "Traceback" not in err


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_load_repo_raises_the_same_problems(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    case.build(root)
    monkeypatch.chdir(root)

    with pytest.raises(InputError) as raised:
        load_repo(root)

    expected = case.expected.read_text(encoding="utf-8").splitlines()
    assert [str(problem) for problem in raised.value.problems] == expected[:-1]
    assert str(raised.value).splitlines() == expected


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_apply_on_bad_input_touches_nothing(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The embedded sandbox is created on the first request: no file means no call was made.
    root = tmp_path / "repo"
    case.build(root)
    monkeypatch.chdir(root)

    code, _, err = validate(["apply", "--auto-approve"])

    assert code == 1
    assert "Traceback" not in err
    assert "Internal error" not in err
    assert not (root / ".confsync").exists()


@pytest.mark.parametrize("name", ["config/literal-api-token", "repos/every-file-reported"])
def test_the_installed_command_prints_the_same(name: str, tmp_path: Path) -> None:
    case = next(c for c in ALL_CASES if c.id == name)
    root = tmp_path / "repo"
    case.build(root)

    done = subprocess.run(
        [sys.executable, "-m", "confsync", "validate"],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
    )

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == case.expected.read_text(encoding="utf-8")


def test_a_file_over_the_size_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    big = root / "reports/platform/2026-11-20-huge.yaml"
    text = "kind: retrospective\nnotes: |\n" + "  all work and no play\n" * 100_000
    big.write_text(text[: MAX_FILE_BYTES + 1])
    monkeypatch.chdir(root)

    code, out, err = validate(["validate"])

    assert (code, out) == (1, "")
    assert err == (
        "reports/platform/2026-11-20-huge.yaml:1:1: file is 2,097,153 bytes, over the limit "
        "of 2,097,152; split it or remove what is not part of the report\n"
        "1 problem found; nothing was published.\n"
    )


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_page_over_confluences_size_limit_is_refused_before_any_call(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under the file size limit, but escaping "<" as "&lt;" makes its page over 5 MiB.
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    items = "".join(f"      - text: '{'<' * 19_000}'\n" for _ in range(100))
    text = (
        f"kind: retrospective\ndate: 2026-11-21\ncolumns:\n  - name: Went well\n    items:\n{items}"
    )
    assert len(text.encode()) <= MAX_FILE_BYTES
    (root / "reports/platform/2026-11-21-huge.yaml").write_text(text)
    monkeypatch.chdir(root)

    code, out, err = validate([command, "--auto-approve"] if command == "apply" else [command])

    assert (code, out) == (1, "")
    assert err.startswith(
        "reports/platform/2026-11-21-huge.yaml:1:1: renders the page '2026-11-21 - Retrospective' "
        "at 7,"
    )
    assert "Confluence accepts at most 5,242,880" in err
    assert not (root / ".confsync").exists()


def test_a_file_at_the_size_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Read, not refused: the tab on line 2 is what is wrong with it. (A valid file this large
    # takes seconds to parse, so the tab also keeps the test fast.)
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    head = "kind: retrospective\n\tdate: 2026-11-21\n"
    text = head + "#" * (MAX_FILE_BYTES - len(head) - 1) + "\n"
    (root / "reports/platform/2026-11-21-long.yaml").write_text(text)
    assert len(text.encode()) == MAX_FILE_BYTES
    monkeypatch.chdir(root)

    code, out, err = validate(["validate"])

    assert (code, out) == (1, "")
    assert err == (
        "reports/platform/2026-11-21-long.yaml:2:1: a tab character: YAML allows only spaces "
        "here; replace the tab with spaces\n"
        "1 problem found; nothing was published.\n"
    )


def test_a_byte_order_mark_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    report = (BASE / "reports/platform/2026-11-20-sprint-22.yaml").read_bytes()
    (root / "reports/platform/2026-11-21-bom.yaml").write_bytes(
        b"\xef\xbb\xbf" + report.replace(b"Sprint 22", b"Sprint 22 \xf0\x9f\x9a\x80")
    )
    monkeypatch.chdir(root)

    titles = sorted(loaded.title for loaded in load_repo(root).reports)

    assert titles == ["Q4 Health Check - Health Check", "Sprint 22 - Retrospective",
                      "Sprint 22 🚀 - Retrospective"]  # fmt: skip


def test_a_reused_anchor_is_fine_and_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Legal YAML (the later anchor wins); ruamel warns about it on stderr, which we silence.
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    (root / "reports/platform/2026-11-21-anchors.yaml").write_text(
        "kind: retrospective\ndate: 2026-11-21\nfacilitator: &who Dana Kim\n"
        "participants: [*who, &who Lee Wong]\ncolumns: [{name: Went well}]\n"
        "actions: [{text: Automate release notes, owner: *who}]\n"
    )
    monkeypatch.chdir(root)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = validate(["validate"])
        repo = load_repo(root)

    assert [str(w.message) for w in caught] == []
    assert (code, err) == (0, "")
    assert out.endswith("confsync.yaml: valid; 2 teams, 3 reports.\n")
    loaded = next(r for r in repo.reports if r.address.name.endswith("anchors"))
    assert loaded.report.actions[0].owner == "Lee Wong"


def _refresh() -> None:
    """Rewrite every ``.expected`` file from what validate prints now."""
    for case in ALL_CASES:
        with _built(case) as root:
            cwd = Path.cwd()
            try:
                os.chdir(root)
                code, _, err = validate(["validate"])
            finally:
                os.chdir(cwd)
        if code != 1:
            print(f"{case.id}: exit {code}, not 1: fix the case", file=sys.stderr)
        case.expected.write_text(err, encoding="utf-8")
        print(f"{case.id}: {len(err.splitlines()) - 1} problem lines")


if __name__ == "__main__":
    if sys.argv[1:] != ["--refresh"]:
        sys.exit(f"usage: python {sys.argv[0]} --refresh")
    _refresh()
