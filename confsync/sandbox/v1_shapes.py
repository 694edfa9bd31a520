"""JSON shapes of the v1 REST API, shared by Cloud (``/wiki/rest/api``) and Data Center.

The differences are the user (Cloud: accountId and email; DC: username and userKey) and the
links' base; ``expand`` decides which parts are filled in, as in Confluence.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from confsync.sandbox.api import Call
from confsync.sandbox.labels import Label
from confsync.sandbox.model import Attachment, Page, Property, Space, User, Version

__all__ = [
    "attachment_json",
    "content_json",
    "expansions",
    "history_json",
    "label_array",
    "label_json",
    "property_json",
    "space_json",
    "user_json",
    "version_json",
]


def expansions(call: Call) -> set[str]:
    raw = call.request.query_params.getlist("expand")
    return {part.strip() for value in raw for part in value.split(",") if part.strip()}


def user_json(call: Call, user: User | None) -> dict[str, Any]:
    picture = {
        "path": "/images/icons/profilepics/default.svg",
        "width": 48,
        "height": 48,
        "isDefault": True,
    }
    if user is None:
        return {"type": "anonymous", "profilePicture": picture, "displayName": "Anonymous"}
    if call.sandbox.cloud:
        return {
            "type": "known",
            "accountId": user.account_id,
            "accountType": "atlassian",
            "email": user.email,
            "publicName": user.display_name,
            "displayName": user.display_name,
            "profilePicture": picture,
            "isExternalCollaborator": False,
            "_links": {"self": f"{call.site_base}/rest/api/user?accountId={user.account_id}"},
        }
    return {
        "type": "known",
        "username": user.username,
        "userKey": user.account_id.split(":")[-1].replace("-", "")[:32],
        "displayName": user.display_name,
        "profilePicture": picture,
        "_links": {"self": f"{call.site_base}/rest/api/user?username={user.username}"},
    }


def version_json(call: Call, version: Version) -> dict[str, Any]:
    author = call.sandbox.store.user_by("account_id", version.author_id)
    return {
        "by": user_json(call, author),
        "when": version.created_at,
        "message": version.message,
        "number": version.number,
        "minorEdit": version.minor_edit,
    }


def space_json(call: Call, space: Space, expand: set[str] | None = None) -> dict[str, Any]:
    base = call.site_base
    data = {
        "id": space.id,
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "_links": {"webui": f"/spaces/{space.key}", "self": f"{base}/rest/api/space/{space.key}"},
        "_expandable": {"homepage": f"/rest/api/content/{space.homepage_id}"}
        if space.homepage_id
        else {},
    }
    if expand and "homepage" in expand and space.homepage_id is not None:
        home = call.sandbox.pages.get(None, space.homepage_id)
        data["homepage"] = content_json(call, home, set(), depth=1)
        data["_expandable"] = {}
    return data


def _page_links(call: Call, page: Page) -> dict[str, str]:
    base = call.site_base
    # Confluence writes spaces in a title as "+" and leaves them unescaped.
    slug = quote(page.title.replace(" ", "+"), safe="+")
    return {
        "webui": f"/spaces/{page.space_key}/pages/{page.id}/{slug}",
        "edit": f"/pages/resumedraft.action?draftId={page.id}",
        "tinyui": f"/x/{page.id}",
        "self": f"{base}/rest/api/content/{page.id}",
    }


def content_json(call: Call, page: Page, expand: set[str], *, depth: int = 0) -> dict[str, Any]:
    """A page as v1 content; ``depth`` stops ancestors from expanding their own ancestors."""
    data: dict[str, Any] = {
        "id": str(page.id),
        "type": "page",
        "status": page.status,
        "title": page.title,
        "_links": _page_links(call, page),
    }
    expandable: dict[str, str] = {}
    if "space" in expand or "space" in {e.split(".")[0] for e in expand}:
        space = call.sandbox.store.space_by_id(page.space_id)
        if space is not None:
            data["space"] = space_json(call, space)
    else:
        expandable["space"] = f"/rest/api/space/{page.space_key}"
    if "version" in expand:
        data["version"] = version_json(call, page.version)
    else:
        expandable["version"] = ""
    if "history" in {e.split(".")[0] for e in expand}:
        subs = {e.split(".", 1)[1] for e in expand if e.startswith("history.")}
        data["history"] = history_json(call, page, subs)
    else:
        expandable["history"] = f"/rest/api/content/{page.id}/history"
    if "ancestors" in expand and depth == 0:
        chain = call.sandbox.pages.ancestors(page)
        data["ancestors"] = [content_json(call, a, set(), depth=1) for a in chain]
    else:
        expandable["ancestors"] = ""
    if "body.storage" in expand or "body" in expand:
        data["body"] = {
            "storage": {
                "value": page.body,
                "representation": "storage",
                "_expandable": {"content": f"/rest/api/content/{page.id}"},
            },
            "_expandable": {"view": "", "export_view": "", "styled_view": "", "editor": ""},
        }
    else:
        expandable["body"] = ""
    if "metadata.labels" in expand and depth == 0:
        labels, more = call.sandbox.labels.find(page.id)
        path = f"/rest/api/content/{page.id}/label"
        data["metadata"] = {"labels": label_array(call, labels, path, limit=200, more=more)}
    else:
        expandable["metadata"] = ""
    expandable["children"] = f"/rest/api/content/{page.id}/child"
    expandable["container"] = f"/rest/api/space/{page.space_key}"
    data["_expandable"] = expandable
    return data


def attachment_json(call: Call, att: Attachment, page: Page, expand: set[str]) -> dict[str, Any]:
    download = (
        f"/download/attachments/{att.page_id}/{quote(att.filename)}"
        f"?version={att.version.number}&modificationDate=0&api=v2"
    )
    return {
        "id": att.api_id,
        "type": "attachment",
        "status": att.status,
        "title": att.filename,
        "metadata": {"mediaType": att.media_type, "comment": att.comment},
        "extensions": {
            "mediaType": att.media_type,
            "fileSize": att.size,
            "comment": att.comment,
        },
        "version": version_json(call, att.version),
        "container": content_json(call, page, set(), depth=1),
        "_links": {
            "webui": f"/pages/viewpageattachments.action?pageId={att.page_id}&preview={att.id}",
            "download": download,
            "self": f"{call.site_base}/rest/api/content/{att.api_id}",
        },
        "_expandable": {}
        if "version" in expand
        else {"space": f"/rest/api/space/{page.space_key}"},
    }


def property_json(call: Call, prop: Property, page: Page) -> dict[str, Any]:
    return {
        "id": str(prop.id),
        "key": prop.key,
        "value": prop.value,
        "version": {
            **version_json(call, prop.version),
            "content": {
                "id": str(page.id),
                "type": "page",
                "status": page.status,
                "title": page.title,
            },
        },
        "_links": {
            "self": f"{call.site_base}/rest/api/content/{page.id}/property/{prop.key}",
            "base": call.site_base,
            "context": call.context,
        },
        "_expandable": {"content": f"/rest/api/content/{page.id}"},
    }


def _history_version(call: Call, page: Page, version: Version) -> dict[str, Any]:
    base = call.site_base
    return {
        **version_json(call, version),
        "_links": {"self": f"{base}/rest/api/content/{page.id}/version/{version.number}"},
        "_expandable": {"content": f"/rest/api/content/{page.id}"},
    }


def history_json(call: Call, page: Page, expand: set[str]) -> dict[str, Any]:
    """A page's history; ``expand`` picks lastUpdated, previousVersion, contributors.

    The sandbox serves only a page's latest state, so ``latest`` is true and there is never a
    ``nextVersion``.
    """
    store = call.sandbox.store
    author = store.user_by("account_id", page.author_id)
    data: dict[str, Any] = {
        "latest": True,
        "createdBy": user_json(call, author),
        "createdDate": page.created_at,
    }
    expandable: dict[str, str] = {}
    if "lastUpdated" in expand:
        data["lastUpdated"] = _history_version(call, page, page.version)
    else:
        expandable["lastUpdated"] = ""
    versions = (
        call.sandbox.pages.versions(page.id) if expand & {"previousVersion", "contributors"} else []
    )
    if "previousVersion" in expand:
        previous = [v for v in versions if v.number == page.version.number - 1]
        if previous:
            data["previousVersion"] = _history_version(call, page, previous[0])
    else:
        expandable["previousVersion"] = ""
    if "contributors" in expand:
        ids = list(dict.fromkeys(v.author_id for v in versions)) or [page.author_id]
        users = [store.user_by("account_id", i) for i in ids]
        publishers: dict[str, Any] = {"users": [user_json(call, u) for u in users]}
        if call.sandbox.cloud:
            publishers["userAccountIds"] = ids
        else:
            publishers["userKeys"] = [u["userKey"] for u in publishers["users"] if "userKey" in u]
        data["contributors"] = {"publishers": publishers}
    else:
        expandable["contributors"] = ""
    expandable["nextVersion"] = ""
    data["_expandable"] = expandable
    data["_links"] = {"self": f"{call.site_base}/rest/api/content/{page.id}/history"}
    return data


def label_json(label: Label) -> dict[str, Any]:
    return {"prefix": label.prefix, "name": label.name, "id": str(label.id), "label": label.name}


def label_array(
    call: Call, labels: list[Label], path: str, *, start: int = 0, limit: int, more: bool
) -> dict[str, Any]:
    """A LabelArray: as a listing, and as ``metadata.labels`` of expanded content."""
    base = call.site_base
    links = {"self": f"{base}{path}", "base": base, "context": call.context}
    if more:
        links["next"] = f"{path}?start={start + limit}&limit={limit}"
    return {
        "results": [label_json(label) for label in labels],
        "start": start,
        "limit": limit,
        "size": len(labels),
        "_links": links,
    }
