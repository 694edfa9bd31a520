"""`confsync apply` killed with SIGKILL mid-way, as a CI runner can be: the next apply
finishes the job, with no duplicate page, and a plan after it has nothing to do."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from confsync.sandbox import create_app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _confsync(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "confsync", "-C", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"},
    )


async def _titles(db: Path, edition: str, space: str) -> Counter[str]:
    """Titles of the current pages of a space, read from the sandbox file (v1 answers alike
    in both editions)."""
    app = create_app(str(db), edition=edition, spaces=(space,))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    if edition == "cloud":
        base, auth = "http://s/wiki/rest/api", ("admin@example.com", "sandbox-token")
    else:
        base, auth = "http://s/rest/api", ("admin", "admin")
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        found = await client.get(
            f"{base}/content/search",
            params={"cql": f"space = {space} and type = page", "limit": 250},
        )
        found.raise_for_status()
        return Counter(page["title"] for page in found.json()["results"])


@pytest.mark.anyio
@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
@pytest.mark.parametrize("kill_after", [2, 9])
async def test_a_killed_apply_is_finished_by_the_next_one(
    tmp_path: Path, kill_after: int, edition: str
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns(".confsync"))
    config = root / "confsync.yaml"
    config.write_text(
        config.read_text().replace("\n  edition: cloud\n", f"\n  edition: {edition}\n")
    )
    first = _confsync(root, "apply", "--auto-approve", "--lock-ttl", "2")
    assert first.stderr is not None
    done = 0
    for line in first.stderr:  # one "ok: ..." line per change applied (not a terminal)
        done += line.startswith("ok: ")
        if done == kill_after:
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL, "apply finished before it could be killed"

    # The killed apply's lock outlives it by its time to live (2 s), then this one takes it
    # over: it waits for that, not for its own much longer timeout.
    waited = time.monotonic()
    second = _confsync(root, "apply", "--auto-approve", "--lock-timeout", "60")
    out, err = second.communicate(timeout=120)
    assert time.monotonic() - waited < 40
    assert second.returncode == 0, err
    assert "Apply complete:" in out
    assert ", 0 failed." in out

    third = _confsync(root, "plan", "--detailed-exitcode")
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, out + err
    assert out.rstrip().endswith("No changes.")

    db = root / ".confsync" / "sandbox.sqlite"
    # The homepage, two parent pages and the reports: 7 for platform, 5 for mobile.
    for space, pages in (("PLAT", 10), ("MOB", 8)):
        titles = await _titles(db, edition, space)
        assert [t for t, n in titles.items() if n > 1] == [], titles
        assert sum(titles.values()) == pages, titles
