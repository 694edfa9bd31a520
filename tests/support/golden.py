"""Golden files: what a test produced, compared with what is committed beside it.

``CONFSYNC_UPDATE_GOLDEN=1`` writes what was produced instead (then review the diff)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

UPDATE = os.environ.get("CONFSYNC_UPDATE_GOLDEN") == "1"


def compare_golden(folder: Path, produced: Mapping[str, str], *, suite: str) -> None:
    """Each ``name → text`` of ``produced`` equals ``folder/name``; ``suite`` is the test
    folder to name in the refresh command."""
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in produced.items():
            (folder / name).write_text(text)
    for name, text in produced.items():
        path = folder / name
        assert path.is_file(), f"{path} is missing: run CONFSYNC_UPDATE_GOLDEN=1 pytest {suite}"
        assert text == path.read_text(), f"{path} differs (refresh: see the module docstring)"
