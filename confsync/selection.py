"""Which pages a plan covers: ``--team``, ``--target`` and ``--changed-since``, in one place.

A ``Selection`` (``plan/model.py``) is applied to the desired pages after rendering, so every
check on the whole repo (validation, page size) still runs. The criteria intersect; a selected
report brings its parent page, which is created if it is missing.

``--changed-since REF`` selects the reports whose inputs differ between REF and the working
tree (``git diff REF``, so commits since REF and uncommitted edits alike, plus untracked files):

- the report file itself, or a file it attaches;
- ``confsync.yaml``: every page (the config shapes them all);
- a file in a team's ``templates`` folder: every page of that team;
- a health check of a team added, edited, removed or renamed: every health check of that team,
  as each page compares its votes with the one before.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import subprocess
from collections.abc import Sequence
from pathlib import Path

from confsync.errors import ConfsyncError
from confsync.loading import CONFIG_FILE, REPORT_SUFFIXES, Repo
from confsync.plan.model import Selection
from confsync.types import DesiredPage, PageAddress, ReportKind

__all__ = ["changed_files", "check_teams", "notice", "select"]


def check_teams(repo: Repo, selection: Selection) -> None:
    """Refuse a ``--team`` that confsync.yaml does not name (before anything is rendered)."""
    known = [t.id for t in repo.config.teams]
    unknown = [t for t in selection.teams if t not in known]
    if unknown:
        names = ", ".join(repr(t) for t in unknown)
        raise ConfsyncError(
            f"no team {names} in confsync.yaml; teams: {', '.join(known)}"
            if len(unknown) == 1
            else f"no teams {names} in confsync.yaml; teams: {', '.join(known)}"
        )


def _git(root: Path, ref: str, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError as exc:
        raise ConfsyncError(f"--changed-since {ref} needs git, which did not run: {exc}") from exc
    if done.returncode != 0:
        said = os.fsdecode(done.stderr).strip() or f"git {args[0]} exited {done.returncode}"
        raise ConfsyncError(f"--changed-since {ref}: git says: {said}")
    return done.stdout


def changed_files(root: Path, ref: str) -> tuple[str, frozenset[str]]:
    """(the commit ``ref`` names, the files below ``root`` that differ between it and the
    working tree, untracked ones included), paths relative to ``root``. ConfsyncError with
    git's own message when git does not know ``ref`` or ``root`` is not in a git repo."""
    if not ref or ref.startswith("-"):
        raise ConfsyncError(f"--changed-since {ref!r}: not a git revision")
    _git(root, ref, "rev-parse", "--git-dir")  # outside a repo, git diff would compare folders
    # The diff before rev-parse: its message names an unknown revision ("bad revision 'x'").
    diff = _git(root, ref, "diff", "--name-only", "-z", "--no-renames", "--relative", ref, "--")
    commit = _git(root, ref, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
    untracked = _git(root, ref, "ls-files", "-z", "--others", "--exclude-standard")
    names = b"\0".join((diff, untracked)).split(b"\0")
    return commit, frozenset(os.fsdecode(n) for n in names if n)


def _folder(path: str) -> str:
    return posixpath.normpath(path.replace(os.sep, "/"))


def _below(path: str, folder: str) -> bool:
    return folder in (".", "") or path == folder or path.startswith(folder + "/")


def _changed_pages(
    repo: Repo, desired: Sequence[DesiredPage], changed: frozenset[str]
) -> set[PageAddress]:
    """The pages whose inputs are among ``changed``, by the rules in the module docstring."""
    if CONFIG_FILE in changed:
        return {d.address for d in desired}
    real_root = os.path.realpath(repo.root)
    files: dict[PageAddress, set[str]] = {}
    for loaded in repo.reports:
        real = os.path.realpath(loaded.path)
        names = {loaded.source, Path(os.path.relpath(real, real_root)).as_posix()}
        files[loaded.address] = names
    known = set().union(*files.values()) if files else set()
    whole_teams: set[str] = set()
    health_teams: set[str] = set()
    for team in repo.config.teams:
        if team.templates and any(_below(p, _folder(team.templates)) for p in changed):
            whole_teams.add(team.id)
        folder = _folder(team.reports)
        gone = [p for p in changed if _below(p, folder) and p.endswith(REPORT_SUFFIXES)]
        if any(p not in known for p in gone):
            health_teams.add(team.id)  # a report removed or renamed: maybe a health check
    for loaded in repo.reports:
        if loaded.kind is ReportKind.HEALTH_CHECK and files[loaded.address] & changed:
            health_teams.add(loaded.team.id)
    found: set[PageAddress] = set()
    for page in desired:
        address = page.address
        if (
            address.team in whole_teams
            or files.get(address, set()) & changed
            or any(a.path in changed for a in page.attachments if a.path is not None)
            or (
                address.kind is ReportKind.HEALTH_CHECK
                and not address.is_parent
                and address.team in health_teams
            )
        ):
            found.add(address)
    return found


def _check_targets(desired: Sequence[DesiredPage], targets: Sequence[str]) -> None:
    addresses = [str(d.address) for d in desired]
    unknown = [t for t in targets if t not in set(addresses)]
    if not unknown:
        return
    lines = []
    for target in unknown:
        name = target.rsplit("/", 1)[-1]
        containing = [a for a in addresses if name and name in a.rsplit("/", 1)[-1]]
        similar = difflib.get_close_matches(target, addresses, n=3, cutoff=0.5)
        close = list(dict.fromkeys([*containing, *similar]))[:3]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        lines.append(f"no page at {target!r}{hint}")
    raise ConfsyncError(
        "; ".join(lines) + ". A --target is a page address, <team>/<kind>/<report file name "
        "without .yaml> (or .../parent), as plan --format json shows it"
    )


def select(
    repo: Repo,
    desired: Sequence[DesiredPage],
    selection: Selection,
    changed: frozenset[str] | None = None,
) -> list[DesiredPage]:
    """The desired pages ``selection`` covers, with the parent pages they hang under, in the
    order of ``desired`` (parents first). ``changed``: what ``changed_files`` found, with
    ``--changed-since``. Raises ConfsyncError for a target that names no page."""
    _check_targets(desired, selection.targets)
    recent = _changed_pages(repo, desired, changed) if changed is not None else None

    def chosen(page: DesiredPage) -> bool:
        return (
            (not selection.teams or page.address.team in selection.teams)
            and (not selection.targets or str(page.address) in selection.targets)
            and (recent is None or page.address in recent)
        )

    picked = {d.address for d in desired if chosen(d)}
    parents = {d.parent.address for d in desired if d.address in picked and d.parent.address}
    return [d for d in desired if d.address in picked or d.address in parents]


def notice(selection: Selection, chosen: Sequence[DesiredPage], total: int) -> str | None:
    """The line saying what a partial plan covers, and that prune is off (None otherwise)."""
    if not selection.partial:
        return None
    criteria = []
    if selection.teams:
        noun = "team" if len(selection.teams) == 1 else "teams"
        criteria.append(f"{noun} {', '.join(selection.teams)}")
    if selection.targets:
        criteria.append("named by --target")
    if selection.changed_since is not None:
        criteria.append(f"changed since {selection.changed_since}")
    count = sum(1 for d in chosen if not d.address.is_parent)
    return (
        f"Planning {count} of {total} report{'' if total == 1 else 's'} "
        f"({', '.join(criteria)}); prune is off in this mode."
    )
