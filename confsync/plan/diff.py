"""Desired × observed → Plan. Pure: no I/O, the same inputs always give the same plan.

Identity is the page address, kept in each managed page's ``confsync`` content property; a page
whose latest version message is ``confsync <digest of the desired page>`` is unchanged without
reading anything else. Ownership and drift are as docs/architecture.md ("Identity, ownership
and drift") describes them: confsync never touches a page it does not manage unless the team
says ``adopt: true``, and a page edited by hand since confsync last wrote it is handled as the
team's ``on_drift`` says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from deepdiff import DeepDiff

from confsync.config import Team
from confsync.plan.bodytext import unified
from confsync.plan.model import (
    Action,
    AttachmentChange,
    Change,
    LabelChange,
    PageState,
    Plan,
    PlanOrigin,
)
from confsync.plan.observation import (
    Observation,
    SpaceView,
    digest_in,
    is_unfinished,
    written_by_confsync,
)
from confsync.plan.ownership import is_parent_address, ownership
from confsync.text import title_key
from confsync.types import Attachment, DesiredPage, Page, PageAddress, ParentRef

__all__ = ["diff", "everything"]


def _fields(before: PageState, after: PageState) -> dict[str, Any]:
    """Field-level differences for reviewers: ``{field: {"old": ..., "new": ...}}``."""
    compared = DeepDiff(
        {"title": before.title, "parent": before.parent},
        {"title": after.title, "parent": after.parent},
    )
    changed: dict[str, Any] = {}
    for path, values in compared.get("values_changed", {}).items():
        name = path.removeprefix("root['").removesuffix("']")
        changed[name] = {"old": values["old_value"], "new": values["new_value"]}
    for path, values in compared.get("type_changes", {}).items():
        name = path.removeprefix("root['").removesuffix("']")
        changed[name] = {"old": values["old_value"], "new": values["new_value"]}
    return changed


def _label_change(desired: tuple[str, ...], recorded: tuple[str, ...] | None) -> LabelChange:
    """The labels to add to a page and to remove from it, from those its mark records
    (``recorded``; None: no mark, or not read, as for a new page: every label is added).
    Labels are not read from the page: one a person added is in no mark, so it is never
    removed; one a person removed is not added back while the mark records it."""
    known = set(recorded or ())
    return LabelChange(
        add=tuple(sorted(set(desired) - known)), remove=tuple(sorted(known - set(desired)))
    )


def everything(address: str) -> bool:
    """The default scope: a plan of the whole repo speaks for every managed page."""
    return True


@dataclass(frozen=True)
class _Subject:
    """What every change of one page says alike: which page, where, from which report file,
    the page as Confluence has it and as the repo wants it. ``change`` makes the Change."""

    address: str
    space: str
    source: str
    before: PageState | None = None
    after: PageState | None = None
    parent_address: str | None = None

    def change(
        self,
        action: Action,
        reason: str,
        *,
        blocking: bool = False,
        fields: dict[str, Any] | None = None,
        body_diff: str = "",
        attachments: tuple[AttachmentChange, ...] = (),
        labels: LabelChange | None = None,
    ) -> Change:
        return Change(
            address=self.address,
            action=action,
            space=self.space,
            reason=reason,
            before=self.before,
            after=self.after,
            parent_address=self.parent_address,
            fields=fields or {},
            body_diff=body_diff,
            attachments=attachments,
            blocking=blocking,
            source=self.source,
            labels=labels or LabelChange(),
        )


@dataclass
class _Differ:
    desired: Sequence[DesiredPage]
    observation: Observation
    teams: Mapping[str, Team]
    scope: Callable[[str], bool] = everything
    texts: bool = True

    def __post_init__(self) -> None:
        self.by_address = {str(d.address): d for d in self.desired}
        owned = ownership(self.desired, self.observation)
        self.managed, self.unfinished = owned.pages, owned.unfinished
        self.managed_ids = {page.id for page in self.managed.values()}
        # Pages some desired page is published to (a page may also be marked for a gone one).
        self.desired_ids = {p.id for a, p in self.managed.items() if a in self.by_address}
        self.planned_ids: dict[str, str | None] = {}

    def view(self, page: DesiredPage) -> SpaceView:
        return self.observation.spaces[page.space_key]

    def title_of(self, view: SpaceView, page_id: str | None) -> str | None:
        if page_id is None:
            return None
        found = view.by_id.get(page_id)
        if found is not None:
            return found.title
        return page_id

    def parent_target(self, d: DesiredPage) -> tuple[str | None, str | None, str | None]:
        """(parent page id or None, parent title for display, problem) for a desired page."""
        view = self.view(d)
        if d.parent.address is not None:
            parent = self.by_address.get(str(d.parent.address))
            title = parent.title if parent else str(d.parent.address)
            return self.planned_ids.get(str(d.parent.address)), title, None
        if d.parent.title is not None:
            for page in view.titled(d.parent.title):
                return page.id, page.title, None
            return (
                None,
                d.parent.title,
                f"parent page {d.parent.title!r} does not exist in space {d.space_key}",
            )
        if d.parent.page_id is not None:
            found = view.by_id.get(d.parent.page_id)
            if found is None:
                problem = (
                    f"parent page id {d.parent.page_id} is not a current page of space "
                    f"{d.space_key}"
                )
                return None, d.parent.page_id, problem
            return found.id, found.title, None
        return None, None, None

    def parent_matches(self, d: DesiredPage, page: Page, parent_id: str | None) -> bool:
        if d.parent.address is None and d.parent.title is None and d.parent.page_id is None:
            # At the space root: Cloud hangs "root" pages under the space homepage.
            return page.parent_id in (None, self.view(d).space.homepage_id)
        return parent_id is not None and page.parent_id == parent_id

    def state(self, page: Page, view: SpaceView, address: str | None = None) -> PageState:
        """``page`` as it is. ``address``: the desired page it is planned for; a mark naming
        another address (a shared parent handed over, ownership rule 1b) names no source for
        it, so that apply writes the mark anew."""
        mark = view.marks.get(page.id)
        source = mark.source if mark is not None else None
        if mark is not None and address is not None and mark.address != address:
            source = None
        return PageState(
            title=page.title,
            parent=self.title_of(view, page.parent_id),
            parent_id=page.parent_id,
            digest=digest_in(page.version.message),
            version=page.version.number,
            page_id=page.id,
            mark_source=source,
            mark_labels=mark.labels if mark is not None else None,
        )

    def files_on(self, d: DesiredPage, page_id: str) -> tuple[Attachment, ...]:
        # None: the space's files were not read, because no desired page there has any.
        files = self.view(d).files
        return files.get(page_id, ()) if files is not None else ()

    def stale_files(self, d: DesiredPage, page_id: str) -> list[str]:
        """Files of a page that says it is up to date, which are not the ones its digest
        stands for (replaced by hand, or left by an interrupted apply); only known when the
        space's files were read."""
        if not d.attachments or self.view(d).files is None:
            return []
        recorded = {a.filename: digest_in(a.comment) for a in self.files_on(d, page_id)}
        return [a.filename for a in d.attachments if recorded.get(a.filename) != a.digest]

    def attachment_changes(
        self, d: DesiredPage, page_id: str | None
    ) -> tuple[AttachmentChange, ...]:
        current: dict[str, Attachment] = {}
        if page_id is not None:
            current = {a.filename: a for a in self.files_on(d, page_id)}
        changes = []
        for a in d.attachments:
            found = current.get(a.filename)
            if found is not None and digest_in(found.comment) == a.digest:
                continue
            changes.append(
                AttachmentChange(
                    filename=a.filename,
                    media_type=a.media_type,
                    digest=a.digest,
                    origin=a.origin,
                    path=a.path,
                    attachment_id=found.id if found is not None else None,
                    attachment_version=found.version if found is not None else None,
                )
            )
        return tuple(changes)

    def change_for(self, d: DesiredPage) -> Change:
        view = self.view(d)
        team = self.teams[d.address.team]
        parent_id, parent_title, problem = self.parent_target(d)
        after = PageState(d.title, parent_title, parent_id, d.digest)
        subject = _Subject(
            address=str(d.address),
            space=d.space_key,
            source=d.source,
            after=after,
            parent_address=str(d.parent.address) if d.parent.address else None,
        )
        if problem is not None:
            return subject.change(Action.CONFLICT, problem, blocking=True)
        page = self.managed.get(str(d.address))
        if page is None:
            return self.new_page(d, view, team, subject)
        self.planned_ids[str(d.address)] = page.id
        at_top = d.parent == ParentRef()
        home = view.space.homepage_id
        if at_top and home is not None and not self.parent_matches(d, page, None):
            # A move needs a parent page: the top of the space is under its homepage, where
            # Cloud files parentless pages and which parent_matches takes as the top.
            parent_id, parent_title = home, self.title_of(view, home)
            after = PageState(d.title, parent_title, parent_id, d.digest)
        before = self.state(page, view, str(d.address))
        subject = replace(subject, before=before, after=after)
        if str(d.address) in self.unfinished:
            reason = "created by an interrupted run; finishing it"
            return self.update(d, page, reason, subject)
        if is_unfinished(page):
            # Its files may be half uploaded: update() compares each one, apply redoes what
            # differs and only then writes the finished message.
            reason = "left unfinished by an earlier apply (interrupted or refused); finishing it"
            return self.update(d, page, reason, subject)
        if before.digest is None:
            reason = f"edited by hand since confsync last wrote it (version {before.version})"
            if team.on_drift == "fail":
                return subject.change(
                    Action.DRIFT,
                    f"{reason}; on_drift is fail: keep the edit in the report file, "
                    "or set on_drift: overwrite or skip",
                    blocking=True,
                    body_diff=self.hand_edit(page),
                )
            if team.on_drift == "skip":
                return subject.change(
                    Action.DRIFT, f"{reason}; skipped", body_diff=self.hand_edit(page)
                )
            return self.update(d, page, f"{reason}; overwriting", subject)
        stale = self.stale_files(d, page.id) if before.digest == d.digest else []
        if stale:
            listed = ", ".join(stale)
            reason = f"up to date but for {listed}, not the published version: uploading again"
            return self.update(d, page, reason, subject)
        if before.digest == d.digest:
            if self.parent_matches(d, page, parent_id):
                return subject.change(Action.NOOP, "up to date")
            if at_top and home is None:
                return subject.change(
                    Action.CONFLICT,
                    f"moved by hand under {before.parent!r}; space {d.space_key} has no "
                    "homepage to move it back under: move it to the top of the space by hand",
                    blocking=True,
                )
            top = "to the top of the space, " if at_top else ""
            return subject.change(
                Action.MOVE,
                f"moved by hand; back {top}under {parent_title}",
                fields=_fields(before, after),
            )
        return self.update(d, page, "report changed", subject)

    def hand_edit(self, page: Page) -> str:
        """What was changed by hand: the text of the version confsync last wrote against
        the current one (empty until the details are read)."""
        written = self.observation.written.get(page.id)
        current = self.observation.bodies.get(page.id)
        if written is None or current is None:
            return ""
        names = (
            f"version {written.version.number} (written by confsync)",
            f"version {page.version.number} (edited by hand)",
        )
        return unified(written.body or "", current, names)

    def update(self, d: DesiredPage, page: Page, reason: str, subject: _Subject) -> Change:
        """``page`` written as ``d`` says: ``subject`` has the page as it is and should be."""
        before, after = subject.before, subject.after
        assert before is not None
        assert after is not None
        body = self.observation.bodies.get(page.id)
        return subject.change(
            Action.UPDATE,
            reason,
            fields=_fields(before, after),
            body_diff=unified(body, d.body) if body is not None else "",
            attachments=self.attachment_changes(d, page.id),
            labels=_label_change(d.labels, before.mark_labels),
        )

    def create_reason(self, d: DesiredPage, view: SpaceView) -> str:
        trashed = self.observation.trashed.get(view.space.key, ())
        for page in trashed:
            if title_key(page.title) == title_key(d.title) and written_by_confsync(
                page.version.message
            ):
                return (
                    "deleted by hand in Confluence (it is in the space's trash); publishing "
                    "it again: remove the report file to keep the page deleted"
                )
        return "new parent page" if d.address.is_parent else "new report"

    def new_page(self, d: DesiredPage, view: SpaceView, team: Team, subject: _Subject) -> Change:
        taken = next(iter(view.titled(d.title)), None)
        if taken is None or taken.id in self.managed_ids:
            self.planned_ids[str(d.address)] = None
            if taken is not None:
                return subject.change(
                    Action.CONFLICT,
                    f"title {d.title!r} is used by another page confsync manages "
                    f"(page {taken.id}); give the reports distinct titles",
                    blocking=True,
                )
            return subject.change(
                Action.CREATE,
                self.create_reason(d, view),
                body_diff=unified("", d.body) if self.texts else "",
                attachments=self.attachment_changes(d, None),
                labels=_label_change(d.labels, None),
            )
        subject = replace(subject, before=self.state(taken, view))
        if d.address.is_parent:
            # {create: TITLE} asks for a page of that title to hang the reports under, created
            # when missing. One that exists is used as it is: never taken over, never written,
            # whatever ``adopt`` says (adopt is about report pages).
            self.planned_ids[str(d.address)] = taken.id
            return subject.change(
                Action.USE,
                f"page {taken.id} of that title exists and is not confsync's: the reports go "
                "under it, and it is left as it is",
            )
        if not team.adopt:
            return subject.change(
                Action.CONFLICT,
                f"title {d.title!r} is taken by page {taken.id}, which confsync does not "
                f"manage; set adopt: true for team {team.id} to take it over, or change the "
                "title",
                blocking=True,
            )
        self.planned_ids[str(d.address)] = taken.id
        return self.update(d, taken, "adopting an existing page", subject)

    def deletions(self) -> list[Change]:
        """Managed pages whose report is gone: deleted with ``prune: true``, else listed as
        orphans; never a page edited by hand (drift: the edit would be lost)."""
        changes = []
        for key in sorted(self.observation.spaces):
            view = self.observation.spaces[key]
            for page in view.pages:
                mark = view.marks.get(page.id)
                if mark is None or mark.address in self.by_address or not self.scope(mark.address):
                    continue
                if page.id in self.desired_ids:
                    continue  # a shared parent handed over to another address (rule 1b)
                team = self.teams.get(_team_of(mark.address))
                if team is None:
                    continue
                gone = (
                    "no report of its kind is left"
                    if is_parent_address(mark.address)
                    else f"report {mark.source} is gone"
                )
                subject = _Subject(
                    address=mark.address,
                    space=key,
                    source=mark.source,
                    before=self.state(page, view),
                )
                by_hand = not (written_by_confsync(page.version.message) or is_unfinished(page))
                if not team.prune:
                    edited = "; it was edited by hand since" if by_hand else ""
                    reason = f"{gone}{edited}: it would be deleted with prune: true"
                    changes.append(subject.change(Action.ORPHAN, reason))
                elif by_hand:
                    reason = f"{gone}, but it was edited by hand: not deleted"
                    changes.append(subject.change(Action.DRIFT, reason))
                else:
                    reason = f"{gone} (prune is on)"
                    changes.append(subject.change(Action.DELETE, reason))
        return changes


def _team_of(address: str) -> str:
    try:
        return PageAddress.parse(address).team
    except ValueError:
        return ""


def diff(
    desired: Sequence[DesiredPage],
    observation: Observation,
    teams: Mapping[str, Team],
    origin: PlanOrigin,
    *,
    scope: Callable[[str], bool] = everything,
    texts: bool = True,
) -> Plan:
    """The plan that moves Confluence from ``observation`` to ``desired``.

    ``desired`` lists parents before their children (as ``desired_pages`` returns it).
    ``scope``: which managed pages without a desired page this plan speaks for (deleted with
    prune, else listed as orphans); a plan of one team or of a few reports speaks for no other.
    ``texts``: False leaves out the text of new pages (a first pass, to learn what changes,
    renders nothing it does not need).
    """
    differ = _Differ(desired, observation, teams, scope, texts)
    changes = [differ.change_for(d) for d in desired]
    changes.extend(differ.deletions())
    return Plan(origin=origin, changes=tuple(changes))
