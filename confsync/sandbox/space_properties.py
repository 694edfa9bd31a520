"""Space properties: Cloud v2 ``/spaces/{space-id}/properties`` and v1 ``/space/{key}/property``
(Data Center's, and Cloud's deprecated one, which answers 410 through the OAuth gateway).

The statuses a lock depends on (undocumented ones are named in ``tests/support/spec_gaps.py``):

- v2 create of a key the space already has: 400, the only client error its spec documents.
- v2 update with a version other than current + 1: 409, as Confluence answers every stale
  version (undocumented: the v2 spec lists only 400).
- v1 create of an existing key: 409, as Cloud's v1 spec documents and Confluence answers for
  content properties (undocumented on DC: its spec lists only 400).
- v1 update of a stale version: 409, documented by both v1 specs.

Writes need only sight of the space: the sandbox has no space admins (the specs ask for
'Admin' permission on the space).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.sandbox.api import ApiError, Call, endpoint
from confsync.sandbox.auth import scopes
from confsync.sandbox.model import ErrorKind, SandboxError, Space
from confsync.sandbox.paging import decode_cursor
from confsync.sandbox.space_operations import require_admin
from confsync.sandbox.space_property_store import SpaceProperties, SpaceProperty
from confsync.sandbox.store import visible
from confsync.sandbox.v1_common import LIMIT_CAP, listing
from confsync.sandbox.v1_shapes import expansions, space_json, version_json
from confsync.sandbox.v2_listing import v2_limit, v2_listing

__all__ = ["v1_routes", "v2_routes"]

# Each operation's ``security`` in the v2 spec: space scopes, not space.property ones.
READ_V2 = scopes("read:space:confluence")
WRITE_V2 = scopes("read:space:confluence write:space:confluence")
# Cloud v1: the classic scope, or the granular (beta) one its spec lists per operation.
READ_V1 = scopes("read:confluence-props", "read:content-details:confluence")
WRITE_V1 = scopes(
    "write:confluence-props", "read:space.property:confluence write:space.property:confluence"
)
DELETE_V1 = scopes("write:confluence-props", "write:space.property:confluence")

# Both v1 specs give 10 as the default page size of a space property listing.
_V1_DEFAULT_LIMIT = 10


def _properties(call: Call) -> SpaceProperties:
    return SpaceProperties(call.sandbox.store)


def _visible(call: Call, space: Space | None, name: str) -> Space:
    if space is None or not visible(space, call.user):
        raise SandboxError(ErrorKind.NOT_FOUND, f"No space with {name}")
    return space


def _version(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("version")
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise ApiError(400, "version.number is required")
    if "value" not in data:
        raise ApiError(400, "value is required")
    return version


def _new(data: dict[str, Any]) -> tuple[str, Any]:
    key = data.get("key")
    if not isinstance(key, str) or "value" not in data:
        raise ApiError(400, "key and value are required")
    return key, data["value"]


# Cloud v2


def _id(call: Call, name: str) -> int:
    raw = str(call.request.path_params[name.replace("-", "_")])
    if not raw.isdigit():
        raise ApiError(400, f"Invalid {name}: {raw}")
    return int(raw)


def _v2_space(call: Call) -> Space:
    space_id = _id(call, "space-id")
    return _visible(call, call.sandbox.store.space_by_id(space_id), f"id: {space_id}")


def _v2_json(prop: SpaceProperty) -> dict[str, Any]:
    """The v2 ``SpaceProperty`` schema: ``createdBy``, not ``authorId``, and no minorEdit."""
    return {
        "id": str(prop.id),
        "key": prop.key,
        "value": prop.value,
        "createdAt": prop.created_at,
        "createdBy": prop.author_id,
        "version": {
            "createdAt": prop.version.created_at,
            "createdBy": prop.version.author_id,
            "message": prop.version.message,
            "number": prop.version.number,
        },
    }


def _v2_one(call: Call, space: Space, prop: SpaceProperty, status: int = 200) -> Response:
    location = f"{call.site_base}/api/v2/spaces/{space.id}/properties/{prop.id}"
    return JSONResponse(_v2_json(prop), status_code=status, headers={"Location": location})


@endpoint("v2", READ_V2)
async def get_v2_properties(call: Call) -> Response:
    space = _v2_space(call)
    offset = decode_cursor(call.query("cursor"))
    limit = v2_limit(call)
    found, more = _properties(call).find(space, key=call.query("key"), offset=offset, limit=limit)
    return v2_listing(call, [_v2_json(p) for p in found], more, offset)


@endpoint("v2", WRITE_V2)
async def create_v2_property(call: Call) -> Response:
    space = _v2_space(call)
    require_admin(call.sandbox.store, space.id, call.user.account_id)
    data = await call.json()
    key, value = _new(data)
    try:
        prop = _properties(call).create(call.user, space, key, value)
    except SandboxError as exc:
        if exc.kind is not ErrorKind.CONFLICT:
            raise
        # v2 documents 400 for an existing key, where v1 and v2 page properties answer 409.
        raise ApiError(400, exc.message) from exc
    return _v2_one(call, space, prop, 201)


@endpoint("v2", READ_V2)
async def get_v2_property(call: Call) -> Response:
    space = _v2_space(call)
    prop = _properties(call).get(space, property_id=_id(call, "property-id"))
    return JSONResponse(_v2_json(prop))


@endpoint("v2", WRITE_V2)
async def update_v2_property(call: Call) -> Response:
    space = _v2_space(call)
    require_admin(call.sandbox.store, space.id, call.user.account_id)
    data = await call.json()
    version = _version(data)
    current = _properties(call).get(space, property_id=_id(call, "property-id"))
    if "key" in data and data["key"] != current.key:
        raise ApiError(400, "The key of a property cannot be changed")
    updated = _properties(call).update(
        call.user,
        space,
        current.id,
        data["value"],
        version["number"],
        message=str(version.get("message") or ""),
    )
    return _v2_one(call, space, updated)


@endpoint("v2", WRITE_V2)
async def delete_v2_property(call: Call) -> Response:
    space = _v2_space(call)
    require_admin(call.sandbox.store, space.id, call.user.account_id)
    _properties(call).delete(space, _id(call, "property-id"))
    return Response(status_code=204)


# v1: Data Center, and Cloud's deprecated API


def _v1_space(call: Call) -> Space:
    key = call.request.path_params["space_key"]
    return _visible(call, call.sandbox.store.space_by_key(key), f"key : {key}")


def _v1_json(call: Call, space: Space, prop: SpaceProperty, expand: set[str]) -> dict[str, Any]:
    """Cloud v1 ``SpaceProperty`` / DC ``JsonSpaceProperty``; ``version`` always expanded."""
    base = call.site_base
    data: dict[str, Any] = {
        "id": str(prop.id),
        "key": prop.key,
        "value": prop.value,
        "version": version_json(call, prop.version),
        "_links": {
            "self": f"{base}/rest/api/space/{space.key}/property/{quote(prop.key, safe='')}",
            "base": base,
            "context": call.context,
        },
        "_expandable": {"space": f"/rest/api/space/{space.key}"},
    }
    if "space" in expand:
        data["space"] = space_json(call, space)
        data["_expandable"] = {}
    return data


@endpoint("v1", READ_V1, gone_on_gateway=True)
async def get_v1_properties(call: Call) -> Response:
    space = _v1_space(call)
    start = call.int_query("start", 0)
    limit = max(1, min(call.int_query("limit", _V1_DEFAULT_LIMIT), LIMIT_CAP))
    found, more = _properties(call).find(space, offset=start, limit=limit)
    expand = expansions(call)
    results = [_v1_json(call, space, p, expand) for p in found]
    return listing(call, results, start=start, limit=limit, has_more=more)


@endpoint("v1", WRITE_V1, gone_on_gateway=True)
async def create_v1_property(call: Call) -> Response:
    try:
        space = _v1_space(call)
    except SandboxError as exc:
        if call.sandbox.cloud:
            raise
        # The DC spec documents 403 (may not edit the space), not 404, for this create.
        raise ApiError(403, exc.message) from exc
    data = await call.json()
    key, value = _new(data)
    # An existing key is a CONFLICT: 409 on both editions, though the DC spec lists only 400
    # (Confluence answers 409, and Cloud's v1 spec documents it).
    prop = _properties(call).create(call.user, space, key, value)
    return JSONResponse(_v1_json(call, space, prop, expansions(call)))


@endpoint("v1", READ_V1, gone_on_gateway=True)
async def get_v1_property(call: Call) -> Response:
    space = _v1_space(call)
    prop = _properties(call).get(space, key=call.request.path_params["key"])
    return JSONResponse(_v1_json(call, space, prop, expansions(call)))


@endpoint("v1", WRITE_V1, gone_on_gateway=True)
async def update_v1_property(call: Call) -> Response:
    space = _v1_space(call)
    key = call.request.path_params["key"]
    data = await call.json()
    version = _version(data)
    if "key" in data and data["key"] != key:
        raise ApiError(400, "The key in the body does not match the key in the path")
    body_space = data.get("space")
    if isinstance(body_space, dict) and body_space.get("key", space.key) != space.key:
        raise ApiError(400, "The space key in the body does not match the one in the path")
    properties = _properties(call)
    try:
        current = properties.get(space, key=key)
    except SandboxError:
        # Data Center creates a missing property when asked for version 1 (its spec says so);
        # Cloud's spec documents 404 for a missing property.
        if call.sandbox.cloud or version["number"] != 1:
            raise
        created = properties.create(call.user, space, key, data["value"])
        return JSONResponse(_v1_json(call, space, created, set()))
    updated = properties.update(
        call.user,
        space,
        current.id,
        data["value"],
        version["number"],
        message=str(version.get("message") or ""),
        minor_edit=bool(version.get("minorEdit", False)),
    )
    return JSONResponse(_v1_json(call, space, updated, set()))


@endpoint("v1", DELETE_V1, gone_on_gateway=True)
async def delete_v1_property(call: Call) -> Response:
    space = _v1_space(call)
    properties = _properties(call)
    properties.delete(space, properties.get(space, key=call.request.path_params["key"]).id)
    return Response(status_code=204)


def v2_routes() -> list[BaseRoute]:
    """Relative to ``/wiki/api/v2``."""
    one = "/spaces/{space_id}/properties/{property_id}"
    return [
        Route("/spaces/{space_id}/properties", get_v2_properties, methods=["GET"]),
        Route("/spaces/{space_id}/properties", create_v2_property, methods=["POST"]),
        Route(one, get_v2_property, methods=["GET"]),
        Route(one, update_v2_property, methods=["PUT"]),
        Route(one, delete_v2_property, methods=["DELETE"]),
    ]


def v1_routes() -> list[BaseRoute]:
    """Relative to ``.../rest/api``."""
    one = "/space/{space_key}/property/{key}"
    return [
        Route("/space/{space_key}/property", get_v1_properties, methods=["GET"]),
        Route("/space/{space_key}/property", create_v1_property, methods=["POST"]),
        Route(one, get_v1_property, methods=["GET"]),
        Route(one, update_v1_property, methods=["PUT"]),
        Route(one, delete_v1_property, methods=["DELETE"]),
    ]
