"""Execute a Plan: exactly its changes, parents before children, pages before attachments.

Apply never diffs again. Each update is sent against the version the plan observed, so a page
edited since the plan is refused (stale) rather than overwritten. A failed change does not stop
the others, only the changes that depend on it (the children of a parent that failed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from confsync import __version__
from confsync.confluence.api import Confluence
from confsync.errors import ConfluenceError, PlanError, StaleVersionError
from confsync.plan.model import Action, AttachmentChange, Change, Plan
from confsync.plan.observation import message_for
from confsync.types import Attachment, DesiredPage, ManagedMark, Page, Space

__all__ = ["ApplyResult", "Outcome", "apply_plan"]

PENDING = "confsync pending"
"""Version message of a page whose attachments are not all uploaded yet: never a digest, so
the next plan sees the page as unfinished and completes it."""


@dataclass(frozen=True)
class Outcome:
    change: Change
    ok: bool
    detail: str
    """A link to the page when ``ok``, else what went wrong and what to do."""


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


AttachmentData = Callable[[DesiredPage, AttachmentChange], bytes]
Progress = Callable[[Outcome], None]


class _Applier:
    def __init__(
        self,
        confluence: Confluence,
        desired: Mapping[str, DesiredPage],
        attachment_data: AttachmentData,
        progress: Progress | None,
    ) -> None:
        self.confluence = confluence
        self.desired = desired
        self.attachment_data = attachment_data
        self.progress = progress
        self.page_ids: dict[str, str] = {}
        self.failed_addresses: set[str] = set()
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

    def mark(self, page: DesiredPage) -> ManagedMark:
        return ManagedMark(str(page.address), page.digest, __version__, page.source)

    async def run(self, change: Change) -> None:
        if change.parent_address in self.failed_addresses:
            self.failed_addresses.add(change.address)
            self.record(
                Outcome(change, False, f"skipped: its parent {change.parent_address} failed")
            )
            return
        try:
            page = await self.execute(change)
        except StaleVersionError as exc:
            self.record(Outcome(change, False, f"{exc} The plan is stale: run plan again."))
        except ConfluenceError as exc:
            self.record(Outcome(change, False, str(exc)))
        else:
            if page is not None:
                self.page_ids[change.address] = page.id
            link = self.confluence.page_url(page) if page is not None else "deleted"
            self.record(Outcome(change, True, link))

    async def execute(self, change: Change) -> Page | None:
        if change.action is Action.DELETE:
            assert change.before is not None
            assert change.before.page_id is not None
            await self.confluence.delete_page(change.before.page_id)
            return None
        desired = self.desired[change.address]
        message = message_for(desired.digest)
        if change.action is Action.CREATE:
            return await self.create(change, desired, message)
        assert change.before is not None
        assert change.before.page_id is not None
        page_id, version = change.before.page_id, change.before.version or 1
        if change.action is Action.MOVE:
            parent = self.parent_id(change)
            assert parent is not None, "a move always names the new parent"
            return await self.confluence.move_page(
                page_id, parent_id=parent, version_number=version, message=message
            )
        # Update: files first, so the page's new digest is written only once all is in place.
        await self.upload(page_id, desired, change.attachments)
        page = await self.confluence.update_page(
            page_id,
            title=desired.title,
            body=desired.body,
            parent_id=self.parent_id(change),
            version_number=version,
            message=message,
        )
        await self.confluence.set_mark(page.id, self.mark(desired))
        return page

    async def create(self, change: Change, desired: DesiredPage, message: str) -> Page:
        space = await self.space(desired.space_key)
        first_message = PENDING if change.attachments else message
        page = await self.confluence.create_page(
            space,
            title=desired.title,
            body=desired.body,
            parent_id=self.parent_id(change),
            message=first_message,
        )
        await self.confluence.set_mark(page.id, self.mark(desired), new_page=True)
        if not change.attachments:
            return page
        await self.upload(page.id, desired, change.attachments)
        return await self.confluence.update_page(
            page.id,
            title=desired.title,
            body=desired.body,
            parent_id=None,
            version_number=page.version.number,
            message=message,
        )

    async def upload(
        self, page_id: str, desired: DesiredPage, files: tuple[AttachmentChange, ...]
    ) -> None:
        for file in files:
            data = self.attachment_data(desired, file)
            comment = message_for(file.digest)
            if file.attachment_id is None:
                await self.confluence.upload_attachment(
                    page_id,
                    filename=file.filename,
                    data=data,
                    media_type=file.media_type,
                    comment=comment,
                )
            else:
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
        [c for c in writes if c.address.endswith("/parent")],
        [c for c in writes if not c.address.endswith("/parent")],
        [c for c in deletes if not c.address.endswith("/parent")],
        [c for c in deletes if c.address.endswith("/parent")],
    ]


async def apply_plan(
    plan: Plan,
    desired: Mapping[str, DesiredPage],
    confluence: Confluence,
    *,
    attachment_data: AttachmentData,
    progress: Progress | None = None,
) -> ApplyResult:
    """Carry out ``plan``. Refuses a plan with blocking changes before writing anything."""
    if plan.blocking:
        listed = "; ".join(f"{c.address}: {c.reason}" for c in plan.blocking)
        raise PlanError(f"the plan has changes that block apply: {listed}")
    writes = [c for c in plan.changes if c.changes_anything and c.action is not Action.DELETE]
    missing = [c.address for c in writes if c.address not in desired]
    if missing:
        raise PlanError(f"the repo no longer has {', '.join(missing)}: the plan is stale")
    applier = _Applier(confluence, desired, attachment_data, progress)
    for phase in _phases(plan):
        await asyncio.gather(*(applier.run(change) for change in phase))
    return applier.result
