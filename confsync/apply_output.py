"""The apply result's views: JSON (the source), and text and markdown rendered from that JSON.

``result_json`` turns what apply did (``ApplyResult``) into one versioned document; the text
and markdown views read only that document, so no view can say what another does not. The
choice of view is ``PlanFormat``, as for the plan.

The text view is what apply has always printed: one line per change made (``+`` create,
``-`` delete, ``~`` any other write, and the page's link), one per change not made (``!``,
its address and the error), then the summary line ``Apply complete: N changed, M failed.``,
public API like the plan's (scripts grep it). ``M`` counts every change not made, those
skipped because their parent failed included. A terminal shows the lines of the changes not
made on stderr (``TextLine.failed``). With nothing applied the text view is empty: the plan's
text view, printed just before it, already says ``No changes.``
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, assert_never

from confsync.apply import ApplyResult, Outcome
from confsync.plan.model import Action, Plan
from confsync.plan.output import MARKDOWN_LIMIT, PlanFormat

if TYPE_CHECKING:
    from confsync.sites import SiteFault

__all__ = [
    "FORMAT_VERSION",
    "TextLine",
    "progress_line",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "result_json",
    "summary_line",
    "text_lines",
]

FORMAT_VERSION = "1.1"
"""Of the apply result document. Major bumps when a reader of the old format would misread
the new one; minor when only something is added (1.1: ``site_errors``, and a change's
``site`` when the config names several)."""

_MARKERS = {Action.CREATE.value: "+", Action.DELETE.value: "-"}
"""A change made; any other write (update, move, files of an unchanged page) is ``~``."""
_FAILED = "!"


def progress_line(outcome: Outcome) -> str:
    """One line per change as apply makes it (stderr), before the result is complete."""
    state = "ok" if outcome.ok else "FAILED"
    return f"{state}: {outcome.change.action} {outcome.change.address}"


def result_json(
    plan: Plan, result: ApplyResult, faults: Sequence[SiteFault] = ()
) -> dict[str, Any]:
    """The apply result document. ``changes`` are in the plan's order (apply finishes them in
    whatever order the network allows); the plan's changes that write nothing are left out.
    ``site_errors`` are the sites apply could not work on, or not finish (``sites.py``); the
    changes such a site made before it failed are among the changes."""
    order = {change.address: index for index, change in enumerate(plan.changes)}
    outcomes = sorted(result.outcomes, key=lambda o: order.get(o.change.address, len(order)))
    changes = [_outcome_json(outcome) for outcome in outcomes]
    return {
        "format_version": FORMAT_VERSION,
        "origin": plan.to_json()["origin"],
        "summary": {
            "changed": sum(1 for c in changes if c["ok"]),
            "failed": sum(1 for c in changes if not c["ok"]),
            "skipped": sum(1 for c in changes if c["skipped"]),
        },
        "changes": changes,
        "site_errors": [{"site": f.site, "error": str(f.error)} for f in faults],
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    change = outcome.change
    state = change.after or change.before
    made = outcome.ok and change.action is not Action.DELETE
    site = {"site": change.site} if change.site else {}
    return {
        **site,
        "address": change.address,
        "action": change.action.value,
        "space": change.space,
        "title": state.title if state is not None else "",
        "ok": outcome.ok,
        "skipped": outcome.skipped,
        "link": outcome.detail if made else None,
        "error": None if outcome.ok else outcome.detail,
        "attachments": list(outcome.uploaded),
    }


def render(document: dict[str, Any], format: PlanFormat) -> str:
    """The apply result ``document`` (``result_json``) in ``format``."""
    match format:
        case PlanFormat.TEXT:
            return render_text(document)
        case PlanFormat.MARKDOWN:
            return render_markdown(document)
        case PlanFormat.JSON:
            return render_json(document)
        case _:
            assert_never(format)


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def summary_line(document: dict[str, Any]) -> str:
    """``Apply complete: N changed, M failed.`` (stable)."""
    s = document["summary"]
    return f"Apply complete: {s['changed']} changed, {s['failed']} failed."


class TextLine(NamedTuple):
    text: str
    failed: bool
    """The line of a change not made: a terminal shows it on stderr."""


def _made(change: dict[str, Any]) -> str:
    return str(change["link"]) if change["link"] is not None else "deleted"


def text_lines(document: dict[str, Any]) -> list[TextLine]:
    """The text view line by line, each saying whether it is a change not made."""
    sites = [TextLine(f"{_FAILED} site {e['site']}: {e['error']}", True) for e in _sites(document)]
    if not document["changes"]:
        return sites
    lines = []
    for change in document["changes"]:
        if change["ok"]:
            marker = _MARKERS.get(change["action"], "~")
            lines.append(TextLine(f"{marker} {change['title']}: {_made(change)}", False))
        else:
            said = f"{_FAILED} {change['title']} ({change['address']}): {change['error']}"
            lines.append(TextLine(said, True))
    lines.append(TextLine(summary_line(document), False))
    return sites + lines


def _sites(document: dict[str, Any]) -> list[dict[str, str]]:
    return list(document.get("site_errors", ()))


def render_text(document: dict[str, Any]) -> str:
    """The text view in one piece, as a terminal shows it (stdout and stderr together)."""
    return "".join(f"{line.text}\n" for line in text_lines(document))


def render_markdown(document: dict[str, Any], *, limit: int = MARKDOWN_LIMIT) -> str:
    """A comment (a merge request, a CI job summary): the summary, then a row per change."""
    changes = document["changes"]
    sites = "".join(
        f"> [!CAUTION]\n> Site `{e['site']}`: nothing was applied: {_cell(e['error'])}\n\n"
        for e in _sites(document)
    )
    if not changes:
        return f"### confsync apply\n\n{sites}**No changes.**\n"
    s = document["summary"]
    uploaded = sum(len(c["attachments"]) for c in changes)
    head = [
        "### confsync apply",
        "",
        f"**{summary_line(document)}**",
        "",
        "| changed | failed | skipped | files uploaded |",
        "|---:|---:|---:|---:|",
        f"| {s['changed']} | {s['failed']} | {s['skipped']} | {uploaded} |",
        "",
    ]
    commit = document["origin"].get("commit")
    if commit:
        head[4:4] = [f"Applied the plan made at commit `{commit[:12]}`.", ""]
    if s["failed"]:
        noun = "change was" if s["failed"] == 1 else "changes were"
        head += [f"> [!WARNING]\n> {s['failed']} {noun} not made (marked {_FAILED}).", ""]
    head += ["| | page | address | result | files |", "|---|---|---|---|---|"]
    text = "\n".join(head[:2]) + "\n" + sites + "\n".join(head[2:]) + "\n"
    for index, change in enumerate(changes):
        row = _markdown_row(change)
        if len(text) + len(row) > limit - 200:
            rest = len(changes) - index
            text += f"\n… and {rest} more change{'s' if rest != 1 else ''} not shown here "
            text += "(comment size limit); apply --format json lists all of them.\n"
            break
        text += row
    return text


def _markdown_row(change: dict[str, Any]) -> str:
    if change["ok"]:
        marker = _MARKERS.get(change["action"], "~")
        link = change["link"]
        result = f"[{change['action']}]({link})" if link is not None else _cell(_made(change))
    else:
        marker, result = _FAILED, _cell(change["error"])
    files = ", ".join(_cell(name) for name in change["attachments"])
    cells = [f"`{marker}`", _cell(change["title"]), f"`{change['address']}`", result, files]
    return "| " + " | ".join(cells) + " |\n"


def _cell(text: str) -> str:
    """``text`` as it reads in a table cell: no markup, no column break, on one line."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(escaped.replace("|", "\\|").split())
