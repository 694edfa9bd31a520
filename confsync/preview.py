"""The review preview: static HTML of the pages a plan would write, for a pull request.

Each page is shown through ``render.html``, the renderer the PDF and the sandbox use, with
its images and its PDF written beside it; an index mirrors the plan (action, reason, a link to
the page in Confluence when it exists). For an update, the page as Confluence has it now and
the page the plan writes are both rendered, and their blocks of text (paragraphs, headings,
list items, table cells...) compared in order: added text is marked ``<ins>``, removed text
shown struck out (``<del>``), word by word within a block that changed. With no plan
(``--offline``: no Confluence at hand, as for a pull request from a fork) every page is shown
as new. Report text is escaped everywhere: the preview is a CI artifact that people open in
their browser.
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from confsync.confluence.api import Confluence
from confsync.desired import attachment_bytes, pdf_cover
from confsync.loading import Repo
from confsync.plan.model import Action, Plan
from confsync.render.html import ChildPage, reader_css, storage_to_html
from confsync.render.pdf import render_pdf
from confsync.types import DesiredPage

__all__ = ["PreviewEntry", "current_bodies", "mark_changes", "write_preview"]

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


# ---- the changed text: two renderings of a page, compared block by block ---------------------

# The elements render.html writes inside a line of text; any other tag (a <br> too) ends a block.
_INLINE = frozenset(
    {"a", "b", "code", "del", "em", "i", "img", "s", "span", "strong", "sub", "sup", "time", "u"}
)
_WORD = re.compile(r"\S+")
_SIMILAR = 0.5
"""Two blocks paired by position are diffed word by word when at least this similar (difflib's
ratio over their words); less alike, one is shown removed and the other added."""


@dataclass
class _Block:
    """A run of text between block boundaries: its text tokens and their joined text."""

    tokens: list[int]
    text: str = ""
    words: list[tuple[int, int]] = field(default_factory=list)
    """Start and end of each word in ``text``."""

    def word_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.words]


@dataclass
class _Marks:
    """What a desired block shows changed: inserted spans, and removed texts at offsets."""

    inserted: list[tuple[int, int]] = field(default_factory=list)
    removed: list[tuple[int, str, bool]] = field(default_factory=list)
    """(offset in the block's text, the removed text, whether it was a whole block)."""


class _Tokens(HTMLParser):
    """``render.html`` output as tokens: (True, text) or (False, a tag as written), with the
    blocks of text it holds (blocks without a word are left out)."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[bool, str]] = []
        self.blocks: list[_Block] = []
        self._open = _Block([])
        self.feed(document)
        self.close()
        self._end_block()

    def _end_block(self) -> None:
        block = self._open
        block.text = "".join(self.tokens[i][1] for i in block.tokens)
        block.words = [m.span() for m in _WORD.finditer(block.text)]
        if block.words:
            self.blocks.append(block)
        self._open = _Block([])

    def _tag(self, name: str, written: str) -> None:
        if name not in _INLINE:
            self._end_block()
        self.tokens.append((False, written))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self._open.tokens.append(len(self.tokens))
        self.tokens.append((True, data))


def _key(block: _Block) -> str:
    return " ".join(block.word_texts())


def _diff_words(old: _Block, new: _Block, marks: _Marks) -> None:
    before, after = old.word_texts(), new.word_texts()
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            at = new.words[j1][0] if j1 < len(new.words) else len(new.text)
            marks.removed.append((at, " ".join(before[i1:i2]), False))
        if op in ("insert", "replace"):
            marks.inserted.append((new.words[j1][0], new.words[j2 - 1][1]))


def _changes(old: list[_Block], new: list[_Block]) -> dict[int, _Marks]:
    """The marks of each desired block (by index) that differs from the current page."""
    marks: dict[int, _Marks] = {}

    def mark(j: int) -> _Marks:
        return marks.setdefault(j, _Marks())

    def removed_before(j: int, blocks: list[_Block]) -> None:
        # A removed block shows where it was: at the start of the block now after it.
        for block in blocks:
            if j < len(new):
                mark(j).removed.append((0, _key(block), True))
            elif new:
                mark(len(new) - 1).removed.append((len(new[-1].text), _key(block), True))

    def added(blocks: range) -> None:
        for j in blocks:
            mark(j).inserted.append((new[j].words[0][0], new[j].words[-1][1]))

    keys = ([_key(b) for b in old], [_key(b) for b in new])
    for op, i1, i2, j1, j2 in SequenceMatcher(None, *keys, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            before, after = old[i1 + k], new[j1 + k]
            words = SequenceMatcher(None, before.word_texts(), after.word_texts(), autojunk=False)
            if words.ratio() >= _SIMILAR:
                _diff_words(before, after, mark(j1 + k))
            else:
                removed_before(j1 + k, [before])
                added(range(j1 + k, j1 + k + 1))
        removed_before(j1 + paired, old[i1 + paired : i2])
        added(range(j1 + paired, j2))
    return marks


def _removed(text: str, whole: bool) -> str:
    kind = "diff block" if whole else "diff"
    return f'<del class="{kind}">{html.escape(text)}</del>'


def _marked(text: str, base: int, marks: _Marks, last: bool) -> str:
    """One text token of a block (starting at ``base`` in the block's text), marked."""
    end = base + len(text)
    cuts = {base, end}
    for a, b in marks.inserted:
        cuts.update(min(max(x, base), end) for x in (a, b))
    here = [r for r in marks.removed if base <= r[0] < end or (last and r[0] == end)]
    cuts.update(r[0] for r in here)
    points = sorted(cuts)
    out: list[str] = []
    for a, b in zip(points, [*points[1:], end], strict=True):
        out.extend(_removed(t, whole) for at, t, whole in here if at == a)
        piece = html.escape(text[a - base : b - base])
        if piece and any(x <= a and b <= y for x, y in marks.inserted):
            out.append(f'<ins class="diff">{piece}</ins>')
        else:
            out.append(piece)
    return "".join(out)


def mark_changes(current: str, desired: str) -> str:
    """``desired`` (``render.html`` output) with what differs from ``current`` marked: text
    added in ``<ins class="diff">``, text removed in ``<del class="diff">`` where it was (a
    whole removed block: ``<del class="diff block">``). Blocks are matched in order (difflib),
    so a moved or repeated paragraph is a change, and within a changed block word by word."""
    old, new = _Tokens(current), _Tokens(desired)
    marks = _changes(old.blocks, new.blocks)
    placed: dict[int, tuple[int, int, bool]] = {}  # token → (block, offset, last in block)
    for j, block in enumerate(new.blocks):
        offset = 0
        for n, token in enumerate(block.tokens):
            placed[token] = (j, offset, n == len(block.tokens) - 1)
            offset += len(new.tokens[token][1])
    out: list[str] = []
    for index, (is_text, value) in enumerate(new.tokens):
        where = placed.get(index)
        if not is_text:
            out.append(value)
        elif where is None or where[0] not in marks:
            out.append(html.escape(value))
        else:
            out.append(_marked(value, where[1], marks[where[0]], where[2]))
    if not new.blocks:  # nothing left to put a removal in front of
        out.extend(_removed(_key(block), True) for block in old.blocks)
    return "".join(out)


async def current_bodies(confluence: Confluence, plan: Plan) -> dict[str, str]:
    """The storage bodies, as Confluence has them now, of the pages ``plan`` updates (by
    address): what ``write_preview`` compares the new bodies with."""
    updates = [
        (change.address, change.before.page_id)
        for change in plan.changes
        if change.action is Action.UPDATE and change.before and change.before.page_id
    ]
    pages = await asyncio.gather(*(confluence.page(page_id, body=True) for _, page_id in updates))
    return {address: page.body or "" for (address, _), page in zip(updates, pages, strict=True)}


def _page_html(
    page: DesiredPage, entry: PreviewEntry, content: str, files: list[str], note: str
) -> str:
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
        f"{e(entry.reason)}{current}</p>"
        + (f'<p class="note">{e(note)}</p>' if note else "")
        + f"<h1>{e(page.title)}</h1>"
        f'<div class="content">{content}</div>'
        + (f"<h2>Attachments</h2><ul>{listed}</ul>" if files else "")
        + "</body></html>"
    )


_SCREEN = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#172b4d}a{color:#0052cc}.plan{padding:.4rem .6rem;border-radius:3px;
background:#f4f5f7}ins.diff{background:#abf5d1;text-decoration:none}del.diff{background:#ffbdad}
del.diff.block{display:block;font-size:1rem;font-weight:400}.note{color:#6b778c}
.action-create{background:#e3fcef}.action-update,.action-move{background:#fffae6}
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
    page_urls: Mapping[str, str] | None = None,
    changed_only: bool = False,
    current: Mapping[str, str] | None = None,
) -> list[PreviewEntry]:
    """Write the preview of ``desired`` (as ``plan`` would change it) into ``out``.

    ``current`` holds the storage bodies, by address, of the pages as Confluence has them now
    (``current_bodies``): a page found there is shown with its changes marked. ``page_urls``
    are the links, by address, of the pages Confluence has.
    """
    current = current or {}
    page_urls = page_urls or {}
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
        url = page_urls.get(str(page.address))
        slug = _slug(str(page.address))
        entry = PreviewEntry(
            str(page.address), page.title, action, reason, f"pages/{slug}.html", url
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

        content = storage_to_html(page.body, attachment, linked, children)
        note = ""
        if str(page.address) in current:
            now = storage_to_html(current[str(page.address)], attachment, linked, children)
            content = mark_changes(now, content)
        elif change is not None and change.action is Action.UPDATE:
            note = "The page in Confluence was not read: its changes are not marked."
        (out / "pages" / f"{slug}.html").write_text(
            _page_html(page, entry, content, files, note), "utf-8"
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
