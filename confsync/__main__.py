from __future__ import annotations

from confsync.cli import main

# Guarded: apply prints PDFs in a process pool (forkserver), whose workers import the main
# module again; unguarded, each worker would run the command line a second time.
if __name__ == "__main__":
    main()
