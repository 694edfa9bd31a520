"""Page rules: unique titles, version numbers, parents, bodies, trash and purge.

Every check and its write happen in one transaction, so concurrent writers (threads, or apps
sharing a file) cannot both pass a check such as "no page has this title yet".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace

from confsync.sandbox.defaults import MAX_TITLE_LENGTH
from confsync.sandbox.model import ErrorKind, Page, SandboxError, Space, User, Version
from confsync.sandbox.normalise import normalise_storage
from confsync.sandbox.storage_format import check_storage
from confsync.sandbox.store import Store, version_row, visible

__all__ = ["PageFilter", "Pages"]

# Statuses that hold a title: archived pages keep theirs, trashed ones give it up.
_TITLE_HOLDERS = ("current", "archived", "draft")

_SELECT = (
    "SELECT p.*, s.key AS space_key, s.restricted_to "
    "FROM pages p JOIN spaces s ON s.id = p.space_id"
)


def _page(row: sqlite3.Row) -> Page:
    return Page(
        id=row["id"],
        space_id=row["space_id"],
        space_key=row["space_key"],
        parent_id=row["parent_id"],
        title=row["title"],
        status=row["status"],
        created_at=row["created_at"],
        author_id=row["author_id"],
        position=row["position"],
        version=Version(
            number=row["version"],
            message=row["version_message"],
            created_at=row["version_at"],
            author_id=row["version_author"],
            minor_edit=bool(row["minor_edit"]),
        ),
        body=row["body"],
    )


@dataclass(frozen=True)
class PageFilter:
    """What a page listing or search selects; empty tuples mean "any"."""

    space_ids: tuple[int, ...] = ()
    space_keys: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    title_contains: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("current",)
    ids: tuple[int, ...] = ()
    parent_id: int | None = None
    ancestor_id: int | None = None
    # Each inner tuple is one CQL label clause: the page carries any of its names.
    labels: tuple[tuple[str, ...], ...] = ()


_SORTS = {
    "id": "p.id",
    "-id": "p.id DESC",
    "title": "p.title, p.id",
    "-title": "p.title DESC, p.id",
    "created-date": "p.created_at, p.id",
    "-created-date": "p.created_at DESC, p.id",
    "modified-date": "p.version_at, p.id",
    "-modified-date": "p.version_at DESC, p.id",
    "child-position": "p.position, p.id",
    "-child-position": "p.position DESC, p.id",
}


class Pages:
    def __init__(self, store: Store) -> None:
        self.store = store

    # reading

    def get(self, user: User | None, page_id: int, statuses: Sequence[str] = ()) -> Page:
        """The page, or NOT_FOUND when it is missing, purged, of another status or not visible."""
        with self.store.reading() as conn:
            row = conn.execute(f"{_SELECT} WHERE p.id = ?", (page_id,)).fetchone()
        if row is None or (statuses and row["status"] not in statuses):
            raise SandboxError(ErrorKind.NOT_FOUND, f"No content found with id: {page_id}")
        if user is not None and row["restricted_to"] not in (None, user.account_id):
            raise SandboxError(ErrorKind.NOT_FOUND, f"No content found with id: {page_id}")
        return _page(row)

    def find(
        self,
        user: User | None,
        where: PageFilter,
        *,
        sort: str = "id",
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[Page], bool]:
        """One slice of the matching pages, and whether more follow."""
        where_sql, args = _where_sql(user, where)
        sql = f"{_SELECT}{where_sql} ORDER BY {_SORTS.get(sort, 'p.id')} LIMIT ? OFFSET ?"
        with self.store.reading() as conn:
            rows = conn.execute(sql, [*args, limit + 1, offset]).fetchall()
        return [_page(r) for r in rows[:limit]], len(rows) > limit

    def ids_sql(self, user: User | None, where: PageFilter) -> tuple[str, list[object]]:
        """A sub-query selecting the ids of the matching pages, and its arguments."""
        where_sql, args = _where_sql(user, where)
        return f"SELECT p.id FROM pages p JOIN spaces s ON s.id = p.space_id{where_sql}", args

    def count(self, user: User | None, where: PageFilter) -> int:
        """How many pages match (search answers carry a total)."""
        where_sql, args = _where_sql(user, where)
        with self.store.reading() as conn:
            sql = f"SELECT COUNT(*) FROM pages p JOIN spaces s ON s.id = p.space_id{where_sql}"
            return int(conn.execute(sql, args).fetchone()[0])

    def ancestors(self, page: Page) -> list[Page]:
        """Root first, parent last."""
        chain: list[Page] = []
        parent = page.parent_id
        while parent is not None:
            ancestor = self.get(None, parent)
            chain.append(ancestor)
            parent = ancestor.parent_id
        return chain[::-1]

    def versions(self, page_id: int) -> list[Version]:
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM page_versions WHERE page_id = ? ORDER BY number", (page_id,)
            ).fetchall()
        return [
            Version(
                r["number"], r["message"], r["created_at"], r["author_id"], bool(r["minor_edit"])
            )
            for r in rows
        ]

    def at_version(self, page: Page, number: int) -> Page:
        """``page`` as it was at version ``number`` (see ``_as_of``); NOT_FOUND for a version
        it never had."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT * FROM page_versions WHERE page_id = ? AND number = ?", (page.id, number)
            ).fetchone()
        if row is None:
            raise SandboxError(ErrorKind.NOT_FOUND, f"No version {number} of content {page.id}")
        return _as_of(page, row)

    def history(
        self, page: Page, *, newest_first: bool = True, offset: int = 0, limit: int = 25
    ) -> tuple[list[Page], bool]:
        """One slice of ``page`` as of each of its versions, and whether more follow."""
        order = "DESC" if newest_first else "ASC"
        with self.store.reading() as conn:
            rows = conn.execute(
                f"SELECT * FROM page_versions WHERE page_id = ? ORDER BY number {order} "
                "LIMIT ? OFFSET ?",
                (page.id, limit + 1, offset),
            ).fetchall()
        return [_as_of(page, r) for r in rows[:limit]], len(rows) > limit

    # writing

    def create(
        self,
        user: User,
        space: Space | None,
        title: str,
        body: str,
        *,
        parent_id: int | None = None,
        message: str = "",
        under_homepage: bool = False,
    ) -> Page:
        """A new current page. ``under_homepage`` puts parentless pages below the space's
        homepage, as Cloud does; Data Center leaves them at the top of the space."""
        if space is None or not visible(space, user):
            raise SandboxError(ErrorKind.NO_SPACE, "No space with the given key or id")
        _check_title(title)
        check_storage(body)
        body = normalise_storage(body)
        now = self.store.now()
        with self.store.transaction() as conn:
            if parent_id is None and under_homepage:
                parent_id = space.homepage_id
            if parent_id is not None:
                _check_parent(conn, space, parent_id, None)
            _check_unique(conn, space.id, title, None)
            page_id = self.store.next_id(conn, "content")
            position = conn.execute(
                "SELECT COUNT(*) FROM pages WHERE parent_id IS ? AND space_id = ?",
                (parent_id, space.id),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO pages VALUES (?, ?, ?, ?, 'current', ?, ?, ?, 1, ?, ?, ?, 0, ?)",
                (
                    page_id,
                    space.id,
                    parent_id,
                    title,
                    now,
                    user.account_id,
                    position,
                    message,
                    now,
                    user.account_id,
                    body,
                ),
            )
            _record_version(conn, page_id, 1, title, body, message, now, user, minor=False)
        return self.get(None, page_id)

    def update(
        self,
        user: User,
        page_id: int,
        *,
        title: str,
        body: str | None,
        version: int,
        message: str = "",
        parent_id: int | None = None,
        minor_edit: bool = False,
    ) -> Page:
        """The next version of a page; ``version`` must be exactly current + 1 (else 409)."""
        page = self.get(user, page_id, ("current", "archived", "draft"))
        _check_title(title)
        if body is not None:
            check_storage(body)
            body = normalise_storage(body)
        space = self.store.space_by_id(page.space_id)
        assert space is not None
        now = self.store.now()
        with self.store.transaction() as conn:
            current = conn.execute("SELECT version FROM pages WHERE id = ?", (page_id,)).fetchone()
            if version != current["version"] + 1:
                raise SandboxError(
                    ErrorKind.STALE_VERSION,
                    "Version must be incremented on update. "
                    f"Current version is: {current['version']}",
                )
            if parent_id is not None and parent_id != page.parent_id:
                _check_parent(conn, space, parent_id, page_id)
            new_parent = parent_id if parent_id is not None else page.parent_id
            _check_unique(conn, space.id, title, page_id)
            new_body = body if body is not None else page.body
            conn.execute(
                "UPDATE pages SET title = ?, body = ?, parent_id = ?, version = ?, "
                "version_message = ?, version_at = ?, version_author = ?, minor_edit = ? "
                "WHERE id = ?",
                (
                    title,
                    new_body,
                    new_parent,
                    version,
                    message,
                    now,
                    user.account_id,
                    int(minor_edit),
                    page_id,
                ),
            )
            _record_version(
                conn, page_id, version, title, new_body, message, now, user, minor=minor_edit
            )
        return self.get(None, page_id)

    def move(self, user: User, page_id: int, position: str, target_id: int) -> Page:
        """Cloud v1's move: ``append`` puts the page last below ``target_id``; ``before`` and
        ``after`` make it the target's sibling there. No new version, as in Confluence."""
        page = self.get(user, page_id, ("current", "archived", "draft"))
        target = self.get(user, target_id, ("current", "archived"))
        space = self.store.space_by_id(page.space_id)
        assert space is not None
        parent = target.id if position == "append" else target.parent_id
        with self.store.transaction() as conn:
            if target.space_id != page.space_id:
                raise SandboxError(ErrorKind.INVALID, "The sandbox moves pages within a space")
            if parent is not None:
                _check_parent(conn, space, parent, page_id)
            elif page_id == target.id:
                raise SandboxError(ErrorKind.INVALID, "A page cannot move next to itself")
            if position == "append":
                spot = conn.execute(
                    "SELECT COUNT(*) FROM pages WHERE parent_id IS ? AND space_id = ? AND id != ?",
                    (parent, page.space_id, page_id),
                ).fetchone()[0]
            else:
                spot = target.position + (1 if position == "after" else 0)
                conn.execute(
                    "UPDATE pages SET position = position + 1 WHERE parent_id IS ? "
                    "AND space_id = ? AND position >= ? AND id != ?",
                    (parent, page.space_id, spot, page_id),
                )
            conn.execute(
                "UPDATE pages SET parent_id = ?, position = ? WHERE id = ?",
                (parent, spot, page_id),
            )
        return self.get(None, page_id)

    def trash(self, user: User, page_id: int) -> None:
        """Moves the page to the trash; its children move up to its parent, as in Confluence."""
        page = self.get(user, page_id, ("current", "archived", "draft"))
        with self.store.transaction() as conn:
            conn.execute("UPDATE pages SET status = 'trashed' WHERE id = ?", (page_id,))
            conn.execute(
                "UPDATE pages SET parent_id = ? WHERE parent_id = ?", (page.parent_id, page_id)
            )

    def purge(self, user: User, page_id: int) -> None:
        page = self.get(user, page_id)
        if page.status != "trashed":
            raise SandboxError(ErrorKind.INVALID, "Only a trashed page can be purged")
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM pages WHERE id = ?", (page_id,))
            conn.execute("DELETE FROM page_versions WHERE page_id = ?", (page_id,))
            for table, column in (
                ("attachments", "page_id"),
                ("properties", "page_id"),
                ("content_labels", "page_id"),
                ("watches", "content_id"),
            ):
                conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (page_id,))

    def set_status(self, page_id: int, status: str) -> None:
        """Archive or restore a page (admin API: v2 archiving is asynchronous on real Cloud)."""
        with self.store.transaction() as conn:
            conn.execute("UPDATE pages SET status = ? WHERE id = ?", (status, page_id))


