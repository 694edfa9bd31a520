"""``confsync ci-comment``: keep ONE plan comment on a pull or merge request.

The comment starts with a hidden marker, ``<!-- confsync-plan -->``. The first run creates
it; every later run finds it by the marker, paging through the request's comments, and
updates it in place: reviewers see the latest plan in one place, not one comment per push.

    GitHub  the job's GITHUB_API_URL and GITHUB_REPOSITORY, the pull request's number from the
            event (GITHUB_EVENT_PATH), a token in GITHUB_TOKEN (``${{ github.token }}`` with
            ``permissions: pull-requests: write``)
              list    GET    /repos/{repo}/issues/{number}/comments     (Link: rel="next")
              create  POST   /repos/{repo}/issues/{number}/comments
              update  PATCH  /repos/{repo}/issues/comments/{id}
    GitLab  CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, a token in
            CONFSYNC_GITLAB_TOKEN (a project access token: role Reporter, scope api)
              list    GET    /projects/{id}/merge_requests/{iid}/notes  (Link, X-Next-Page)
              create  POST   /projects/{id}/merge_requests/{iid}/notes
              update  PUT    /projects/{id}/merge_requests/{iid}/notes/{note_id}

The token goes in a request header only, and is cut out of every message (a server's too).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx

from confsync import __version__
from confsync.errors import ConfsyncError

__all__ = [
    "MARKER",
    "PROVIDERS",
    "Posted",
    "Thread",
    "comment_body",
    "post_plan",
    "thread_from_env",
    "upsert",
]

MARKER = "<!-- confsync-plan -->"
"""The first line of the plan comment: how a later run finds it (hidden when rendered)."""

PROVIDERS = ("github", "gitlab")

MAX_PAGES = 100
"""Pages of comments read while looking for the marker (100 per page: 10,000 comments)."""

_BODY_LIMITS = {"github": 65_536, "gitlab": 1_000_000}
_TIMEOUT = httpx.Timeout(30.0)


@dataclass(frozen=True)
class Thread:
    """The comments of one pull or merge request, and how to write them.

    New comments are posted to ``list_url``; comment ``ID`` is updated at
    ``item_base/ID`` with ``update_method``. ``headers`` carry ``token``, which is never
    shown (not in ``repr`` either); ``token_name`` is where it came from, for messages.
    """

    service: str
    label: str
    list_url: str
    item_base: str
    update_method: Literal["PATCH", "PUT"]
    token_name: str
    token: str = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    body_limit: int
    job_url: str | None = None


@dataclass(frozen=True)
class Posted:
    """What ``upsert`` did: ``url`` is the comment's web address when the service gives one."""

    action: Literal["created", "updated", "unchanged"]
    comment_id: str
    url: str | None


def _need(environ: Mapping[str, str], name: str, why: str) -> str:
    value = environ.get(name, "")
    if not value.strip():
        raise ConfsyncError(f"{name} is not set: {why}")
    # Refused, not trimmed, as confsync.yaml's secrets are: a line break in a header value
    # fails in the HTTP layer, whose message would quote it.
    if value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ConfsyncError(
            f"{name} has white space at its start or end, or a control character; "
            "set it to the value alone"
        )
    return value


def _github(environ: Mapping[str, str], token_name: str) -> Thread:
    api = environ.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
    repository = _need(environ, "GITHUB_REPOSITORY", "run this in a GitHub Actions job")
    event_path = _need(
        environ, "GITHUB_EVENT_PATH", "run this in a GitHub Actions job on pull_request"
    )
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfsyncError(f"cannot read the GitHub event ({event_path}): {exc}") from exc
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise ConfsyncError(
            "the GitHub event has no pull request: run this step only on pull_request events"
        )
    token = _need(environ, token_name, f"give the step env: {token_name}: ${{{{ github.token }}}}")
    base = f"{api.rstrip('/')}/repos/{repository}"
    server, run_id = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_RUN_ID")
    return Thread(
        service="GitHub",
        label=f"pull request #{number} of {repository}",
        list_url=f"{base}/issues/{number}/comments",
        item_base=f"{base}/issues/comments",
        update_method="PATCH",
        token_name=token_name,
        token=token,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
        body_limit=_BODY_LIMITS["github"],
        job_url=f"{server}/{repository}/actions/runs/{run_id}" if server and run_id else None,
    )


