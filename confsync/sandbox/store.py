"""The SQLite store: schema, connection, transactions, users and spaces.

One connection per app, guarded by a lock: every endpoint is async and store calls are short,
so a lock is simpler and faster than a pool. A file database runs in WAL mode with a busy
timeout and takes its write lock up front (BEGIN IMMEDIATE), so several apps or processes on
one file serialise their writes instead of corrupting it or failing on lock upgrades.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from confsync.sandbox import defaults
from confsync.sandbox.model import Space, User, Version

__all__ = ["Clock", "Store", "iso", "version_row", "visible"]

Clock = Callable[[], float]

# Run on every open: a database file from an earlier version gains the tables added since
# (a new column would need an ALTER TABLE here).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    account_id TEXT PRIMARY KEY, email TEXT UNIQUE, username TEXT UNIQUE,
    display_name TEXT NOT NULL, password TEXT, api_token TEXT, pat TEXT);
CREATE TABLE IF NOT EXISTS scoped_api_tokens (
    token TEXT PRIMARY KEY, email TEXT NOT NULL, scopes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spaces (
    id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    created_at TEXT NOT NULL, author_id TEXT NOT NULL, homepage_id INTEGER,
    restricted_to TEXT);
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY, space_id INTEGER NOT NULL, parent_id INTEGER,
    title TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
    author_id TEXT NOT NULL, position INTEGER NOT NULL,
    version INTEGER NOT NULL, version_message TEXT NOT NULL, version_at TEXT NOT NULL,
    version_author TEXT NOT NULL, minor_edit INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pages_by_space_title ON pages (space_id, title);
CREATE INDEX IF NOT EXISTS pages_by_parent ON pages (parent_id);
CREATE TABLE IF NOT EXISTS page_versions (
    page_id INTEGER NOT NULL, number INTEGER NOT NULL, title TEXT NOT NULL,
    body TEXT NOT NULL, message TEXT NOT NULL, created_at TEXT NOT NULL,
    author_id TEXT NOT NULL, minor_edit INTEGER NOT NULL, PRIMARY KEY (page_id, number));
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL, filename TEXT NOT NULL,
    status TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (page_id, filename));
CREATE TABLE IF NOT EXISTS attachment_versions (
    attachment_id INTEGER NOT NULL, number INTEGER NOT NULL, media_type TEXT NOT NULL,
    comment TEXT NOT NULL, data BLOB NOT NULL, created_at TEXT NOT NULL,
    author_id TEXT NOT NULL, minor_edit INTEGER NOT NULL,
    PRIMARY KEY (attachment_id, number));
CREATE TABLE IF NOT EXISTS properties (
    id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL, key TEXT NOT NULL,
    UNIQUE (page_id, key));
CREATE TABLE IF NOT EXISTS property_versions (
    property_id INTEGER NOT NULL, number INTEGER NOT NULL, value TEXT NOT NULL,
    message TEXT NOT NULL, created_at TEXT NOT NULL, author_id TEXT NOT NULL,
    minor_edit INTEGER NOT NULL, PRIMARY KEY (property_id, number));
CREATE TABLE IF NOT EXISTS space_properties (
    id INTEGER PRIMARY KEY, space_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    created_at TEXT NOT NULL, author_id TEXT NOT NULL,
    version INTEGER NOT NULL, version_message TEXT NOT NULL, version_at TEXT NOT NULL,
    version_author TEXT NOT NULL, minor_edit INTEGER NOT NULL, UNIQUE (space_id, key));
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, flavor TEXT NOT NULL, client_id TEXT NOT NULL,
    account_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, scope TEXT NOT NULL,
    challenge TEXT, challenge_method TEXT, expires_at REAL NOT NULL, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token TEXT PRIMARY KEY, flavor TEXT NOT NULL, kind TEXT NOT NULL,
    client_id TEXT NOT NULL, account_id TEXT NOT NULL, scope TEXT NOT NULL,
    expires_at REAL NOT NULL, rotated_at REAL);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (prefix, name));
CREATE TABLE IF NOT EXISTS content_labels (
    page_id INTEGER NOT NULL, label_id INTEGER NOT NULL, PRIMARY KEY (page_id, label_id));
CREATE TABLE IF NOT EXISTS watches (
    content_id INTEGER NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (content_id, account_id));
"""

