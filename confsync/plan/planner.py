"""plan = observe → diff → observe the details of what changes → diff again (pure, cheap)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from confsync.config import Team
from confsync.confluence.api import Confluence
from confsync.plan.diff import diff
from confsync.plan.model import Plan, PlanOrigin
from confsync.plan.observe import observe, observe_details
from confsync.types import DesiredPage

__all__ = ["make_plan"]


async def make_plan(
    confluence: Confluence,
    desired: Sequence[DesiredPage],
    teams: Mapping[str, Team],
    origin: PlanOrigin,
) -> Plan:
    pruned = {team.space for team in teams.values() if team.prune}
    observation = await observe(confluence, desired, pruned=pruned)
    first = diff(desired, observation, teams, origin)
    if not first.has_changes:
        return first
    detailed = await observe_details(confluence, first, desired, observation)
    return diff(desired, detailed, teams, origin)
