"""Loading on every core gives exactly what loading on one gives: the same reports, in the same
order, and the same problems. Run in a fresh process, since a test runner's own threads keep
``map_on_cores`` (rightly) on one core."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

RETRO = "kind: retrospective\ndate: 2026-{month:02d}-{day:02d}\ncolumns: [{{name: Went well}}]\n"

SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    import confsync.cores as cores
    import confsync.loading as loading
    from confsync.errors import InputError

    def whoami(_: int) -> int:
        time.sleep(0.002)  # long enough that no worker can take every chunk alone
        return os.getpid()

    workers = set(cores.map_on_cores(whoami, list(range(400))))

    def load() -> list[str]:
        try:
            repo = loading.load_repo(Path(sys.argv[1]))
        except InputError as exc:
            return [str(p) for p in exc.problems]
        return [f"{r.address} {r.title}" for r in repo.reports]

    parallel = load()
    loading.map_on_cores = lambda fn, items, **_: [fn(item) for item in items]
    print(json.dumps({"workers": len(workers), "cores": cores._cores(), "parallel": parallel,
                      "sequential": load()}))
    """
)


def _repo(root: Path, broken: bool) -> Path:
    (root / "reports").mkdir(parents=True)
    (root / "confsync.yaml").write_text(
        "version: 1\nconfluence: {edition: cloud, sandbox: .confsync/sandbox.sqlite}\n"
        "teams: [{id: platform, name: Platform, space: PLAT, reports: reports}]\n"
    )
    for n in range(260):
        text = RETRO.format(month=n % 12 + 1, day=n % 28 + 1)
        if broken and n % 50 == 7:
            text = text.replace("date:", "date: [") if n % 100 == 7 else "votes: true\n"
        (root / "reports" / f"r{n:03d}.yaml").write_text(f"title: Report {n}\n{text}")
    return root


def _run(root: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        timeout=120,
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_a_valid_repo_loads_alike_on_every_core_and_on_one(tmp_path: Path) -> None:
    found = _run(_repo(tmp_path / "repo", broken=False))
    # Work spread over the cores: as many worker processes as cores (one on a one-core box).
    assert found["workers"] == found["cores"]
    assert found["parallel"] == found["sequential"]
    assert len(found["parallel"]) == 260  # type: ignore[arg-type]


def test_a_broken_repo_reports_the_same_problems_on_every_core(tmp_path: Path) -> None:
    found = _run(_repo(tmp_path / "repo", broken=True))
    assert found["parallel"] == found["sequential"]
    problems = found["parallel"]
    assert isinstance(problems, list)
    assert any("r007.yaml" in p for p in problems)
    assert any("r057.yaml" in p for p in problems)
