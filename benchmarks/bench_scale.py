"""10,000 reports: validate and plan time, and plan's peak memory (issue 13's goals).

    python benchmarks/bench_scale.py [--reports 10000] [--teams 10]

Writes a repo of N retrospectives across T teams (pages only) on the embedded sandbox, and
runs the real CLI under ``/usr/bin/time`` (GNU time: elapsed seconds and peak resident set):

1. ``confsync validate``: goal under 10 s;
2. ``confsync plan`` against an empty sandbox (every page a create): goal under 20 s and
   under 400 MB peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_plan_apply import write_repo
from goals import Goal, print_table

TIME = "/usr/bin/time"


def timed(root: Path, *args: str) -> tuple[float, float]:
    """(elapsed seconds, peak RSS in MB) of ``confsync -C root ARGS``."""
    done = subprocess.run(
        [
            TIME,
            "-f",
            "confsync-time %e %M",
            sys.executable,
            "-m",
            "confsync",
            "-C",
            str(root),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    found = re.search(r"confsync-time ([\d.]+) (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(
            f"confsync {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return float(found.group(1)), int(found.group(2)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=10)
    args = parser.parse_args()
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} (GNU time) is needed: apt-get install time")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, "http://127.0.0.1:9", args.reports, args.teams, 8, "datacenter")
        config = root / "confsync.yaml"
        lines = config.read_text().splitlines()
        # The embedded sandbox instead of a served one: no credentials, nothing to serve.
        kept = [line for line in lines if not line.startswith(("  url:", "  auth:"))]
        kept.insert(kept.index("confluence:") + 1, "  sandbox: .confsync/sandbox.sqlite")
        config.write_text("\n".join(kept) + "\n")
        validate_s, validate_mb = timed(root, "validate")
        plan_s, plan_mb = timed(root, "plan")
    print(
        f"{args.reports} reports: validate {validate_s:.1f} s ({validate_mb:.0f} MB), "
        f"plan {plan_s:.1f} s ({plan_mb:.0f} MB)"
    )
    print_table(
        f"{args.reports:,} reports in {args.teams} spaces, embedded sandbox",
        [
            Goal("validate, wall time", validate_s, 10, " s"),
            Goal("plan against an empty sandbox, wall time", plan_s, 20, " s"),
            Goal("plan, peak RSS", plan_mb, 400, " MB"),
        ],
    )


if __name__ == "__main__":
    main()
