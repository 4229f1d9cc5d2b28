"""How many page requests a listing keeps in flight: grown while latency stays flat, cut on trouble.

A gradient rule in the manner of Netflix's concurrency-limits (Gradient2): the latency of the
recent answers is compared with its long-run average. While recent answers take about as long,
the server (and this client) have room, and the limit grows by half every round of answers, up
to the cap. When they take much longer, requests are queueing somewhere and the limit shrinks by
a fifth; a 5xx or a failed connection halves it, a 429 takes a quarter off. A round is as many
answers as the limit, so each decision sees the effect of the one before. The long-run average
(not the lowest latency ever seen) is the reference because on a shared machine latency drifts
for reasons that are not this listing's: against the minimum, that noise read as queueing and
drove the limit down to 1 (measured: a 100k sync at load 18 took 43 s instead of a few).
"""

from __future__ import annotations

import math
import threading

__all__ = ["AdaptiveLimit"]

# recent / long-run latency at or below which the limit grows, and above which it shrinks.
FLAT = 1.15
RISING = 2.0
GROWTH = 1.5
SHRINK_ON_LATENCY = 0.8
SHRINK_ON_THROTTLE = 0.75
SHRINK_ON_FAILURE = 0.5
# Weight of the newest answer in the recent latency, and of the newest round's recent latency in
# the long-run one (moving averages): the long run follows a drift over about ten rounds.
_RECENT_WEIGHT = 0.2
_LONG_WEIGHT = 0.1


class AdaptiveLimit:
    """The in-flight limit of one listing; ``observe`` every answer, read ``current``.

    Thread-safe: answers are observed from the worker threads.
    """

    def __init__(self, *, cap: int, initial: int) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        self.cap = cap
        self.current = max(1, min(initial, cap))
        self.peak = self.current
        self._long: float | None = None
        self._recent: float | None = None
        self._answers = 0  # answers since the last decision
        self._lock = threading.Lock()

    def observe(self, seconds: float, status: int | None) -> None:
        """One answer: how long it took from send to response, and its status (None: no answer)."""
        with self._lock:
            if status is None or status >= 500:
                self._cut(SHRINK_ON_FAILURE)
                return
            if status == 429:
                self._cut(SHRINK_ON_THROTTLE)
                return
            if self._recent is None:
                self._recent = seconds
            else:
                self._recent += _RECENT_WEIGHT * (seconds - self._recent)
            self._answers += 1
            if self._answers < self.current:
                return
            self._answers = 0
            if self._long is None:
                self._long = self._recent
            ratio = self._recent / self._long if self._long > 0 else 1.0
            self._long += _LONG_WEIGHT * (self._recent - self._long)
            if ratio <= FLAT:
                self._set(math.ceil(self.current * GROWTH))
            elif ratio > RISING:
                self._set(math.floor(self.current * SHRINK_ON_LATENCY))

    def _cut(self, factor: float) -> None:
        self._answers = 0
        self._recent = None  # judge the new limit on its own answers
        self._set(math.floor(self.current * factor))

    def _set(self, value: int) -> None:
        self.current = max(1, min(self.cap, value))
        self.peak = max(self.peak, self.current)
