"""Pacing: the client slows down as X-RateLimit-Remaining runs low, so a sync meets no 429."""

from __future__ import annotations

import math
import threading

import httpx
import pytest

from dashboard.client._pacing import RateLimitPacer


def _pacer(fake_time, **kwargs) -> RateLimitPacer:
    return RateLimitPacer(clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)


def _answered(pacer: RateLimitPacer, headers: dict[str, str]) -> float:
    """One request sent and answered before the next: the seconds it waited."""
    permit = pacer.acquire()
    pacer.release(permit, headers)
    return permit.waited


def _headers(remaining: int, limit: int = 60) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}


def test_no_headers_means_no_waiting(fake_time) -> None:
    pacer = _pacer(fake_time)
    for _ in range(50):
        assert _answered(pacer, {}) == 0.0
    assert fake_time.sleeps == []


def test_plenty_remaining_means_no_waiting(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=4)
    for remaining in range(59, 20, -1):
        assert _answered(pacer, _headers(remaining)) == 0.0
    assert fake_time.sleeps == []


def test_low_remaining_spreads_what_is_left_over_the_window(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=1, reserve_fraction=0.2, window_seconds=60.0)
    _answered(pacer, _headers(10))
    waits = [_answered(pacer, _headers(remaining)) for remaining in (9, 8, 7)]
    waits.append(pacer.acquire().waited)
    # The k-th last request waits window / k after the one before it.
    assert waits == pytest.approx([0.0, 60 / 10, 60 / 9, 60 / 8])


def test_a_known_window_start_spreads_the_rest_evenly_until_its_end(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=4, reserve_fraction=0.0, window_seconds=60.0)
    _answered(pacer, _headers(9, limit=10))  # our request opened the window
    waits = [_answered(pacer, _headers(remaining, limit=10)) for remaining in range(8, -1, -1)]
    # 9..4 left: at once; the last 4 share the rest of the window, one every 15 s ...
    assert waits == [0.0] * 6 + [15.0, 15.0, 15.0]
    assert _answered(pacer, _headers(9, limit=10)) == 15.0
    assert fake_time.now == 1060.0
    # ... and the window's end restores full speed.
    assert pacer.acquire().waited == 0.0


def test_a_fresh_window_stops_the_spreading(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=1, window_seconds=60.0)
    _answered(pacer, _headers(2))
    _answered(pacer, _headers(59))  # sent after the 2 was read: the window turned over
    assert pacer.acquire().waited == 0.0


def test_in_flight_requests_count_against_the_allowance(fake_time) -> None:
    pacer = _pacer(fake_time, reserve=5, reserve_fraction=0.0, window_seconds=60.0)
    _answered(pacer, _headers(8, limit=100))
    waits = [pacer.acquire().waited for _ in range(4)]  # four in flight, no answers yet
    # remaining 8, 7, 6 are above the reserve of 5 ... then 5 starts the spreading.
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == 0.0
    assert pacer.acquire().waited == 60 / 5


def test_a_late_answer_with_more_remaining_does_not_stop_the_spreading(fake_time) -> None:
    # Two requests in flight; the server counts a (4 left) before b (3 left), but b's answer is
    # read first. a's late "4" is old news: no new window, the spreading goes on.
    pacer = _pacer(fake_time, reserve=2, reserve_fraction=0.0, window_seconds=60.0)
    for remaining in (9, 8, 7, 6, 5):
        assert _answered(pacer, _headers(remaining, limit=10)) == 0.0
    a, b = pacer.acquire(), pacer.acquire()
    pacer.release(b, _headers(3, limit=10))
    c = pacer.acquire()  # 3 left, 1 in flight: 2 to spread over the 60 s left
    pacer.release(a, _headers(4, limit=10))
    d = pacer.acquire()
    pacer.release(c, _headers(2, limit=10))
    pacer.release(d, _headers(1, limit=10))
    e = pacer.acquire()
    assert [a.waited, b.waited, c.waited] == [0.0, 0.0, 0.0]
    assert [d.waited, e.waited] == [30.0, 30.0]  # d half-way, e when the window has turned over
    assert fake_time.now == 1060.0


def test_pause_holds_every_request_until_retry_after(fake_time) -> None:
    pacer = _pacer(fake_time)
    pacer.pause(12.0)
    assert pacer.acquire().waited == 12.0
    assert pacer.acquire().waited == 0.0  # the pause is over; the fresh window is not spread


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


class LateAnswerServer:
    """``limit`` requests in one window; the answer counted with 4 left is read late.

    It is held until the request counted after it (3 left) was answered and the next one (2
    left) has reached the server; that one is held in turn until the late answer's thread has
    sent its next request (1 left). ``sent_at[remaining]`` is the fake time each request arrived.
    """

    def __init__(self, fakes, fake_time, *, limit: int) -> None:
        self.fakes = fakes
        self.time = fake_time
        self.limit = limit
        self.count = 0
        self.sent_at: dict[int, float] = {}
        self.arrived = {left: threading.Event() for left in range(limit)}
        self.release_late = threading.Event()
        self.api = fakes.FakeListApi([fakes.enrollment(n) for n in range(limit * 10)])
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
            left = self.limit - self.count
            self.sent_at[left] = self.time.now
        self.arrived[left].set()
        if left == 4:
            assert self.release_late.wait(5), "the request with 2 left never came"
        if left == 2:
            self.release_late.set()
            assert self.arrived[1].wait(5), "the late answer's thread sent nothing more"
        response = self.api(request)
        response.headers.update(
            {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(left)}
        )
        return response


def test_an_answer_read_out_of_order_does_not_stop_the_pacing(
    make_client, fakes, fake_time
) -> None:
    server = LateAnswerServer(fakes, fake_time, limit=10)
    client = make_client(server, page_size=10, concurrency=2)

    records = client.list_all("enrollments")  # 10 pages: the whole allowance

    assert len(records) == 100
    assert server.count == 10
    # The late "4 left" came after "3 left" had been read: it must not have reset the pacing,
    # so the request sent after it still waited its turn behind the one with 2 left.
    assert server.sent_at[1] > server.sent_at[2]
    assert server.sent_at[0] > server.sent_at[1]
    assert fake_time.now - 1000.0 <= 60.0  # spread over the window, not beyond it
