"""Client-side pacing for Laravel's fixed-window throttle: spend the allowance, then wait it out.

Laravel's ``throttle`` counts hits per key in a fixed window that starts with the first hit after
the previous window ended (one minute by default), and sends ``X-RateLimit-Limit`` and
``X-RateLimit-Remaining`` on every response, plus ``Retry-After`` (and ``X-RateLimit-Reset``)
with a 429. Spreading requests over the window gains nothing: the allowance is the same however
it is spent. So the pacer lets requests go at full speed (the caller bounds the concurrency)
while the allowance lasts, then holds every request until the window has surely turned over.

What it knows about the window, all bounds in the safe direction (never before the real end):

- the allowance left: the lowest ``Remaining`` read in this window minus the requests in flight,
  and, in a window it saw start, the limit minus the requests it sent since;
- the window's start: no later than the first answer read in it;
- the window's length: unknown at first (the headers do not say). The first time the allowance
  runs out, one request goes as a probe; its 429 says when the window ends (``Retry-After``), and
  with the send time of the window's first request (the answer with ``Remaining = limit - 1``)
  gives an upper bound of the length. Later windows then end at their first answer plus that
  length, without a 429. A window seen turning over on its own gives a bound too.

Each bucket (``"api"`` for authenticated requests, ``"auth"`` for token requests, which Laravel
throttles by client address) has its own window. A ``Retry-After`` on any answer holds the whole
bucket, every thread of the client.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Permit", "RateLimitPacer", "WaitListener"]

WaitListener = Callable[[float], None]
# Waits shorter than this are not reported to a listener (an answer in flight, a short hold).
REPORT_WAITS_OVER = 1.0
# While the allowance is spent and answers are still in flight, look again this often (seconds
# of real time: the answers arrive on other threads).
_ANSWER_POLL = 0.05


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _header_seconds(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) else None


@dataclass(frozen=True, slots=True)
class Permit:
    """One request's leave to go: how long it waited, and when and in which window it went."""

    waited: float
    bucket: str
    epoch: int  # the bucket's window generation when the request was sent
    sent_at: float


@dataclass(slots=True)
class _Window:
    """What one bucket knows about the server's current window."""

    limit: int | None = None
    epoch: int = 0
    sent: int | None = None  # our requests sent since a window we saw start (None: unknown)
    remaining: int | None = None  # the lowest Remaining read in this epoch
    lowest_read_at: float = -math.inf  # when that lowest value was read
    first_answer_at: float | None = None  # no earlier than the window's start
    started_no_earlier: float | None = None  # send time of the answer with Remaining = limit-1
    ends_at: float | None = None  # no earlier than the window's end
    length: float | None = None  # an upper bound of the window's length, once learned
    hold_until: float = -math.inf  # Retry-After: nothing goes before this
    in_flight: int = 0
    probing: bool = False
    throttled: int = 0