def _as_of(page: Page, row: sqlite3.Row) -> Page:
    """The page with one version's title, body and version. A past version's status is
    "historical", as Confluence answers it; the latest keeps the page's own status. Parent,
    position and space are the page's current ones: the store keeps no history of moves."""
    number = row["number"]
    status = "historical" if number < page.version.number else page.status
    return replace(
        page, title=row["title"], body=row["body"], status=status, version=version_row(row)
    )


def _where_sql(user: User | None, where: PageFilter) -> tuple[str, list[object]]:
    """The WHERE clause (with a leading space, or empty) and its arguments."""
    clauses: list[str] = []
    args: list[object] = []

    def any_of(column: str, values: Sequence[object]) -> None:
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            args.extend(values)

    any_of("p.space_id", where.space_ids)
    any_of("s.key", where.space_keys)
    any_of("p.title", where.titles)
    any_of("p.status", where.statuses)
    any_of("p.id", where.ids)
    for text in where.title_contains:
        clauses.append("lower(p.title) LIKE ? ESCAPE '\\'")
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args.append(f"%{escaped}%")
    if where.parent_id is not None:
        clauses.append("p.parent_id = ?")
        args.append(where.parent_id)
    if where.ancestor_id is not None:
        clauses.append(
            "p.id IN (WITH RECURSIVE d(id) AS (SELECT id FROM pages WHERE parent_id = ? "
            "UNION SELECT pages.id FROM pages JOIN d ON pages.parent_id = d.id) "
            "SELECT id FROM d)"
        )
        args.append(where.ancestor_id)
    if user is not None:
        clauses.append("(s.restricted_to IS NULL OR s.restricted_to = ?)")
        args.append(user.account_id)
    for names in where.labels:
        clauses.append(
            "p.id IN (SELECT c.page_id FROM content_labels c JOIN labels l ON l.id = c.label_id "
            f"WHERE l.name IN ({','.join('?' * len(names))}))"
        )
        args.extend(n.lower() for n in names)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _check_title(title: str) -> None:
    if not title.strip():
        raise SandboxError(ErrorKind.INVALID, "Title cannot be empty.")
    if len(title) > MAX_TITLE_LENGTH:
        raise SandboxError(
            ErrorKind.INVALID, f"Title cannot be longer than {MAX_TITLE_LENGTH} characters."
        )


