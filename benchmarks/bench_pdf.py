"""PDF printing: time per report, and what PDFs cost an apply.

    python benchmarks/bench_pdf.py [--rounds 5] [--reports 100]

1. render: every sample report's page printed ``--rounds`` times (after one warm-up round,
   which loads WeasyPrint and the fonts): the median time per report. Target: 0.15 s or less.
2. apply: ``--reports`` copies of the sample retrospectives published into a fresh embedded
   sandbox with ``pdf: true`` and with ``pdf: false`` (``confsync apply --auto-approve``, a
   process of its own each time): wall times and their ratio. PDFs are printed in a process
   pool sized to the cores, off the event loop. Target: a ratio of 1.5 or less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_plan_apply import AUTH, EMAIL, TOKEN
from goals import Goal, print_table

from confsync.desired import desired_pages, image_bytes, pdf_cover
from confsync.loading import load_repo
from confsync.render.pdf import render_pdf
from confsync.sandbox.served import served_sandbox

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def bench_render(rounds: int) -> float:
    """The median CPU time of printing one report (wall time is printed too)."""
    repo = load_repo(SAMPLES)
    jobs = []
    for page in desired_pages(repo):
        if page.address.is_parent:
            continue
        loaded = next(r for r in repo.reports if r.address == page.address)
        jobs.append((page, pdf_cover(loaded), image_bytes(repo, page)))
    times: list[float] = []
    cpu: list[float] = []
    for round_ in range(rounds + 1):
        for page, cover, images in jobs:
            start, start_cpu = time.perf_counter(), time.process_time()
            render_pdf(page.body, title=page.title, cover=cover, files=images)
            if round_:  # round 0 warms up: imports, font lookups, caches
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
    median, median_cpu = statistics.median(times), statistics.median(cpu)
    # CPU time too: on a shared machine, wall time also counts the waits for a core.
    print(
        f"render: {len(jobs)} reports x {rounds} rounds: median {median:.3f} s wall "
        f"(min {min(times):.3f}, max {max(times):.3f}), {median_cpu:.3f} s CPU "
        f"per report; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return median_cpu


def _repo(folder: Path, reports: int, pdf: bool) -> Path:
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns(".confsync", "preview"))
    sources = sorted((folder / "reports/platform").glob("*sprint*.yaml"))
    for n in range(reports - len(list((folder / "reports").rglob("*.yaml")))):
        source = sources[n % len(sources)]
        (folder / "reports/platform" / f"copy-{n:03d}-{source.name}").write_text(
            source.read_text().replace("title: ", f"title: Copy {n} ", 1)
        )
    config = folder / "confsync.yaml"
    text = config.read_text()
    if not pdf:
        text = text.replace("pdf: true", "pdf: false")
    config.write_text(text)
    return folder


def _apply(root: Path, latency_ms: float) -> float:
    """Wall time of ``confsync apply``: on the embedded sandbox (no latency), or on a sandbox
    served with ``latency_ms`` added to every request, as a real Confluence answers."""
    with ExitStack() as stack:
        if latency_ms:
            base = stack.enter_context(
                served_sandbox(root / "served.sqlite", ["PLAT", "MOB"], latency_ms=latency_ms)
            )
            config = root / "confsync.yaml"
            config.write_text(
                config.read_text().replace(
                    "  sandbox: .confsync/sandbox.sqlite",
                    f"  url: {base}/wiki\n{AUTH['cloud']}",
                )
            )
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "confsync", "-C", str(root), "apply", "--auto-approve"],
            check=True,
            capture_output=True,
            env={**os.environ, "BENCH_EMAIL": EMAIL, "BENCH_TOKEN": TOKEN},
        )
        return time.perf_counter() - start


def bench_apply(reports: int, pdf_cpu: float, latency_ms: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        with_pdf = _repo(Path(tmp) / "with", reports, pdf=True)
        without = _repo(Path(tmp) / "without", reports, pdf=False)
        count = len(list(with_pdf.joinpath("reports").rglob("*.yaml")))
        plain = _apply(without, latency_ms)
        printed = _apply(with_pdf, latency_ms)
    ratio = printed / plain
    # On a machine shared with other work, wall times say as much about the others as about
    # confsync. The bound below is the best the CPU allows on this many idle cores: the apply
    # itself (about one core busy for its wall time) and the printing share them.
    cores = os.cpu_count() or 1
    bound = max(plain, (plain + count * pdf_cpu) / cores) / plain
    where = f"served sandbox, {latency_ms:.0f} ms a request" if latency_ms else "embedded sandbox"
    print(
        f"apply ({where}): {count} reports, {cores} cores, "
        f"load average {os.getloadavg()[0]:.1f}: "
        f"without PDFs {plain:.1f} s, with PDFs {printed:.1f} s: ratio {ratio:.2f} "
        f"(printing needs {count * pdf_cpu:.1f} s CPU: on {cores} idle cores a ratio of "
        f"{bound:.2f} at best)"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="apply against a served sandbox with this latency (0: the embedded sandbox)",
    )
    args = parser.parse_args()
    pdf_cpu = bench_render(args.rounds)
    goals = [Goal("PDF render, median CPU per report", pdf_cpu, 0.15, " s")]
    if not args.skip_apply:
        ratio = bench_apply(args.reports, pdf_cpu, args.latency_ms)
        goals.append(Goal("apply with PDFs / without", ratio, 1.5, "x"))
    print_table("PDFs", goals)


if __name__ == "__main__":
    main()
