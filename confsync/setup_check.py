"""``confsync check``: before a first apply, what a team admin wants to know, writing nothing.

Per team: the space is visible; each configured parent exists (``existing:``) or can be
created (``create:``, found or not); the credentials may create, update, upload and delete
there (``Confluence.permissions``: the OAuth scopes, the space's reported operations, or
"cannot tell without a test publish"). The first thing missing is the command's error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from confsync.config import Config, CreateParent, ExistingParent, Team
from confsync.confluence.api import Confluence
from confsync.errors import NotFoundError, PermissionDeniedError
from confsync.types import CurrentUser, Operation, Permission, ReportKind, Space

__all__ = [
    "CHECK_FORMAT",
    "CheckReport",
    "ParentStatus",
    "TeamStatus",
    "find_parent",
    "run_check",
]

CHECK_FORMAT = "1.1"
"""Version of ``check --format json``; a reader refuses another major version (1.1: with
several sites, a report per site under ``sites``)."""

_KIND_NAMES = {ReportKind.RETROSPECTIVE: "retrospectives", ReportKind.HEALTH_CHECK: "health_checks"}


@dataclass(frozen=True)
class ParentStatus:
    """Where one kind of a team's pages hangs, and whether it is ready."""

    kind: ReportKind
    mode: Literal["none", "create", "existing"]
    wanted: str | None
    page_id: str | None
    problem: str | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "mode": self.mode,
            "wanted": self.wanted,
            "page_id": self.page_id,
            "ok": self.problem is None,
            "detail": self.problem or self.detail,
        }


@dataclass(frozen=True)
class TeamStatus:
    team: str
    space_key: str
    space: Space | None = None
    space_link: str | None = None
    parents: tuple[ParentStatus, ...] = ()
    permissions: tuple[Permission, ...] = ()
    problems: tuple[str, ...] = field(default=())
    """What stops publishing, in the order found: the space, the parents, the permissions."""

    def to_json(self) -> dict[str, Any]:
        space = None
        if self.space is not None:
            space = {
                "id": self.space.id,
                "key": self.space.key,
                "name": self.space.name,
                "link": self.space_link,
            }
        return {
            "team": self.team,
            "space_key": self.space_key,
            "space": space,
            "parents": [p.to_json() for p in self.parents],
            "permissions": [
                {
                    "operation": p.operation.value,
                    "granted": p.granted,
                    "source": p.source,
                    "remedy": p.remedy or None,
                }
                for p in self.permissions
            ],
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class CheckReport:
    user: CurrentUser
    teams: tuple[TeamStatus, ...]

    @property
    def first_problem(self) -> str | None:
        for team in self.teams:
            if team.problems:
                return f"team {team.team}: {team.problems[0]}"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": CHECK_FORMAT,
            "user": {
                "display_name": self.user.display_name,
                "account_id": self.user.account_id,
                "username": self.user.username,
                "email": self.user.email,
            },
            "teams": [t.to_json() for t in self.teams],
            "ok": self.first_problem is None,
            "first_problem": self.first_problem,
        }


async def find_parent(
    confluence: Confluence, space: Space, setting: CreateParent | ExistingParent
) -> str | None:
    """The id of the configured parent page in the space, None when there is none."""
    if isinstance(setting, ExistingParent) and setting.existing.isdigit():
        found = await confluence.pages_by_id([setting.existing])
        return next((p.id for p in found if p.space_id == space.id), None)
    title = setting.create if isinstance(setting, CreateParent) else setting.existing
    pages = await confluence.pages_by_title(space, title)
    return pages[0].id if pages else None


async def _parent(
    confluence: Confluence, config: Config, team: Team, space: Space, kind: ReportKind
) -> ParentStatus:
    setting = config.kind_settings(team, kind.value).parent
    if not isinstance(setting, CreateParent | ExistingParent):
        return ParentStatus(kind, "none", None, None, None, "pages go at the space root")
    found = await find_parent(confluence, space, setting)
    if isinstance(setting, CreateParent):
        detail = (
            f"{setting.create!r} exists (page {found})"
            if found
            else f"{setting.create!r} will be created at the space root"
        )
        return ParentStatus(kind, "create", setting.create, found, None, detail)
    wanted = setting.existing
    if found is None:
        problem = (
            f"the parent page {wanted!r} ({_KIND_NAMES[kind]}.parent.existing) is not in "
            f"space {space.key}: find it with `confsync pages search TEXT --space {space.key}`"
        )
        return ParentStatus(kind, "existing", wanted, None, problem, "")
    return ParentStatus(kind, "existing", wanted, found, None, f"{wanted!r} is page {found}")


def _permission_problems(team: Team, permissions: Sequence[Permission]) -> list[str]:
    problems = []
    for permission in permissions:
        if permission.granted is not False:
            continue
        # Only prune deletes during an apply; test-publish's clean-up asks on its own.
        if permission.operation is Operation.DELETE and not team.prune:
            continue
        problems.append(f"no permission to {permission.operation.value}: {permission.remedy}")
    return problems


async def _team(
    confluence: Confluence, config: Config, team: Team, cache: dict[str, tuple[Permission, ...]]
) -> TeamStatus:
    try:
        space = await confluence.space(team.space)
    except (NotFoundError, PermissionDeniedError) as exc:
        return TeamStatus(team.id, team.space, problems=(str(exc),))
    kinds = (ReportKind.RETROSPECTIVE, ReportKind.HEALTH_CHECK)
    parents = tuple([await _parent(confluence, config, team, space, kind) for kind in kinds])
    if space.key not in cache:
        cache[space.key] = await confluence.permissions(space)
    permissions = cache[space.key]
    problems = [p.problem for p in parents if p.problem]
    problems += _permission_problems(team, permissions)
    return TeamStatus(
        team.id,
        team.space,
        space,
        confluence.space_url(space),
        parents,
        permissions,
        tuple(problems),
    )


async def run_check(
    config: Config, confluence: Confluence, teams: Sequence[str] = ()
) -> CheckReport:
    """Check every team (or those named); raises the client's error when sign-in fails."""
    user = await confluence.current_user()
    cache: dict[str, tuple[Permission, ...]] = {}
    chosen = [t for t in config.teams if not teams or t.id in teams]
    found = [await _team(confluence, config, team, cache) for team in chosen]
    return CheckReport(user, tuple(found))