def _gitlab(environ: Mapping[str, str], token_name: str) -> Thread:
    api = _need(environ, "CI_API_V4_URL", "run this in a GitLab CI job")
    project = _need(environ, "CI_PROJECT_ID", "run this in a GitLab CI job")
    iid = _need(
        environ,
        "CI_MERGE_REQUEST_IID",
        "run this job only in merge request pipelines "
        '($CI_PIPELINE_SOURCE == "merge_request_event")',
    )
    token = _need(
        environ,
        token_name,
        "set it as a masked CI/CD variable: a project access token with the api scope",
    )
    notes = f"{api.rstrip('/')}/projects/{quote(project, safe='')}/merge_requests/{iid}/notes"
    return Thread(
        service="GitLab",
        label=f"merge request !{iid}",
        list_url=notes,
        item_base=notes,
        update_method="PUT",
        token_name=token_name,
        token=token,
        headers={"PRIVATE-TOKEN": token},
        body_limit=_BODY_LIMITS["gitlab"],
        job_url=environ.get("CI_JOB_URL") or None,
    )


def thread_from_env(
    provider: str, environ: Mapping[str, str], *, token_name: str | None = None
) -> Thread:
    """The thread a CI job is running for, from the variables the CI service sets."""
    if provider == "github":
        return _github(environ, token_name or "GITHUB_TOKEN")
    if provider == "gitlab":
        return _gitlab(environ, token_name or "CONFSYNC_GITLAB_TOKEN")
    raise ConfsyncError(f"no CI provider {provider!r}; use one of {', '.join(PROVIDERS)}")


def comment_body(markdown: str, *, job_url: str | None, limit: int) -> str:
    """The comment: the marker, the plan (cut to ``limit`` characters in all), a footer."""
    plan = markdown.strip() or (
        "### confsync plan\n\n**The plan failed before it showed any change: see the job log.**"
    )
    footer = f"<sub>confsync {__version__}" + (f" · [job log]({job_url})" if job_url else "")
    footer += "</sub>"
    body = f"{MARKER}\n{plan}\n\n{footer}\n"
    if len(body) <= limit:
        return body
    cut = (
        "\n\n…\n\n**The plan is too long for a comment: the whole plan is in the job's "
        "artifacts (plan.md).**"
    )
    room = limit - len(f"{MARKER}\n{cut}\n\n{footer}\n")
    return f"{MARKER}\n{plan[: max(room, 0)]}{cut}\n\n{footer}\n"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _redacted(text: str, token: str) -> str:
    return text.replace(token, "[redacted]") if token else text


def _refusal(thread: Thread, response: httpx.Response, doing: str) -> ConfsyncError:
    status = response.status_code
    said = _json(response)
    detail = (said.get("message") or said.get("error")) if isinstance(said, dict) else None
    if not detail and not response.text.lstrip().startswith("<"):  # no HTML error pages
        detail = response.text
    detail = " ".join(str(detail or "").split())[:300]
    hint = {
        401: f"check the token in {thread.token_name}",
        403: (
            "give the job `permissions: pull-requests: write` (a pull request from a fork "
            "gets a read-only token)"
            if thread.service == "GitHub"
            else f"the token in {thread.token_name} needs the api scope and the Reporter role"
        ),
        404: f"check that {thread.label} exists and the token in {thread.token_name} can see it",
    }.get(status, "try again; if it persists, see the service's status page")
    message = (
        f"{thread.service} answered {status} when {doing} on {thread.label}"
        + (f": {detail}" if detail else "")
        + f". {hint[0].upper()}{hint[1:]}."
    )
    return ConfsyncError(_redacted(message, thread.token))


