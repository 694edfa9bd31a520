"""The review preview: static HTML of the pages a plan would write, for a pull request.

Each page is shown through ``render.html``, the renderer the PDF and the sandbox use, with
its images and its PDF written beside it; an index mirrors the plan (action, reason, a link to
the page in Confluence when it exists). For an update, the text the plan adds is marked. With
no plan (``--offline``: no Confluence at hand, as for a pull request from a fork) every page
is shown as new. Report text is escaped everywhere: the preview is a CI artifact that people
open in their browser.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from confsync.desired import attachment_bytes, pdf_cover
from confsync.loading import Repo
from confsync.plan.model import Action, Change, Plan
from confsync.render.html import ChildPage, reader_css, storage_to_html
from confsync.render.pdf import render_pdf
from confsync.types import DesiredPage

__all__ = ["PreviewEntry", "write_preview"]

PageUrl = Callable[[str], str]
"""A page id → its URL in Confluence."""

_OFFLINE = "offline preview: shown as new"
_MARKERS = {"create": "+", "update": "~", "move": "~", "delete": "-", "noop": " "}


@dataclass(frozen=True)
class PreviewEntry:
    """One row of the index: a page and what the plan does with it."""

    address: str
    title: str
    action: str
    reason: str
    file: str | None
    """The preview page, relative to the output folder (None: a page the plan deletes)."""
    current_url: str | None


def _slug(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", address.replace("/", "__"))


def _added_lines(change: Change | None) -> set[str]:
    """The lines of text an update adds (its body diff's ``+`` lines)."""
    if change is None or change.action is not Action.UPDATE:
        return set()
    return {
        line[1:].strip()
        for line in change.body_diff.splitlines()
        if line.startswith("+") and not line.startswith("+++") and line[1:].strip()
    }


def _marker(added: set[str]) -> Callable[[str], bool] | None:
    if not added:
        return None

    def changed(text: str) -> bool:
        # A text node is part of a line: marked when it is a line the update adds, or a good
        # part of one (short texts such as a vote count would match too much).
        return text in added or (len(text) >= 4 and any(text in line for line in added))

    return changed


def _page_html(page: DesiredPage, entry: PreviewEntry, content: str, files: list[str]) -> str:
    e = html.escape
    listed = "".join(
        f'<li><a href="{e(quote(f))}">{e(f.rsplit("/", 1)[-1])}</a></li>' for f in files
    )
    current = f' · <a href="{e(entry.current_url)}">current page</a>' if entry.current_url else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(page.title)}'
        f"</title><style>{_SCREEN}\n{reader_css()}</style></head><body>"
        f'<nav><a href="../index.html">All pages</a></nav>'
        f'<p class="plan action-{e(entry.action)}"><strong>{e(entry.action)}</strong>: '
        f"{e(entry.reason)}{current}</p><h1>{e(page.title)}</h1>"
        f'<div class="content">{content}</div>'
        + (f"<h2>Attachments</h2><ul>{listed}</ul>" if files else "")
        + "</body></html>"
    )


