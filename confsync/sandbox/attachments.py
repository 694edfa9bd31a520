"""Attachments: one filename per page, each new upload of data a new version with a comment."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from confsync.sandbox.model import Attachment, ErrorKind, SandboxError, User, Version
from confsync.sandbox.store import Store

__all__ = ["Attachments", "parse_attachment_id"]

_SELECT = (
    "SELECT a.*, v.number, v.media_type, v.comment, length(v.data) AS size, "
    "v.created_at AS version_at, v.author_id, v.minor_edit FROM attachments a "
    "JOIN attachment_versions v ON v.attachment_id = a.id AND v.number = "
    "(SELECT MAX(number) FROM attachment_versions WHERE attachment_id = a.id)"
)


def _attachment(row: sqlite3.Row) -> Attachment:
    return Attachment(
        id=row["id"],
        page_id=row["page_id"],
        filename=row["filename"],
        status=row["status"],
        created_at=row["created_at"],
        media_type=row["media_type"],
        comment=row["comment"],
        size=row["size"],
        version=Version(
            number=row["number"],
            message=row["comment"],
            created_at=row["version_at"],
            author_id=row["author_id"],
            minor_edit=bool(row["minor_edit"]),
        ),
    )


def parse_attachment_id(raw: str) -> int | None:
    """Attachment ids come as "att123" (or plain digits from older clients)."""
    digits = raw[3:] if raw.startswith("att") else raw
    return int(digits) if digits.isdigit() else None


class Attachments:
    def __init__(self, store: Store) -> None:
        self.store = store

    def find(
        self,
        page_id: int,
        *,
        filename: str | None = None,
        media_type: str | None = None,
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[Attachment], bool]:
        clauses = ["a.page_id = ?", "a.status = 'current'"]
        args: list[object] = [page_id]
        if filename is not None:
            clauses.append("a.filename = ?")
            args.append(filename)
        if media_type is not None:
            clauses.append("v.media_type = ?")
            args.append(media_type)
        sql = f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY a.id LIMIT ? OFFSET ?"
        with self.store.reading() as conn:
            rows = conn.execute(sql, [*args, limit + 1, offset]).fetchall()
        return [_attachment(r) for r in rows[:limit]], len(rows) > limit

    def on_pages(
        self, pages_sql: str, args: Sequence[object], *, offset: int = 0, limit: int = 25
    ) -> tuple[list[Attachment], bool]:
        """Current attachments of the pages ``pages_sql`` selects (CQL ``type = attachment``)."""
        sql = (
            f"{_SELECT} WHERE a.status = 'current' AND a.page_id IN ({pages_sql}) "
            "ORDER BY a.id LIMIT ? OFFSET ?"
        )
        with self.store.reading() as conn:
            rows = conn.execute(sql, [*args, limit + 1, offset]).fetchall()
        return [_attachment(r) for r in rows[:limit]], len(rows) > limit

    def get(self, attachment_id: int, page_id: int | None = None) -> Attachment:
        with self.store.reading() as conn:
            row = conn.execute(f"{_SELECT} WHERE a.id = ?", (attachment_id,)).fetchone()
        if row is None or (page_id is not None and row["page_id"] != page_id):
            raise SandboxError(
                ErrorKind.NOT_FOUND, f"No attachment found with id: att{attachment_id}"
            )
        return _attachment(row)

    def data(self, attachment_id: int, version: int | None = None) -> bytes:
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM attachment_versions WHERE attachment_id = ? "
                "ORDER BY (number = ?) DESC, number DESC LIMIT 1",
                (attachment_id, version),
            ).fetchone()
        if row is None:
            raise SandboxError(
                ErrorKind.NOT_FOUND, f"No attachment found with id: att{attachment_id}"
            )
        return bytes(row["data"])

    def versions(self, attachment_id: int) -> list[Version]:
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM attachment_versions WHERE attachment_id = ? ORDER BY number",
                (attachment_id,),
            ).fetchall()
        return [
            Version(
                r["number"], r["comment"], r["created_at"], r["author_id"], bool(r["minor_edit"])
            )
            for r in rows
        ]

    def create(
        self,
        user: User,
        page_id: int,
        files: Sequence[tuple[str, str, bytes, str]],
        *,
        minor_edit: bool = False,
    ) -> list[Attachment]:
        """New attachments from (filename, media type, data, comment); 400 if a name exists."""
        now = self.store.now()
        created: list[int] = []
        with self.store.transaction() as conn:
            for filename, media_type, data, comment in files:
                exists = conn.execute(
                    "SELECT id, status FROM attachments WHERE page_id = ? AND filename = ?",
                    (page_id, filename),
                ).fetchone()
                if exists is not None and exists["status"] == "trashed":
                    # A trashed file gives its name up to a new upload, as a trashed page does.
                    _purge(conn, exists["id"])
                elif exists is not None:
                    raise SandboxError(
                        ErrorKind.DUPLICATE_TITLE,
                        f"Cannot add a new attachment with same file name as an existing "
                        f"attachment: {filename}",
                    )
                attachment_id = self.store.next_id(conn, "content")
                conn.execute(
                    "INSERT INTO attachments VALUES (?, ?, ?, 'current', ?)",
                    (attachment_id, page_id, filename, now),
                )
                _add_version(
                    conn, attachment_id, 1, media_type, comment, data, now, user, minor_edit
                )
                created.append(attachment_id)
        return [self.get(a) for a in created]

    def new_version(
        self,
        user: User,
        page_id: int,
        attachment_id: int,
        media_type: str,
        data: bytes,
        comment: str,
        *,
        minor_edit: bool = False,
        filename: str | None = None,
    ) -> Attachment:
        current = self.get(attachment_id, page_id)
        now = self.store.now()
        with self.store.transaction() as conn:
            _add_version(
                conn,
                attachment_id,
                current.version.number + 1,
                media_type,
                comment,
                data,
                now,
                user,
                minor_edit,
            )
            if filename and filename != current.filename:
                conn.execute(
                    "UPDATE attachments SET filename = ? WHERE id = ?", (filename, attachment_id)
                )
        return self.get(attachment_id)

    def edit(
        self,
        user: User,
        attachment_id: int,
        *,
        version: int,
        filename: str | None,
        media_type: str | None,
        comment: str | None,
    ) -> Attachment:
        """A new version of the file with the same data and new properties (v1 PUT
        ``child/attachment/{id}``); ``version`` must be exactly current + 1 (else 409)."""
        current = self.get(attachment_id)
        if version != current.version.number + 1:
            raise SandboxError(
                ErrorKind.STALE_VERSION,
                "Version must be incremented on update. "
                f"Current version is: {current.version.number}",
            )
        now = self.store.now()
        with self.store.transaction() as conn:
            if filename and filename != current.filename:
                taken = conn.execute(
                    "SELECT 1 FROM attachments WHERE page_id = ? AND filename = ? AND id != ?",
                    (current.page_id, filename, attachment_id),
                ).fetchone()
                if taken:
                    raise SandboxError(
                        ErrorKind.DUPLICATE_TITLE,
                        f"Cannot rename the attachment: {filename} is already attached",
                    )
                conn.execute(
                    "UPDATE attachments SET filename = ? WHERE id = ?", (filename, attachment_id)
                )
            conn.execute(
                "INSERT INTO attachment_versions SELECT attachment_id, ?, ?, ?, data, ?, ?, 0 "
                "FROM attachment_versions WHERE attachment_id = ? AND number = ?",
                (
                    version,
                    media_type or current.media_type,
                    current.comment if comment is None else comment,
                    now,
                    user.account_id,
                    attachment_id,
                    current.version.number,
                ),
            )
        return self.get(attachment_id)

    def trash(self, attachment_id: int) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE attachments SET status = 'trashed' WHERE id = ?", (attachment_id,))

    def purge(self, attachment_id: int) -> None:
        with self.store.transaction() as conn:
            _purge(conn, attachment_id)


def _purge(conn: sqlite3.Connection, attachment_id: int) -> None:
    conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
    conn.execute("DELETE FROM attachment_versions WHERE attachment_id = ?", (attachment_id,))
    conn.execute("DELETE FROM watches WHERE content_id = ?", (attachment_id,))


def _add_version(
    conn: sqlite3.Connection,
    attachment_id: int,
    number: int,
    media_type: str,
    comment: str,
    data: bytes,
    now: str,
    user: User,
    minor_edit: bool,
) -> None:
    conn.execute(
        "INSERT INTO attachment_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (attachment_id, number, media_type, comment, data, now, user.account_id, int(minor_edit)),
    )
