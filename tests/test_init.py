"""`confsync init`: a new repo from flags or from answers typed at a terminal. What it writes
passes `validate` and `plan` reads a served sandbox with it, for each sign-in method."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from confsync.sandbox.defaults import DEFAULT_SCOPED_API_TOKEN
from tests.plan.cli import CliResult, confsync
from tests.support.ci import served_sandbox

# Each method's options and the environment its ${VARIABLES} need, with the sandbox's accounts.
CASES: dict[str, tuple[str, list[str], dict[str, str]]] = {
    "api-token": (
        "cloud",
        ["--auth", "api-token"],
        {"CONFLUENCE_EMAIL": "admin@example.com", "CONFLUENCE_API_TOKEN": "sandbox-token"},
    ),
    "scoped-api-token": (
        "cloud",
        ["--auth", "api-token", "--scoped", "--api-url", "{base}"],
        {"CONFLUENCE_EMAIL": "admin@example.com", "CONFLUENCE_API_TOKEN": DEFAULT_SCOPED_API_TOKEN},
    ),
    "oauth2": (
        "cloud",
        [
            *("--auth", "oauth2", "--client-id", "sandbox-client"),
            *("--auth-url", "{base}", "--api-url", "{base}"),
        ],
        {"CONFLUENCE_CLIENT_SECRET": "sandbox-secret"},
    ),
    "pat": ("datacenter", ["--auth", "pat"], {"CONFLUENCE_PAT": "sandbox-pat"}),
    "basic": (
        "datacenter",
        ["--auth", "basic"],
        {"CONFLUENCE_USER": "admin", "CONFLUENCE_PASSWORD": "admin"},
    ),
    "app-link": (
        "datacenter",
        ["--auth", "app-link", "--client-id", "sandbox-client"],
        {"CONFLUENCE_CLIENT_SECRET": "sandbox-secret"},
    ),
}
SITE_PATH = {"cloud": "/wiki", "datacenter": "/confluence"}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One served sandbox per edition, over loopback HTTP."""
    folder = tmp_path_factory.mktemp("sites")
    with (
        served_sandbox(folder / "cloud.sqlite", ["PLAT"]) as cloud,
        served_sandbox(folder / "dc.sqlite", ["PLAT"], edition="datacenter") as dc,
    ):
        yield {"cloud": cloud, "datacenter": dc}


def seed_refresh_token(base: str, edition: str) -> str:
    """A refresh token from the sandbox's OAuth server, as a CI secret would hold one."""
    cloud = edition == "cloud"
    prefix = base if cloud else f"{base}/confluence/rest/oauth2/latest"
    redirect = "http://localhost:9/callback"
    scope = "read:space:confluence read:page:confluence write:page:confluence "
    scope += "read:attachment:confluence read:content-details:confluence offline_access "
    scope += "read:hierarchical-content:confluence write:space:confluence"
    query = {"client_id": "sandbox-client", "redirect_uri": redirect, "response_type": "code"}
    query |= {"scope": scope if cloud else "WRITE", "state": "s"}
    answer = httpx.get(f"{prefix}/authorize?{urlencode(query)}", trust_env=False)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    fields |= {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    token_url = f"{base}/oauth/token" if cloud else f"{prefix}/token"
    if cloud:
        sent = httpx.post(token_url, json=fields, trust_env=False)
    else:
        sent = httpx.post(token_url, data=fields, trust_env=False)
    token: str = sent.json()["refresh_token"]
    return token


def init(root: Path, *args: str) -> CliResult:
    return confsync(root, "init", "--team-id", "platform", "--space", "PLAT", *args)


@pytest.mark.parametrize("method", list(CASES))
def test_each_sign_in_method_gives_a_repo_that_validates_and_plans(
    method: str, sites: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition, options, env = CASES[method]
    base = sites[edition]
    root = tmp_path / "repo"
    url = base + SITE_PATH[edition]
    args = [a.format(base=base) for a in options]
    made = init(root, "--edition", edition, "--url", url, *args)
    assert made.code == 0, made.err
    config = (root / "confsync.yaml").read_text()
    # Only references: no value of any secret is in the file.
    for value in env.values():
        if value != "admin@example.com" and value != "admin":
            assert value not in config
    for name in env:
        assert f"${{{name}}}" in config
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if method in ("oauth2", "app-link"):
        assert "confsync login" in made.out
        monkeypatch.setenv("CONFLUENCE_REFRESH_TOKEN", seed_refresh_token(base, edition))
    valid = confsync(root, "validate")
    assert valid.code == 0, valid.err
    assert "1 team, 2 reports" in valid.out
    plan = confsync(root, "plan")
    assert plan.code == 0, plan.err
    assert "Plan: 4 to create, 0 to update, 0 to move, 0 to delete." in plan.out


@pytest.mark.parametrize("edition", ["cloud", "datacenter"])
def test_a_sandbox_repo_plans_with_no_credentials(edition: str, tmp_path: Path) -> None:
    made = init(tmp_path, "--sandbox", "--edition", edition, "--team-name", "Platform Team")
    assert made.code == 0, made.err
    assert (tmp_path / ".gitignore").read_text().endswith(".confsync/\n")
    assert sorted(p.name for p in (tmp_path / "reports" / "platform").iterdir()) == [
        f"{time.strftime('%Y-%m-%d')}-example-health-check.yaml",
        f"{time.strftime('%Y-%m-%d')}-example-retrospective.yaml",
    ]
    plan = confsync(tmp_path, "plan")
    assert plan.code == 0, plan.err
    assert "Plan: 4 to create" in plan.out


def test_it_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    (tmp_path / "confsync.yaml").write_text("mine\n")
    (tmp_path / ".gitignore").write_text("*.pyc")
    refused = init(tmp_path, "--sandbox")
    assert refused.code == 1
    assert f"{tmp_path / 'confsync.yaml'} already exists" in refused.err
    assert "--force" in refused.err
    assert (tmp_path / "confsync.yaml").read_text() == "mine\n"
    assert not (tmp_path / "reports").exists()
    forced = init(tmp_path, "--sandbox", "--force")
    assert forced.code == 0, forced.err
    assert confsync(tmp_path, "validate").code == 0
    # .gitignore is added to, never replaced, and only once.
    assert (tmp_path / ".gitignore").read_text().startswith("*.pyc\n")
    assert init(tmp_path, "--sandbox", "--force").code == 0
    assert (tmp_path / ".gitignore").read_text().count(".confsync/") == 1


def test_parents_titles_and_the_ci_pipeline(tmp_path: Path) -> None:
    made = init(
        tmp_path,
        "--edition",
        "cloud",
        "--url",
        "https://acme.atlassian.net/wiki",
        "--auth",
        "api-token",
        "--retro-parent",
        "existing:12345",
        "--health-parent",
        "none",
        "--retro-title",
        "{{YYYY}}-{{MM}}-{{DD}} {{RetrospectiveTitleOrDate}}",
        "--ci",
        "github",
        "--repo-url",
        "https://github.com/acme/confsync",
    )
    assert made.code == 0, made.err
    config = (tmp_path / "confsync.yaml").read_text()
    assert "parent: {existing: 12345}" in config
    assert "parent: none" in config
    workflow = (tmp_path / ".github" / "workflows" / "confsync.yml").read_text()
    assert "CONFLUENCE_API_TOKEN: ${{ secrets.CONFLUENCE_API_TOKEN }}" in workflow
    assert confsync(tmp_path, "validate").code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auth", "pat", "--url", "https://acme.atlassian.net/wiki"], "is not for cloud"),
        (["--auth", "oauth2", "--url", "https://acme.atlassian.net/wiki"], "--client-id"),
        (["--sandbox", "--retro-parent", "below:X"], "--retro-parent 'below:X'"),
        (["--url", "ftp://x", "--auth", "api-token"], "confluence.url"),
        (["--sandbox", "--team-id", "Not An Id"], "teams[0].id"),
    ],
)
def test_bad_answers_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    team = [] if "--team-id" in args else ["--team-id", "platform"]
    result = confsync(tmp_path, "init", "--space", "PLAT", *team, *args)
    assert result.code == 1
    assert message in result.err
    assert list(tmp_path.iterdir()) == []


