"""plan/apply at scale against the served sandbox (issue 5's targets).

    python benchmarks/bench_plan_apply.py [--reports 1000] [--teams 10] [--latency-ms 50]

Writes a repo of N reports across T teams (one space each, pages only, no PDFs), serves the
sandbox with uvicorn on loopback with added latency, and runs the real CLI:

1. the first ``apply`` (default concurrency): wall time and requests;
2. a no-op ``plan``: wall time and requests (at most 20);
3. a saved plan that updates every tenth report, applied (``apply PLAN_FILE``): writes per
   updated page, and the reads besides the lock (only the bulk re-check of versions);
4. the baseline: the same kind of pages created one at a time (``concurrency: 1``) on a fresh
   sandbox, for a sample of the reports, scaled to N (the full run takes minutes at 50 ms).

Request counts come from the sandbox's request log (``GET /_sandbox/requests``). Prints a
table of the goals of issue 13 with each figure, and the machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from goals import Goal, print_table

from confsync.sandbox.served import served_sandbox

EMAIL, TOKEN = "admin@example.com", "sandbox-token"


AUTH = {
    "cloud": '  auth: {method: api-token, email: "${BENCH_EMAIL}", token: "${BENCH_TOKEN}"}',
    "datacenter": '  auth: {method: basic, username: admin, password: "${BENCH_PASSWORD}"}',
}
CONTEXT = {"cloud": "/wiki", "datacenter": "/confluence"}


def write_repo(
    root: Path, base: str, reports: int, teams: int, concurrency: int, edition: str = "cloud"
) -> None:
    lines = [
        "version: 1",
        "confluence:",
        f"  edition: {edition}",
        f"  url: {base}{CONTEXT[edition]}",
        AUTH[edition],
        f"  concurrency: {concurrency}",
        "defaults:",
        "  retrospectives: {parent: {create: Retrospectives}, "
        'title: "{{RetrospectiveTitleOrDate}} - Retrospective", pdf: false, chart: false}',
        "teams:",
    ]
    for t in range(teams):
        lines += [
            f"  - id: team{t}",
            f"    name: Team {t}",
            f"    space: BENCH{t}",
            f"    reports: reports/team{t}",
        ]
    (root / "confsync.yaml").write_text("\n".join(lines) + "\n")
    start = dt.date(2020, 1, 1)
    for n in range(reports):
        team = n % teams
        folder = root / "reports" / f"team{team}"
        folder.mkdir(parents=True, exist_ok=True)
        day = start + dt.timedelta(days=n // teams)
        (folder / f"{day.isoformat()}-r{n}.yaml").write_text(
            "kind: retrospective\n"
            f"title: Sprint {n}\n"
            f"date: {day.isoformat()}\n"
            "columns:\n"
            "  - name: Went well\n"
            f"    items: [{{text: Item {n} went well, votes: {n % 7}}}]\n"
            "  - name: To improve\n"
            f"    items: [{{text: Item {n} to improve, votes: {n % 5}}}]\n"
        )


def run_cli(root: Path, *args: str) -> tuple[float, str]:
    env = {
        **os.environ,
        "BENCH_EMAIL": EMAIL,
        "BENCH_TOKEN": TOKEN,
        "BENCH_PASSWORD": "admin",
        "NO_COLOR": "1",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "confsync", "-C", str(root), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"confsync {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def requests_since_clear(base: str) -> tuple[int, int]:
    """(requests, of which writes) since the last call."""
    found = httpx.get(f"{base}/_sandbox/requests", timeout=30).json()
    records = found["requests"] if isinstance(found, dict) else found
    httpx.delete(f"{base}/_sandbox/requests", timeout=30)
    api = [r for r in records if not str(r.get("path", "")).startswith("/_sandbox")]
    return len(api), sum(1 for r in api if r.get("method") != "GET")


def _edit_votes(repo: Path, every: int) -> int:
    """Change the votes of every ``every``-th report; returns how many were edited."""
    edited = 0
    for n, path in enumerate(sorted((repo / "reports").rglob("*.yaml"))):
        if n % every == 0:
            text = path.read_text()
            path.write_text(text.replace("went well, votes: ", "went well, votes: 1"))
            edited += 1
    return edited


def measure(reports: int, teams: int, latency_ms: float, sample: int, edition: str) -> None:
    spaces = [f"BENCH{t}" for t in range(teams)]
    concurrency = 8
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with served_sandbox(
            tmp_path / "main.sqlite", spaces, latency_ms=latency_ms, edition=edition
        ) as base:
            repo = tmp_path / "repo"
            repo.mkdir()
            write_repo(repo, base, reports, teams, concurrency, edition)
            requests_since_clear(base)
            apply_s, out = run_cli(repo, "apply", "--auto-approve")
            apply_requests, apply_writes = requests_since_clear(base)
            plan_s, out = run_cli(repo, "plan")
            plan_requests, _ = requests_since_clear(base)
            assert out.strip().endswith("No changes."), out[-500:]
            # Updates, through a saved plan: what apply PLAN_FILE reads besides the plan's.
            edited = _edit_votes(repo, 10)
            run_cli(repo, "plan", "--out", str(tmp_path / "plan.json"))
            requests_since_clear(base)
            update_s, _ = run_cli(repo, "apply", str(tmp_path / "plan.json"), "--auto-approve")
            update_requests, update_writes = requests_since_clear(base)

        with served_sandbox(
            tmp_path / "baseline.sqlite", spaces, latency_ms=latency_ms, edition=edition
        ) as base:
            repo = tmp_path / "baseline"
            repo.mkdir()
            write_repo(repo, base, sample, teams, 1, edition)
            requests_since_clear(base)
            baseline_s, _ = run_cli(repo, "apply", "--auto-approve")
            baseline_requests, _ = requests_since_clear(base)

    pages = reports + teams  # reports plus one parent page per team
    budget = min(20, teams * (2 * math.ceil(pages / teams / 250)))
    scaled = baseline_s * (reports + teams) / (sample + teams)
    # The apply lock, per space: the space, create the lease; at the end read it, delete.
    lock_writes, lock_reads = 2 * teams, 2 * teams
    per_page = (apply_writes - lock_writes) / pages
    # The limit Confluence sets: the writes that must happen (one per page), concurrency at
    # a time, each taking the latency.
    limit = pages / concurrency * latency_ms / 1000
    rechecks = math.ceil(edited / 250)  # the bulk re-check of a saved plan, 250 ids a request
    update_reads = (update_requests - update_writes) - lock_reads
    print(f"edition={edition} reports={reports} teams/spaces={teams} latency={latency_ms:.0f} ms")
    print(
        f"first apply: {apply_s:.1f} s, {apply_requests} requests, {apply_writes} writes; "
        f"no-op plan: {plan_s:.2f} s, {plan_requests} requests; saved plan of {edited} "
        f"updates: {update_s:.1f} s, {update_requests} requests, {update_writes} writes; "
        f"one at a time ({sample} reports): {baseline_s:.1f} s, {baseline_requests} requests, "
        f"scaled to {reports}: {scaled:.1f} s"
    )
    print_table(
        f"plan/apply, {edition}, {reports} reports in {teams} spaces, {latency_ms:.0f} ms",
        [
            Goal("writes per new page (lock aside)", per_page, 1.5),
            Goal(f"first publish, x the {limit:.1f} s limit", apply_s / limit, 2.0, "x"),
            Goal("writes per updated page (lock aside)", (update_writes - lock_writes) / edited, 1),
            Goal("apply PLAN_FILE: reads besides the lock", update_reads, rechecks),
            Goal("no-op plan, requests", plan_requests, budget),
            Goal("no-op plan, wall time", plan_s, 1.5, " s"),
            Goal("speed-up over one page at a time", scaled / apply_s, 5, "x", at_most=False),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--edition", choices=["cloud", "datacenter"], default="cloud")
    args = parser.parse_args()
    measure(args.reports, args.teams, args.latency_ms, args.baseline_sample, args.edition)


if __name__ == "__main__":
    main()
