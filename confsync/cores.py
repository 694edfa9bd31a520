"""Spread pure, independent work over the machine's cores, where that pays.

Loading a thousand report files is a thousand independent parses: on two cores it takes half
the time. Worker processes are forked (no re-import, so they start in milliseconds), and only
from a process that runs no other thread, since forking a threaded process can deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["WORTH_IT", "map_on_cores"]

T = TypeVar("T")
R = TypeVar("R")

WORTH_IT = 200
"""Below this many items, starting workers costs more than it saves."""


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_on_cores(fn: Callable[[T], R], items: Sequence[T], *, worth_it: int = WORTH_IT) -> list[R]:
    """``[fn(item) for item in items]``, in order, on every core when there are enough items.

    ``fn`` must be a module-level function, and items and results picklable.
    """
    cores = _cores()
    if (
        cores < 2
        or len(items) < worth_it
        or threading.active_count() > 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [fn(item) for item in items]
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(items) // (cores * 4))
    with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
        return list(pool.map(fn, items, chunksize=chunk))