def _check_unique(conn: sqlite3.Connection, space_id: int, title: str, page_id: int | None) -> None:
    row = conn.execute(
        "SELECT id FROM pages WHERE space_id = ? AND ulower(title) = ulower(?) "
        "AND id IS NOT ? "
        f"AND status IN ({','.join('?' * len(_TITLE_HOLDERS))})",
        (space_id, title, page_id, *_TITLE_HOLDERS),
    ).fetchone()
    if row is not None:
        raise SandboxError(
            ErrorKind.DUPLICATE_TITLE,
            "A page with this title already exists: A page already exists with the same TITLE "
            "in this space",
        )


def _check_parent(
    conn: sqlite3.Connection, space: Space, parent_id: int, page_id: int | None
) -> None:
    row = conn.execute("SELECT space_id, status FROM pages WHERE id = ?", (parent_id,)).fetchone()
    if row is None or row["status"] not in ("current", "archived"):
        raise SandboxError(ErrorKind.BAD_PARENT, f"No parent page found with id: {parent_id}")
    if row["space_id"] != space.id:
        raise SandboxError(
            ErrorKind.INVALID, f"The parent page {parent_id} is not in space {space.key}"
        )
    if page_id is not None:
        # A page cannot move below itself or one of its descendants.
        cursor: int | None = parent_id
        while cursor is not None:
            if cursor == page_id:
                raise SandboxError(ErrorKind.INVALID, "A page cannot be its own ancestor")
            found = conn.execute("SELECT parent_id FROM pages WHERE id = ?", (cursor,)).fetchone()
            cursor = found["parent_id"] if found else None


def _record_version(
    conn: sqlite3.Connection,
    page_id: int,
    number: int,
    title: str,
    body: str,
    message: str,
    now: str,
    user: User,
    *,
    minor: bool,
) -> None:
    conn.execute(
        "INSERT INTO page_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (page_id, number, title, body, message, now, user.account_id, int(minor)),
    )
