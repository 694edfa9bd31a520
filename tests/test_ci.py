"""CI: the shipped pipelines run the GitOps loop, the plan comment, and `init --ci`.

The must-show is ``test_the_shipped_pipeline_runs_the_gitops_loop``: ``confsync init --ci``
writes the pipeline into a scratch repo (a copy of ``samples/``, committed), and its jobs run
step by step (``tests/support/pipelines.py`` says which steps are substituted and why)
against the sandbox served over HTTP and a stand-in for the GitHub or GitLab API.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from confsync import __version__
from confsync.ci.comment import MARKER, Thread, comment_body, post_plan, thread_from_env, upsert
from confsync.ci.scaffold import (
    EXAMPLE_VARIABLES,
    PLACEHOLDER_URL,
    PROVIDERS,
    ci_repo_url,
    repo_url_from,
)
from confsync.cli import cli, run
from confsync.errors import ConfsyncError
from confsync.sandbox.defaults import DEFAULT_API_TOKEN, DEFAULT_CLOUD_EMAIL
from tests.support.ci import GITHUB_REPO, PR_NUMBER, CommentApi, served_sandbox
from tests.support.pipelines import GitHubPipeline, GitLabPipeline, load_yaml

SAMPLES = Path(__file__).parent.parent / "samples"
REPO_URL = "https://git.example.com/acme/confsync"
PACKAGE = f"confsync @ git+{REPO_URL}@v{__version__}"
SECRETS = {"CONFLUENCE_EMAIL": DEFAULT_CLOUD_EMAIL, "CONFLUENCE_API_TOKEN": DEFAULT_API_TOKEN}
CI_TOKEN = "ci-token-5f0c1d2e3b4a"  # what the CI service gives the job for the comment


def invoke(args: list[str]) -> tuple[int, str, str]:
    """Run the real CLI in-process: (exit code, stdout, stderr)."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = run(cli.main, args)
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=CI Test", "-c", "user.email=ci@example.com"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def scratch_repo(root: Path, confluence: str) -> Path:
    """The samples, published to the served sandbox with an API token, as a git repo."""
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns(".confsync"))
    config = root / "confsync.yaml"
    text = config.read_text()
    auth = '{method: api-token, email: "${CONFLUENCE_EMAIL}", token: "${CONFLUENCE_API_TOKEN}"}'
    served = text.replace(
        "  sandbox: .confsync/sandbox.sqlite\n", f"  url: {confluence}/wiki\n  auth: {auth}\n"
    )
    assert served != text
    # No PDFs: WeasyPrint would take most of the test's time; the PDFs are tested elsewhere.
    config.write_text(served.replace("pdf: true", "pdf: false"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "reports")
    return root


def rename_sprint_22(repo: Path, title: str) -> None:
    report = repo / "reports" / "platform" / "2026-11-06-sprint-22.yaml"
    text = report.read_text()
    renamed = re.sub(r"(?m)^title: .*$", f"title: {title}", text, count=1)
    assert renamed != text
    report.write_text(renamed)
    git(repo, "commit", "-q", "-am", f"rename Sprint 22 to {title}")


PIPELINES = {"github": GitHubPipeline, "gitlab": GitLabPipeline}
# (review, merge, schedule) as each service names the event.
EVENTS = {
    "github": ("pull_request", "push", "schedule"),
    "gitlab": ("merge_request_event", "push", "schedule"),
}
JOBS = {
    "github": ("plan", "apply", "drift"),
    "gitlab": ("confsync-plan", "confsync-apply", "confsync-drift"),
}


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_the_shipped_pipeline_runs_the_gitops_loop(provider: str, tmp_path: Path) -> None:
    api = CommentApi(provider, token=CI_TOKEN)  # type: ignore[arg-type]
    # People comment first, two comments a page: the plan comment is found on page 2.
    api.add("Looks good to me.")
    api.add("Should Sprint 22 get a better title?")
    api.add(f"> {MARKER}\n> quoting the plan is not the plan comment")
    home = tmp_path / "home"
    home.mkdir()
    sandbox = served_sandbox(tmp_path / "confluence.sqlite", ["PLAT", "MOB"])
    with sandbox as confluence, api.serve():
        repo = scratch_repo(tmp_path / "reports", confluence)
        code, out, err = invoke(["init", "--ci", provider, "--repo-url", REPO_URL, str(repo)])
        assert (code, err) == (0, "")
        assert "CONFLUENCE_EMAIL, CONFLUENCE_API_TOKEN" in out
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "confsync CI")
        pipeline = PIPELINES[provider](repo, api, SECRETS, home, PACKAGE)
        review, merge, schedule = EVENTS[provider]
        assert [pipeline.jobs_for(e) for e in EVENTS[provider]] == [[j] for j in JOBS[provider]]
        runs = []

        # A pull request: validate, plan, and the plan comment is created.
        runs.append(first := pipeline.run(review))
        assert first.code == 0, first.output
        (comment,) = api.ours()
        assert "**Plan: 16 to create, 0 to update, 0 to move, 0 to delete.**" in comment["body"]
        plan_md = (repo / "plan.md").read_text()
        assert "Saved the plan" not in plan_md  # that note goes to stderr with markdown
        assert comment["body"].startswith(f"{MARKER}\n{plan_md.strip()}\n")
        assert json.loads((repo / "plan.json").read_text())["summary"]["create"] == 16

        # A new commit on the pull request: the same comment, updated in place.
        rename_sprint_22(repo, "Sprint 22, the big one")
        runs.append(second := pipeline.run(review))
        assert second.code == 0, second.output
        (updated,) = api.ours()
        assert updated["id"] == comment["id"]
        assert "Sprint 22, the big one - Retrospective" in updated["body"]
        update = "PATCH" if provider == "github" else "PUT"
        assert [m for m, _ in api.calls].count(update) == 1

        # Merged: apply, in its never-cancelled group.
        runs.append(applied := pipeline.run(merge))
        assert applied.code == 0, applied.output
        assert "Apply complete: 16 changed, 0 failed." in applied.output

        # The pull request's job once more: nothing left to do, said in the same comment.
        runs.append(third := pipeline.run(review))
        assert third.code == 0, third.output
        (final,) = api.ours()
        assert final["id"] == comment["id"]
        assert "**No changes.**" in final["body"]

        # The scheduled check: quiet while Confluence matches, failing (exit 2) when not.
        runs.append(quiet := pipeline.run(schedule))
        assert quiet.code == 0, quiet.output
        rename_sprint_22(repo, "Sprint 22 again")  # merged, not applied: pending
        runs.append(drift := pipeline.run(schedule))
        assert drift.code == 2, drift.output
        assert "Confluence differs from the repo" in drift.output

    assert len(api.comments) == 4
    assert api.unexpected == []
    for job in runs:
        assert CI_TOKEN not in job.output
        assert DEFAULT_API_TOKEN not in job.output


