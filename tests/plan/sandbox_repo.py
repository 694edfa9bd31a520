"""A small report repo written into a temp folder, and a sandbox Confluence to publish it to.

Shared by the plan golden tests and the end-to-end tests. The repo is the real thing (a
``confsync.yaml`` and report files, loaded by ``workflow.prepare``); the sandbox is the real
in-process Confluence over the repo's ``.confsync/sandbox.sqlite``, the same file the CLI opens,
so CLI runs and in-process runs see one Confluence.

Hand edits are made the way a person would make them: through the Confluence API, with the
version message a person leaves (never ``confsync <digest>``).
"""

from __future__ import annotations

import copy
import json
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from confsync.confluence.api import Confluence
from confsync.plan.model import Plan
from confsync.sandbox import Sandbox, create_app
from confsync.types import Page
from confsync.workflow import Workspace, open_backend, prepare, run_apply, run_plan
from tests.support.openapi import ContractChecker, ValidatingTransport, specs_dir

__all__ = [
    "HAND_MESSAGE",
    "RepoSpec",
    "SandboxSite",
    "png_bytes",
]

HAND_MESSAGE = "fixed a typo"
"""The version message of an edit made by hand in Confluence."""

SANDBOX_FILE = ".confsync/sandbox.sqlite"


def png_bytes(shade: int = 0) -> bytes:
    """A valid 1x1 grey PNG (the attachment of one report); another shade, another file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes([0, shade])))
        + chunk(b"IEND", b"")
    )


def _retro(title: str, date: str, items: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "retrospective",
        "title": title,
        "date": date,
        "facilitator": "Dana Kim",
        "participants": ["Dana Kim", "Lee Wong"],
        "columns": [
            {"name": "Went well", "items": [{"text": t, "votes": v} for t, v in items]},
            {"name": "To improve", "items": [{"text": "Flaky end-to-end tests", "votes": 3}]},
        ],
        "actions": [
            {"text": "Quarantine flaky tests", "owner": "Lee Wong", "due": "2026-12-04"},
        ],
        **extra,
    }


def _health(title: str, date: str, green: int, amber: int, red: int) -> dict[str, Any]:
    return {
        "kind": "health-check",
        "title": title,
        "date": date,
        "dimensions": [
            {
                "name": "Easy to release",
                "votes": {"green": green, "amber": amber, "red": red},
                "comments": ["Release train is smooth"],
            },
            {"name": "Fun", "votes": {"green": 5, "amber": 0, "red": 0}},
        ],
    }


def default_reports() -> dict[str, dict[str, dict[str, Any]]]:
    """team id → report file stem → report (as YAML data)."""
    return {
        "platform": {
            "2026-11-04-sprint-21": _retro(
                "Sprint 21", "2026-11-04", [("Pairing on incidents", 2), ("New CI cache", 6)]
            ),
            "2026-11-18-sprint-22": _retro(
                "Sprint 22",
                "2026-11-18",
                [("Deploys are faster", 5), ("Fewer pages at night", 8)],
                attachments=["burndown.png"],
            ),
            "2026-10-01-q3-health": _health("Q3 Health", "2026-10-01", 2, 3, 2),
            "2026-11-18-q4-health": _health("Q4 Health", "2026-11-18", 4, 2, 1),
        },
        "mobile": {
            "2026-11-19-sprint-9": _retro("Sprint 9", "2026-11-19", [("App store review", 4)]),
        },
    }


TEAM_SPACES = {"platform": "PLAT", "mobile": "MOB"}
TEAM_NAMES = {"platform": "Platform Team", "mobile": "Mobile Team"}


@dataclass
class RepoSpec:
    """The repo as data: change it, then ``write`` it again."""

    root: Path
    edition: str = "cloud"
    reports: dict[str, dict[str, dict[str, Any]]] = field(default_factory=default_reports)
    team_settings: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"platform": {}, "mobile": {}}
    )
    team_names: dict[str, str] = field(default_factory=lambda: dict(TEAM_NAMES))

    def config(self) -> dict[str, Any]:
        teams = []
        for team_id in self.team_settings:
            team: dict[str, Any] = {
                "id": team_id,
                "name": self.team_names[team_id],
                "space": TEAM_SPACES[team_id],
                "reports": f"reports/{team_id}",
                # PDFs and retrospective charts are covered by their own tests; here they would
                # only cost time.
                "retrospectives": {"pdf": False, "chart": False},
                "health_checks": {"pdf": False},
            }
            for key, value in self.team_settings[team_id].items():
                if isinstance(value, dict) and isinstance(team.get(key), dict):
                    team[key] = {**team[key], **value}
                else:
                    team[key] = value
            teams.append(team)
        return {
            "version": 1,
            "confluence": {"edition": self.edition, "sandbox": SANDBOX_FILE},
            "teams": teams,
        }

    def write(self) -> None:
        # JSON is YAML: the loader reads it like any hand-written file.
        (self.root / "confsync.yaml").write_text(json.dumps(self.config(), indent=2) + "\n")
        for team_id in self.team_settings:
            folder = self.root / "reports" / team_id
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.yaml"):
                old.unlink()
            for stem, report in self.reports.get(team_id, {}).items():
                (folder / f"{stem}.yaml").write_text(json.dumps(report, indent=2) + "\n")
                for name in report.get("attachments", []):
                    (folder / name).write_bytes(png_bytes())

    def report(self, team: str, stem: str) -> dict[str, Any]:
        return self.reports[team][stem]

    def copy(self) -> RepoSpec:
        return copy.deepcopy(self)


def spaces_of(spec: RepoSpec) -> list[str]:
    return sorted(TEAM_SPACES[t] for t in spec.team_settings)


@dataclass
class SandboxSite:
    """The in-process sandbox over the repo's SQLite file (the one the CLI opens), every
    request checked against Atlassian's OpenAPI files when they are available."""

    spec: RepoSpec
    checker: ContractChecker | None = None
    in_memory: bool = False
    """True: a database of its own in memory (faster), for tests that never run the CLI."""
    app: Starlette = field(init=False)

    def __post_init__(self) -> None:
        db = self.spec.root / SANDBOX_FILE
        db.parent.mkdir(parents=True, exist_ok=True)
        self.app = create_app(
            ":memory:" if self.in_memory else str(db),
            edition=self.spec.edition,
            spaces=tuple(spaces_of(self.spec)),
        )
        if self.checker is None and specs_dir() is not None:
            self.checker = ContractChecker()

    @property
    def sandbox(self) -> Sandbox:
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox

    def transport(self) -> httpx.AsyncBaseTransport:
        inner = httpx.ASGITransport(app=self.app)
        if self.checker is None:
            return inner
        return ValidatingTransport(inner, self.checker)

    def workspace(self, team: str | None = None) -> Workspace:
        return prepare(self.spec.root, teams=(team,) if team else ())

    @asynccontextmanager
    async def backend(self, workspace: Workspace | None = None) -> AsyncIterator[Confluence]:
        async with open_backend(
            workspace or self.workspace(), transport=self.transport()
        ) as confluence:
            yield confluence

    async def plan(self, team: str | None = None) -> Plan:
        workspace = self.workspace(team)
        async with self.backend(workspace) as confluence:
            return await run_plan(workspace, confluence)

    async def apply(self, team: str | None = None) -> Plan:
        """Plan and apply everything (asserting that nothing failed); returns the plan."""
        workspace = self.workspace(team)
        async with self.backend(workspace) as confluence:
            plan = await run_plan(workspace, confluence)
            result = await run_apply(workspace, plan, confluence)
        assert not result.failed, [o.detail for o in result.failed]
        return plan

    # ---- what people do in Confluence ------------------------------------------------------

    async def page(self, space_key: str, title: str) -> Page:
        async with self.backend() as confluence:
            space = await confluence.space(space_key)
            found = await confluence.pages_by_title(space, title)
            assert len(found) == 1, f"{len(found)} pages titled {title!r} in {space_key}"
            return await confluence.page(found[0].id, body=True)

    async def titles(self, space_key: str) -> list[str]:
        """The titles of every current page of a space (duplicates kept), sorted."""
        async with self.backend() as confluence:
            space = await confluence.space(space_key)
            return sorted(p.title for p in await confluence.pages_in_space(space))

    async def edit_by_hand(self, space_key: str, title: str, extra: str) -> None:
        page = await self.page(space_key, title)
        async with self.backend() as confluence:
            await confluence.update_page(
                page.id,
                title=page.title,
                body=(page.body or "") + extra,
                parent_id=None,
                version_number=page.version.number,
                message=HAND_MESSAGE,
            )

    async def rename_by_hand(self, space_key: str, title: str, new_title: str) -> None:
        page = await self.page(space_key, title)
        async with self.backend() as confluence:
            await confluence.update_page(
                page.id,
                title=new_title,
                body=page.body or "",
                parent_id=None,
                version_number=page.version.number,
                message="renamed it",
            )

    async def move_by_hand(self, space_key: str, title: str, new_parent_title: str) -> None:
        """Drag a page under another parent. Confluence keeps the page's latest version (and
        its message) when a page is moved in the page tree, so the message stays confsync's."""
        page = await self.page(space_key, title)
        parent = await self.page(space_key, new_parent_title)
        async with self.backend() as confluence:
            await confluence.update_page(
                page.id,
                title=page.title,
                body=page.body or "",
                parent_id=parent.id,
                version_number=page.version.number,
                message=page.version.message,
            )

    async def label_by_hand(self, space_key: str, title: str, name: str) -> None:
        """Add a label to a page, as a person does in Confluence (no new page version)."""
        page = await self.page(space_key, title)
        async with self.backend() as confluence:
            await confluence.add_labels(page.id, [name])

    async def labels(self, space_key: str, title: str) -> list[str]:
        """The names of a page's labels, as the sandbox stores them."""
        page = await self.page(space_key, title)
        found, _ = self.sandbox.labels.find(int(page.id))
        return sorted(label.name for label in found)

    async def create_by_hand(self, space_key: str, title: str) -> None:
        async with self.backend() as confluence:
            space = await confluence.space(space_key)
            await confluence.create_page(
                space, title=title, body="<p>Written by hand.</p>", parent_id=None, message=""
            )
