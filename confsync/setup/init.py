"""``confsync init``: a new reports repo in one go.

Writes ``confsync.yaml`` (secrets as ``${VARIABLE}`` references only, the names the README
uses for each sign-in method), one example report of each kind in the team's reports folder,
``.confsync/`` in ``.gitignore``, and, with ``ci``, the CI pipeline of ``confsync.ci.scaffold``.

Every answer comes from ``InitOptions`` or, when one is missing and an ``Ask`` is given, from
a question. The files are first written to a staging folder and loaded there as ``validate``
would: what ``init`` writes is valid, or nothing is written. An existing file is never
replaced without ``force`` (``.gitignore`` is appended to, never replaced).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from confsync.ci.scaffold import PROVIDERS, Written, write_pipeline
from confsync.errors import ConfsyncError, InputError, Problem
from confsync.loading import load_repo

__all__ = ["METHODS", "Ask", "InitOptions", "Initialised", "init_repo"]

METHODS = {"cloud": ("api-token", "oauth2"), "datacenter": ("pat", "basic", "app-link")}
SANDBOX_FILE = ".confsync/sandbox.sqlite"
_DEFAULT_TITLES = {
    "retrospective": "{{RetrospectiveTitleOrDate}} - Retrospective",
    "health-check": "{{HealthCheckTitleOrDate}} - Health Check",
}
_DEFAULT_PARENTS = {
    "retrospective": "create:Retrospectives",
    "health-check": "create:Health Checks",
}

Ask = Callable[[str, str, Sequence[str]], str]
"""``ask(question, default, choices)``: the answer (one of ``choices`` when there are any)."""


@dataclass(frozen=True)
class InitOptions:
    """What ``confsync init`` was told; None means "not said" (asked, or the default)."""

    edition: str | None = None
    url: str | None = None
    sandbox: bool = False
    auth: str | None = None
    scoped: bool = False
    client_id: str | None = None
    auth_url: str | None = None
    api_url: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    space: str | None = None
    retro_parent: str | None = None
    health_parent: str | None = None
    retro_title: str | None = None
    health_title: str | None = None
    ci: str | None = None
    repo_url: str | None = None
    force: bool = False
    today: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class Initialised:
    """What was written, and what the user sets up next (for the command line to print)."""

    files: tuple[Path, ...]
    variables: tuple[str, ...]
    next_steps: tuple[str, ...]
    pipeline: Written | None = None


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned or "team"


def _answers(directory: Path, given: InitOptions, ask: Ask | None) -> InitOptions:
    """``given`` with every blank filled: asked when ``ask`` is given, else the default."""

    def pick(value: str | None, question: str, default: str, choices: Sequence[str] = ()) -> str:
        if value is not None:
            return value
        if ask is None:
            return default
        return ask(question, default, choices)

    edition = pick(given.edition, "Edition", "cloud", ("cloud", "datacenter"))
    sandbox, url = given.sandbox, given.url
    if not sandbox and url is None:
        example = "https://SITE.atlassian.net/wiki" if edition == "cloud" else "https://HOST"
        answer = pick(None, f"Confluence URL ({example}), or sandbox", "sandbox")
        sandbox = answer.strip().lower() == "sandbox"
        url = None if sandbox else answer.strip()
    method = given.auth
    client_id = given.client_id
    scoped = given.scoped
    if not sandbox:
        methods = METHODS.get(edition, ())
        method = pick(method, "Sign-in method", methods[0] if methods else "", methods)
        if method == "api-token" and ask is not None and not given.scoped:
            scoped = ask("Scoped API token (yes/no)", "no", ("yes", "no")) == "yes"
        if method in ("oauth2", "app-link"):
            client_id = pick(client_id, "OAuth client id (of the app or application link)", "")
    folder = _slug(directory.resolve().name)
    team_id = pick(given.team_id, "Team id (lower case, part of every page address)", folder)
    team_name = pick(given.team_name, "Team name", team_id.replace("-", " ").title())
    space = pick(given.space, "Confluence space key", "DEMO" if sandbox else "")
    return replace(
        given,
        edition=edition,
        sandbox=sandbox,
        url=url,
        auth=method,
        scoped=scoped,
        client_id=client_id,
        team_id=team_id,
        team_name=team_name,
        space=space,
        retro_parent=pick(
            given.retro_parent,
            "Retrospectives parent (none, create:TITLE, existing:TITLE or id)",
            _DEFAULT_PARENTS["retrospective"],
        ),
        health_parent=pick(
            given.health_parent,
            "Health checks parent (none, create:TITLE, existing:TITLE or id)",
            _DEFAULT_PARENTS["health-check"],
        ),
        retro_title=pick(
            given.retro_title, "Retrospective page title", _DEFAULT_TITLES["retrospective"]
        ),
        health_title=pick(
            given.health_title, "Health check page title", _DEFAULT_TITLES["health-check"]
        ),
        ci=pick(given.ci, "CI pipeline", "none", ("none", "github", "gitlab")),
    )


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _parent(spec: str, option: str) -> str:
    kind, _, title = spec.partition(":")
    if spec.strip() == "none":
        return "none"
    if kind in ("create", "existing") and title:
        value = title if kind == "existing" and title.isdigit() else _q(title)
        return f"{{{kind}: {value}}}"
    raise ConfsyncError(f"{option} {spec!r}: give none, create:TITLE or existing:TITLE-or-id")


def _auth_block(o: InitOptions) -> tuple[list[str], tuple[str, ...]]:
    """The ``auth:`` lines and the variables they name."""
    method = o.auth
    extra = []
    if o.auth_url:
        extra.append(f"    auth_url: {_q(o.auth_url)}")
    if o.api_url:
        extra.append(f"    api_url: {_q(o.api_url)}        # the API gateway")
    if method == "api-token":
        lines = [
            "    method: api-token",
            '    email: "${CONFLUENCE_EMAIL}"          # the account the token belongs to',
            '    token: "${CONFLUENCE_API_TOKEN}"',
        ]
        if o.scoped:
            lines.append("    scoped: true                          # goes through the gateway")
        return [*lines, *extra], ("CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN")
    if method == "pat":
        return ["    method: pat", '    token: "${CONFLUENCE_PAT}"'], ("CONFLUENCE_PAT",)
    if method == "basic":
        return [
            "    method: basic",
            '    username: "${CONFLUENCE_USER}"',
            '    password: "${CONFLUENCE_PASSWORD}"',
        ], ("CONFLUENCE_USER", "CONFLUENCE_PASSWORD")
    if method in ("oauth2", "app-link"):
        if not o.client_id:
            raise ConfsyncError(f"--client-id is needed for {method}: the OAuth app's client id")
        return [
            f"    method: {method}",
            f"    client_id: {_q(o.client_id)}",
            '    client_secret: "${CONFLUENCE_CLIENT_SECRET}"',
            "    # The seed for CI only; on this machine, `confsync login` fills the token store.",
            '    refresh_token: "${CONFLUENCE_REFRESH_TOKEN}"',
            *extra,
        ], ("CONFLUENCE_CLIENT_SECRET", "CONFLUENCE_REFRESH_TOKEN")
    allowed = ", ".join(METHODS.get(o.edition or "", ()))
    raise ConfsyncError(f"--auth {method!r} is not a sign-in method for {o.edition}: {allowed}")


def _config(o: InitOptions) -> tuple[str, tuple[str, ...]]:
    assert o.team_id
    assert o.team_name is not None
    if o.edition not in METHODS:
        raise ConfsyncError(f"--edition {o.edition!r}: give cloud or datacenter")
    if not o.space:
        raise ConfsyncError("--space KEY is needed: the Confluence space the pages go to")
    lines = [
        "# confsync.yaml, written by `confsync init`. Every report file in the team's reports",
        "# folder becomes one Confluence page. Secrets are never written here: only ${VARIABLE}",
        "# references, read from the environment (in CI: from its secrets).",
        "version: 1",
        "confluence:",
        f"  edition: {o.edition}",
    ]
    variables: tuple[str, ...] = ()
    if o.sandbox:
        lines.append(f"  sandbox: {SANDBOX_FILE}           # the embedded local Confluence")
    else:
        if not o.url:
            raise ConfsyncError("--url is needed (or --sandbox): where Confluence is")
        block, variables = _auth_block(o)
        lines += [f"  url: {_q(o.url)}", "  auth:", *block]
    lines += [
        "defaults:",
        "  retrospectives:",
        f"    parent: {_parent(o.retro_parent or '', '--retro-parent')}",
        f"    title: {_q(o.retro_title or '')}",
        "  health_checks:",
        f"    parent: {_parent(o.health_parent or '', '--health-parent')}",
        f"    title: {_q(o.health_title or '')}",
        "teams:",
        f"  - id: {_q(o.team_id)}",
        f"    name: {_q(o.team_name)}",
        f"    space: {_q(o.space)}",
        f"    reports: {_q(_reports_folder(o))}",
        "    on_drift: fail    # fail | skip | overwrite, for pages edited by hand",
        "    prune: false      # true: delete managed pages whose report file is gone",
    ]
    return "\n".join(lines) + "\n", variables


def _reports_folder(o: InitOptions) -> str:
    return f"reports/{o.team_id}"


def _examples(o: InitOptions) -> dict[str, str]:
    day = o.today.isoformat()
    retro = f"""\
