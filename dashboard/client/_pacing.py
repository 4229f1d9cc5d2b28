"""Client-side pacing from the server's rate-limit headers, so a long sync does not run into 429s.

Laravel's throttle sends ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` on every response
(requests per fixed window, one minute by default) and ``Retry-After`` with a 429. The pacer lets
requests go at full speed while plenty remain. Once the allowance is low it spreads what is left
evenly until the window's end, so the allowance is not used up before the window turns over. The
window's end is estimated conservatively (never earlier than the real one): a window is taken to
start when the allowance is seen going up (or at the first request); before any such sighting,
the end is assumed a full window away, so the k-th last request waits ``window / k``.
A ``Retry-After`` pauses every thread.

Responses of concurrent requests can be read in another order than the server counted them, so
a late answer may report more remaining than one already read. Such an answer says nothing new
(the server counted it earlier): it neither starts a new window nor stops the spreading. Only an
answer to a request sent after the lowest count was read can show that the window turned over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["Permit", "RateLimitPacer"]


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Permit:
    """One request's leave to go: ``waited`` seconds, and which answers the pacer had read then."""

    waited: float
    sightings: int  # X-RateLimit-Remaining values taken in before this request was sent


class RateLimitPacer:
    """Decides how long each request waits before it is sent; shared by all threads of a client.

    Call ``acquire()`` before each send (it sleeps if needed and returns a ``Permit`` with the
    seconds waited) and ``release(permit, headers)`` after it (with the response headers, or None
    when no response came).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        window_seconds: float = 60.0,
        reserve: int = 8,
        reserve_fraction: float = 0.1,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._window = window_seconds
        self._reserve = reserve
        self._reserve_fraction = reserve_fraction
        self._lock = threading.Lock()
        self._limit: int | None = None
        self._remaining: int | None = None  # server's allowance minus our requests in flight
        self._last_seen: int | None = None  # the latest X-RateLimit-Remaining taken in
        self._sightings = 0  # how many X-RateLimit-Remaining values were taken in
        self._window_end: float | None = None  # no earlier than the server's window end
        self._in_flight = 0
        self._next_at = float("-inf")  # earliest start of the next request while spreading
        self._resume_at = float("-inf")  # end of a Retry-After pause
        self._pause_pending = False

    def _low_water(self) -> int:
        if self._limit is None:
            return self._reserve
        return max(self._reserve, int(self._limit * self._reserve_fraction))

    def acquire(self) -> Permit:
        """Wait until this request may go; the permit says how long that was."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_at, self._resume_at)
            if self._pause_pending and start >= self._resume_at:
                # The server said when its window turns over; after that the allowance is fresh.
                self._pause_pending = False
                self._remaining = None
                self._window_end = None
            if self._window_end is not None and start >= self._window_end:
                self._remaining = None  # the rationed window is over
                self._window_end = None
            if self._remaining is not None and self._remaining <= self._low_water():
                horizon = self._window_end if self._window_end is not None else start + self._window
                self._next_at = start + max(horizon - start, 0.0) / max(self._remaining, 1)
            if self._remaining is not None:
                self._remaining -= 1
            self._in_flight += 1
            sightings = self._sightings
        wait = start - now
        if wait > 0:
            self._sleep(wait)
            return Permit(waited=wait, sightings=sightings)
        return Permit(waited=0.0, sightings=sightings)

    def release(self, permit: Permit, headers: Mapping[str, str] | None) -> None:
        """Record a finished request and what its response said about the allowance."""
        with self._lock:
            self._in_flight -= 1
            if headers is None:
                return
            limit = _header_int(headers, "X-RateLimit-Limit")
            if limit is not None:
                self._limit = limit
            remaining = _header_int(headers, "X-RateLimit-Remaining")
            if remaining is None:
                return
            if self._last_seen is None:
                window_began = self._limit is not None and remaining >= self._limit - 1
            elif remaining > self._last_seen:
                if permit.sightings < self._sightings:
                    # Sent before the lower count was read: the server counted this one
                    # earlier. Old news; the allowance it was sent against is already spent.
                    return
                window_began = True  # sent after the lower count was read: a new window
            else:
                window_began = False
            if window_began:
                # It began at or before now, so this end is at or after the real one.
                self._window_end = self._clock() + self._window
                self._next_at = float("-inf")  # a fresh allowance: stop spreading
            self._last_seen = remaining
            self._sightings += 1
            self._remaining = remaining - self._in_flight

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (the server's Retry-After)."""
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)
            self._remaining = 0
            self._pause_pending = True
