"""The repo's ``samples/`` (the README's first command), published to the sandbox in both
dialects: apply, edit a report, plan shows exactly that update, apply, plan: ``No changes.``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.plan.cli import confsync

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edition: str) -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} does not exist yet")
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns(".confsync"))
    config = root / "confsync.yaml"
    text, count = re.subn(
        r"^(\s*)edition: cloud\b",
        rf"\1edition: {edition}",
        config.read_text(),
        count=1,
        flags=re.M,
    )
    assert count == 1, "samples/confsync.yaml should say edition: cloud"
    # Printing a dozen PDFs takes 20 s; PDFs have tests of their own. The pages are the point.
    text = re.sub(r"^(\s*)pdf: true\b", r"\1pdf: false", text, flags=re.M)
    config.write_text(text)
    return root


def _summary(out: str) -> str:
    return next(
        line for line in reversed(out.splitlines()) if line.startswith(("Plan:", "No changes."))
    )


def _edit_one_report(root: Path) -> str:
    """Give the first report (by path) a new summary; returns its report file."""
    reports = sorted(p for p in (root / "reports").rglob("*.y*ml") if p.is_file())
    assert reports, "samples/ has no report files"
    yaml = YAML()
    data = yaml.load(reports[0])
    data["summary"] = "Edited by the end-to-end test."
    yaml.dump(data, reports[0])
    return reports[0].relative_to(root).as_posix()


def test_samples_publish_edit_publish(samples: Path) -> None:
    first = confsync(samples, "apply", "--auto-approve")
    assert first.code == 0, first.err
    assert re.search(r"^Apply complete: \d+ changed, 0 failed\.$", first.out, re.M), first.out
    assert _summary(confsync(samples, "plan").out) == "No changes."

    edited = _edit_one_report(samples)
    plan = confsync(samples, "plan", "--detailed-exitcode", "--format", "json")
    assert plan.code == 2, plan.err
    text = confsync(samples, "plan")
    assert _summary(text.out) == "Plan: 0 to create, 1 to update, 0 to move, 0 to delete."
    assert f'"source": "{edited}"' in plan.out

    second = confsync(samples, "apply", "--auto-approve")
    assert second.code == 0, second.err
    assert "Apply complete: 1 changed, 0 failed." in second.out.splitlines()
    done = confsync(samples, "plan", "--detailed-exitcode")
    assert (done.code, _summary(done.out)) == (0, "No changes.")
