"""``confsync init --ci``: write a CI pipeline for a reports repo from a packaged template.

A template is the pipeline as shipped (``github.yml``, ``gitlab-ci.yml`` beside this module),
with placeholders replaced as plain text: the templates hold CI expressions such as
``${{ github.token }}`` that a template engine would take for its own.

- ``@CONFSYNC_PACKAGE@``: what CI installs, ``confsync @ git+URL@vVERSION``;
- ``@CONFSYNC_VERSION@``: the version that wrote the file;
- each line ``# @CONFSYNC_SECRETS@``: the secrets the jobs need, in the provider's form, at
  that line's indent: the ``${VARIABLES}`` that ``confsync.yaml`` refers to, or a commented
  example when there is no ``confsync.yaml``.

CI installs confsync by git URL and tag (it is not on a package index). The URL is
``--repo-url``, else where this confsync was installed from (pip's ``direct_url.json``: a git
URL, or the source folder's ``origin`` remote), else a placeholder that fails the install
until someone edits it. The origin of the reports repo itself is not used: that is where the
reports live, not confsync.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from confsync import __version__
from confsync.errors import ConfsyncError, Problem
from confsync.yamlio import read_yaml

__all__ = [
    "EXAMPLE_VARIABLES",
    "PLACEHOLDER_URL",
    "PROVIDERS",
    "Provider",
    "Written",
    "ci_repo_url",
    "config_variables",
    "confsync_repo_url",
    "package_requirement",
    "render",
    "repo_url_from",
    "write_pipeline",
]

PLACEHOLDER_URL = "https://example.invalid/CHANGE-ME/confsync"
"""Where CI installs confsync from when nothing says: the install fails until it is edited."""

EXAMPLE_VARIABLES = (
    "CONFLUENCE_EMAIL",
    "CONFLUENCE_API_TOKEN",
    "CONFLUENCE_PAT",
    "CONFLUENCE_CLIENT_SECRET",
    "CONFLUENCE_REFRESH_TOKEN",
)
"""The names the README and the samples use: the example when no confsync.yaml says."""

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRETS_LINE = re.compile(r"^([ \t]*)# @CONFSYNC_SECRETS@[ \t]*$", re.MULTILINE)
# The URL sits inside a double-quoted shell word in the pipeline: nothing a shell or YAML
# would read differently.
_SAFE_URL = re.compile(r"[A-Za-z0-9._~:/@%+=-]+")
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!//)([^:]+)$")
_SCHEMES = {"https", "http", "ssh", "git"}


def _github_secrets(names: tuple[str, ...]) -> list[str]:
    if names:
        return ["env:", *(f"  {name}: ${{{{ secrets.{name} }}}}" for name in names)]
    return [
        "# env:  # the ${VARIABLES} your confsync.yaml refers to, from the repository's secrets:",
        *(f"#   {name}: ${{{{ secrets.{name} }}}}" for name in EXAMPLE_VARIABLES),
    ]


def _gitlab_secrets(names: tuple[str, ...]) -> list[str]:
    if names:
        return [f"#   {name}" for name in names]
    return [
        "#   the ${VARIABLES} your confsync.yaml refers to, such as",
        *(f"#   {name}" for name in EXAMPLE_VARIABLES),
    ]


@dataclass(frozen=True)
class Provider:
    """One CI service: its template, where the pipeline goes, how its jobs get secrets.

    ``own_secrets`` are what the pipeline needs besides the ones ``confsync.yaml`` names.
    """

    name: str
    label: str
    template: str
    target: str
    secrets_where: str
    secrets_block: Callable[[tuple[str, ...]], list[str]]
    own_secrets: tuple[str, ...] = ()


PROVIDERS: dict[str, Provider] = {
    "github": Provider(
        name="github",
        label="GitHub Actions",
        template="github.yml",
        target=".github/workflows/confsync.yml",
        secrets_where="repository secrets (Settings > Secrets and variables > Actions)",
        secrets_block=_github_secrets,
    ),
    "gitlab": Provider(
        name="gitlab",
        label="GitLab CI",
        template="gitlab-ci.yml",
        target=".gitlab-ci.yml",
        secrets_where="CI/CD variables (Settings > CI/CD > Variables, masked)",
        secrets_block=_gitlab_secrets,
        own_secrets=("CONFSYNC_GITLAB_TOKEN",),
    ),
}


@dataclass(frozen=True)
class Written:
    """What ``write_pipeline`` wrote, for the summary ``init`` prints.

    ``variables`` are the ``${VARIABLES}`` of ``confsync.yaml`` (empty when it names none or
    there is none: ``config_found`` tells which); ``repo_url`` is None when the placeholder
    was written.
    """

    path: Path
    provider: Provider
    variables: tuple[str, ...]
    config_found: bool
    repo_url: str | None

    def summary(self) -> list[str]:
        provider = self.provider
        lines = [f"Wrote {self.path} ({provider.label})."]
        names = list(self.variables) or ["the ${VARIABLES} your confsync.yaml refers to"]
        lines.append(
            f"Set as {provider.secrets_where}: {', '.join([*names, *provider.own_secrets])}."
        )
        if not self.config_found:
            lines.append(
                "No confsync.yaml here: the secrets in the file are an example; run init "
                "again with --force once confsync.yaml says how to sign in."
            )
        elif not self.variables:
            lines.append(
                "confsync.yaml refers to no ${VARIABLES} (the embedded sandbox?): give it url: "
                "and auth: before CI can publish, then run init again with --force."
            )
        if self.repo_url is None:
            lines.append(
                "Nothing says where CI can install confsync from: edit the pip install line "
                f"in {self.path}, or run init again with --repo-url URL --force."
            )
        else:
            lines.append(f"CI installs {package_requirement(self.repo_url)}.")
        return lines


def config_variables(directory: Path) -> tuple[tuple[str, ...], bool]:
    """The ``${VARIABLES}`` that ``directory/confsync.yaml`` refers to, and whether it exists.

    Only the YAML is read, not validated: a pipeline can be set up before the config is done.
    """
    path = directory / "confsync.yaml"
    if not path.is_file():
        return (), False
    document = read_yaml(path, str(path))
    if isinstance(document, Problem):
        raise ConfsyncError(f"{document}; fix confsync.yaml, then run init again")
    names: dict[str, None] = {}
    for text in _strings(document.data.get("confluence")):
        names.update(dict.fromkeys(_REFERENCE.findall(text)))
    return tuple(names), True


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def ci_repo_url(url: str) -> str:
    """``url`` as pip in CI takes it after ``git+``; ConfsyncError when it cannot be one.

    ``git@host:path`` becomes ``https://host/path`` (a CI job has no SSH key); a ``git+``
    prefix is dropped. Credentials in the URL are refused: the pipeline file is committed.
    """
    given = url.strip()
    url = given.removeprefix("git+")
    scp = _SCP_LIKE.match(url)
    if scp:
        url = f"https://{scp.group(1)}/{scp.group(2)}"
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ConfsyncError(
            f"--repo-url {given!r} is not a git URL CI can install from; give the https:// "
            "address of the repo that hosts confsync"
        )
    if parts.password is not None or (parts.username and parts.scheme != "ssh"):
        raise ConfsyncError(
            "--repo-url holds credentials: the pipeline file is committed; give the URL "
            "without them (a private repo needs CI credentials of its own)"
        )
    if not _SAFE_URL.fullmatch(url) or parts.query or parts.fragment:
        raise ConfsyncError(
            f"--repo-url {given!r} has characters a pipeline cannot quote safely "
            "(spaces, quotes, $, ?, #...)"
        )
    return url


def repo_url_from(direct_url: Mapping[str, Any] | None) -> str | None:
    """The repo URL CI can install from, given pip's ``direct_url.json`` (PEP 610), or None."""
    if not direct_url or not isinstance(direct_url.get("url"), str):
        return None
    url = str(direct_url["url"])
    if isinstance(direct_url.get("vcs_info"), Mapping):  # pip install git+URL
        return _public(url)
    if url.startswith("file://") and "dir_info" in direct_url:  # pip install [-e] FOLDER
        return _origin_of(Path(unquote(urlsplit(url).path)))
    return None


