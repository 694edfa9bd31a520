"""Two sites at once: an apply to a Cloud and a Data Center site costs what the slower of
the two costs alone, not their sum (issue 14: "plan, apply, check and the lock work per site,
concurrently").

    python benchmarks/bench_sites.py [--reports 200] [--latency-ms 50]

Writes a repo of two teams, one per site, each with N/2 reports (pages only, no PDFs), serves
a Cloud and a Data Center sandbox with added latency, and runs the real CLI, each time on
fresh sandboxes: the first ``apply`` of each site alone (``--team``), then of both at once;
then a no-op ``plan`` of both. Prints a table of the goals with each figure.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench_plan_apply import run_cli, write_repo
from goals import Goal, print_table

from confsync.sandbox.served import served_sandbox

SITES = {"cloud": ("cloud", "/wiki", "BENCH0"), "dc": ("datacenter", "/confluence", "BENCH1")}
"""Site name → edition, context path, the space of its team (team0 on cloud, team1 on dc)."""


def write_sites_repo(root: Path, bases: dict[str, str], reports: int) -> None:
    write_repo(root, bases["cloud"], reports, teams=2, concurrency=8)
    config = (root / "confsync.yaml").read_text().splitlines()
    start, end = config.index("confluence:"), config.index("defaults:")
    sites = ["confluence:", "  sites:"]
    auth = {
        "cloud": '{method: api-token, email: "${BENCH_EMAIL}", token: "${BENCH_TOKEN}"}',
        "dc": '{method: basic, username: admin, password: "${BENCH_PASSWORD}"}',
    }
    for name, (edition, context, _) in SITES.items():
        sites += [
            f"    {name}:",
            f"      edition: {edition}",
            f"      url: {bases[name]}{context}",
            f"      auth: {auth[name]}",
        ]
    config[start:end] = sites
    text = "\n".join(config) + "\n"
    text = text.replace("    space: BENCH0\n", "    space: BENCH0\n    site: cloud\n")
    text = text.replace("    space: BENCH1\n", "    space: BENCH1\n    site: dc\n")
    (root / "confsync.yaml").write_text(text)


@contextmanager
def fresh_sites(folder: Path, reports: int, latency_ms: float) -> Iterator[Path]:
    """A repo and two fresh sandboxes serving its sites."""
    with ExitStack() as stack:
        bases = {
            name: stack.enter_context(
                served_sandbox(
                    folder / f"{name}.sqlite", [space], edition=edition, latency_ms=latency_ms
                )
            )
            for name, (edition, _, space) in SITES.items()
        }
        root = folder / "repo"
        root.mkdir()
        write_sites_repo(root, bases, reports)
        yield root


def measure(reports: int, latency_ms: float) -> None:
    alone: dict[str, float] = {}
    for site, team in (("cloud", "team0"), ("dc", "team1")):
        with (
            tempfile.TemporaryDirectory() as tmp,
            fresh_sites(Path(tmp), reports, latency_ms) as root,
        ):
            alone[site], _ = run_cli(root, "apply", "--auto-approve", "--team", team)
            print(f"first apply, {site} alone ({reports // 2} reports): {alone[site]:.2f} s")
    with tempfile.TemporaryDirectory() as tmp, fresh_sites(Path(tmp), reports, latency_ms) as root:
        both, _ = run_cli(root, "apply", "--auto-approve")
        print(f"first apply, both sites at once ({reports} reports): {both:.2f} s")
        noop, out = run_cli(root, "plan")
        assert "No changes." in out, out
        print(f"no-op plan, both sites: {noop:.2f} s")
    slower, total = max(alone.values()), sum(alone.values())
    print(f"(one site after the other would take {total:.2f} s)")
    print_table(
        f"Two sites, {reports} reports, {latency_ms:g} ms latency",
        [
            Goal("first apply of both sites, × the slower site alone", both / slower, 1.25, "×"),
            Goal("no-op plan of both sites", noop, 1.5, " s"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    measure(args.reports, args.latency_ms)


if __name__ == "__main__":
    main()
