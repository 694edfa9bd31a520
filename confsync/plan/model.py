"""The plan: inert data saying what apply will do, and its versioned JSON file format.

A ``Change`` is an address, an action, a before and an after, and a reason that exists only
for display. Apply obeys the plan and never diffs again. The JSON written by ``Plan.to_json``
is the one source every view (text, markdown) is rendered from.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import Any

from confsync.errors import PlanError
from confsync.types import PageAddress

__all__ = [
    "FORMAT_VERSION",
    "Action",
    "AttachmentChange",
    "Change",
    "LabelChange",
    "PageState",
    "Plan",
    "PlanOrigin",
    "Selection",
]

FORMAT_VERSION = "1.3"
"""Major bumps when a reader of the old format would misread the new one; minor when only
something is added (1.1: the ``orphan`` action, ``blocked`` in the summary; 1.2:
``mark_source`` and ``mark_labels`` in a change's ``before``, the ``use`` action, a change's
``labels``; 1.3: a change's ``site``, when the config names several)."""


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    MOVE = "move"
    NOOP = "noop"
    DELETE = "delete"
    CONFLICT = "conflict"
    DRIFT = "drift"
    ORPHAN = "orphan"
    """A managed page whose report is gone, kept because prune is off: shown, never written."""
    USE = "use"
    """A page confsync does not manage, used as it is: the parent a team asks confsync to
    create (``{create: TITLE}``) already exists. Shown, never written."""


@dataclass(frozen=True)
class PageState:
    """A page as one side of a change sees it. ``parent`` is a title, for reviewers."""

    title: str
    parent: str | None
    parent_id: str | None = None
    digest: str | None = None
    version: int | None = None
    page_id: str | None = None
    mark_source: str | None = None
    """The report file the page's ``confsync`` mark names, when the plan read the mark (None:
    no mark, or not read): apply writes the mark only when it must change."""
    mark_labels: tuple[str, ...] | None = None
    """The labels the page's mark records (what confsync put on the page), when the plan read
    the mark (None: no mark, or not read)."""


@dataclass(frozen=True)
class LabelChange:
    """The labels apply adds to a page and removes from it, each sorted. Only labels confsync
    put there (its mark records them) are ever removed: a label a person added stays."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


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
    """One page's change. ``address`` is a ``PageAddress`` as text (a plan file holding another
    is refused as damaged). ``blocking`` changes (a conflict, a drift under ``on_drift: fail``)
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
    labels: LabelChange = LabelChange()
    site: str = ""
    """The site (of ``confluence.sites``) the page is on; "" when the config names one site,
    and left out of the JSON then."""

    @property
    def changes_anything(self) -> bool:
        """True when apply would write something for this change: the one test of it, which
        the views' summary line, ``--detailed-exitcode``, apply and preview all ask."""
        if self.attachments:
            return True
        if self.action is Action.DRIFT:
            return False  # skipped (on_drift: skip) or blocking: either way nothing is written
        return self.action not in (Action.NOOP, Action.CONFLICT, Action.ORPHAN, Action.USE)

    @property
    def is_parent(self) -> bool:
        """Whether the page is a parent page confsync creates (``PageAddress.is_parent``)."""
        return PageAddress.parse(self.address).is_parent


@dataclass(frozen=True)
class Selection:
    """The pages a plan covers: ``--team``, ``--target``, ``--changed-since``; empty: all.

    The criteria intersect, and a selected report brings its parent page. ``teams`` and
    ``targets`` (page addresses) are sorted, without repeats (``of`` makes them so).
    ``changed_since`` is the git ref as given, for display; ``changed_since_commit`` the commit
    it named when the plan was made. Two selections are equal when their teams, targets and
    commit are, so a ref that moved is another selection.
    """

    teams: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    changed_since: str | None = field(default=None, compare=False)
    changed_since_commit: str | None = None

    @classmethod
    def of(
        cls,
        teams: Sequence[str] = (),
        targets: Sequence[str] = (),
        changed_since: str | None = None,
    ) -> Selection:
        return cls(tuple(sorted(set(teams))), tuple(sorted(set(targets))), changed_since)

    @property
    def everything(self) -> bool:
        return not (self.teams or self.targets or self.changed_since is not None)

    @property
    def partial(self) -> bool:
        """Only some of a team's reports (``--target``, ``--changed-since``)."""
        return bool(self.targets) or self.changed_since is not None

    def prunes(self, team: str) -> bool:
        """Whether ``prune: true`` holds for ``team`` in this plan: only when the plan covers
        all of the team's reports, or a page whose report is merely unselected is deleted."""
        return not self.partial and (not self.teams or team in self.teams)

    def flags(self) -> str:
        """The selection as command-line options, for messages."""
        words = [f"--team {t}" for t in self.teams] + [f"--target {t}" for t in self.targets]
        if self.changed_since is not None:
            commit = f" ({self.changed_since_commit[:12]})" if self.changed_since_commit else ""
            words.append(f"--changed-since {self.changed_since}{commit}")
        return " ".join(words) or "no --team, --target or --changed-since"


