"""Text and JSON views of the set-up commands: check, spaces, pages search, test-publish.

Each JSON view is one document with a ``format_version``; the text views are for people.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from confsync.setup_check import CHECK_FORMAT, CheckReport
from confsync.testpublish import TestPage
from confsync.types import PageMatch, Permission, Space

if TYPE_CHECKING:
    from confsync.sites import SiteFault

__all__ = [
    "LISTING_FORMAT",
    "checks_json",
    "matches_json",
    "render_check_text",
    "render_checks_text",
    "render_json",
    "render_matches_text",
    "render_spaces_text",
    "render_test_pages_text",
    "spaces_json",
]

LISTING_FORMAT = "1.0"
"""Version of ``spaces --format json`` and ``pages search --format json``."""


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _permission_line(permission: Permission) -> str:
    name = permission.operation.value
    if permission.granted is None:
        return f"  {name}: {permission.source}"
    if permission.granted:
        return f"  {name}: yes ({permission.source})"
    return f"  {name}: NO ({permission.source}): {permission.remedy}"


def render_check_text(report: CheckReport) -> str:
    user = report.user
    who = user.email or user.username or user.account_id or ""
    lines = [f"Signed in as {user.display_name}{f' ({who})' if who else ''}."]
    for team in report.teams:
        if team.space is None:
            lines.append(f"Team {team.team}: space {team.space_key}: {team.problems[0]}")
            continue
        space = team.space
        lines.append(
            f"Team {team.team}: space {space.key}, {space.name!r} (id {space.id}): "
            f"{team.space_link}"
        )
        for parent in team.parents:
            label = parent.kind.value.replace("-", " ") + "s"
            state = parent.problem or parent.detail
            lines.append(f"  {label} parent: {state}")
        lines.extend(_permission_line(p) for p in team.permissions)
        lines.extend(f"  problem: {problem}" for problem in team.problems)
    if report.first_problem is None:
        lines.append("Ready to publish.")
    return "\n".join(lines) + "\n"


SiteCheck = tuple[str, CheckReport]
"""A site's name ("" for the one site of the single-site form) and its check."""


def _one_site(found: Sequence[SiteCheck], faults: Sequence[SiteFault]) -> bool:
    """The single-site form, shown as it always was."""
    return len(found) == 1 and not faults and not found[0][0]


def render_checks_text(found: Sequence[SiteCheck], faults: Sequence[SiteFault] = ()) -> str:
    """``check`` of one site as always; of several, each under its name, and the sites that
    could not be checked."""
    if _one_site(found, faults):
        return render_check_text(found[0][1])
    parts = [f"Site {name}:\n{render_check_text(report)}" for name, report in found]
    parts += [f"Site {fault.site}: {fault.error}\n" for fault in faults]
    return "\n".join(parts)


def checks_json(found: Sequence[SiteCheck], faults: Sequence[SiteFault] = ()) -> dict[str, Any]:
    """``check --format json``: one site's report as always; for several, one report per
    site (``sites``), each with its ``site``, or its ``error`` when it could not be checked."""
    if _one_site(found, faults):
        return found[0][1].to_json()
    sites = [{"site": name, **report.to_json()} for name, report in found]
    sites += [{"site": fault.site, "ok": False, "error": str(fault.error)} for fault in faults]
    return {
        "format_version": CHECK_FORMAT,
        "sites": sites,
        "ok": all(site["ok"] for site in sites),
    }


def spaces_json(spaces: Sequence[tuple[Space, str]]) -> dict[str, Any]:
    return {
        "format_version": LISTING_FORMAT,
        "spaces": [{"key": s.key, "name": s.name, "id": s.id, "link": link} for s, link in spaces],
    }


def render_spaces_text(spaces: Sequence[tuple[Space, str]]) -> str:
    if not spaces:
        return "No spaces visible to this account.\n"
    width = max(len(s.key) for s, _ in spaces)
    lines = [f"{s.key:<{width}}  {s.name}  {link}" for s, link in spaces]
    return "\n".join(lines) + f"\n{len(spaces)} space{'s' if len(spaces) != 1 else ''}.\n"


def _path(match: PageMatch) -> str:
    return " > ".join(match.ancestors) if match.ancestors else "(space root)"


def matches_json(matches: Sequence[tuple[PageMatch, str]]) -> dict[str, Any]:
    return {
        "format_version": LISTING_FORMAT,
        "pages": [
            {
                "id": m.page.id,
                "title": m.page.title,
                "ancestors": list(m.ancestors),
                "link": link,
            }
            for m, link in matches
        ],
    }


def render_matches_text(matches: Sequence[tuple[PageMatch, str]]) -> str:
    if not matches:
        return "No page title matches.\n"
    width = max(len(m.page.id) for m, _ in matches)
    lines = [f"{m.page.id:>{width}}  {m.page.title}  in {_path(m)}" for m, _ in matches]
    count = len(matches)
    return (
        "\n".join(lines) + f"\n{count} page{'s' if count != 1 else ''}. Use one as a parent with "
        "parent: {existing: ID} in confsync.yaml.\n"
    )


def render_test_pages_text(pages: Sequence[TestPage]) -> str:
    lines = []
    for page in pages:
        lines.append(
            f"Team {page.team}: published {page.title!r} in space {page.space_key} under "
            f"{page.parent}, with {page.attachment}: {page.url}"
        )
        if page.kept:
            lines.append("  kept (--keep): delete it by hand when you are done.")
        else:
            lines.append("  deleted again, with its attachment (it is in the space's trash).")
    return "\n".join(lines) + "\n"
