"""Run a shipped CI pipeline's jobs here, step by step, as the CI service would.

The pipeline file is read as YAML; the job an event selects is found by evaluating its
conditions (only the forms the templates use: equality tests joined by ``&&`` and ``||``,
anything else fails the test); each shell step runs in order with bash, in the repo, with
the variables the CI service would set and the secrets mapped the way the file maps them.

What cannot run here is substituted, by name, and checked instead:

- ``actions/checkout``: the repo the test made is the checkout;
- ``actions/setup-python`` and the install step (apt-get, ``pip install confsync @ git+...``):
  confsync is installed in the test's venv, whose ``bin`` is first on PATH; the install
  lines are checked to name Pango and this version's tag;
- ``actions/upload-artifact`` and GitLab ``artifacts:``: the files they name must exist.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.ci import GITHUB_REPO, GITLAB_IID, GITLAB_PROJECT, PR_NUMBER, CommentApi

__all__ = ["GitHubPipeline", "GitLabPipeline", "JobRun", "StepRun", "load_yaml"]


def load_yaml(path: Path) -> Any:
    # YAML 1.2, as both services read it: `on:` stays the string "on".
    return YAML(typ="safe", pure=True).load(path.read_text())


@dataclass
class StepRun:
    name: str
    code: int
    out: str
    err: str


@dataclass
class JobRun:
    job: str
    steps: list[StepRun] = field(default_factory=list)
    substituted: list[str] = field(default_factory=list)

    @property
    def code(self) -> int:
        return next((step.code for step in self.steps if step.code), 0)

    @property
    def output(self) -> str:
        return "\n".join(f"--- {s.name} ({s.code})\n{s.out}{s.err}" for s in self.steps)


def _bash(script: str, repo: Path, env: dict[str, str], name: str) -> StepRun:
    # What `shell: bash` runs on GitHub, and GitLab's runner sets for a bash script.
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return StepRun(name, done.returncode, done.stdout, done.stderr)


def _base_env(home: Path) -> dict[str, str]:
    # A clean environment: the job sees only what the CI service and the file give it.
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }


def _head(repo: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True)
    return done.stdout.strip()


def _check_install(lines: str, package: str) -> None:
    assert "libpango-1.0-0" in lines, lines
    assert "libpangoft2-1.0-0" in lines, lines
    assert f'pip install --quiet "{package}"' in lines, lines


_GITHUB_TEST = re.compile(r"github\.event_name == '([a-z_]+)'")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class GitHubPipeline:
    """``.github/workflows/confsync.yml`` of ``repo``; ``run(event)`` runs the job it selects."""

    substitutes = ("actions/checkout", "actions/setup-python", "actions/upload-artifact")

    def __init__(
        self, repo: Path, api: CommentApi, secrets: dict[str, str], home: Path, package: str
    ) -> None:
        self.repo, self.api, self.secrets, self.home = repo, api, secrets, home
        self.package = package
        self.workflow = load_yaml(repo / ".github" / "workflows" / "confsync.yml")
        assert self.workflow["defaults"]["run"]["shell"] == "bash"
        self.runs = 0

    def jobs_for(self, event: str) -> list[str]:
        assert event in self.workflow["on"], f"the workflow does not run on {event}"
        return [name for name, job in self.workflow["jobs"].items() if self._if(job, event)]

    @staticmethod
    def _if(job: dict[str, Any], event: str) -> bool:
        condition = job.get("if", "true")
        terms = [term.strip() for term in condition.split("||")]
        found = [_GITHUB_TEST.fullmatch(term) for term in terms]
        assert all(found), f"the test cannot evaluate `if: {condition}`"
        return any(match.group(1) == event for match in found if match)

    def _expand(self, value: object) -> str:
        known = {"github.token": self.api.token}
        known.update({f"secrets.{name}": secret for name, secret in self.secrets.items()})

        def one(match: re.Match[str]) -> str:
            if match.group(1) not in known:
                pytest.fail(f"the test does not know ${{{{ {match.group(1)} }}}}")
            return known[match.group(1)]

        return _EXPRESSION.sub(one, str(value))

    def _event(self, event: str) -> dict[str, str]:
        self.runs += 1
        payload: dict[str, Any] = {
            "pull_request": {"number": PR_NUMBER, "pull_request": {"number": PR_NUMBER}},
            "push": {"ref": "refs/heads/main"},
        }.get(event, {})
        path = self.home / f"event-{self.runs}.json"
        path.write_text(json.dumps(payload))
        ref = f"refs/pull/{PR_NUMBER}/merge" if event == "pull_request" else "refs/heads/main"
        return {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": GITHUB_REPO,
            "GITHUB_API_URL": self.api.api_url,
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": str(1000 + self.runs),
            "GITHUB_REF": ref,
            "GITHUB_SHA": _head(self.repo),
            "GITHUB_WORKSPACE": str(self.repo),
        }

    def run(self, event: str) -> JobRun:
        (name,) = self.jobs_for(event)
        job = self.workflow["jobs"][name]
        env = {**_base_env(self.home), **self._event(event)}
        env.update({k: self._expand(v) for k, v in (job.get("env") or {}).items()})
        result = JobRun(name)
        for step in job["steps"]:
            condition = step.get("if")
            assert condition in (None, "always()"), f"the test cannot evaluate `if: {condition}`"
            if result.code and condition is None:
                continue  # a failed step skips the rest, but for if: always()
            label = step.get("name") or step.get("uses") or step["run"]
            if "uses" in step:
                action = step["uses"].partition("@")[0]
                assert action in self.substitutes, f"no stand-in for {step['uses']}"
                if action == "actions/upload-artifact":
                    for path in step["with"]["path"].split():
                        assert (self.repo / path).is_file(), f"no {path} to upload"
                result.substituted.append(label)
                continue
            if step.get("name") == "Install confsync":
                _check_install(step["run"], self.package)
                result.substituted.append(label)
                continue
            # Expressions in a script are injection risks; the templates use env: instead.
            assert "${{" not in step["run"], step["run"]
            step_env = {k: self._expand(v) for k, v in (step.get("env") or {}).items()}
            result.steps.append(_bash(step["run"], self.repo, {**env, **step_env}, label))
        return result


_GITLAB_TEST = re.compile(r'\$(\w+) == (?:"([^"]*)"|\$(\w+))')
_GITLAB_KEYWORDS = {"workflow", "stages", "default", "variables", "include"}


class GitLabPipeline:
    """``.gitlab-ci.yml`` of ``repo``; ``run(source)`` runs the job a pipeline source selects."""

    def __init__(
        self, repo: Path, api: CommentApi, secrets: dict[str, str], home: Path, package: str
    ) -> None:
        self.repo, self.api, self.secrets, self.home = repo, api, secrets, home
        self.package = package
        self.config = load_yaml(repo / ".gitlab-ci.yml")
        self.runs = 0

    @staticmethod
    def _true(condition: str, variables: dict[str, str]) -> bool:
        def term(text: str) -> bool:
            match = _GITLAB_TEST.fullmatch(text.strip())
            assert match, f"the test cannot evaluate `if: {condition}`"
            left = variables.get(match.group(1))
            right = match.group(2) if match.group(3) is None else variables.get(match.group(3))
            return left is not None and left == right

        return any(all(term(t) for t in part.split("&&")) for part in condition.split("||"))

    def _selected(self, rules: list[dict[str, str]], variables: dict[str, str]) -> bool:
        return any(self._true(rule["if"], variables) for rule in rules)

    def _variables(self, source: str, branch: str) -> dict[str, str]:
        variables = {"CI_PIPELINE_SOURCE": source, "CI_DEFAULT_BRANCH": "main"}
        if source == "merge_request_event":
            variables["CI_MERGE_REQUEST_IID"] = str(GITLAB_IID)
        else:
            variables["CI_COMMIT_BRANCH"] = branch
        return variables

    def job(self, name: str) -> dict[str, Any]:
        job = dict(self.config[name])
        parent = job.pop("extends", None)
        return {**self.config[parent], **job} if parent else job

    def jobs_for(self, source: str, branch: str = "main") -> list[str]:
        variables = self._variables(source, branch)
        if not self._selected(self.config["workflow"]["rules"], variables):
            return []
        names = [n for n in self.config if n not in _GITLAB_KEYWORDS and not n.startswith(".")]
        return [n for n in names if self._selected(self.job(n)["rules"], variables)]

    def run(self, source: str) -> JobRun:
        (name,) = self.jobs_for(source)
        job = self.job(name)
        self.runs += 1
        env = {
            **_base_env(self.home),
            **self._variables(source, "main"),
            "CI": "true",
            "GITLAB_CI": "true",
            "CI_API_V4_URL": self.api.api_url,
            "CI_PROJECT_ID": GITLAB_PROJECT,
            "CI_JOB_URL": f"https://gitlab.example/acme/reports/-/jobs/{self.runs}",
            "CI_COMMIT_SHA": _head(self.repo),
            # CI/CD variables reach every job's environment under their own names.
            **self.secrets,
            "CONFSYNC_GITLAB_TOKEN": self.api.token,
            **{k: str(v) for k, v in (job.get("variables") or {}).items()},
        }
        result = JobRun(name)
        _check_install("\n".join(job["before_script"]), self.package)
        result.substituted.append("before_script (install)")
        result.steps.append(_bash("\n".join(job["script"]), self.repo, env, "script"))
        artifacts = job.get("artifacts")
        if artifacts and (result.code == 0 or artifacts.get("when") == "always"):
            for path in artifacts["paths"]:
                assert (self.repo / path).is_file(), f"no {path} for artifacts:"
            result.substituted.append("artifacts")
        return result
