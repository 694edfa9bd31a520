"""A benchmark's verdicts: each goal with the figure measured, printed as one table.

The table is what a closing note quotes, so it also says how loaded the machine was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    name: str
    figure: float
    goal: float
    unit: str = ""
    at_most: bool = True
    """True: the figure must not exceed the goal; False: it must reach it."""

    @property
    def met(self) -> bool:
        return self.figure <= self.goal if self.at_most else self.figure >= self.goal

    def row(self) -> str:
        sign = "≤" if self.at_most else "≥"
        shown = f"{self.figure:,.2f}".rstrip("0").rstrip(".")
        goal = f"{self.goal:,.2f}".rstrip("0").rstrip(".")
        return (
            f"| {self.name} | {shown}{self.unit} | {sign} {goal}{self.unit} | "
            f"{'met' if self.met else 'MISSED'} |"
        )


def print_table(title: str, goals: list[Goal]) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{title} (load average {load} on {os.cpu_count()} cores)\n")
    print("| goal | figure | target | |")
    print("|---|---:|---:|---|")
    for goal in goals:
        print(goal.row())
