"""The plan: inert data saying what apply will do, and its versioned JSON file format.

A ``Change`` is an address, an action, a before and an after, and a reason that exists only
for display. Apply obeys the plan and never diffs again. The JSON written by ``Plan.to_json``
is the one source every view (text, markdown) is rendered from.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from confsync.errors import PlanError

__all__ = [
    "FORMAT_VERSION",
    "Action",
    "AttachmentChange",
    "Change",
    "PageState",
    "Plan",
    "PlanOrigin",
]

FORMAT_VERSION = "1.0"
"""Major bumps when a reader of the old format would misread the new one."""


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    MOVE = "move"
    NOOP = "noop"
    DELETE = "delete"
    CONFLICT = "conflict"
    DRIFT = "drift"


@dataclass(frozen=True)
class PageState:
    """A page as one side of a change sees it. ``parent`` is a title, for reviewers."""

    title: str
    parent: str | None
    parent_id: str | None = None
    digest: str | None = None
    version: int | None = None
    page_id: str | None = None


@dataclass(frozen=True)
class AttachmentChange:
    """A file to upload: ``attachment_id`` set means a new version of an existing one."""

    filename: str
    media_type: str
    digest: str
    origin: str
    path: str | None = None
    attachment_id: str | None = None
    attachment_version: int | None = None


@dataclass(frozen=True)
class Change:
    """One page's change. ``blocking`` changes (a conflict, a drift under ``on_drift: fail``)
    stop apply before it writes anything."""

    address: str
    action: Action
    space: str
    reason: str
    before: PageState | None = None
    after: PageState | None = None
    parent_address: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    body_diff: str = ""
    attachments: tuple[AttachmentChange, ...] = ()
    blocking: bool = False
    source: str = ""

    @property
    def changes_anything(self) -> bool:
        """True when apply would write something for this change."""
        if self.attachments:
            return True
        if self.action is Action.DRIFT:
            return False  # skipped (on_drift: skip) or blocking: either way nothing is written
        return self.action not in (Action.NOOP, Action.CONFLICT)


@dataclass(frozen=True)
class PlanOrigin:
    """What the plan was made from; apply refuses a plan whose origin is not the present."""

    confsync_version: str
    config_digest: str
    commit: str | None


@dataclass(frozen=True)
class Plan:
    origin: PlanOrigin
    changes: tuple[Change, ...]

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def uploads(self) -> int:
        return sum(len(c.attachments) for c in self.changes)

    @property
    def blocking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.blocking)

    @property
    def has_changes(self) -> bool:
        return any(c.changes_anything for c in self.changes)

    def summary(self) -> dict[str, int]:
        counts = {action.value: self.count(action) for action in Action}
        counts["upload"] = self.uploads
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "origin": asdict(self.origin),
            "summary": self.summary(),
            "changes": [_change_json(c) for c in self.changes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        version = str(data.get("format_version", ""))
        if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
            raise PlanError(
                f"plan file format {version or '(none)'} is not {FORMAT_VERSION}; "
                "make the plan again with this confsync"
            )
        try:
            return cls(
                origin=PlanOrigin(**data["origin"]),
                changes=tuple(_change_from(c) for c in data["changes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"plan file is damaged ({exc}); make the plan again") from exc


def _change_json(change: Change) -> dict[str, Any]:
    data = asdict(change)
    data["action"] = change.action.value
    data["attachments"] = [asdict(a) for a in change.attachments]
    return data


def _change_from(data: dict[str, Any]) -> Change:
    return Change(
        address=data["address"],
        action=Action(data["action"]),
        space=data["space"],
        reason=data["reason"],
        before=PageState(**data["before"]) if data.get("before") else None,
        after=PageState(**data["after"]) if data.get("after") else None,
        parent_address=data.get("parent_address"),
        fields=dict(data.get("fields") or {}),
        body_diff=data.get("body_diff", ""),
        attachments=tuple(AttachmentChange(**a) for a in data.get("attachments", [])),
        blocking=bool(data.get("blocking", False)),
        source=data.get("source", ""),
    )