# Content ids (pages and attachments share them, as in Confluence), space and label ids start high,
# so they look like real ones and are never mistaken for positions or counts.
_FIRST_IDS = {"content": 65537, "space": 98305, "label": 131073}

_SEED_USERS = (
    (
        "557058:00000000-0000-4000-8000-0000000000a1",
        defaults.DEFAULT_CLOUD_EMAIL,
        defaults.DEFAULT_DC_USER,
        "Sandbox Admin",
        defaults.DEFAULT_DC_PASSWORD,
        defaults.DEFAULT_API_TOKEN,
        defaults.DEFAULT_PAT,
    ),
    (
        "557058:00000000-0000-4000-8000-0000000000b2",
        defaults.OTHER_EMAIL,
        defaults.OTHER_USER,
        "Other User",
        defaults.OTHER_PASSWORD,
        defaults.OTHER_API_TOKEN,
        defaults.OTHER_PAT,
    ),
)


def iso(timestamp: float) -> str:
    """Confluence's timestamp form: YYYY-MM-DDTHH:mm:ss.sssZ."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def version_row(row: sqlite3.Row, message: str = "message") -> Version:
    """A Version from a *_versions row (attachments keep their comment as the message)."""
    return Version(
        number=row["number"],
        message=row[message],
        created_at=row["created_at"],
        author_id=row["author_id"],
        minor_edit=bool(row["minor_edit"]),
    )


def _user(row: sqlite3.Row) -> User:
    return User(row["account_id"], row["email"], row["username"], row["display_name"])


def _space(row: sqlite3.Row) -> Space:
    return Space(
        id=row["id"],
        key=row["key"],
        name=row["name"],
        created_at=row["created_at"],
        author_id=row["author_id"],
        homepage_id=row["homepage_id"],
        restricted_to=row["restricted_to"],
    )


class Store:
    """All sandbox state. ``clock`` returns epoch seconds and is injectable for tests."""

    def __init__(self, db: str | Path = ":memory:", *, clock: Clock = time.time) -> None:
        self.path = str(db)
        self.clock = clock
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._conn.row_factory = sqlite3.Row
        # Titles are unique per space regardless of case, Unicode case too (SQLite's lower()
        # knows only ASCII); like Java's toLowerCase, "ß" is not "ss".
        self._conn.create_function("ulower", 1, _lower, deterministic=True)
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            # executescript commits first, so the schema goes outside a transaction.
            self._conn.executescript(_SCHEMA)
        with self.transaction() as conn:
            for row in _SEED_USERS:
                conn.execute("INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            conn.execute(
                "INSERT OR IGNORE INTO scoped_api_tokens VALUES (?, ?, ?)",
                (
                    defaults.DEFAULT_SCOPED_API_TOKEN,
                    defaults.DEFAULT_CLOUD_EMAIL,
                    defaults.DEFAULT_SCOPED_TOKEN_SCOPES,
                ),
            )

    def now(self) -> str:
        return iso(self.clock())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the write lock from its start."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def next_id(self, conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT value FROM seq WHERE name = ?", (name,)).fetchone()
        value = row["value"] + 1 if row else _FIRST_IDS[name]
        conn.execute("INSERT OR REPLACE INTO seq VALUES (?, ?)", (name, value))
        return value

    # users

    def user_by(self, column: str, value: str) -> User | None:
        if column not in {"email", "username", "account_id", "pat"}:
            raise ValueError(column)
        with self.reading() as conn:
            row = conn.execute(f"SELECT * FROM users WHERE {column} = ?", (value,)).fetchone()
        return _user(row) if row else None

    def check_secret(self, column: str, login: str, secret: str) -> User | None:
        """The user whose ``column`` (email or username) is login and whose secret matches."""
        field = {"email": "api_token", "username": "password"}[column]
        with self.reading() as conn:
            row = conn.execute(
                f"SELECT * FROM users WHERE {column} = ? AND {field} = ?", (login, secret)
            ).fetchone()
        return _user(row) if row else None

    def check_scoped_token(self, email: str, token: str) -> tuple[User, frozenset[str]] | None:
        """The user and scopes of a scoped API token, or None (unknown, or another's)."""
        with self.reading() as conn:
            row = conn.execute(
                "SELECT * FROM scoped_api_tokens WHERE email = ? AND token = ?", (email, token)
            ).fetchone()
        user = self.user_by("email", email) if row else None
        return (user, frozenset(row["scopes"].split())) if row and user else None

    def users(self) -> list[User]:
        with self.reading() as conn:
            return [_user(r) for r in conn.execute("SELECT * FROM users ORDER BY email")]

    @property
    def admin(self) -> User:
        user = self.user_by("email", defaults.DEFAULT_CLOUD_EMAIL)
        assert user is not None
        return user

    # spaces

    def ensure_spaces(self, keys: Sequence[str], *, home_parent: bool) -> None:
        """Create each space not there yet, with a homepage (Cloud gives every space one)."""
        for key in keys:
            if self.space_by_key(key) is None:
                self.create_space(key, home_page=home_parent)

    def create_space(
        self,
        key: str,
        name: str | None = None,
        *,
        restricted_to: str | None = None,
        home_page: bool = True,
    ) -> Space:
        author = self.admin.account_id
        now = self.now()
        with self.transaction() as conn:
            # Checked inside the write transaction: two apps starting on one file at once
            # must not both create the space.
            if conn.execute("SELECT 1 FROM spaces WHERE key = ?", (key,)).fetchone():
                existing = self.space_by_key(key)
                assert existing is not None
                return existing
            space_id = self.next_id(conn, "space")
            conn.execute(
                "INSERT INTO spaces VALUES (?, ?, ?, ?, ?, NULL, ?)",
                (space_id, key, name or f"{key} space", now, author, restricted_to),
            )
            if home_page:
                page_id = self.next_id(conn, "content")
                conn.execute(
                    "INSERT INTO pages VALUES "
                    "(?, ?, NULL, ?, 'current', ?, ?, 0, 1, '', ?, ?, 0, ?)",
                    (page_id, space_id, f"{name or key} Home", now, author, now, author, ""),
                )
                conn.execute("UPDATE spaces SET homepage_id = ? WHERE id = ?", (page_id, space_id))
        space = self.space_by_key(key)
        assert space is not None
        return space

    def wipe_content(self) -> None:
        """Remove every page but the space homepages, and all files, page and space properties,
        labels and tokens."""
        with self.transaction() as conn:
            homes = "SELECT homepage_id FROM spaces WHERE homepage_id IS NOT NULL"
            conn.execute(f"DELETE FROM pages WHERE id NOT IN ({homes})")
            conn.execute(f"DELETE FROM page_versions WHERE page_id NOT IN ({homes})")
            for table in (
                "attachments",
                "attachment_versions",
                "properties",
                "property_versions",
                "space_properties",
                "content_labels",
                "watches",
                "oauth_codes",
                "oauth_tokens",
            ):
                conn.execute(f"DELETE FROM {table}")

    def restrict_space(self, key: str, account_id: str | None) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE spaces SET restricted_to = ? WHERE key = ?", (account_id, key))

    def space_by_key(self, key: str) -> Space | None:
        with self.reading() as conn:
            row = conn.execute("SELECT * FROM spaces WHERE key = ?", (key,)).fetchone()
        return _space(row) if row else None

    def space_by_id(self, space_id: int) -> Space | None:
        with self.reading() as conn:
            row = conn.execute("SELECT * FROM spaces WHERE id = ?", (space_id,)).fetchone()
        return _space(row) if row else None

    def spaces(self, user: User | None) -> list[Space]:
        """Spaces the user may see (all of them for None: the browse page on loopback)."""
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM spaces ORDER BY id").fetchall()
        found = [_space(r) for r in rows]
        return [s for s in found if user is None or visible(s, user)]


def _lower(text: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return text.lower() if isinstance(text, str) else text


def visible(space: Space, user: User | None) -> bool:
    return user is None or space.restricted_to in (None, user.account_id)