def test_the_github_apply_never_cancels_and_each_job_gets_only_its_permissions(
    tmp_path: Path,
) -> None:
    (tmp_path / "confsync.yaml").write_text(
        "confluence:\n  auth: {method: pat, token: '${WIKI_PAT}'}\n"
    )
    assert invoke(["init", "--ci", "github", "--repo-url", REPO_URL, str(tmp_path)])[0] == 0
    workflow = load_yaml(tmp_path / ".github" / "workflows" / "confsync.yml")
    jobs = workflow["jobs"]
    assert jobs["apply"]["concurrency"] == {"group": "confsync-apply", "cancel-in-progress": False}
    assert workflow["permissions"] == {"contents": "read"}
    assert jobs["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "permissions" not in jobs["apply"]
    assert "permissions" not in jobs["drift"]
    for job in jobs.values():
        assert job["env"] == {"WIKI_PAT": "${{ secrets.WIKI_PAT }}"}
    assert workflow["on"]["schedule"][0]["cron"]
    assert workflow["on"]["push"] == {"branches": ["main"]}


def test_the_gitlab_apply_runs_alone_and_uninterrupted(tmp_path: Path) -> None:
    assert invoke(["init", "--ci", "gitlab", "--repo-url", REPO_URL, str(tmp_path)])[0] == 0
    config = load_yaml(tmp_path / ".gitlab-ci.yml")
    assert config["confsync-apply"]["resource_group"] == "confsync-apply"
    assert config["confsync-apply"]["interruptible"] is False
    assert config["confsync-plan"]["artifacts"]["paths"] == ["plan.md", "plan.json"]
    pipeline = GitLabPipeline(tmp_path, CommentApi("gitlab", token=""), {}, tmp_path, PACKAGE)
    assert pipeline.jobs_for("push", branch="feature") == []


# --- the plan comment -----------------------------------------------------------------------


def github_env(tmp_path: Path, api: CommentApi, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": PR_NUMBER}}))
    return {
        "GITHUB_API_URL": api.api_url,
        "GITHUB_REPOSITORY": GITHUB_REPO,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": api.token,
        **extra,
    }


def gitlab_env(api: CommentApi) -> dict[str, str]:
    return {
        "CI_API_V4_URL": api.api_url,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "5",
        "CONFSYNC_GITLAB_TOKEN": api.token,
    }


def env_for(provider: str, tmp_path: Path, api: CommentApi) -> dict[str, str]:
    return github_env(tmp_path, api) if provider == "github" else gitlab_env(api)


def post(provider: str, tmp_path: Path, api: CommentApi, plan: str) -> Any:
    file = tmp_path / "plan.md"
    file.write_text(plan)
    env = env_for(provider, tmp_path, api)
    return post_plan(provider, file, environ=env, transport=httpx.MockTransport(api.handle))


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_the_first_post_creates_the_comment_after_reading_every_page(
    provider: str, tmp_path: Path
) -> None:
    api = CommentApi(provider, token=CI_TOKEN)  # type: ignore[arg-type]
    for n in range(5):
        api.add(f"comment {n}")
    posted = post(provider, tmp_path, api, "### confsync plan\n\n**No changes.**\n")
    assert posted.action == "created"
    assert [m for m, _ in api.calls] == ["GET", "GET", "GET", "POST"]
    (comment,) = api.ours()
    assert comment["body"].startswith(f"{MARKER}\n### confsync plan\n\n**No changes.**\n")
    assert posted.comment_id == str(comment["id"])


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_a_later_post_updates_the_comment_found_by_its_marker(
    provider: str, tmp_path: Path
) -> None:
    api = CommentApi(provider, token=CI_TOKEN)  # type: ignore[arg-type]
    api.add("first")
    api.add("second")
    api.add(f"not ours: {MARKER}")
    mine = api.add(f"{MARKER}\nan old plan")
    api.add("after")
    posted = post(provider, tmp_path, api, "a new plan")
    assert posted.action == "updated"
    assert posted.comment_id == str(mine["id"])
    assert mine["body"].startswith(f"{MARKER}\na new plan\n")
    update = "PATCH" if provider == "github" else "PUT"
    assert api.calls == [("GET", api.list_path), ("GET", api.list_path),
                         (update, f"{api.item_prefix}{mine['id']}")]  # fmt: skip
    assert len(api.comments) == 5
    # The same plan again writes nothing.
    calls = len(api.calls)
    assert post(provider, tmp_path, api, "a new plan").action == "unchanged"
    assert [m for m, _ in api.calls[calls:]] == ["GET", "GET"]


def test_the_github_link_to_the_comment_is_shown(tmp_path: Path) -> None:
    api = CommentApi("github", token=CI_TOKEN)
    posted = post("github", tmp_path, api, "plan")
    assert posted.url == api.comments[0]["html_url"]


@pytest.mark.parametrize(
    ("status", "said", "hint"),
    [
        (401, "Bad credentials", "Check the token in GITHUB_TOKEN."),
        (403, "Resource not accessible by integration", "permissions: pull-requests: write"),
        (404, "Not Found", f"Check that pull request #{PR_NUMBER} of {GITHUB_REPO} exists"),
        (502, "Server Error", "Try again"),
    ],
)
def test_a_refusal_says_what_to_do_and_never_shows_the_token(
    tmp_path: Path, status: int, said: str, hint: str
) -> None:
    api = CommentApi("github", token=CI_TOKEN)
    api.refuse_with = (status, {"message": f"{said} (token {CI_TOKEN})"})
    with pytest.raises(ConfsyncError) as caught:
        post("github", tmp_path, api, "plan")
    message = str(caught.value)
    assert message.startswith(
        f"GitHub answered {status} when listing the comments on pull request #{PR_NUMBER} of "
        f"{GITHUB_REPO}: {said} (token [redacted])."
    )
    assert hint in message
    assert CI_TOKEN not in message


def test_the_command_exits_1_with_the_message_and_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = CommentApi("gitlab", token="the-right-token")
    (tmp_path / "plan.md").write_text("plan")
    with api.serve():
        for name, value in {**gitlab_env(api), "CONFSYNC_GITLAB_TOKEN": CI_TOKEN}.items():
            monkeypatch.setenv(name, value)
        code, out, err = invoke(
            ["ci-comment", "--provider", "gitlab", "--file", str(tmp_path / "plan.md")]
        )
    assert (code, out) == (1, "")
    assert err == (
        "Error: GitLab answered 401 when listing the comments on merge request !5: Bad "
        "credentials. Check the token in CONFSYNC_GITLAB_TOKEN.\n"
    )
    assert CI_TOKEN not in err


def test_the_command_says_where_it_posted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = CommentApi("github", token=CI_TOKEN)
    (tmp_path / "plan.md").write_text("plan")
    with api.serve():
        for name, value in github_env(tmp_path, api).items():
            monkeypatch.setenv(name, value)
        code, out, err = invoke(
            ["ci-comment", "--provider", "github", "--file", str(tmp_path / "plan.md")]
        )
        assert (code, err) == (0, "")
        assert out == f"Plan comment created: {api.comments[0]['html_url']}\n"
        assert invoke(["ci-comment", "--provider", "github", "--file", str(tmp_path / "plan.md")])[
            1
        ] == (f"Plan comment unchanged: {api.comments[0]['html_url']}\n")


def test_an_unreachable_api_is_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = CommentApi("github", token=CI_TOKEN, base="http://127.0.0.1:9")  # discard port
    (tmp_path / "plan.md").write_text("plan")
    for name, value in github_env(tmp_path, api).items():
        monkeypatch.setenv(name, value)
    code, _, err = invoke(
        ["ci-comment", "--provider", "github", "--file", str(tmp_path / "plan.md")]
    )
    assert code == 1
    assert err.startswith("Error: could not reach GitHub at http://127.0.0.1:9 when listing")
    assert CI_TOKEN not in err


def test_a_next_page_on_another_host_gets_no_token(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.example.test"
        link = '<https://elsewhere.example/comments?page=2>; rel="next"'
        return httpx.Response(200, headers={"Link": link}, json=[])

    env = github_env(tmp_path, CommentApi("github", token=CI_TOKEN))
    (tmp_path / "plan.md").write_text("plan")
    with pytest.raises(ConfsyncError, match=r"on another host \(elsewhere\.example\)"):
        post_plan(
            "github", tmp_path / "plan.md", environ=env, transport=httpx.MockTransport(handler)
        )


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("GITHUB_REPOSITORY", "GITHUB_REPOSITORY is not set: run this in a GitHub Actions job"),
        (
            "GITHUB_TOKEN",
            "GITHUB_TOKEN is not set: give the step env: GITHUB_TOKEN: ${{ github.token }}",
        ),
    ],
)
def test_a_missing_github_variable_is_named(tmp_path: Path, drop: str, message: str) -> None:
    env = github_env(tmp_path, CommentApi("github", token=CI_TOKEN))
    del env[drop]
    with pytest.raises(ConfsyncError) as caught:
        thread_from_env("github", env)
    assert str(caught.value) == message


def test_a_push_event_has_no_pull_request(tmp_path: Path) -> None:
    env = github_env(tmp_path, CommentApi("github", token=CI_TOKEN))
    Path(env["GITHUB_EVENT_PATH"]).write_text('{"ref": "refs/heads/main"}')
    with pytest.raises(ConfsyncError, match="run this step only on pull_request events"):
        thread_from_env("github", env)


def test_the_gitlab_job_link_and_the_token_stay_out_of_repr() -> None:
    api = CommentApi("gitlab", token=CI_TOKEN)
    thread = thread_from_env("gitlab", {**gitlab_env(api), "CI_JOB_URL": "https://gl/-/jobs/9"})
    assert thread.job_url == "https://gl/-/jobs/9"
    assert CI_TOKEN not in repr(thread)


def test_the_body_carries_the_marker_the_plan_and_the_job_link() -> None:
    body = comment_body("### confsync plan\n", job_url="https://ci/run/1", limit=65_536)
    assert body == (
        f"{MARKER}\n### confsync plan\n\n<sub>confsync {__version__} · [job log](https://ci/run/1)</sub>\n"
    )


def test_an_empty_plan_says_it_failed() -> None:
    body = comment_body("", job_url=None, limit=65_536)
    assert "The plan failed before it showed any change: see the job log." in body


def test_a_plan_too_long_is_cut_to_the_limit() -> None:
    body = comment_body("x" * 70_000, job_url=None, limit=65_536)
    assert len(body) == 65_536
    assert body.startswith(f"{MARKER}\nxxx")
    assert "The plan is too long for a comment" in body


def test_upsert_uses_the_thread_it_is_given() -> None:
    api = CommentApi("github", token=CI_TOKEN)
    thread = Thread(
        service="GitHub",
        label="pull request #7",
        list_url=f"{api.base}{api.list_path}",
        item_base=f"{api.base}{api.item_prefix.rstrip('/')}",
        update_method="PATCH",
        token_name="GITHUB_TOKEN",
        token=CI_TOKEN,
        headers={"Authorization": f"Bearer {CI_TOKEN}"},
        body_limit=65_536,
    )
    with httpx.Client(transport=httpx.MockTransport(api.handle)) as client:
        assert upsert(client, thread, f"{MARKER}\none").action == "created"
        assert upsert(client, thread, f"{MARKER}\ntwo").action == "updated"
    assert [c["body"] for c in api.comments] == [f"{MARKER}\ntwo"]


# --- init --ci ------------------------------------------------------------------------------


def target(provider: str, root: Path) -> Path:
    return root / PROVIDERS[provider].target


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_init_writes_the_pipeline_with_the_configs_variables(provider: str, tmp_path: Path) -> None:
    (tmp_path / "confsync.yaml").write_text(
        "version: 1\nconfluence:\n  edition: cloud\n  url: https://acme.atlassian.net/wiki\n"
        "  auth:\n    method: oauth2\n    client_id: ${WIKI_CLIENT_ID}\n"
        "    client_secret: ${WIKI_SECRET}\n    refresh_token: ${WIKI_SECRET}\n"
    )
    code, out, err = invoke(["init", "--ci", provider, "--repo-url", REPO_URL, str(tmp_path)])
    assert (code, err) == (0, "")
    written = target(provider, tmp_path)
    own = ", CONFSYNC_GITLAB_TOKEN" if provider == "gitlab" else ""
    assert out.splitlines() == [
        f"Wrote {written} ({PROVIDERS[provider].label}).",
        f"Set as {PROVIDERS[provider].secrets_where}: WIKI_CLIENT_ID, WIKI_SECRET{own}.",
        f"CI installs {PACKAGE}.",
    ]
    text = written.read_text()
    assert f'pip install --quiet "{PACKAGE}"' in text
    assert "@CONFSYNC_" not in text
    if provider == "github":
        assert text.count("      WIKI_SECRET: ${{ secrets.WIKI_SECRET }}\n") == 3
    else:
        assert "#   WIKI_CLIENT_ID\n#   WIKI_SECRET\n#   CONFSYNC_GITLAB_TOKEN" in text
    load_yaml(written)


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_init_without_a_config_writes_a_commented_example(provider: str, tmp_path: Path) -> None:
    code, out, _ = invoke(["-C", str(tmp_path), "init", "--ci", provider, "--repo-url", REPO_URL])
    assert code == 0
    assert "No confsync.yaml here" in out
    text = target(provider, tmp_path).read_text()
    for name in EXAMPLE_VARIABLES:
        assert f"#   {name}" in text
    parsed = load_yaml(target(provider, tmp_path))
    if provider == "github":
        assert all("env" not in job for job in parsed["jobs"].values())


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    assert invoke(["init", "--ci", "gitlab", str(tmp_path)])[0] == 0
    existing = tmp_path / ".gitlab-ci.yml"
    existing.write_text("mine\n")
    code, out, err = invoke(["init", "--ci", "gitlab", str(tmp_path)])
    assert (code, out) == (1, "")
    assert err == f"Error: {existing} already exists; pass --force to overwrite it\n"
    assert existing.read_text() == "mine\n"
    assert invoke(["init", "--ci", "gitlab", "--force", str(tmp_path)])[0] == 0
    assert existing.read_text().startswith("# confsync:")


def test_init_force_replaces_a_link_and_never_writes_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("keep\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".gitlab-ci.yml").symlink_to(outside)
    assert invoke(["init", "--ci", "gitlab", str(repo)])[0] == 1
    assert invoke(["init", "--ci", "gitlab", "--force", str(repo)])[0] == 0
    assert outside.read_text() == "keep\n"
    assert not (repo / ".gitlab-ci.yml").is_symlink()


def test_init_without_an_option_is_a_usage_error(tmp_path: Path) -> None:
    # Not on a terminal, init cannot ask (tests/test_init.py: the whole setup).
    code, _, err = invoke(["init", str(tmp_path)])
    assert code == 64
    assert "--ci github or --ci gitlab alone writes only the CI pipeline" in err
    assert list(tmp_path.iterdir()) == []


def test_init_with_nowhere_to_install_from_writes_a_placeholder_and_says_so(tmp_path: Path) -> None:
    code, out, _ = invoke(["init", "--ci", "github", str(tmp_path)])
    assert code == 0
    text = target("github", tmp_path).read_text()
    # The test's confsync is installed from a folder: its origin remote, if any, is the URL.
    assert f'@v{__version__}"' in text
    if PLACEHOLDER_URL in text:
        assert "Nothing says where CI can install confsync from" in out


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("https://github.com/acme/confsync", "https://github.com/acme/confsync"),
        ("git+https://github.com/acme/confsync.git", "https://github.com/acme/confsync.git"),
        ("git@github.com:acme/confsync.git", "https://github.com/acme/confsync.git"),
        ("ssh://git@host.example/acme/confsync", "ssh://git@host.example/acme/confsync"),
    ],
)
def test_a_repo_url_is_made_one_ci_can_install_from(given: str, url: str) -> None:
    assert ci_repo_url(given) == url


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("https://me:s3cret@github.com/acme/confsync", "--repo-url holds credentials"),
        ("https://github.com/acme/conf sync", "characters a pipeline cannot quote"),
        ('https://github.com/acme/"$(id)"', "characters a pipeline cannot quote"),
        ("ftp://github.com/acme/confsync", "is not a git URL"),
        ("confsync", "is not a git URL"),
    ],
)
def test_a_repo_url_that_cannot_be_used_is_refused(given: str, message: str) -> None:
    with pytest.raises(ConfsyncError, match=message) as caught:
        ci_repo_url(given)
    assert "s3cret" not in str(caught.value)


