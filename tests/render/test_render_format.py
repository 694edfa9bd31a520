"""A page's digest covers the inputs of its body, not the body (so a plan renders nothing to
compare). That is only sound while equal inputs render equal bodies: when confsync itself
renders the same inputs differently (a filter, the markdown converter, the notice), every
published page must be written again, which ``RENDER_FORMAT`` (part of every body digest) says.

This test records each sample page's digest with a digest of its rendered body. A body that
changed while its page digest did not fails here: bump ``confsync.desired.RENDER_FORMAT``.
Refresh the record after an intended change: ``CONFSYNC_UPDATE_GOLDEN=1 pytest`` this file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from confsync.desired import desired_pages
from confsync.loading import load_repo

SAMPLES = Path(__file__).parents[2] / "samples"
RECORD = Path(__file__).with_name("render_format.json")


def _rendered() -> dict[str, dict[str, str]]:
    return {
        str(page.address): {
            "digest": page.digest,
            "body": hashlib.sha256(page.body.encode()).hexdigest()[:20],
        }
        for page in desired_pages(load_repo(SAMPLES))
    }


def stale_renderings(
    recorded: dict[str, dict[str, str]], now: dict[str, dict[str, str]]
) -> list[str]:
    """Pages whose body changed under an unchanged digest."""
    return sorted(
        address
        for address, page in now.items()
        if address in recorded
        and recorded[address]["digest"] == page["digest"]
        and recorded[address]["body"] != page["body"]
    )


def test_a_body_never_changes_under_an_unchanged_digest() -> None:
    now = _rendered()
    if os.environ.get("CONFSYNC_UPDATE_GOLDEN"):
        RECORD.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n")
    recorded = json.loads(RECORD.read_text())
    stale = stale_renderings(recorded, now)
    assert not stale, (
        f"{stale}: rendered differently from the same inputs; bump RENDER_FORMAT in "
        "confsync/desired.py (every page is published again), then refresh this record"
    )
    assert recorded == now, "the samples' digests changed: refresh the record (see docstring)"


def test_the_check_finds_a_body_changed_under_the_same_digest() -> None:
    now = _rendered()
    address = next(iter(now))
    recorded = {**now, address: {**now[address], "body": "0" * 20}}
    assert stale_renderings(recorded, now) == [address]
