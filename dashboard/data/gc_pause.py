"""Pausing Python's cyclic garbage collector while a sync builds a frame from JSON records.

A sync decodes a few container objects per record (the record and its nested summaries). They
never form reference cycles, but with the collector on every ~700 new containers trigger a young
collection, and the growing heap of records triggers repeated full collections: about a quarter
of the client's CPU in a 100k-row sync, more at 1M. Reference counting frees the records as
usual, so pausing the collector while they exist changes nothing but the time spent.

Some per-request objects do form cycles, though: an httpx ``Response`` and its stream hold each
other, and the response holds its body (~40 KB for a page of 100). Left to the end of the pause
they would add ~50 MB per 1,000 pages to the peak, so ``collecting_young`` wraps the sync's
progress callback (called once per page) to collect the youngest generation every few pages:
that frees them and looks at each record once, instead of again and again in full collections.

The pause is process-wide (the collector has no per-thread switch): overlapping pauses from
several threads share one, the collector resumes when the last one ends, and a collector that
was already disabled stays disabled. Cycles made meanwhile elsewhere are collected afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_COLLECTION_PAGES", "collecting_young", "paused_gc"]

# Pages between two collections of the youngest generation during a paused sync.
YOUNG_COLLECTION_PAGES = 10


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


def collecting_young(
    progress: Callable[[int, int], None] | None,
    *,
    every: int = YOUNG_COLLECTION_PAGES,
) -> Callable[[int, int], None]:
    """Wrap a ``progress(pages_done, pages_total)`` callback (or None) to collect young objects.

    Every ``every`` pages the youngest generation is collected, then ``progress`` is called.
    """

    def report(done: int, total: int) -> None:
        if done % every == 0:
            gc.collect(0)
        if progress is not None:
            progress(done, total)

    return report
