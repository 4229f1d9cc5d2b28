"""Pacing: the client slows down as X-RateLimit-Remaining runs low, so a sync meets no 429."""

from __future__ import annotations

import math

import httpx
import pytest

from dashboard.client._pacing import RateLimitPacer


def _pacer(fake_time, **kwargs) -> RateLimitPacer:
    return RateLimitPacer(clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)


def test_no_headers_means_no_waiting(fake_time) -> None:
    pacer = _pacer(fake_time)
    for _ in range(50):
        assert pacer.acquire() == 0.0
        pacer.release({})
    assert fake_time.sleeps == []


def test_plenty_remaining_means_no_waiting(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=4)
    for remaining in range(59, 20, -1):
        assert pacer.acquire() == 0.0
        pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(remaining)})
    assert fake_time.sleeps == []


def test_low_remaining_spreads_what_is_left_over_the_window(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=1, reserve_fraction=0.2, window_seconds=60.0)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "10"})
    waits = []
    for remaining in (9, 8, 7):
        waits.append(pacer.acquire())
        pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(remaining)})
    waits.append(pacer.acquire())
    # The k-th last request waits window / k after the one before it.
    assert waits == pytest.approx([0.0, 60 / 10, 60 / 9, 60 / 8])


def test_a_known_window_start_spreads_the_rest_evenly_until_its_end(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=4, reserve_fraction=0.0, window_seconds=60.0)
    limit = {"X-RateLimit-Limit": "10"}
    pacer.acquire()
    pacer.release({**limit, "X-RateLimit-Remaining": "9"})  # our request opened the window
    waits = []
    for remaining in range(8, -1, -1):
        waits.append(pacer.acquire())
        pacer.release({**limit, "X-RateLimit-Remaining": str(remaining)})
    # 9..4 left: at once; the last 4 share the rest of the window, one every 15 s ...
    assert waits == [0.0] * 6 + [15.0, 15.0, 15.0]
    assert pacer.acquire() == 15.0
    assert fake_time.now == 1060.0
    pacer.release({**limit, "X-RateLimit-Remaining": "9"})
    # ... and the window's end restores full speed.
    assert pacer.acquire() == 0.0


def test_a_fresh_window_stops_the_spreading(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=1, window_seconds=60.0)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "2"})
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"})
    assert pacer.acquire() == 0.0


def test_in_flight_requests_count_against_the_allowance(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=5, reserve_fraction=0.0, window_seconds=60.0)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "8"})
    waits = [pacer.acquire() for _ in range(4)]  # four in flight, no answers yet
    # remaining 8, 7, 6 are above the reserve of 5 ... then 5 starts the spreading.
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == 0.0
    assert pacer.acquire() == 60 / 5


def test_pause_holds_every_request_until_retry_after(fake_time) -> None:
    pacer = _pacer(fake_time)
    pacer.pause(12.0)
    assert pacer.acquire() == 12.0
    assert pacer.acquire() == 0.0  # the pause is over; the fresh window is not spread


class FixedWindowServer:
    """Laravel's throttle: ``limit`` requests per ``window`` seconds, then 429 + Retry-After."""

    def __init__(self, fakes, fake_time, *, limit: int, window: float, records: int) -> None:
        self.fakes = fakes
        self.time = fake_time
        self.limit = limit
        self.window = window
        self.window_start: float | None = None
        self.count = 0
        self.throttled = 0
        self.served = 0
        self.api = fakes.FakeListApi([fakes.enrollment(n) for n in range(records)], max_per_page=10)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.time.now
        if self.window_start is None or now - self.window_start >= self.window:
            self.window_start, self.count = now, 0
        headers = {"X-RateLimit-Limit": str(self.limit)}
        if self.count >= self.limit:
            self.throttled += 1
            retry_after = math.ceil(self.window_start + self.window - now)
            headers.update({"X-RateLimit-Remaining": "0", "Retry-After": str(retry_after)})
            return self.fakes.json_response(429, {"message": "Too Many Attempts."}, headers)
        self.count += 1
        self.served += 1
        response = self.api(request)
        response.headers.update({**headers, "X-RateLimit-Remaining": str(self.limit - self.count)})
        self.time.advance(0.05)  # each request takes a little time
        return response


def test_a_long_sync_under_a_rate_limit_meets_no_429(make_client, fakes, fake_time) -> None:
    server = FixedWindowServer(fakes, fake_time, limit=30, window=60.0, records=1000)
    client = make_client(server, page_size=10, concurrency=1)

    records = client.list_all("enrollments")

    assert len(records) == 1000
    assert server.throttled == 0
    assert server.served == 100
    stats = client.last_sync_stats
    assert stats is not None
    assert stats.requests == 100
    assert stats.paced_seconds > 0
    # 100 requests at 30 per minute need three turned-over windows; pacing costs little more.
    assert 3 * 60.0 <= fake_time.now - 1000.0 < 4 * 60.0


def test_without_headers_the_same_sync_runs_unpaced(make_client, fakes, fake_time) -> None:
    api = fakes.FakeListApi([fakes.enrollment(n) for n in range(1000)], max_per_page=10)
    client = make_client(api, page_size=10, concurrency=1)

    assert len(client.list_all("enrollments")) == 1000
    assert fake_time.sleeps == []
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.paced_seconds == 0.0
