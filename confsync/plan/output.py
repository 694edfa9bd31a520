"""The plan's views: JSON (the source), and text and markdown rendered from that same JSON.

The summary line (``Plan: N to create, N to update, N to move, N to delete.`` or
``No changes.``) is public API: scripts grep for it. Change it only with a major version.
``No changes.`` means exactly that: nothing to write and nothing blocking. When something
blocks, a second stable line follows it: ``Blocked: N drift, N conflicts.`` In the text view,
when the plan uploads files, a last line counts them: ``N attachments to upload.``
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, assert_never

from confsync.plan.model import Plan

if TYPE_CHECKING:
    from confsync.sites import SiteFault

__all__ = [
    "MARKDOWN_LIMIT",
    "PlanFormat",
    "blocked_line",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "summary_line",
]

MARKDOWN_LIMIT = 60_000
"""Pull-request comments hold 65,536 characters on GitHub; leave room for the CI's own text."""

_MARKERS = {
    "create": "+",
    "update": "~",
    "move": "~",
    "delete": "-",
    "conflict": "!",
    "drift": "!",
    "orphan": "?",
    "use": "=",
    "noop": " ",
}
_COLOURS = {
    "+": "green",
    "~": "yellow",
    "-": "red",
    "!": "magenta",
    "?": "cyan",
    "=": "blue",
    " ": "white",
}

Style = Callable[[str, str], str]


