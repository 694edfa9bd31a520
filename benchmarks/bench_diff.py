"""The pure diff at scale: N unchanged pages in one space (a no-op plan's CPU part).

    python benchmarks/bench_diff.py [N ...]

Diff must stay linear in the pages of a space: it looks pages up by digest, id and title
through the indexes of ``SpaceView``, never by scanning the space once per desired page.
"""

from __future__ import annotations

import sys
import time

from confsync.config import Team
from confsync.plan.diff import diff
from confsync.plan.model import PlanOrigin
from confsync.plan.observation import Observation, SpaceView, message_for
from confsync.types import (
    DesiredPage,
    Page,
    PageAddress,
    PageStatus,
    PageVersion,
    ParentRef,
    ReportKind,
    Space,
)


def _body() -> str:
    return "<p/>"


def measure(n: int) -> float:
    parent = PageAddress("t", ReportKind.RETROSPECTIVE, "parent")
    desired = [DesiredPage(parent, "S", ParentRef(), "Retros", "dp", "confsync.yaml", render=_body)]
    pages = [Page("1", "s", "Retros", "h", PageStatus.CURRENT, PageVersion(1, message_for("dp")))]
    for i in range(n):
        address = PageAddress("t", ReportKind.RETROSPECTIVE, f"r{i}")
        desired.append(
            DesiredPage(
                address, "S", ParentRef(address=parent), f"T{i}", f"d{i}", "x", render=_body
            )
        )
        version = PageVersion(2, message_for(f"d{i}"))
        pages.append(Page(str(i + 10), "s", f"T{i}", "1", PageStatus.CURRENT, version))
    observation = Observation({"S": SpaceView(Space("s", "S", "S", "h"), tuple(pages), {})})
    team = Team(id="t", name="T", space="S", reports="r")
    started = time.perf_counter()
    plan = diff(desired, observation, {"t": team}, PlanOrigin("v", "c", None))
    elapsed = time.perf_counter() - started
    assert not plan.has_changes
    return elapsed


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 3_000, 10_000]
    for n in sizes:
        print(f"diff of {n:>6} unchanged pages in one space: {measure(n) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
