"""Small request builders shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import httpx

V2 = "/wiki/api/v2"
V1 = "/wiki/rest/api"
XSRF = {"X-Atlassian-Token": "no-check"}


async def space_id(client: httpx.AsyncClient, key: str = "DEMO", prefix: str = "") -> str:
    response = await client.get(f"{prefix}{V2}/spaces", params={"keys": key})
    assert response.status_code == 200, response.text
    return str(response.json()["results"][0]["id"])


def v2_page(space: str, title: str, body: str = "<p>x</p>", **extra: Any) -> dict[str, Any]:
    return {
        "spaceId": space,
        "status": "current",
        "title": title,
        "body": {"representation": "storage", "value": body},
        **extra,
    }


def v2_update(page_id: str, title: str, number: int, body: str = "<p>y</p>") -> dict[str, Any]:
    return {
        "id": page_id,
        "status": "current",
        "title": title,
        "body": {"representation": "storage", "value": body},
        "version": {"number": number, "message": f"v{number}"},
    }


def v1_page(
    space: str, title: str, body: str = "<p>x</p>", parent: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "page",
        "title": title,
        "space": {"key": space},
        "body": {"storage": {"value": body, "representation": "storage"}},
    }
    if parent is not None:
        data["ancestors"] = [{"id": parent}]
    return data


def v1_update(title: str, number: int, body: str = "<p>y</p>") -> dict[str, Any]:
    return {
        "type": "page",
        "title": title,
        "body": {"storage": {"value": body, "representation": "storage"}},
        "version": {"number": number, "message": f"v{number}"},
    }


def upload(name: str, data: bytes, comment: str) -> dict[str, Any]:
    return {
        "files": {"file": (name, data, "image/png")},
        "data": {"comment": comment, "minorEdit": "true"},
        "headers": XSRF,
    }


def error_text(response: httpx.Response) -> str:
    """The message of an error answer in any dialect."""
    body = response.json()
    if "errors" in body:
        return str(body["errors"][0]["title"])
    return str(body.get("message", ""))