class PlanFormat(enum.StrEnum):
    """The views of a plan, as ``plan --format`` names them; ``render`` draws each."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def render(
    plan: Plan,
    format: PlanFormat,
    *,
    style: Style | None = None,
    faults: Sequence[SiteFault] = (),
) -> str:
    """``plan`` in ``format``; ``style`` colours the text view (see ``render_text``).
    ``faults``: the sites that could not be planned (``sites.py``), named in the markdown
    (a reviewer must see that the comment lacks a site) and as ``site_errors`` in the JSON;
    the text view leaves them to the errors on stderr."""
    match format:
        case PlanFormat.TEXT:
            return render_text(plan, style=style)
        case PlanFormat.MARKDOWN:
            return render_markdown(plan, faults=faults)
        case PlanFormat.JSON:
            if not faults:
                return render_json(plan)
            document = {**plan.to_json(), "site_errors": _site_errors(faults)}
            return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        case _:
            assert_never(format)


def _site_errors(faults: Sequence[SiteFault]) -> list[dict[str, str]]:
    return [{"site": fault.site, "error": str(fault.error)} for fault in faults]


def _plain(text: str, _colour: str) -> str:
    return text


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"


def summary_line(plan: Plan) -> str:
    """``No changes.`` when nothing is written and nothing blocks, else the counts (stable)."""
    if not plan.has_changes and not plan.blocking:
        return "No changes."
    s = plan.summary()
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, "
        f"{s['move']} to move, {s['delete']} to delete."
    )


def blocked_line(data: dict[str, Any]) -> str | None:
    """``Blocked: N drift, N conflicts.`` when changes block apply, else None (stable)."""
    blocking = [c for c in data["changes"] if c["blocking"]]
    if not blocking:
        return None
    drift = sum(1 for c in blocking if c["action"] == "drift")
    conflicts = len(blocking) - drift
    return f"Blocked: {drift} drift, {conflicts} conflict{'' if conflicts == 1 else 's'}."


def _headline(change: dict[str, Any]) -> str:
    action = change["action"]
    title = (change.get("after") or change.get("before") or {}).get("title", "")
    site = f" on {change['site']}" if change.get("site") else ""
    return f"{action} {title!r} ({change['address']}, space {change['space']}{site})"


def _details(change: dict[str, Any]) -> list[str]:
    lines = [f"reason: {change['reason']}"]
    for name, values in sorted(change.get("fields", {}).items()):
        lines.append(f"{name}: {values['old']!r} -> {values['new']!r}")
    for attachment in change["attachments"]:
        verb = "new version of" if attachment["attachment_id"] else "upload"
        lines.append(f"{verb} {attachment['filename']} ({attachment['media_type']})")
    marked = [f"+{name}" for name in change["labels"]["add"]]
    marked += [f"-{name}" for name in change["labels"]["remove"]]
    if marked:
        lines.append("labels: " + " ".join(marked))
    return lines


def _blocking_note(data: dict[str, Any]) -> str | None:
    blocking = [c for c in data["changes"] if c["blocking"]]
    if not blocking:
        return None
    noun = "change blocks" if len(blocking) == 1 else "changes block"
    return f"{len(blocking)} {noun} apply (marked !): resolve them and plan again."


def render_text(plan: Plan, *, style: Style | None = None, show_body: bool = True) -> str:
    """The plan as a terminal shows it; ``style(text, colour)`` colours it (None: plain)."""
    paint = style or _plain
    data = plan.to_json()
    out: list[str] = []
    shown = [c for c in data["changes"] if c["action"] != "noop" or c["attachments"]]
    if shown:
        out.append("confsync will make these changes:")
        out.append("")
    for change in shown:
        marker = _MARKERS[change["action"]]
        out.append(paint(f"{marker} {_headline(change)}", _COLOURS[marker]))
        out.extend(f"    {line}" for line in _details(change))
        if show_body and change["body_diff"] and change["action"] in ("update", "drift"):
            for line in change["body_diff"].splitlines()[2:]:
                colour = "green" if line.startswith("+") else "red" if line[:1] == "-" else "white"
                out.append(paint(f"      {line}", colour))
        out.append("")
    unchanged = sum(1 for c in data["changes"] if c["action"] == "noop" and not c["attachments"])
    if unchanged:
        out.append(f"{unchanged} page{'s' if unchanged != 1 else ''} up to date.")
    note = _blocking_note(data)
    if note:
        out.append(paint(note, "magenta"))
    out.append(summary_line(plan))
    blocked = blocked_line(data)
    if blocked:
        out.append(blocked)
    uploads = data["summary"]["upload"]
    if uploads:
        out.append(f"{uploads} attachment{'s' if uploads != 1 else ''} to upload.")
    return "\n".join(out) + "\n"


def render_markdown(
    plan: Plan, *, limit: int = MARKDOWN_LIMIT, faults: Sequence[SiteFault] = ()
) -> str:
    """A pull-request comment: a summary table, then one <details> per changed page."""
    data = plan.to_json()
    s = data["summary"]
    head = [
        "### confsync plan",
        "",
        *(
            f"> [!CAUTION]\n> Site `{e['site']}` could not be planned; its changes are not "
            f"shown here: {_escape(' '.join(e['error'].split()))}\n"
            for e in _site_errors(faults)
        ),
        f"**{summary_line(plan)}**",
        *(["", f"**{blocked}**"] if (blocked := blocked_line(data)) else []),
        "",
        "| create | update | move | delete | upload | conflict | drift | orphan | unchanged |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['create']} | {s['update']} | {s['move']} | {s['delete']} | {s['upload']} "
        f"| {s['conflict']} | {s['drift']} | {s.get('orphan', 0)} | {s['noop']} |",
        "",
    ]
    note = _blocking_note(data)
    if note:
        head += [f"> [!WARNING]\n> {note}", ""]
    sections: list[str] = []
    for change in data["changes"]:
        if change["action"] == "noop" and not change["attachments"]:
            continue
        marker = _MARKERS[change["action"]]
        body = "\n".join(f"- {_escape(line)}" for line in _details(change))
        block = [
            "<details>",
            f"<summary><code>{marker}</code> {_escape(_headline(change))}</summary>",
            "",
            body,
        ]
        if change["body_diff"]:
            block += ["", "```diff", change["body_diff"].replace("```", "` ` `"), "```"]
        block += ["", "</details>", ""]
        sections.append("\n".join(block))
    text = "\n".join(head) + "\n"
    for index, section in enumerate(sections):
        rest = len(sections) - index
        if len(text) + len(section) > limit - 200:
            text += f"\n… and {rest} more change{'s' if rest != 1 else ''} not shown here "
            text += "(comment size limit); see the plan file for all of them.\n"
            break
        text += section
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
