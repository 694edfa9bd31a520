"""`confsync login`, `auth status` and `auth logout` end to end: the sandbox served over loopback
HTTP plays Atlassian's (or Data Center's) OAuth servers, confsync runs as a process, and the test
plays the browser, following the authorize redirect into confsync's listener."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from confsync.confluence.oauth import CLASSIC_SCOPES, CLOUD_SCOPES, login_scopes
from confsync.sandbox.defaults import DEFAULT_SCOPED_API_TOKEN
from confsync.setup.init import InitOptions, init_repo
from tests.support.ci import served_sandbox

TOKEN_PATHS = {"cloud": "/oauth/token", "datacenter": "/confluence/rest/oauth2/latest/token"}


@dataclass
class Repo:
    root: Path
    base: str
    edition: str
    env: dict[str, str]

    @property
    def store(self) -> Path:
        return Path(self.env["XDG_CONFIG_HOME"]) / "confsync" / "tokens.json"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "confsync", "-C", str(self.root), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "confsync", "-C", str(self.root), *args],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def tokens(self) -> list[str]:
        entries = json.loads(self.store.read_text())["tokens"].values()
        found = [e[k] for e in entries for k in ("access_token", "refresh_token") if e.get(k)]
        assert found
        return found

    def sandbox_requests(self, path: str) -> list[dict[str, object]]:
        records = httpx.get(f"{self.base}/_sandbox/requests", trust_env=False).json()
        return [r for r in records["requests"] if r["path"] == path]


def make_repo(tmp_path: Path, base: str, edition: str, **options: object) -> Repo:
    root = tmp_path / "repo"
    cloud = edition == "cloud"
    defaults: dict[str, object] = {
        "edition": edition,
        "url": f"{base}/wiki" if cloud else f"{base}/confluence",
        "auth": "oauth2" if cloud else "app-link",
        "client_id": "sandbox-client",
        "team_id": "platform",
        "space": "PLAT",
    }
    if cloud:
        defaults |= {"auth_url": base, "api_url": base}
    init_repo(root, InitOptions(**{**defaults, **options}))  # type: ignore[arg-type]
    env = {
        **os.environ,
        "CONFLUENCE_CLIENT_SECRET": "sandbox-secret",
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "*",
    }
    env.pop("CONFLUENCE_REFRESH_TOKEN", None)
    return Repo(root, base, edition, env)


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    edition: str = request.param
    with served_sandbox(tmp_path / "confluence.sqlite", ["PLAT"], edition=edition) as base:
        yield base, edition


def authorize_url(proc: subprocess.Popen[str]) -> str:
    """The sign-in address the login process prints."""
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"(http://\S+/authorize\?\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(
        f"no authorize URL in {''.join(seen)!r}; {proc.stderr and proc.stderr.read()}"
    )


def browse(url: str) -> httpx.Response:
    """The browser: follow the authorize redirect wherever it leads (the listener)."""
    return httpx.get(url, follow_redirects=True, trust_env=False, timeout=30)


def log_in(repo: Repo, *args: str) -> str:
    proc = repo.start("login", "--no-open", *args)
    url = authorize_url(proc)
    page = browse(url)
    assert page.status_code == 200
    assert "Signed in" in page.text
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out


def test_login_through_the_loopback_listener(site: tuple[str, str], tmp_path: Path) -> None:
    base, edition = site
    repo = make_repo(tmp_path, base, edition)
    proc = repo.start("login", "--no-open")
    url = authorize_url(proc)
    query = parse_qs(urlsplit(url).query)
    redirect = query["redirect_uri"][0]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", redirect)
    assert query["state"][0]
    if edition == "datacenter":
        assert query["code_challenge_method"] == ["S256"]  # PKCE
        assert query["scope"] == ["WRITE"]
    else:
        assert query["scope"][0].split() == list(CLOUD_SCOPES)  # no team prunes
    # An answer with another state is refused and does not end the login.
    forged = httpx.get(f"{redirect}?code=forged&state=not-this-one", trust_env=False)
    assert forged.status_code == 400
    assert proc.poll() is None
    page = browse(url)
    assert (page.status_code, "Signed in" in page.text) == (200, True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Signed in as Sandbox Admin (" in out
    assert stat.S_IMODE(repo.store.stat().st_mode) == 0o600
    assert stat.S_IMODE(repo.store.parent.stat().st_mode) == 0o700

    status = repo.run("auth", "status")
    assert status.returncode == 0, status.stderr
    shown = status.stdout + status.stderr
    for secret in [*repo.tokens(), "sandbox-secret"]:
        assert secret not in shown
    assert re.search(r"^user: +Sandbox Admin", shown, re.MULTILINE)
    assert re.search(r"^expires: +\d{4}-\d\d-\d\d", shown, re.MULTILINE)
    assert re.search(r"^scopes: +\S", shown, re.MULTILINE)

    # The token store is enough: no CONFLUENCE_REFRESH_TOKEN, though the config names it.
    assert "refresh_token" in (repo.root / "confsync.yaml").read_text()
    plan = repo.run("plan")
    assert plan.returncode == 0, plan.stderr
    assert "Plan: 4 to create" in plan.stdout

    logout = repo.run("auth", "logout")
    assert logout.returncode == 0, logout.stderr
    assert "Forgot the" in logout.stdout
    assert json.loads(repo.store.read_text())["tokens"] == {}
    after = repo.run("auth", "status")
    assert after.returncode == 1
    assert "confsync login" in after.stdout
    refused = repo.run("plan")
    assert refused.returncode == 1
    assert "confsync login" in refused.stderr


def test_two_processes_refreshing_at_once_spend_the_token_once(
    site: tuple[str, str], tmp_path: Path
) -> None:
    base, edition = site
    repo = make_repo(tmp_path, base, edition)
    log_in(repo)
    # Both runs find the access token expired and must refresh it.
    data = json.loads(repo.store.read_text())
    for entry in data["tokens"].values():
        entry["expires_at"] = 0
    repo.store.write_text(json.dumps(data))
    httpx.delete(f"{base}/_sandbox/requests", trust_env=False)
    runs = [repo.start("plan") for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert "Plan: 4 to create" in out
    assert len(repo.sandbox_requests(TOKEN_PATHS[edition])) == 1


def test_the_paste_flow_for_machines_without_a_browser(tmp_path: Path) -> None:
    with served_sandbox(tmp_path / "confluence.sqlite", ["PLAT"]) as base:
        repo = make_repo(tmp_path, base, "cloud")
        proc = repo.start("login", "--paste", "--redirect-uri", "http://localhost:9/callback")
        answer = httpx.get(authorize_url(proc), trust_env=False)
        assert answer.status_code == 302
        out, err = proc.communicate(answer.headers["location"] + "\n", timeout=60)
        assert proc.returncode == 0, err
        assert "Signed in as Sandbox Admin" in out
        assert repo.run("plan").returncode == 0


def test_a_missing_scope_names_the_command_that_fixes_it(tmp_path: Path) -> None:
    with served_sandbox(tmp_path / "confluence.sqlite", ["PLAT"]) as base:
        repo = make_repo(tmp_path, base, "cloud")
        log_in(repo, "--scopes", "read:space:confluence read:page:confluence")
        # Each refusal names the command to run; running it gets further, until plan works.
        for _ in range(len(CLOUD_SCOPES)):
            plan = repo.run("plan")
            if plan.returncode == 0:
                break
            command = re.search(r'confsync login --scopes "([^"]+)"', plan.stderr)
            assert command, plan.stderr
            log_in(repo, "--scopes", command.group(1))
        assert plan.returncode == 0, plan.stderr


def test_classic_scopes_are_granted_and_honoured(tmp_path: Path) -> None:
    with served_sandbox(tmp_path / "confluence.sqlite", ["PLAT"]) as base:
        repo = make_repo(tmp_path, base, "cloud")
        out = log_in(repo, "--scopes", " ".join(CLASSIC_SCOPES))
        assert "write:confluence-content" in out
        plan = repo.run("plan")
        assert plan.returncode == 0, plan.stderr


def test_login_asks_for_the_delete_scope_when_a_team_prunes() -> None:
    assert "delete:page:confluence" not in login_scopes(cloud=True, prune=False)
    assert "delete:page:confluence" in login_scopes(cloud=True, prune=True)
    assert login_scopes(cloud=False, prune=True) == ("WRITE",)
    assert login_scopes(cloud=True, prune=False, override="a,b") == ("a", "b", "offline_access")


@pytest.mark.parametrize(
    ("token", "scoped", "works"),
    [
        (DEFAULT_SCOPED_API_TOKEN, True, True),  # scoped, through the gateway
        (DEFAULT_SCOPED_API_TOKEN, False, False),  # scoped, on the site URL: refused
        ("sandbox-token", True, False),  # unscoped, through the gateway: refused
        ("sandbox-token", False, True),  # unscoped, on the site URL
    ],
)
def test_scoped_api_tokens_go_through_the_gateway_only(
    tmp_path: Path, token: str, scoped: bool, works: bool
) -> None:
    with served_sandbox(tmp_path / "confluence.sqlite", ["PLAT"]) as base:
        repo = make_repo(
            tmp_path,
            base,
            "cloud",
            auth="api-token",
            scoped=scoped,
            client_id=None,
            auth_url=None,
            api_url=base if scoped else None,
        )
        repo.env |= {"CONFLUENCE_EMAIL": "admin@example.com", "CONFLUENCE_API_TOKEN": token}
        httpx.delete(f"{base}/_sandbox/requests", trust_env=False)
        plan = repo.run("plan")
        if works:
            assert plan.returncode == 0, plan.stderr
        else:
            assert plan.returncode == 1
            assert "(401)" in plan.stderr
            assert "CONFLUENCE_API_TOKEN" in plan.stderr
            assert token not in plan.stderr
        records = httpx.get(f"{base}/_sandbox/requests", trust_env=False).json()["requests"]
        api = [r["path"] for r in records if "/api/" in r["path"]]
        assert api
        assert all(p.startswith("/ex/confluence/") == scoped for p in api)