def test_init_refuses_credentials_in_the_repo_url(tmp_path: Path) -> None:
    code, _, err = invoke(
        ["init", "--ci", "github", "--repo-url", "https://me:s3cret@h/c", str(tmp_path)]
    )
    assert code == 1
    assert "s3cret" not in err
    assert not target("github", tmp_path).exists()


def test_the_install_url_comes_from_where_confsync_was_installed(tmp_path: Path) -> None:
    vcs = {"url": "https://github.com/acme/confsync.git", "vcs_info": {"vcs": "git"}}
    assert repo_url_from(vcs) == "https://github.com/acme/confsync.git"
    source = tmp_path / "confsync-src"
    source.mkdir()
    git(source, "init", "-q")
    git(
        source, "remote", "add", "origin", "https://x-access-token:ghs_abc@github.com/acme/confsync"
    )
    folder = {"url": source.as_uri(), "dir_info": {"editable": True}}
    assert repo_url_from(folder) == "https://github.com/acme/confsync"  # the token is not kept
    assert repo_url_from({"url": (tmp_path / "nogit").as_uri(), "dir_info": {}}) is None
    assert (
        repo_url_from({"url": "https://files.example/confsync-0.1.0.tar.gz", "archive_info": {}})
        is None
    )
    assert repo_url_from(None) is None


