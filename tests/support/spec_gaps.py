"""Where Atlassian's specs and the real servers part ways: each gap named, with its reason.

The contract checker accepts exactly these and nothing broader, so a new mismatch fails
loudly until someone decides whether it is a sandbox bug or another gap of the spec.
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "BROKEN_PATTERNS",
    "DEPRECATED_GONE",
    "GLOBAL_STATUSES",
    "KNOWN_GAPS",
    "NOT_IMPLEMENTED",
    "OVERLAPPING_ONE_OF",
    "STATUS_ALIASES",
    "undocumented_reason",
]


class _Operation(Protocol):
    @property
    def spec(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def doc(self) -> object: ...


# Statuses the specs leave undocumented that real servers nonetheless give.
# Keyed by (spec, METHOD, path template, status): the reason is the documentation.
KNOWN_GAPS: dict[tuple[str, str, str, int], str] = {
    ("cloud-v2", "PUT", "/pages/{id}", 409): (
        "real Cloud answers 409 on a stale version.number; the v2 spec documents no 409"
    ),
    ("cloud-v2", "POST", "/pages/{page-id}/properties", 409): (
        "real Cloud answers 409 when a property with that key already exists"
    ),
    ("cloud-v2", "PUT", "/pages/{page-id}/properties/{property-id}", 409): (
        "real Cloud answers 409 on a stale property version.number"
    ),
    ("cloud-v2", "POST", "/attachments/{attachment-id}/properties", 409): (
        "real Cloud answers 409 when the attachment has a property with that key, as for pages"
    ),
    ("cloud-v2", "PUT", "/attachments/{attachment-id}/properties/{property-id}", 409): (
        "real Cloud answers 409 on a stale property version.number, as for pages"
    ),
    ("cloud-v2", "GET", "/pages/{id}/children", 404): (
        "real Cloud answers 404 for a page that is missing or hidden, as /direct-children "
        "documents; the deprecated /children lists only 400 and 401"
    ),
    ("cloud-v2", "PUT", "/spaces/{space-id}/properties/{property-id}", 409): (
        "real Cloud answers 409 on a stale space property version.number; the v2 spec lists 400"
    ),
    ("cloud-v2", "POST", "/spaces/{space-id}/properties", 403): (
        "the v2 reference asks the space's Admin permission to write a space property and "
        "lists no 403; a refusal is assumed to be Cloud's usual 403 (unverified)"
    ),
    ("cloud-v2", "PUT", "/spaces/{space-id}/properties/{property-id}", 403): (
        "as for creating a space property: Admin asked, 403 assumed (unverified)"
    ),
    ("cloud-v2", "DELETE", "/spaces/{space-id}/properties/{property-id}", 403): (
        "as for creating a space property: Admin asked, 403 assumed (unverified)"
    ),
    ("cloud-v2", "PUT", "/pages/{id}", 413): (
        "real Cloud answers 413 for a body over 5 MB on update as it does on create"
    ),
    ("dc", "POST", "/rest/api/content", 400): (
        "DC answers 400 for a duplicate title, bad storage format or a too long title"
    ),
    ("dc", "POST", "/rest/api/content", 403): "DC answers 403 for a missing space",
    ("dc", "POST", "/rest/api/content", 413): "DC answers 413 for a body over 5 MB",
    ("dc", "PUT", "/rest/api/content/{contentId}", 409): "DC answers 409 on a stale version",
    ("dc", "PUT", "/rest/api/content/{contentId}", 413): "DC answers 413 for a body over 5 MB",
    ("dc", "GET", "/rest/api/content/search", 400): "DC answers 400 for CQL it cannot parse",
    ("dc", "POST", "/rest/api/content/{id}/child/attachment", 400): (
        "DC answers 400 when a file of that name is already attached"
    ),
    ("dc", "POST", "/rest/api/content/{id}/property", 409): (
        "DC answers 409 when a property with that key already exists"
    ),
    ("dc", "POST", "/rest/api/space/{spaceKey}/property", 409): (
        "DC answers 409 when the space has a property with that key, as Cloud's v1 spec "
        "documents; the DC spec lists only 400"
    ),
    ("cloud-v1", "PUT", "/wiki/rest/api/content/{id}", 413): (
        "Cloud answers 413 for a body over 5 MB on update as it does on create"
    ),
    ("cloud-v1", "POST", "/wiki/rest/api/content/{id}/property", 409): (
        "Cloud answers 409 when a property with that key already exists"
    ),
    ("cloud-v1", "POST", "/wiki/rest/api/content/{id}/property/{key}", 409): (
        "Cloud answers 409 when a property with that key already exists, as for POST .../property"
    ),
    ("cloud-v1", "GET", "/wiki/rest/api/content/{id}/version", 404): (
        "Cloud answers 404 for content that does not exist, as for its single version"
    ),
    ("cloud-v1", "POST", "/wiki/rest/api/content/{id}/child/attachment/{attachmentId}/data", 403): (
        "Cloud answers 403 without the X-Atlassian-Token header (XSRF check)"
    ),
}

# Path parameters whose documented pattern is a typo no real id can match: their value is
# not checked against it (every other parameter of these operations still is).
BROKEN_PATTERNS: dict[tuple[str, str, str, str], str] = {
    ("cloud-v2", "GET", "/attachments/{attachment-id}/properties/{property-id}", "attachment-id"): (
        "the pattern is written (att)?0-9+ (brackets lost); the other operations say (att)?[0-9]+"
    ),
    (
        "cloud-v2",
        "GET",
        "/attachments/{attachment-id}/versions/{version-number}",
        "attachment-id",
    ): ("the pattern is written (att)?0-9+ (brackets lost); the other operations say (att)?[0-9]+"),
}

# A documented status whose schema stands for an undocumented one the server really sends.
STATUS_ALIASES: dict[tuple[str, str, str, int], int] = {
    # The DC spec documents GET child/attachment as answering 201; the server answers 200.
    ("dc", "GET", "/rest/api/content/{id}/child/attachment", 200): 201,
}

# Statuses any operation may answer, documented or not: they are decided before the operation
# runs (authentication, rate limiting, server faults), and the specs list them unevenly.
# Cloud v1 deprecated endpoints also answer 410 through the OAuth gateway (see DEPRECATED_GONE).
GLOBAL_STATUSES: frozenset[int] = frozenset({401, 429, 500, 502, 503, 504})
DEPRECATED_GONE = 410
# The sandbox's own answer for a documented operation it lacks (docs/sandbox-inventory.md).
NOT_IMPLEMENTED = 501


# oneOf alternatives that overlap in Atlassian's specs: neither has required fields that tell
# them apart, so a correct instance matches several, and the real servers accept it. Only these
# exact sets (of $refs) are checked as anyOf; every other oneOf keeps its strict meaning.
OVERLAPPING_ONE_OF: dict[frozenset[str], str] = {
    frozenset({"#/components/schemas/PageBodyWrite", "#/components/schemas/PageNestedBodyWrite"}): (
        "v2 page bodies: {representation, value} and {storage: {...}} both have no required keys"
    ),
}


def undocumented_reason(op: _Operation, status: int) -> str | None:
    """Why an undocumented status is acceptable for an operation, or None if it is not."""
    gap = KNOWN_GAPS.get((op.spec, op.method, op.template, status))
    if gap is not None:
        return gap
    if status in GLOBAL_STATUSES:
        return "decided before the operation runs (auth, rate limit, server fault)"
    if status == NOT_IMPLEMENTED:
        return "the sandbox does not implement this documented operation (a gap, not an answer)"
    if status == DEPRECATED_GONE and op.spec == "cloud-v1" and _deprecated(op):
        return "deprecated v1 endpoint called through the OAuth gateway"
    return None


def _deprecated(op: _Operation) -> bool:
    doc = op.doc
    return isinstance(doc, dict) and bool(doc.get("deprecated"))
