"""Execute a Plan: exactly its changes, parents before children.

Apply never diffs again. Each update is sent against the version the plan observed, so a page
edited since the plan is refused (stale) rather than overwritten. A failed change does not stop
the others, only the changes that depend on it (the children of a parent that failed).

A page moves from one digest to the next as a unit (docs/consistency.md): the page write,
version-checked and marked pending, comes first; then its files; then its labels and its
``confsync`` mark when they must change; last, the version that says ``confsync <digest>``.
A refused write uploads nothing, and any interruption leaves a page that the next plan sees as
unfinished. A page with nothing to add after its write (no files, its mark and labels as they
should be) is written finished in that one request.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field

from confsync import __version__
from confsync.confluence.api import Confluence
from confsync.errors import ConfluenceError, ConfsyncError, PlanError, StaleVersionError
from confsync.plan.model import Action, AttachmentChange, Change, LabelChange, Plan
from confsync.plan.observation import message_for, pending_message_for, written_by_confsync
from confsync.types import Attachment, DesiredPage, ManagedMark, Page, PageAddress, Space

__all__ = ["ApplyResult", "Outcome", "apply_plan"]

REOPENED = pending_message_for("reopened")
"""The message of a page made pending again by a run whose files may have landed on another
run's version."""


@dataclass(frozen=True)
class Outcome:
    change: Change
    ok: bool
    detail: str
    """A link to the page when ``ok``, else what went wrong and what to do."""
    uploaded: tuple[str, ...] = ()
    """The files uploaded for the change, in order; when it failed, those uploaded before."""
    skipped: bool = False
    """Not attempted, because its parent failed (``ok`` is False)."""


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


AttachmentData = Callable[[DesiredPage, AttachmentChange], bytes | Awaitable[bytes]]
"""The bytes of a file to upload; awaitable when they are produced off the event loop."""
Progress = Callable[[Outcome], None]