def test_the_templates_are_package_data() -> None:
    from importlib import resources

    for provider in PROVIDERS.values():
        text = resources.files("confsync.ci").joinpath(provider.template).read_text()
        assert "@CONFSYNC_PACKAGE@" in text
        assert "# @CONFSYNC_SECRETS@" in text


def test_the_readme_installs_and_pins_this_version() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Use it in your own repo", 1)[1].split("\n## ", 1)[0]
    assert (
        f'pip install "confsync @ git+https://github.com/your-org/confsync@v{__version__}"'
        in section
    )
    assert f"  rev: v{__version__}\n" in section
    assert "pip install confsync\n" not in section


def test_a_token_with_a_line_break_is_refused_by_name(tmp_path: Path) -> None:
    env = github_env(tmp_path, CommentApi("github", token=CI_TOKEN))
    env["GITHUB_TOKEN"] = f"{CI_TOKEN}\n"
    with pytest.raises(ConfsyncError) as caught:
        thread_from_env("github", env)
    assert str(caught.value).startswith("GITHUB_TOKEN has white space at its start or end")
    assert CI_TOKEN not in str(caught.value)


def test_an_html_error_page_is_not_quoted(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, html="<html><body>Bad gateway</body></html>")

    env = github_env(tmp_path, CommentApi("github", token=CI_TOKEN))
    (tmp_path / "plan.md").write_text("plan")
    with pytest.raises(ConfsyncError) as caught:
        post_plan(
            "github", tmp_path / "plan.md", environ=env, transport=httpx.MockTransport(handler)
        )
    assert str(caught.value) == (
        f"GitHub answered 502 when listing the comments on pull request #{PR_NUMBER} of "
        f"{GITHUB_REPO}. Try again; if it persists, see the service's status page."
    )