def confsync_repo_url() -> str | None:
    """Where this confsync was installed from, as a URL CI can install from, or None."""
    try:
        text = metadata.distribution("confsync").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        found = json.loads(text) if text else None
    except ValueError:
        return None
    return repo_url_from(found if isinstance(found, Mapping) else None)


def _origin_of(folder: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _public(done.stdout.strip()) if done.returncode == 0 else None


def _public(url: str) -> str | None:
    # A checkout's remote may carry a token (CI clones do): keep only the address.
    parts = urlsplit(url)
    if parts.scheme in {"https", "http"} and "@" in parts.netloc:
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    try:
        return ci_repo_url(url)
    except ConfsyncError:
        return None


def package_requirement(url: str) -> str:
    """The pip requirement for this confsync's release: ``confsync @ git+URL@vVERSION``."""
    return f"confsync @ git+{url}@v{__version__}"


def render(provider: Provider, *, requirement: str, variables: tuple[str, ...]) -> str:
    """The provider's template with its placeholders replaced."""
    template = resources.files("confsync.ci").joinpath(provider.template)
    text = template.read_text(encoding="utf-8")

    def secrets(match: re.Match[str]) -> str:
        return "\n".join(match.group(1) + line for line in provider.secrets_block(variables))

    text = _SECRETS_LINE.sub(secrets, text)
    text = text.replace("@CONFSYNC_PACKAGE@", requirement)
    return text.replace("@CONFSYNC_VERSION@", __version__)


def write_pipeline(
    provider_name: str, directory: Path, *, repo_url: str | None = None, force: bool = False
) -> Written:
    """Write the provider's pipeline into the repo at ``directory``.

    An existing file is kept (ConfsyncError) unless ``force``; a symbolic link in its place
    is replaced, never followed.
    """
    provider = PROVIDERS.get(provider_name)
    if provider is None:
        raise ConfsyncError(f"no CI template for {provider_name!r}; use one of {list(PROVIDERS)}")
    if not directory.is_dir():
        raise ConfsyncError(f"{directory} is not a folder; give the repo that holds confsync.yaml")
    path = directory / provider.target
    if not force and (path.exists() or path.is_symlink()):
        raise ConfsyncError(f"{path} already exists; pass --force to overwrite it")
    variables, config_found = config_variables(directory)
    url = ci_repo_url(repo_url) if repo_url is not None else confsync_repo_url()
    text = render(
        provider,
        requirement=package_requirement(url or PLACEHOLDER_URL),
        variables=variables,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    try:
        with path.open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError as exc:
        raise ConfsyncError(f"{path} already exists; pass --force to overwrite it") from exc
    return Written(path, provider, variables, config_found, url)