_SCREEN = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#172b4d}a{color:#0052cc}mark{background:#fff0b3}.plan{padding:.4rem .6rem;border-radius:3px;
background:#f4f5f7}.action-create{background:#e3fcef}.action-update,.action-move{background:#fffae6}
.action-delete{background:#ffebe6}table.index td,table.index th{padding:.3rem .6rem}"""


def _index_html(entries: Sequence[PreviewEntry], heading: str) -> str:
    e = html.escape
    rows = []
    for entry in entries:
        title = (
            f'<a href="{e(quote(entry.file))}">{e(entry.title)}</a>'
            if entry.file
            else e(entry.title)
        )
        current = f'<a href="{e(entry.current_url)}">open</a>' if entry.current_url else ""
        rows.append(
            f'<tr class="action-{e(entry.action)}"><td>{e(_MARKERS.get(entry.action, "!"))} '
            f"{e(entry.action)}</td><td>{title}</td><td><code>{e(entry.address)}</code></td>"
            f"<td>{e(entry.reason)}</td><td>{current}</td></tr>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>confsync preview'
        f"</title><style>{_SCREEN}\n{reader_css()}</style></head><body><h1>confsync preview</h1>"
        f'<p>{e(heading)}</p><table class="index"><thead><tr><th>action</th><th>page</th>'
        "<th>address</th><th>reason</th><th>in Confluence</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>"
    )


def write_preview(
    repo: Repo,
    desired: Sequence[DesiredPage],
    out: Path,
    *,
    plan: Plan | None = None,
    page_url: PageUrl | None = None,
    changed_only: bool = False,
) -> list[PreviewEntry]:
    """Write the preview of ``desired`` (as ``plan`` would change it) into ``out``."""
    changes = {c.address: c for c in plan.changes} if plan is not None else {}
    by_address = {str(p.address): p for p in desired}
    if out.exists():
        shutil.rmtree(out / "pages", ignore_errors=True)
    (out / "pages").mkdir(parents=True, exist_ok=True)
    entries: list[PreviewEntry] = []
    for page in desired:
        change = changes.get(str(page.address))
        if plan is not None and change is None:
            continue  # not in the plan's selection
        if changed_only and change is not None and not change.changes_anything:
            continue
        action = change.action.value if change is not None else "create"
        reason = change.reason if change is not None else _OFFLINE
        page_id = change.before.page_id if change is not None and change.before else None
        current = page_url(page_id) if page_url is not None and page_id else None
        slug = _slug(str(page.address))
        entry = PreviewEntry(
            str(page.address), page.title, action, reason, f"pages/{slug}.html", current
        )
        files = _write_files(repo, page, out / "pages" / slug)
        children = [
            ChildPage(p.title, f"{_slug(str(p.address))}.html")
            for p in desired
            if p.parent.address == page.address
        ]
        shown = set(files)

        def attachment(name: str, slug: str = slug, shown: set[str] = shown) -> str | None:
            return f"{quote(slug)}/{quote(name)}" if f"{slug}/{name}" in shown else None

        def linked(title: str) -> str | None:
            return next(
                (f"{_slug(a)}.html" for a, p in by_address.items() if p.title == title), None
            )

        content = storage_to_html(
            page.body, attachment, linked, children, _marker(_added_lines(change))
        )
        (out / "pages" / f"{slug}.html").write_text(
            _page_html(page, entry, content, files), "utf-8"
        )
        entries.append(entry)
    for change in plan.changes if plan is not None else ():
        if change.action is Action.DELETE:
            title = change.before.title if change.before else change.address
            entries.append(PreviewEntry(change.address, title, "delete", change.reason, None, None))
    heading = (
        "Every page as new: made without Confluence (--offline)."
        if plan is None
        else f"{sum(1 for e in entries if e.action != 'noop')} of {len(entries)} pages change."
    )
    (out / "index.html").write_text(_index_html(entries, heading), "utf-8")
    return entries


def _write_files(repo: Repo, page: DesiredPage, folder: Path) -> list[str]:
    """The page's attachments written into ``folder``; their paths relative to ``pages/``."""
    written: list[str] = []
    if not page.attachments:
        return written
    folder.mkdir(parents=True, exist_ok=True)
    images: dict[str, bytes] = {}
    for attachment in page.attachments:
        if attachment.origin == "pdf":
            continue
        data = attachment_bytes(repo, page, attachment.filename)
        if attachment.media_type.startswith("image/"):
            images[attachment.filename] = data
        (folder / attachment.filename).write_bytes(data)
        written.append(f"{folder.name}/{attachment.filename}")
    for attachment in page.attachments:
        if attachment.origin == "pdf":
            loaded = next(r for r in repo.reports if r.address == page.address)
            pdf = render_pdf(page.body, title=page.title, cover=pdf_cover(loaded), files=images)
            (folder / attachment.filename).write_bytes(pdf)
            written.append(f"{folder.name}/{attachment.filename}")
    return written