def test_not_on_a_terminal_it_needs_options(tmp_path: Path) -> None:
    result = confsync(tmp_path, "init")
    assert result.code == 64
    assert "not on a terminal" in result.err
    assert list(tmp_path.iterdir()) == []


class Terminal:
    """``confsync init`` on a pseudo-terminal: read what it shows, type answers."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "confsync", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"waited for {text!r}; the terminal shows:\n{self.screen}")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the process ended and closed the terminal
                raise AssertionError(f"no {text!r}; the terminal shows:\n{self.screen}") from None
            self.screen += chunk.decode("utf-8", "replace")
        self.screen = self.screen[self.screen.index(text) + len(text) :]

    def answer(self, question: str, reply: str) -> None:
        self.expect(question)
        os.write(self.master, reply.encode() + b"\n")

    def finish(self) -> int:
        code = self.proc.wait(timeout=60)
        try:
            while chunk := os.read(self.master, 4096):
                self.screen += chunk.decode("utf-8", "replace")
        except OSError:
            pass
        os.close(self.master)
        return code


def test_interactive_init_on_a_terminal(
    sites: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = sites["datacenter"]
    root = tmp_path / "platform-team"
    env = {**os.environ, "NO_COLOR": "1"}
    term = Terminal("init", str(root), env=env)
    term.answer("Edition", "server")  # not a choice: asked again
    term.answer("Edition", "datacenter")
    term.answer("Confluence URL", f"{base}/confluence")
    term.answer("Sign-in method", "basic")
    term.expect("Team id")
    term.expect("[platform-team]")  # the folder's name
    os.write(term.master, b"\n")
    term.answer("Team name", "Platform Team")
    term.answer("Confluence space key", "PLAT")
    term.answer("Retrospectives parent", "")  # the default: create:Retrospectives
    term.answer("Health checks parent", "none")
    term.answer("Retrospective page title", "")
    term.answer("Health check page title", "{{YYYY}}-{{MM}} {{HealthCheckTitleOrDate}}")
    term.answer("CI pipeline", "none")
    assert term.finish() == 0, term.screen
    assert "Set the environment variables CONFLUENCE_USER, CONFLUENCE_PASSWORD" in term.screen
    config = (root / "confsync.yaml").read_text()
    assert 'id: "platform-team"' in config
    assert 'parent: {create: "Retrospectives"}' in config
    assert "method: basic" in config
    monkeypatch.setenv("CONFLUENCE_USER", "admin")
    monkeypatch.setenv("CONFLUENCE_PASSWORD", "admin")
    plan = confsync(root, "plan")
    assert plan.code == 0, plan.err
    assert "Plan: 3 to create" in plan.out  # two reports and one parent (health checks: none)
