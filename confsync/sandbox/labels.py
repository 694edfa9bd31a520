"""Content labels: a label is a (prefix, name) shared by every page that carries it.

As in Confluence, names are stored lower-case, a label id is the same on every page, adding a
label a page already has changes nothing, and a name with spaces or commas becomes several
labels (the REST API splits it rather than refusing it).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from confsync.sandbox.model import ErrorKind, SandboxError
from confsync.sandbox.store import Store

__all__ = ["PREFIXES", "Label", "Labels", "split_labels"]

PREFIXES = ("global", "my", "team")
MAX_NAME = 255
# Characters Confluence refuses in a label name (spaces and commas separate labels instead).
_INVALID = re.compile(r"[:;?&\[\]()#^*@!<>]")
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Label:
    """One label; ``name`` is lower-case and ``id`` is shared by all pages carrying it."""

    id: int
    prefix: str
    name: str


def split_labels(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(prefix, name) pairs as Confluence stores them, or INVALID for a name it refuses."""
    found: list[tuple[str, str]] = []
    for prefix, raw in pairs:
        if prefix not in PREFIXES:
            raise SandboxError(ErrorKind.INVALID, f"Invalid label prefix: {prefix}")
        for name in _SEPARATORS.split(raw.strip()):
            if not name:
                continue
            if _INVALID.search(name) or len(name) > MAX_NAME:
                raise SandboxError(ErrorKind.INVALID, f"Label name is invalid: {name}")
            pair = (prefix, name.lower())
            if pair not in found:
                found.append(pair)
    if not found:
        raise SandboxError(ErrorKind.INVALID, "At least one label name is required")
    return found


def _label(row: sqlite3.Row) -> Label:
    return Label(row["id"], row["prefix"], row["name"])


class Labels:
    def __init__(self, store: Store) -> None:
        self.store = store

    def find(
        self, page_id: int, *, prefix: str | None = None, offset: int = 0, limit: int = 200
    ) -> tuple[list[Label], bool]:
        sql = (
            "SELECT l.* FROM labels l JOIN content_labels c ON c.label_id = l.id "
            "WHERE c.page_id = ?" + (" AND l.prefix = ?" if prefix else "")
        )
        args: list[object] = [page_id, *([prefix] if prefix else [])]
        with self.store.reading() as conn:
            rows = conn.execute(
                f"{sql} ORDER BY l.name, l.id LIMIT ? OFFSET ?", [*args, limit + 1, offset]
            ).fetchall()
        return [_label(r) for r in rows[:limit]], len(rows) > limit

    def add(self, page_id: int, pairs: Sequence[tuple[str, str]]) -> None:
        """Adds the labels (already checked by ``split_labels``) the page does not carry yet."""
        with self.store.transaction() as conn:
            self._add(conn, page_id, pairs)

    def replace(self, page_id: int, pairs: Sequence[tuple[str, str]]) -> None:
        """The page carries exactly these labels afterwards (content update with metadata)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM content_labels WHERE page_id = ?", (page_id,))
            self._add(conn, page_id, pairs)

    def _add(
        self, conn: sqlite3.Connection, page_id: int, pairs: Sequence[tuple[str, str]]
    ) -> None:
        for prefix, name in pairs:
            row = conn.execute(
                "SELECT id FROM labels WHERE prefix = ? AND name = ?", (prefix, name)
            ).fetchone()
            label_id = row["id"] if row else self.store.next_id(conn, "label")
            if row is None:
                conn.execute("INSERT INTO labels VALUES (?, ?, ?)", (label_id, prefix, name))
            conn.execute("INSERT OR IGNORE INTO content_labels VALUES (?, ?)", (page_id, label_id))

    def remove(self, page_id: int, name: str) -> None:
        """Removes the label of that name (any prefix); NOT_FOUND if the page lacks it."""
        with self.store.transaction() as conn:
            removed = conn.execute(
                "DELETE FROM content_labels WHERE page_id = ? AND label_id IN "
                "(SELECT id FROM labels WHERE name = ?)",
                (page_id, name.lower()),
            ).rowcount
        if not removed:
            raise SandboxError(ErrorKind.NOT_FOUND, f"Label '{name}' is not on content {page_id}")
