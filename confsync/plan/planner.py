"""plan = observe → diff → observe the details of what changes → diff again (pure, cheap)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from confsync.config import Team
from confsync.confluence.api import Confluence
from confsync.plan.diff import diff, everything
from confsync.plan.model import Action, Plan, PlanOrigin
from confsync.plan.observe import observe, observe_details
from confsync.types import DesiredPage

__all__ = ["make_plan"]


async def make_plan(
    confluence: Confluence,
    desired: Sequence[DesiredPage],
    teams: Mapping[str, Team],
    origin: PlanOrigin,
    *,
    scope: Callable[[str], bool] = everything,
) -> Plan:
    """``scope``: the addresses this plan speaks for when their report is gone (see diff);
    the spaces of the teams it speaks for are read even when no desired page is left there,
    so that their pages are deleted (prune) or listed as orphans."""
    spoken_for = {team.space for team in teams.values() if scope(f"{team.id}/")}
    observation = await observe(confluence, desired, pruned=spoken_for)
    # The first pass only finds what changes: no page is rendered for it.
    first = diff(desired, observation, teams, origin, scope=scope, texts=False)
    if not first.has_changes and not first.count(Action.DRIFT):
        return first
    detailed = await observe_details(confluence, first, observation)
    return diff(desired, detailed, teams, origin, scope=scope)