@dataclass(frozen=True)
class PlanOrigin:
    """What the plan was made from; apply refuses a plan whose origin is not the present."""

    confsync_version: str
    config_digest: str
    commit: str | None
    selection: Selection | None = None
    """None: the whole repo; left out of the JSON then, as in plan files from before."""


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
        counts["blocked"] = len(self.blocking)
        return counts

    def on_site(self, name: str) -> Plan:
        """The part of this plan that is about the site ``name``."""
        return replace(self, changes=tuple(c for c in self.changes if c.site == name))

    def of_site(self, name: str) -> Plan:
        """This plan, made for the site ``name``, with its changes saying so."""
        return replace(self, changes=tuple(replace(c, site=name) for c in self.changes))

    @classmethod
    def joined(cls, origin: PlanOrigin, parts: Sequence[Plan]) -> Plan:
        """One plan of the plans of several sites (``on_site`` undone), in the order given."""
        return cls(origin, tuple(change for part in parts for change in part.changes))

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "origin": _origin_json(self.origin),
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
                origin=_origin_from(data["origin"]),
                changes=tuple(_change_from(c) for c in data["changes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"plan file is damaged ({exc}); make the plan again") from exc


def _origin_json(origin: PlanOrigin) -> dict[str, Any]:
    data = asdict(origin)
    if origin.selection is None:
        del data["selection"]
    return data


def _origin_from(data: dict[str, Any]) -> PlanOrigin:
    found = data.get("selection")
    selection = None
    if found is not None:
        selection = Selection(
            teams=tuple(found["teams"]),
            targets=tuple(found["targets"]),
            changed_since=found["changed_since"],
            changed_since_commit=found["changed_since_commit"],
        )
    return PlanOrigin(**{**data, "selection": selection})


def _flat(value: Any) -> dict[str, Any]:
    """A dataclass of plain values as a dict: ``asdict`` deep-copies every value, which costs
    seconds for a plan of ten thousand pages and buys nothing here (nothing is mutated)."""
    return {f.name: getattr(value, f.name) for f in dataclass_fields(value)}


def _change_json(change: Change) -> dict[str, Any]:
    data = _flat(change)
    data["action"] = change.action.value
    data["before"] = _state_json(change.before)
    data["after"] = _state_json(change.after)
    data["fields"] = {name: dict(values) for name, values in change.fields.items()}
    data["attachments"] = [_flat(a) for a in change.attachments]
    data["labels"] = {"add": list(change.labels.add), "remove": list(change.labels.remove)}
    if not change.site:
        del data["site"]
    return data


def _state_json(state: PageState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    data = _flat(state)
    if state.mark_labels is not None:
        data["mark_labels"] = list(state.mark_labels)
    return data


def _state_from(data: dict[str, Any] | None) -> PageState | None:
    if not data:
        return None
    labels = data.get("mark_labels")
    return PageState(**{**data, "mark_labels": None if labels is None else tuple(labels)})


def _change_from(data: dict[str, Any]) -> Change:
    return Change(
        address=str(PageAddress.parse(str(data["address"]))),  # ValueError: not an address
        action=Action(data["action"]),
        space=data["space"],
        reason=data["reason"],
        before=_state_from(data.get("before")),
        after=_state_from(data.get("after")),
        parent_address=data.get("parent_address"),
        fields=dict(data.get("fields") or {}),
        body_diff=data.get("body_diff", ""),
        attachments=tuple(AttachmentChange(**a) for a in data.get("attachments", [])),
        blocking=bool(data.get("blocking", False)),
        source=data.get("source", ""),
        labels=_labels_from(data.get("labels")),
        site=str(data.get("site", "")),
    )


def _labels_from(data: dict[str, Any] | None) -> LabelChange:
    """A change's ``labels``; absent in plan files of 1.2 written before labels: none."""
    if data is None:
        return LabelChange()
    return LabelChange(add=tuple(data["add"]), remove=tuple(data["remove"]))