class RateLimitPacer:
    """Decides when each request may go; one per client, shared by all its threads.

    Call ``acquire(bucket)`` before each send (it sleeps as needed and returns a ``Permit``) and
    ``release(permit, status, headers)`` after it (``headers`` None when no response came).
    ``window_seconds`` may give the window's length when it is known in advance.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        wall_clock: Callable[[], float] = time.time,
        window_seconds: float | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._window_seconds = window_seconds
        self._lock = threading.Condition()
        self._buckets: dict[str, _Window] = {}
        # Wall time during which at least one request waited (waits of several threads at once
        # count once: the sum of their waits can exceed the time a sync took).
        self._waits = threading.Lock()
        self._waiting = 0
        self._waiting_since = 0.0
        self._paced = 0.0

    # -- reading the state (tests, stats) ------------------------------------------------------

    def paced_seconds(self) -> float:
        """Seconds so far during which at least one request waited for the allowance."""
        with self._waits:
            ongoing = self._clock() - self._waiting_since if self._waiting else 0.0
            return self._paced + ongoing

    @contextmanager
    def _waiting_for_allowance(self) -> Iterator[None]:
        with self._waits:
            if not self._waiting:
                self._waiting_since = self._clock()
            self._waiting += 1
        try:
            yield
        finally:
            with self._waits:
                self._waiting -= 1
                if not self._waiting:
                    self._paced += self._clock() - self._waiting_since

    def throttled(self) -> int:
        """429 answers seen so far, all buckets."""
        with self._lock:
            return sum(w.throttled for w in self._buckets.values())

    def window_length(self, bucket: str = "api") -> float | None:
        """The learned upper bound of the bucket's window length, if any."""
        with self._lock:
            return self._bucket(bucket).length

    def held_until(self, bucket: str = "api") -> float | None:
        """When a Retry-After hold on the bucket ends, if one is on."""
        with self._lock:
            until = self._bucket(bucket).hold_until
            return until if until > self._clock() else None

    # -- the protocol --------------------------------------------------------------------------

    def acquire(self, bucket: str = "api", *, on_wait: WaitListener | None = None) -> Permit:
        """Wait until a request of ``bucket`` may go; ``on_wait(seconds)`` hears of long waits."""
        waited = 0.0
        reported_until = -math.inf
        while True:
            with self._lock:
                window = self._bucket(bucket)
                now = self._clock()
                until = self._blocked_until(window, now)
                if until is None:
                    window.in_flight += 1
                    if window.sent is not None:
                        window.sent += 1
                    return Permit(waited=waited, bucket=bucket, epoch=window.epoch, sent_at=now)
                if until == math.inf:
                    # Spent, end unknown, answers in flight: one of them will say more.
                    with self._waiting_for_allowance():
                        self._lock.wait(_ANSWER_POLL)
                    waited += self._clock() - now
                    continue
            seconds = until - now
            if on_wait is not None and seconds > REPORT_WAITS_OVER and until > reported_until:
                reported_until = until
                on_wait(seconds)
            with self._waiting_for_allowance():
                self._sleep(seconds)
            waited += seconds

    def release(
        self, permit: Permit, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        """Record a finished request and what its answer said about the allowance."""
        received = self._clock()
        with self._lock:
            window = self._bucket(permit.bucket)
            window.in_flight -= 1
            try:
                if headers is not None:
                    self._read_answer(window, permit, status, headers, received)
            finally:
                if window.probing and permit.epoch == window.epoch:
                    window.probing = False
                self._lock.notify_all()

    # -- decisions -----------------------------------------------------------------------------

    def _bucket(self, name: str) -> _Window:
        window = self._buckets.get(name)
        if window is None:
            window = self._buckets[name] = _Window(length=self._window_seconds)
        return window

    def _blocked_until(self, window: _Window, now: float) -> float | None:
        """None: go now; a time: wait until then; inf: wait for an answer."""
        if now < window.hold_until:
            return window.hold_until
        if window.ends_at is not None and now >= window.ends_at:
            self._new_window(window)
        if window.limit is None:
            return None  # no throttle seen (yet): nothing to pace
        allowance = math.inf
        if window.sent is not None:
            allowance = window.limit - window.sent
        if window.remaining is not None:
            allowance = min(allowance, window.remaining - window.in_flight)
        if allowance > 0:
            return None
        if window.ends_at is None and window.first_answer_at is not None and window.length:
            window.ends_at = window.first_answer_at + window.length
        if window.ends_at is not None:
            return window.ends_at
        if window.in_flight > 0 or window.probing:
            return math.inf
        # Spent, and when the window ends is unknown: one request goes and asks.
        window.probing = True
        return None

    def _new_window(self, window: _Window) -> None:
        """The window surely ended: a fresh allowance, less what may still reach the new one."""
        window.epoch += 1
        window.sent = window.in_flight  # sent before, answered after: may count in the new one
        window.remaining = None
        window.lowest_read_at = -math.inf
        window.first_answer_at = None
        window.started_no_earlier = None
        window.ends_at = None
        window.probing = False

    def _read_answer(
        self,
        window: _Window,
        permit: Permit,
        status: int | None,
        headers: Mapping[str, str],
        received: float,
    ) -> None:
        limit = _header_int(headers, "X-RateLimit-Limit")
        if limit is not None and limit > 0:
            window.limit = limit
        retry_after = _header_seconds(headers, "Retry-After")
        if retry_after is None and status == 429:
            reset = _header_seconds(headers, "X-RateLimit-Reset")
            if reset is not None:
                retry_after = max(0.0, reset - self._wall_clock())
        if status == 429:
            window.throttled += 1
        if retry_after is not None:
            window.hold_until = max(window.hold_until, received + retry_after)
        if status == 429:
            ends = received + (retry_after if retry_after is not None else 0.0)
            if permit.epoch == window.epoch:
                if window.started_no_earlier is not None and retry_after is not None:
                    self._learn_length(window, ends - window.started_no_earlier)
                window.ends_at = ends if window.ends_at is None else max(window.ends_at, ends)
                window.remaining = 0
                window.sent = None
            return
        remaining = _header_int(headers, "X-RateLimit-Remaining")
        if remaining is None or window.limit is None or permit.epoch != window.epoch:
            return  # an answer from an earlier window says nothing about this one
        if (
            window.remaining is not None
            and remaining > window.remaining
            and permit.sent_at > window.lowest_read_at
        ):
            # Sent after the lower count was read and counted higher: the window turned over.
            if window.started_no_earlier is not None:
                self._learn_length(window, received - window.started_no_earlier)
            self._new_window(window)
            window.sent = None  # which of the requests in flight count in it is unknown
        if remaining == window.limit - 1:
            # This request was the window's first hit: the window began after it was sent.
            window.started_no_earlier = permit.sent_at
        if window.first_answer_at is None:
            window.first_answer_at = received
        if window.remaining is None or remaining < window.remaining:
            window.remaining = remaining
            window.lowest_read_at = received

    @staticmethod
    def _learn_length(window: _Window, bound: float) -> None:
        if bound > 0 and (window.length is None or bound < window.length):
            window.length = bound
