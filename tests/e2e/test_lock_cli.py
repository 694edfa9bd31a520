"""Several ``confsync apply`` processes started at once on one repo and one served sandbox:
the lock lets one publish, the others are refused with the lock message; nothing is doubled,
no update is lost; a killed apply's lock expires and the next apply goes on."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from confsync.sandbox import DEFAULT_API_TOKEN, DEFAULT_CLOUD_EMAIL
from tests.plan.sandbox_repo import RepoSpec
from tests.support.ci import served_sandbox

ROUNDS = 10
ENV = {
    **os.environ,
    "NO_COLOR": "1",
    "LOCK_EMAIL": DEFAULT_CLOUD_EMAIL,
    "LOCK_TOKEN": DEFAULT_API_TOKEN,
}


def _write(spec: RepoSpec, base: str) -> None:
    spec.write()
    config = spec.config()
    config["confluence"] = {
        "edition": "cloud",
        "url": f"{base}/wiki",
        "auth": {"method": "api-token", "email": "${LOCK_EMAIL}", "token": "${LOCK_TOKEN}"},
    }
    (spec.root / "confsync.yaml").write_text(json.dumps(config, indent=2) + "\n")


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "confsync", "-C", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def _titles(base: str) -> Counter[str]:
    """``SPACE/title`` of every current page of the repo's spaces, with how often each is."""
    found = httpx.get(
        f"{base}/wiki/rest/api/content/search",
        params={"cql": "type = page AND space IN (PLAT, MOB)", "limit": 250, "expand": "space"},
        auth=(DEFAULT_CLOUD_EMAIL, DEFAULT_API_TOKEN),
    )
    found.raise_for_status()
    return Counter(f"{p['space']['key']}/{p['title']}" for p in found.json()["results"])


def _edit(spec: RepoSpec, n: int) -> None:
    for team in spec.reports.values():
        for report in team.values():
            if report["kind"] == "retrospective":
                report["columns"][0]["items"][0]["text"] = f"Round {n}"
            else:
                report["dimensions"][0]["votes"]["green"] = n


@pytest.mark.parametrize("applies", [2, 4])
def test_applies_started_together_one_publishes_the_others_are_refused(
    applies: int, tmp_path: Path
) -> None:
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    with served_sandbox(tmp_path / "sandbox.sqlite", ["PLAT", "MOB"]) as base:
        for round_ in range(ROUNDS):
            _edit(spec, round_)
            _write(spec, base)
            started = [_start(spec.root, "apply", "--auto-approve") for _ in range(applies)]
            ended = [(p.wait(timeout=120), *p.communicate()) for p in started]

            codes = sorted(code for code, _, _ in ended)
            assert codes[0] == 0, (round_, ended)
            assert set(codes) <= {0, 1}, (round_, ended)
            for code, out, err in ended:
                if code == 1:  # refused before writing anything, naming the lock
                    assert "is locked by" in err, (round_, err)
                    assert "Apply complete" not in out
            # No update lost: whatever order they ran in, Confluence is what the repo says.
            plan = _start(spec.root, "plan", "--detailed-exitcode")
            out, err = plan.communicate(timeout=60)
            assert plan.returncode == 0, (round_, out, err)
            titles = _titles(base)
            assert [t for t, n in titles.items() if n > 1] == [], (round_, titles)
            # Two homepages, three parent pages, five reports.
            assert sum(titles.values()) == 10, (round_, titles)


