"""``confsync teams``: the teams of confsync.yaml, as a table or as a CI matrix (offline).

The JSON is one line, ``{"include": [{"team": ..., "name": ..., "space": ..., "reports": ...,
"report_count": N}, ...]}`` (and ``"site"`` when the config names several): exactly what a
GitHub Actions ``strategy.matrix`` takes from ``fromJSON(...)``, one job per team. It holds
nothing but ``include`` on purpose: any other key would become a matrix dimension, crossed
with every team. The plain list of team ids is ``fromJSON(...).include.*.team`` there, or
``jq -r '.include[].team'`` in a shell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from confsync.loading import Repo

__all__ = ["TeamInfo", "render_teams_json", "render_teams_text", "team_infos"]


@dataclass(frozen=True)
class TeamInfo:
    """A team as confsync.yaml declares it, with how many valid reports its folder holds."""

    id: str
    name: str
    space: str
    reports: str
    report_count: int
    site: str = ""
    """Which of ``confluence.sites`` (``""``: the config names one site, unnamed)."""


def team_infos(repo: Repo) -> tuple[TeamInfo, ...]:
    """The teams in the order confsync.yaml lists them."""
    counts = {t.id: 0 for t in repo.config.teams}
    for loaded in repo.reports:
        counts[loaded.team.id] += 1
    config = repo.config
    site = config.site_of if len(config.sites()) > 1 else lambda _: ""
    return tuple(
        TeamInfo(t.id, t.name, t.space, t.reports, counts[t.id], site(t)) for t in config.teams
    )


def render_teams_json(teams: tuple[TeamInfo, ...]) -> str:
    include = [
        {
            "team": t.id,
            "name": t.name,
            "space": t.space,
            "reports": t.reports,
            "report_count": t.report_count,
            **({"site": t.site} if t.site else {}),
        }
        for t in teams
    ]
    # One line: GitHub's $GITHUB_OUTPUT takes name=value lines.
    return json.dumps({"include": include}, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_teams_text(teams: tuple[TeamInfo, ...]) -> str:
    sites = any(t.site for t in teams)
    rows: list[tuple[str, ...]] = [("TEAM", "NAME", "SPACE", "REPORTS FOLDER", "REPORTS")]
    rows += [(t.id, t.name, t.space, t.reports, str(t.report_count)) for t in teams]
    if sites:
        named = ["SITE", *(t.site for t in teams)]
        rows = [(*row, site) for row, site in zip(rows, named, strict=True)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )
