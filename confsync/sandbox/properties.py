"""Content properties: JSON values by key on a page, versioned (each update is current + 1)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from confsync.sandbox.model import ErrorKind, Property, SandboxError, User, Version
from confsync.sandbox.store import Store

__all__ = ["Properties"]

_SELECT = (
    "SELECT p.id, p.page_id, p.key, v.number, v.value, v.message, v.created_at, v.author_id, "
    "v.minor_edit FROM properties p JOIN property_versions v ON v.property_id = p.id AND "
    "v.number = (SELECT MAX(number) FROM property_versions WHERE property_id = p.id)"
)


def _property(row: sqlite3.Row) -> Property:
    return Property(
        id=row["id"],
        page_id=row["page_id"],
        key=row["key"],
        value=json.loads(row["value"]),
        version=Version(
            row["number"],
            row["message"],
            row["created_at"],
            row["author_id"],
            bool(row["minor_edit"]),
        ),
    )


class Properties:
    def __init__(self, store: Store) -> None:
        self.store = store

    def find(
        self, page_id: int, *, key: str | None = None, offset: int = 0, limit: int = 25
    ) -> tuple[list[Property], bool]:
        sql = f"{_SELECT} WHERE p.page_id = ?" + (" AND p.key = ?" if key is not None else "")
        args: list[object] = [page_id] + ([key] if key is not None else [])
        with self.store.reading() as conn:
            rows = conn.execute(f"{sql} ORDER BY p.id LIMIT ? OFFSET ?", [*args, limit + 1, offset])
            found = rows.fetchall()
        return [_property(r) for r in found[:limit]], len(found) > limit

    def get(
        self, page_id: int, *, key: str | None = None, property_id: int | None = None
    ) -> Property:
        column, value = ("p.key", key) if key is not None else ("p.id", property_id)
        with self.store.reading() as conn:
            row = conn.execute(
                f"{_SELECT} WHERE p.page_id = ? AND {column} = ?", (page_id, value)
            ).fetchone()
        if row is None:
            raise SandboxError(
                ErrorKind.NOT_FOUND,
                f"Cannot find content property with key {key!s}"
                if key is not None
                else f"No content property found with id: {property_id}",
            )
        return _property(row)

    def create(self, user: User, page_id: int, key: str, value: Any) -> Property:
        if not key or len(key) > 255:
            raise SandboxError(ErrorKind.INVALID, "Property key must be 1 to 255 characters")
        now = self.store.now()
        with self.store.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM properties WHERE page_id = ? AND key = ?", (page_id, key)
            ).fetchone():
                raise SandboxError(
                    ErrorKind.CONFLICT,
                    f"Cannot create property with key '{key}' as a property with this key "
                    "already exists on this content",
                )
            property_id = self.store.next_id(conn, "content")
            conn.execute("INSERT INTO properties VALUES (?, ?, ?)", (property_id, page_id, key))
            _add_version(conn, property_id, 1, value, "", now, user, minor=False)
        return self.get(page_id, property_id=property_id)

    def update(
        self,
        user: User,
        page_id: int,
        current: Property,
        value: Any,
        version: int,
        *,
        message: str = "",
        minor_edit: bool = False,
    ) -> Property:
        now = self.store.now()
        with self.store.transaction() as conn:
            number = conn.execute(
                "SELECT MAX(number) FROM property_versions WHERE property_id = ?", (current.id,)
            ).fetchone()[0]
            if version != number + 1:
                raise SandboxError(
                    ErrorKind.STALE_VERSION,
                    f"Version must be incremented on update. Current version is: {number}",
                )
            _add_version(conn, current.id, version, value, message, now, user, minor=minor_edit)
        return self.get(page_id, property_id=current.id)

    def delete(self, page_id: int, current: Property) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM properties WHERE id = ?", (current.id,))
            conn.execute("DELETE FROM property_versions WHERE property_id = ?", (current.id,))

    def versions(self, property_id: int) -> list[Version]:
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM property_versions WHERE property_id = ? ORDER BY number",
                (property_id,),
            ).fetchall()
        return [
            Version(
                r["number"], r["message"], r["created_at"], r["author_id"], bool(r["minor_edit"])
            )
            for r in rows
        ]


def _add_version(
    conn: sqlite3.Connection,
    property_id: int,
    number: int,
    value: Any,
    message: str,
    now: str,
    user: User,
    *,
    minor: bool,
) -> None:
    conn.execute(
        "INSERT INTO property_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
        (property_id, number, json.dumps(value), message, now, user.account_id, int(minor)),
    )