class _Applier:
    def __init__(
        self,
        confluence: Confluence,
        desired: Mapping[str, DesiredPage],
        attachment_data: AttachmentData,
        progress: Progress | None,
        notify: Collection[str] = (),
    ) -> None:
        self.confluence = confluence
        self.notify = frozenset(notify)
        self.desired = desired
        self.attachment_data = attachment_data
        self.progress = progress
        self.page_ids: dict[str, str] = {}
        self.failed_addresses: set[str] = set()
        self.uploaded: dict[str, list[str]] = {}
        self.spaces: dict[str, Space] = {}
        self.result = ApplyResult()

    async def space(self, key: str) -> Space:
        if key not in self.spaces:
            self.spaces[key] = await self.confluence.space(key)
        return self.spaces[key]

    def record(self, outcome: Outcome) -> None:
        self.result.outcomes.append(outcome)
        if not outcome.ok:
            self.failed_addresses.add(outcome.change.address)
        if self.progress is not None:
            self.progress(outcome)

    def parent_id(self, change: Change) -> str | None:
        if change.parent_address is not None:
            return self.page_ids.get(change.parent_address) or (
                change.after.parent_id if change.after else None
            )
        return change.after.parent_id if change.after else None

    def minor(self, change: Change) -> bool:
        """Whether the version that finishes ``change`` is a minor edit (notifies no watcher):
        unless the team asked to notify. Pending versions are always minor."""
        return PageAddress.parse(change.address).team not in self.notify

    def mark(self, page: DesiredPage) -> ManagedMark:
        return ManagedMark(
            address=str(page.address),
            source=page.source,
            version=__version__,
            labels=page.labels,
        )

    async def run(self, change: Change) -> None:
        if change.parent_address in self.failed_addresses:
            self.failed_addresses.add(change.address)
            skipped = f"skipped: its parent {change.parent_address} failed"
            self.record(Outcome(change, False, skipped, skipped=True))
            return
        uploaded = self.uploaded.setdefault(change.address, [])
        try:
            page = await self.execute(change)
        except ConfsyncError as exc:
            # Confluence refused (a page changed since the plan says to plan again), or a file
            # changed since the plan: this change failed, the others go on.
            self.record(Outcome(change, False, str(exc), tuple(uploaded)))
        else:
            if page is not None:
                self.page_ids[change.address] = page.id
            link = self.confluence.page_url(page) if page is not None else "deleted"
            self.record(Outcome(change, True, link, tuple(uploaded)))

    async def execute(self, change: Change) -> Page | None:
        if change.action is Action.DELETE:
            assert change.before is not None
            assert change.before.page_id is not None
            await self.confluence.delete_page(change.before.page_id)
            return None
        desired = self.desired[change.address]
        if change.action is Action.CREATE:
            return await self.create(change, desired)
        assert change.before is not None
        assert change.before.page_id is not None
        page_id, version = change.before.page_id, change.before.version or 1
        if change.action is Action.MOVE:
            parent = self.parent_id(change)
            assert parent is not None, "a move always names the new parent"
            return await self.confluence.move_page(
                page_id,
                parent_id=parent,
                version_number=version,
                message=message_for(desired.digest),
                minor_edit=self.minor(change),
            )
        # The mark as the plan read it (None: no mark, or not read) against the one to write.
        marked = (change.before.mark_source, change.before.mark_labels) == (
            desired.source,
            desired.labels,
        )
        whole = marked and not change.attachments and not change.labels
        # The version-checked write comes first. With files, labels or a mark to follow it
        # leaves the page pending: refused, it has uploaded nothing; interrupted later, the
        # next plan sees the page unfinished. With nothing to follow, it is the finished
        # version itself.
        written = await self.confluence.update_page(
            page_id,
            title=desired.title,
            body=desired.body,
            parent_id=self.parent_id(change),
            version_number=version,
            message=(message_for if whole else pending_message_for)(desired.digest),
            minor_edit=self.minor(change) if whole else True,
        )
        if whole:
            return written
        return await self.finish(written, change, desired, marked=marked, new_page=False)

    async def create(self, change: Change, desired: DesiredPage) -> Page:
        space = await self.space(desired.space_key)
        carried = self.mark(desired) if self.confluence.marks_on_create else None
        # The mark carried brings the labels it records. With it and no files to add, the page
        # is created whole in one request, finished message included. Otherwise it starts
        # pending and ``finish`` completes it.
        whole = carried is not None and not change.attachments
        page = await self.confluence.create_page(
            space,
            title=desired.title,
            body=desired.body,
            parent_id=self.parent_id(change),
            message=(message_for if whole else pending_message_for)(desired.digest),
            stamp=whole,
            mark=carried,
        )
        if whole:
            return page
        return await self.finish(page, change, desired, marked=carried is not None, new_page=True)

    async def finish(
        self,
        page: Page,
        change: Change,
        desired: DesiredPage,
        *,
        new_page: bool,
        marked: bool = False,
    ) -> Page:
        """Files, then the labels and the mark, then the finished version message, in this
        order: a page says ``confsync <digest>`` only once everything of that digest is in
        place. ``marked``: the page already carries the mark it needs and the labels the mark
        records (created with them, or unchanged). The labels go before the mark, so that a
        mark never records a label that is not on the page yet; an interruption between the
        two repeats them (adding a label twice, or removing one that is gone, changes nothing)."""
        try:
            for file in change.attachments:
                await self.upload(page.id, desired, file)
                self.uploaded[change.address].append(file.filename)
            if not marked:
                await self.relabel(page.id, change.labels)
                await self.confluence.set_mark(page.id, self.mark(desired), new_page=new_page)
            return await self.confluence.update_page(
                page.id,
                title=desired.title,
                body=desired.body,
                parent_id=None,
                version_number=page.version.number,
                message=message_for(desired.digest),
                minor_edit=new_page or self.minor(change),
            )
        except ConfsyncError:
            await self.reopen(page)
            raise

    async def relabel(self, page_id: str, labels: LabelChange) -> None:
        """The plan's labels: all it adds in one request, then each it removes."""
        if labels.add:
            await self.confluence.add_labels(page_id, labels.add)
        for name in labels.remove:
            await self.confluence.remove_label(page_id, name)

    async def reopen(self, pending: Page) -> None:
        """The page could not be finished. If another run has written it since our pending
        version, some of our files or our mark may have landed on its version: write a new
        pending version, so that its finished message is withdrawn (or, if it is still at
        work, its version-checked final write is refused) and the next plan checks every part.
        Best effort: the error that brought us here is what the user sees."""
        for _ in range(3):
            try:
                current = await self.confluence.page(pending.id, body=True)
                if current.version.number <= pending.version.number or not written_by_confsync(
                    current.version.message
                ):
                    return  # still our own pending version, or edited by hand (drift)
                await self.confluence.update_page(
                    current.id,
                    title=current.title,
                    body=current.body or "",
                    parent_id=None,
                    version_number=current.version.number,
                    message=REOPENED,
                    minor_edit=True,
                )
                return
            except StaleVersionError:
                continue
            except ConfluenceError:
                return

    async def upload(self, page_id: str, desired: DesiredPage, file: AttachmentChange) -> None:
        produced = self.attachment_data(desired, file)
        data = await produced if inspect.isawaitable(produced) else produced
        comment = message_for(file.digest)
        if file.attachment_id is None:
            await self.confluence.upload_attachment(
                page_id,
                filename=file.filename,
                data=data,
                media_type=file.media_type,
                comment=comment,
            )
            return
        current = Attachment(
            id=file.attachment_id,
            page_id=page_id,
            filename=file.filename,
            media_type=file.media_type,
            size=0,
            version=file.attachment_version or 1,
        )
        await self.confluence.upload_attachment_version(
            current, data=data, media_type=file.media_type, comment=comment
        )


def _phases(plan: Plan) -> list[list[Change]]:
    """Parents, then reports, then deletions (reports before the parents they hang under)."""
    writes = [c for c in plan.changes if c.changes_anything and c.action is not Action.DELETE]
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    return [
        [c for c in writes if c.is_parent],
        [c for c in writes if not c.is_parent],
        [c for c in deletes if not c.is_parent],
        [c for c in deletes if c.is_parent],
    ]


async def apply_plan(
    plan: Plan,
    desired: Mapping[str, DesiredPage],
    confluence: Confluence,
    *,
    attachment_data: AttachmentData,
    progress: Progress | None = None,
    notify: Collection[str] = (),
) -> ApplyResult:
    """Carry out ``plan``. Refuses a plan with blocking changes before writing anything.

    ``notify``: the teams whose updates notify the pages' watchers; the others' are minor
    edits."""
    if plan.blocking:
        listed = "; ".join(f"{c.address}: {c.reason}" for c in plan.blocking)
        raise PlanError(f"the plan has changes that block apply: {listed}")
    writes = [c for c in plan.changes if c.changes_anything and c.action is not Action.DELETE]
    missing = [c.address for c in writes if c.address not in desired]
    if missing:
        raise PlanError(f"the repo no longer has {', '.join(missing)}: the plan is stale")
    applier = _Applier(confluence, desired, attachment_data, progress, notify)
    for phase in _phases(plan):
        await asyncio.gather(*(applier.run(change) for change in phase))
    return applier.result
