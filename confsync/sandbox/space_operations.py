"""Cloud v2 ``GET /spaces/{id}/operations``: what the caller may do in a space.

Every account may do everything in a space it can see, except what a test has taken away
with ``deny`` (kept in its own table, so the rest of the sandbox is untouched). The answer
reports the permission. Of the write endpoints, only Cloud's v2 space property writes enforce
a denial (of ``administer space``, which the v2 reference asks for them: ``require_admin``);
the others do not (a deliberate gap: the client reads this answer before writing, and that
reading is what the tests exercise).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.auth import scopes
from confsync.sandbox.model import ErrorKind, SandboxError
from confsync.sandbox.store import Store, visible

__all__ = ["deny", "require_admin", "routes"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS space_denials (
    space_id INTEGER NOT NULL, account_id TEXT NOT NULL, operation TEXT NOT NULL,
    target TEXT NOT NULL, PRIMARY KEY (space_id, account_id, operation, target));
"""

# What Confluence Cloud reports for a space member who may add and delete content.
_EVERYTHING = (
    ("read", "space"),
    ("create", "page"),
    ("delete", "page"),
    ("create", "blogpost"),
    ("create", "comment"),
    ("create", "attachment"),
    ("delete", "attachment"),
    ("export", "space"),
    ("administer", "space"),  # the one administrator is every space's admin
)


def _ensure(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(_SCHEMA)


def deny(store: Store, space_key: str, account_id: str, operation: str, target: str) -> None:
    """Take ``operation`` on ``target`` (e.g. ``create``, ``page``) from the account."""
    space = store.space_by_key(space_key)
    if space is None:
        raise ValueError(f"no space {space_key}")
    _ensure(store)
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO space_denials VALUES (?, ?, ?, ?)",
            (space.id, account_id, operation, target),
        )


def _denied(store: Store, space_id: int, account_id: str) -> set[tuple[str, str]]:
    _ensure(store)
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT operation, target FROM space_denials WHERE space_id = ? AND account_id = ?",
            (space_id, account_id),
        ).fetchall()
    return {(r["operation"], r["target"]) for r in rows}


def require_admin(store: Store, space_id: int, account_id: str) -> None:
    """Refuse (403) a write the v2 reference allows only the space's admins: a space property's
    create, update and delete."""
    if ("administer", "space") in _denied(store, space_id, account_id):
        raise SandboxError(
            ErrorKind.FORBIDDEN, "Not permitted: writing a space property needs space Admin"
        )


@endpoint("v2", scopes("read:space:confluence"))
async def get_operations(call: Call) -> Response:
    raw = str(call.request.path_params["id"])
    if not raw.isdigit():
        raise ApiError(400, f"Invalid id: {raw}")
    store = call.sandbox.store
    space = store.space_by_id(int(raw))
    if space is None or not visible(space, call.user):
        raise SandboxError(ErrorKind.NOT_FOUND, f"No space with id {raw}")
    denied = _denied(store, space.id, call.user.account_id)
    allowed = [pair for pair in _EVERYTHING if pair not in denied]
    return JSONResponse(
        {"operations": [{"operation": op, "targetType": target} for op, target in allowed]}
    )


def routes() -> list[BaseRoute]:
    return [Route("/spaces/{id}/operations", get_operations, methods=["GET"])]
