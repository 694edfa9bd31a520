"""Space properties: JSON values by key on a space, versioned (each update is current + 1).

Clients build locks on them (a lease stored under a key), so every check and its write happen
in one write transaction: of two creates of one key exactly one succeeds, and of two updates
from one version exactly one does, even across apps sharing a database file. The UNIQUE
(space_id, key) constraint backs the create check up. Only the current version is kept: no
API serves a space property's history.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from confsync.sandbox.model import ErrorKind, SandboxError, Space, User, Version
from confsync.sandbox.store import Store

__all__ = ["SpaceProperties", "SpaceProperty"]

_MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class SpaceProperty:
    """A JSON property of a space; ``created_at``/``author_id`` are those of version 1."""

    id: int
    space_id: int
    key: str
    value: Any
    created_at: str
    author_id: str
    version: Version


def _property(row: sqlite3.Row) -> SpaceProperty:
    return SpaceProperty(
        id=row["id"],
        space_id=row["space_id"],
        key=row["key"],
        value=json.loads(row["value"]),
        created_at=row["created_at"],
        author_id=row["author_id"],
        version=Version(
            number=row["version"],
            message=row["version_message"],
            created_at=row["version_at"],
            author_id=row["version_author"],
            minor_edit=bool(row["minor_edit"]),
        ),
    )


def _duplicate(space: Space, key: str) -> SandboxError:
    return SandboxError(
        ErrorKind.CONFLICT, f"A property with key '{key}' already exists in space {space.key}"
    )


class SpaceProperties:
    def __init__(self, store: Store) -> None:
        self.store = store

    def find(
        self, space: Space, *, key: str | None = None, offset: int = 0, limit: int = 25
    ) -> tuple[list[SpaceProperty], bool]:
        """One slice of the space's properties in creation order, and whether more follow."""
        sql = "SELECT * FROM space_properties WHERE space_id = ?"
        args: list[object] = [space.id]
        if key is not None:
            sql += " AND key = ?"
            args.append(key)
        with self.store.reading() as conn:
            rows = conn.execute(f"{sql} ORDER BY id LIMIT ? OFFSET ?", [*args, limit + 1, offset])
            found = rows.fetchall()
        return [_property(r) for r in found[:limit]], len(found) > limit

    def get(
        self, space: Space, *, key: str | None = None, property_id: int | None = None
    ) -> SpaceProperty:
        column, value = ("key", key) if key is not None else ("id", property_id)
        with self.store.reading() as conn:
            row = conn.execute(
                f"SELECT * FROM space_properties WHERE space_id = ? AND {column} = ?",
                (space.id, value),
            ).fetchone()
        if row is None:
            raise SandboxError(
                ErrorKind.NOT_FOUND,
                f"No property with key '{key}' in space {space.key}"
                if key is not None
                else f"No space property found with id: {property_id}",
            )
        return _property(row)

    def create(self, user: User, space: Space, key: str, value: Any) -> SpaceProperty:
        """Version 1 of a new property; CONFLICT when the space has one with this key."""
        if not key or len(key) > _MAX_KEY_LENGTH:
            raise SandboxError(
                ErrorKind.INVALID, f"Property key must be 1 to {_MAX_KEY_LENGTH} characters"
            )
        now = self.store.now()
        with self.store.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM space_properties WHERE space_id = ? AND key = ?", (space.id, key)
            ).fetchone():
                raise _duplicate(space, key)
            property_id = self.store.next_id(conn, "content")
            try:
                conn.execute(
                    "INSERT INTO space_properties VALUES "
                    "(:id, :space, :key, :value, :now, :user, 1, '', :now, :user, 0)",
                    {
                        "id": property_id,
                        "space": space.id,
                        "key": key,
                        "value": json.dumps(value),
                        "now": now,
                        "user": user.account_id,
                    },
                )
            except sqlite3.IntegrityError as exc:
                raise _duplicate(space, key) from exc
        return self.get(space, property_id=property_id)

    def update(
        self,
        user: User,
        space: Space,
        property_id: int,
        value: Any,
        version: int,
        *,
        message: str = "",
        minor_edit: bool = False,
    ) -> SpaceProperty:
        """The next version; STALE_VERSION unless ``version`` is the current one + 1."""
        now = self.store.now()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT version FROM space_properties WHERE space_id = ? AND id = ?",
                (space.id, property_id),
            ).fetchone()
            if row is None:
                raise SandboxError(
                    ErrorKind.NOT_FOUND, f"No space property found with id: {property_id}"
                )
            current = row["version"]
            if version != current + 1:
                raise SandboxError(
                    ErrorKind.STALE_VERSION,
                    f"Version must be incremented on update. Current version is: {current}",
                )
            conn.execute(
                "UPDATE space_properties SET value = :value, version = :version, "
                "version_message = :message, version_at = :now, version_author = :user, "
                "minor_edit = :minor WHERE id = :id",
                {
                    "value": json.dumps(value),
                    "version": version,
                    "message": message,
                    "now": now,
                    "user": user.account_id,
                    "minor": int(minor_edit),
                    "id": property_id,
                },
            )
        return self.get(space, property_id=property_id)

    def delete(self, space: Space, property_id: int) -> None:
        with self.store.transaction() as conn:
            gone = conn.execute(
                "DELETE FROM space_properties WHERE space_id = ? AND id = ?",
                (space.id, property_id),
            ).rowcount
        if not gone:
            raise SandboxError(
                ErrorKind.NOT_FOUND, f"No space property found with id: {property_id}"
            )
