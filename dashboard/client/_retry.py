"""When to resend a request: exponential backoff with full jitter, bounded in attempts and time."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RetryBudget", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one request is tried.

    At most ``max_attempts`` sends, and no wait that would end more than ``max_seconds`` after
    the first send started, not counting waits for the rate limit. Waits are drawn uniformly
    from ``[0, min(max_delay, base_delay * 2**(n-1))]`` (full jitter) unless the server sent
    ``Retry-After``, which is honoured as is.
    """

    max_attempts: int = 5
    max_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def budget(self, *, clock: Callable[[], float], rng: random.Random) -> RetryBudget:
        """A fresh budget for one logical request, starting now."""
        return RetryBudget(self, clock=clock, rng=rng)


class RetryBudget:
    """The attempts and time left for one logical request (possibly spanning several sends)."""

    def __init__(
        self, policy: RetryPolicy, *, clock: Callable[[], float], rng: random.Random
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._rng = rng
        self._started = clock()
        self._excluded = 0.0
        self.failures = 0

    def exclude(self, seconds: float) -> None:
        """Do not count ``seconds`` (spent waiting for the rate limit) as time spent retrying."""
        self._excluded += seconds

    def next_delay(
        self, retry_after: float | None = None, *, rate_limited: bool = False
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the budget is spent.

        Call once per failed attempt. ``rate_limited``: the wait is the rate limit's (a 429's
        ``Retry-After``), spent pacing rather than retrying: it only has to fit the time bound
        on its own.
        """
        self.failures += 1
        policy = self._policy
        if self.failures >= policy.max_attempts:
            return None
        if retry_after is not None:
            delay = retry_after
        else:
            ceiling = min(policy.max_delay, policy.base_delay * 2 ** (self.failures - 1))
            delay = self._rng.uniform(0.0, ceiling)
        if rate_limited and retry_after is not None:
            return delay if delay <= policy.max_seconds else None
        elapsed = self._clock() - self._started - self._excluded
        if elapsed + delay > policy.max_seconds:
            return None
        return delay