def _send(
    client: httpx.Client,
    thread: Thread,
    method: str,
    url: str,
    doing: str,
    **kwargs: Any,
) -> httpx.Response:
    try:
        response = client.request(method, url, headers=dict(thread.headers), **kwargs)
    except httpx.HTTPError as exc:
        where = urlsplit(url)
        message = (
            f"could not reach {thread.service} at {where.scheme}://{where.netloc} when "
            f"{doing}: {exc}"
        )
        raise ConfsyncError(_redacted(message, thread.token)) from exc
    if response.is_error:
        raise _refusal(thread, response, doing)
    return response


def _next_page(thread: Thread, response: httpx.Response) -> str | None:
    following = response.links.get("next", {}).get("url")
    if not following and response.headers.get("X-Next-Page", "").isdigit():
        page = response.headers["X-Next-Page"]
        following = str(response.request.url.copy_merge_params({"page": page}))
    if not following:
        return None
    here, there = urlsplit(thread.list_url), urlsplit(following)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        raise ConfsyncError(
            f"{thread.service} sent a next page on another host ({there.netloc}); "
            "refusing to send the token there"
        )
    return following


def _comments(client: httpx.Client, thread: Thread) -> Iterator[dict[str, Any]]:
    doing = "listing the comments"
    url: str | None = thread.list_url
    params: dict[str, str] | None = {"per_page": "100"}
    if thread.service == "GitLab":
        params = {"per_page": "100", "sort": "asc", "order_by": "created_at"}
    for _ in range(MAX_PAGES):
        if url is None:
            return
        response = _send(client, thread, "GET", url, doing, params=params)
        params = None  # the next page's URL carries them
        page = _json(response)
        if not isinstance(page, list):
            raise ConfsyncError(
                f"{thread.service} answered the comment list of {thread.label} with something "
                f"other than a JSON list (is {thread.list_url} its API?)"
            )
        yield from (item for item in page if isinstance(item, dict))
        url = _next_page(thread, response)
    if url is not None:
        raise ConfsyncError(
            f"no plan comment in the first {MAX_PAGES} pages of comments on {thread.label}; "
            "not creating another"
        )


def _ours(item: Mapping[str, Any]) -> bool:
    body = item.get("body")
    return isinstance(body, str) and body.lstrip().startswith(MARKER) and not item.get("system")


def upsert(client: httpx.Client, thread: Thread, body: str) -> Posted:
    """Update the thread's plan comment to ``body``, or create it when there is none."""
    found = next((item for item in _comments(client, thread) if _ours(item)), None)
    action: Literal["created", "updated", "unchanged"]
    if found is None:
        doing = "creating the plan comment"
        response = _send(client, thread, "POST", thread.list_url, doing, json={"body": body})
        action, made = "created", _json(response)
    elif found.get("body") == body:
        action, made = "unchanged", found
    else:
        doing = f"updating the plan comment {found.get('id')}"
        url = f"{thread.item_base}/{found.get('id')}"
        response = _send(client, thread, thread.update_method, url, doing, json={"body": body})
        action, made = "updated", _json(response)
    made = made if isinstance(made, dict) else {}
    comment_id = made.get("id", found.get("id") if found else None)
    web = made.get("html_url")
    return Posted(
        action, "" if comment_id is None else str(comment_id), web if isinstance(web, str) else None
    )


def post_plan(
    provider: str,
    file: Path,
    *,
    environ: Mapping[str, str] | None = None,
    token_name: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Posted:
    """Post ``file`` (plan --format markdown) as the plan comment of the current CI job."""
    env = os.environ if environ is None else environ
    thread = thread_from_env(provider, env, token_name=token_name)
    try:
        markdown = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfsyncError(
            f"cannot read {file} ({exc.strerror or exc}): run "
            f"`confsync plan --format markdown > {file}` first"
        ) from exc
    body = comment_body(markdown, job_url=thread.job_url, limit=thread.body_limit)
    with httpx.Client(transport=transport, timeout=_TIMEOUT, follow_redirects=False) as client:
        return upsert(client, thread, body)
