from __future__ import annotations

from confsync.cli import main

main()
