"""The committed inventory is the generated one; documented operations the sandbox lacks
answer 501 naming their operationId, paths in no spec 404."""

from __future__ import annotations

import json

import pytest

from confsync.sandbox import create_app
from confsync.sandbox.inventory import (
    INVENTORY_FILE,
    catalog_json,
    implemented,
    inventory_markdown,
    publishing_category,
)
from confsync.sandbox.spec_catalog import CATALOG_FILE
from tests.sandbox.helpers import error_text
from tests.sandbox.test_contract import IMPLEMENTED
from tests.support.openapi import ContractChecker, require_specs
from tests.support.sandbox import CLOUD_AUTH, DC_AUTH, sandbox_client

REFRESH = "refresh with: python -m confsync.sandbox.inventory"


def test_the_committed_operation_catalogue_is_the_generated_one() -> None:
    assert CATALOG_FILE.read_text(encoding="utf-8") == catalog_json(require_specs()), REFRESH


def test_the_committed_inventory_is_the_generated_one() -> None:
    assert INVENTORY_FILE.read_text(encoding="utf-8") == inventory_markdown(require_specs()), (
        REFRESH
    )


def test_the_inventory_marks_implemented_exactly_what_the_contract_suite_covers() -> None:
    assert implemented() == IMPLEMENTED


@pytest.mark.parametrize(
    ("spec", "method", "template", "category"),
    [
        ("cloud-v1", "DELETE", "/wiki/rest/api/user/watch/content/{contentId}", "watches"),
        ("cloud-v2", "GET", "/pages/{id}/ancestors", "pages"),
        ("dc", "PUT", "/rest/api/content/{id}/child/attachment/{attachmentId}", "attachments"),
        ("cloud-v2", "POST", "/attachments/{attachment-id}/properties", "properties"),
        ("dc", "GET", "/rest/api/longtask/{id}", "long tasks"),
        ("cloud-v1", "PUT", "/wiki/rest/api/content/{id}/restriction", None),
        ("cloud-v2", "GET", "/whiteboards/{id}", None),
    ],
)
def test_publishing_operations_are_chosen_by_path(
    spec: str, method: str, template: str, category: str | None
) -> None:
    assert publishing_category(spec, method, template) == category


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("edition", "method", "path", "operation_id"),
    [
        ("cloud", "GET", "/wiki/rest/api/longtask/5", "getTask"),
        ("cloud", "POST", "/wiki/rest/api/content/5/copy", "copyPage"),
        ("cloud", "GET", "/wiki/api/v2/whiteboards/5", "getWhiteboardById"),
        ("datacenter", "GET", "/rest/api/longtask/5", "getTask"),
        ("datacenter", "GET", "/confluence/rest/api/content/5/child", "children"),
    ],
)
async def test_a_documented_operation_the_sandbox_lacks_answers_501(
    edition: str, method: str, path: str, operation_id: str
) -> None:
    checker = ContractChecker()
    app = create_app(edition="cloud" if edition == "cloud" else "datacenter")
    auth = CLOUD_AUTH if edition == "cloud" else DC_AUTH
    async with sandbox_client(app, auth=auth, checker=checker, check_requests=False) as client:
        response = await client.request(method, path)
    assert response.status_code == 501
    assert operation_id in error_text(response)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("edition", "path"),
    [
        ("cloud", "/wiki/api/v2/no-such-thing"),
        ("cloud", "/wiki/rest/api/content/5/no-such-thing"),
        # Data Center paths are not Cloud's, and the other way round.
        ("cloud", "/rest/api/longtask/5"),
        ("datacenter", "/wiki/api/v2/pages"),
        ("datacenter", "/rest/api/no-such-thing"),
    ],
)
async def test_a_path_in_no_spec_answers_404(edition: str, path: str) -> None:
    app = create_app(edition="cloud" if edition == "cloud" else "datacenter")
    auth = CLOUD_AUTH if edition == "cloud" else DC_AUTH
    async with sandbox_client(app, auth=auth) as client:
        response = await client.get(path)
    assert response.status_code == 404, response.text


def test_the_catalogue_is_plain_data() -> None:
    """Only method, path and operationId of each operation: no part of Atlassian's files."""
    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    assert sorted(data) == ["cloud-v1", "cloud-v2", "dc"]
    assert all(len(row) == 3 for rows in data.values() for row in rows)
