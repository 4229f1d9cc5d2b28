"""Pausing Python's cyclic garbage collector while a sync builds a frame from JSON records.

A sync decodes a few container objects per record (the record and its nested summaries). They
never form reference cycles, but with the collector on every ~700 new containers trigger a young
collection, and the growing heap of records triggers repeated full collections: about a quarter
of the client's CPU in a 100k-row sync, more at 1M. Reference counting frees the records as
usual, so pausing the collector while they exist changes nothing but the time spent.

The pause is process-wide (the collector has no per-thread switch): overlapping pauses from
several threads share one, the collector resumes when the last one ends, and a collector that
was already disabled stays disabled. Cycles made meanwhile elsewhere are collected afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


class _Pauses:
    """How many pauses are open, and whether the collector was on when the first one began."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.resume = False


_PAUSES = _Pauses()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector off for the duration of the block (see the module)."""
    with _PAUSES.lock:
        if _PAUSES.open == 0:
            _PAUSES.resume = gc.isenabled()
            gc.disable()
        _PAUSES.open += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.open -= 1
            if _PAUSES.open == 0 and _PAUSES.resume:
                gc.enable()