def test_a_killed_applys_lock_expires_and_the_next_apply_proceeds(tmp_path: Path) -> None:
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    with served_sandbox(tmp_path / "sandbox.sqlite", ["PLAT", "MOB"]) as base:
        _write(spec, base)
        # Held for a while (its lock renewed) while the terminal waits for an answer.
        held = _start(spec.root, "apply", "--lock-ttl", "3")
        deadline = time.monotonic() + 30
        while "confsync-lock" not in httpx.get(f"{base}/_sandbox/requests").text:
            assert time.monotonic() < deadline, "the first apply never took its lock"
            time.sleep(0.1)
        held.send_signal(signal.SIGKILL)
        held.wait(timeout=10)
        killed_at = time.monotonic()

        refused = _start(spec.root, "apply", "--auto-approve")
        _, err = refused.communicate(timeout=60)
        waiting = _start(spec.root, "apply", "--auto-approve", "--lock-timeout", "60")
        out, err2 = waiting.communicate(timeout=120)

        if refused.returncode == 1:  # unless the 3 s ran out while it started
            assert "is locked by" in err
            assert "confsync force-unlock PLAT " in err or "confsync force-unlock MOB " in err
        assert waiting.returncode == 0, err2
        assert time.monotonic() - killed_at < 40  # its lifetime, not the 60 s it might wait
        done = _start(spec.root, "plan", "--detailed-exitcode")
        out, err = done.communicate(timeout=60)
        assert done.returncode == 0, out + err


def _on_a_terminal(root: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """``confsync apply`` with a terminal for stdin, stdout and stderr (it asks there); the
    process and the terminal's other end."""
    main, sub = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "confsync", "-C", str(root), *args],
        stdin=sub,
        stdout=sub,
        stderr=sub,
        env=ENV,
        # Its own session, with the terminal as its controlling one: Ctrl-C typed there is a
        # SIGINT to it, as in a shell.
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(sub)
    return process, main


def _read_until(main: int, wanted: bytes, seen: bytearray, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, f"never saw {wanted!r}: {bytes(seen)!r}"
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                seen += os.read(main, 4096)
            except OSError:  # the process ended and closed the terminal
                break
    assert wanted in seen, bytes(seen)


@pytest.mark.parametrize("answer", ["y", "n"])
def test_the_lock_outlives_the_question_it_waits_on(tmp_path: Path, answer: str) -> None:
    # The question waits in a thread: the lease is renewed while a person reads the plan,
    # longer than its lifetime (3 s here), so a second apply is still refused.
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    with served_sandbox(tmp_path / "sandbox.sqlite", ["PLAT", "MOB"]) as base:
        _write(spec, base)
        asking, main = _on_a_terminal(spec.root, "apply", "--lock-ttl", "3")
        seen = bytearray()
        _read_until(main, b"Apply these changes? [y/N]", seen)
        time.sleep(4.5)
        second = _start(spec.root, "apply", "--auto-approve")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1, err
        assert "is locked by" in err

        os.write(main, answer.encode() + b"\n")
        ending = b"Apply complete: 8 changed, 0 failed." if answer == "y" else b"cancelled"
        _read_until(main, ending, seen)
        assert asking.wait(timeout=60) == (0 if answer == "y" else 1)
        os.close(main)
        published = sum(_titles(base).values())
        assert published == (10 if answer == "y" else 2), bytes(seen)  # with the homepages
        # Either way the lock is let go: the next apply goes on at once.
        after = _start(spec.root, "apply", "--auto-approve")
        _, err = after.communicate(timeout=60)
        assert after.returncode == 0, err


def test_ctrl_c_at_the_question_ends_apply_at_once_and_lets_the_lock_go(tmp_path: Path) -> None:
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    with served_sandbox(tmp_path / "sandbox.sqlite", ["PLAT", "MOB"]) as base:
        _write(spec, base)
        asking, main = _on_a_terminal(spec.root, "apply")
        seen = bytearray()
        _read_until(main, b"Apply these changes? [y/N]", seen)

        os.write(main, b"\x03")  # the terminal sends SIGINT to the process
        assert asking.wait(timeout=10) == 130, bytes(seen)
        _read_until(main, b"Interrupted.", seen, timeout=5)
        os.close(main)
        assert sum(_titles(base).values()) == 2  # the homepages: nothing was published
        after = _start(spec.root, "apply", "--auto-approve")
        _, err = after.communicate(timeout=60)
        assert after.returncode == 0, err