# An example retrospective: edit it, or copy it for your next meeting. The file name (without
# .yaml) is the page's identity; the title may change freely.
kind: retrospective
title: Example retrospective
date: {day}
facilitator: Dana Kim
participants: [Dana Kim, Lee Wong]
columns:
  - name: Went well
    items:
      - {{text: Deploys are faster, votes: 3}}
  - name: To improve
    items:
      - {{text: Reviews wait too long, votes: 2}}
actions:
  - {{text: Agree on a review rota, owner: Lee Wong, status: open}}
"""
    health = f"""\
# An example health check: one dimension per topic, votes green / amber / red.
kind: health-check
title: Example health check
date: {day}
dimensions:
  - name: Easy to release
    votes: {{green: 3, amber: 1, red: 0}}
    comments: [Release train is smooth]
  - name: Fun
    votes: {{green: 2, amber: 2, red: 0}}
actions: []
"""
    folder = _reports_folder(o)
    return {
        f"{folder}/{day}-example-retrospective.yaml": retro,
        f"{folder}/{day}-example-health-check.yaml": health,
    }


def _next_steps(o: InitOptions, variables: Sequence[str]) -> tuple[str, ...]:
    steps = []
    if o.auth in ("oauth2", "app-link"):
        steps.append(
            "Set CONFLUENCE_CLIENT_SECRET, then sign in once with `confsync login`: the token "
            "store keeps you signed in. In CI, set CONFLUENCE_CLIENT_SECRET and "
            "CONFLUENCE_REFRESH_TOKEN (the seed) as secrets."
        )
    elif variables:
        steps.append(f"Set the environment variables {', '.join(variables)} (in CI: secrets).")
    steps += [
        "Check everything offline: confsync validate",
        "See what would be published: confsync plan",
    ]
    return tuple(steps)


def _check_free(directory: Path, relative: Sequence[str], force: bool) -> None:
    if force:
        return
    taken = [r for r in relative if (directory / r).exists() or (directory / r).is_symlink()]
    if taken:
        shown = ", ".join(str(directory / r) for r in taken)
        raise ConfsyncError(
            f"{shown} already {'exists' if len(taken) == 1 else 'exist'}; init never replaces "
            "a file: pass --force to overwrite"
        )


def _validated(files: dict[str, str], directory: Path) -> None:
    """Load the staged repo as ``validate`` does; ConfsyncError naming the real paths if not."""
    with tempfile.TemporaryDirectory(prefix="confsync-init-") as staging:
        root = Path(staging)
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        try:
            load_repo(root)
        except InputError as exc:
            lines = [str(_moved(p, root, directory)) for p in exc.problems]
            count = len(lines)
            raise ConfsyncError(
                "\n".join(
                    [
                        *lines,
                        f"{count} problem{'s' if count != 1 else ''} in what init "
                        "would write; nothing was written.",
                    ]
                )
            ) from exc


def _moved(problem: Problem, staging: Path, directory: Path) -> Problem:
    """``problem`` as if found in ``directory`` (it was found in the staging folder)."""
    found = Path(os.path.normpath(Path.cwd() / problem.file)).resolve()
    try:
        shown = str(directory / found.relative_to(staging.resolve()))
    except ValueError:
        shown = problem.file
    return Problem(shown, problem.line, problem.column, problem.path, problem.message)


def _gitignore(directory: Path) -> tuple[str, bool]:
    """The .gitignore text to write and whether it changes (appended to, never replaced)."""
    path = directory / ".gitignore"
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if any(
        line.strip() in (".confsync/", ".confsync", "/.confsync/") for line in current.splitlines()
    ):
        return current, False
    separator = "" if not current or current.endswith("\n") else "\n"
    note = "# confsync's local files (the embedded sandbox)\n"
    return f"{current}{separator}{note}.confsync/\n", True


def init_repo(directory: Path, options: InitOptions, *, ask: Ask | None = None) -> Initialised:
    """Write a new confsync repo into ``directory`` (created if missing)."""
    if directory.exists() and not directory.is_dir():
        raise ConfsyncError(f"{directory} is not a folder")
    o = _answers(directory, options, ask)
    config, variables = _config(o)
    files = {"confsync.yaml": config, **_examples(o)}
    ci = None if o.ci in (None, "none") else o.ci
    if ci is not None and ci not in PROVIDERS:
        raise ConfsyncError(f"--ci {ci!r}: give github or gitlab")
    targets = [*files, *([PROVIDERS[ci].target] if ci else [])]
    _check_free(directory, targets, o.force)
    _validated(files, directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()  # replaced (with --force), never followed
        path.write_text(text, encoding="utf-8")
        written.append(path)
    ignore, changed = _gitignore(directory)
    if changed:
        (directory / ".gitignore").write_text(ignore, encoding="utf-8")
        written.append(directory / ".gitignore")
    pipeline = None
    if ci is not None:
        pipeline = write_pipeline(ci, directory, repo_url=o.repo_url, force=o.force)
        written.append(pipeline.path)
    return Initialised(tuple(written), variables, _next_steps(o, variables), pipeline)
