"""``confsync sandbox serve`` as a real server: starts, answers, stops on Ctrl-C, keeps state."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from confsync.sandbox.cli import sandbox
from confsync.sandbox.served import free_port

REPO = Path(__file__).resolve().parents[2]
AUTH = ("admin@example.com", "sandbox-token")


def _start(db: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    code = "from confsync.sandbox.cli import sandbox; sandbox()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--db", str(db), "--port", str(port), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the sandbox exited early ({process.returncode}): {output}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("the sandbox did not start within 20 s")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the sandbox did not stop on SIGINT")
    assert process.returncode == 0, output
    return output


@pytest.mark.slow
def test_serve_answers_stops_on_ctrl_c_and_keeps_state(tmp_path: Path) -> None:
    db = tmp_path / "served.sqlite"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(db, port, "--space", "PLAT")
    try:
        _wait_until_up(base + "/", process)
        spaces = httpx.get(f"{base}/wiki/api/v2/spaces", auth=AUTH, timeout=5)
        assert spaces.status_code == 200
        keys = sorted(s["key"] for s in spaces.json()["results"])
        assert keys == ["DEMO", "PLAT"]
        if shutil.which("curl"):
            # What the README shows a person: plain curl with basic auth.
            curl = subprocess.run(
                [
                    "curl",
                    "-sf",
                    "-u",
                    "admin@example.com:sandbox-token",
                    f"{base}/wiki/api/v2/spaces",
                ],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
            assert '"key":"DEMO"' in curl.stdout.replace(" ", "")
        plat = next(s["id"] for s in spaces.json()["results"] if s["key"] == "PLAT")
        created = httpx.post(
            f"{base}/wiki/api/v2/pages",
            auth=AUTH,
            json={
                "spaceId": plat,
                "title": "Survives",
                "body": {"representation": "storage", "value": "<p>kept</p>"},
            },
            timeout=5,
        )
        assert created.status_code == 200
        assert httpx.get(f"{base}/wiki/api/v2/spaces", timeout=5).status_code == 401
    finally:
        if process.poll() is None:
            output = _stop(process)
    assert f"http://localhost:{port}" in output
    assert "admin@example.com" in output
    assert "sandbox-token" in output

    process = _start(db, port)
    try:
        _wait_until_up(base + "/", process)
        found = httpx.get(
            f"{base}/wiki/api/v2/pages", params={"title": "Survives"}, auth=AUTH, timeout=5
        )
        assert [p["title"] for p in found.json()["results"]] == ["Survives"]
    finally:
        if process.poll() is None:
            _stop(process)


@pytest.mark.slow
def test_serve_datacenter_under_the_context_path(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(tmp_path / "dc.sqlite", port, "--edition", "datacenter")
    try:
        _wait_until_up(base + "/", process)
        me = httpx.get(
            f"{base}/confluence/rest/api/user/current",
            headers={"Authorization": "Bearer sandbox-pat"},
            timeout=5,
        )
        assert me.json()["username"] == "admin"
    finally:
        output = _stop(process)
    assert "sandbox-pat" in output


def test_serve_help_lists_the_options() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--db",
        "--port",
        "--host",
        "--edition",
        "--space",
        "--latency-ms",
        "--fail-rate",
    ):
        assert option in result.output


@pytest.mark.slow
def test_two_served_processes_share_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    ports = [free_port(), free_port()]
    # Both start at once: schema, seed users and the DEMO space are created exactly once.
    first, second = _start(db, ports[0]), _start(db, ports[1])
    try:
        _wait_until_up(f"http://127.0.0.1:{ports[0]}/", first)
        _wait_until_up(f"http://127.0.0.1:{ports[1]}/", second)
        space = httpx.get(
            f"http://127.0.0.1:{ports[0]}/wiki/api/v2/spaces", auth=AUTH, timeout=5
        ).json()["results"][0]["id"]

        def create(port: int, name: str) -> list[int]:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=AUTH, timeout=10) as c:
                return [
                    c.post(
                        "/wiki/api/v2/pages", json={"spaceId": space, "title": f"{name}{i}"}
                    ).status_code
                    for i in range(30)
                ]

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(create, ports, ["a", "b"]))
        assert results == [[200] * 30, [200] * 30]
        listed = httpx.get(
            f"http://127.0.0.1:{ports[1]}/wiki/api/v2/pages",
            params={"space-id": space, "limit": 250},
            auth=AUTH,
            timeout=5,
        ).json()["results"]
        assert len({p["id"] for p in listed}) == 61  # 60 and the homepage, no id reused
        spaces = httpx.get(f"http://127.0.0.1:{ports[1]}/wiki/api/v2/spaces", auth=AUTH).json()
        assert [s["key"] for s in spaces["results"]] == ["DEMO"]
    finally:
        for process in (first, second):
            if process.poll() is None:
                _stop(process)
