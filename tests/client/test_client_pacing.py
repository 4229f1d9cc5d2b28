"""Pacing for Laravel's fixed window: the allowance at full speed, then wait for the turn-over."""

from __future__ import annotations

import math
import threading
import time

import httpx
import pytest

from dashboard.client import ClientInterrupted, DokStampClient
from dashboard.client._pacing import RateLimitPacer


def _pacer(fake_time, **kwargs) -> RateLimitPacer:
    return RateLimitPacer(clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)


def _headers(remaining: int, limit: int = 10, **extra: str) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), **extra}


def _answered(pacer: RateLimitPacer, headers: dict[str, str], status: int = 200, **kw) -> float:
    """One request sent and answered before the next: the seconds it waited."""
    permit = pacer.acquire(**kw)
    pacer.release(permit, status, headers)
    return permit.waited


def _too_many(retry_after: int, limit: int = 10) -> dict[str, str]:
    return _headers(0, limit, **{"Retry-After": str(retry_after)})


# -- the pacer alone, on fake time --------------------------------------------------------------


def test_no_headers_means_no_waiting(fake_time) -> None:
    pacer = _pacer(fake_time)
    for _ in range(50):
        assert _answered(pacer, {}) == 0.0
    assert fake_time.sleeps == []


def test_the_whole_allowance_goes_at_full_speed(fake_time) -> None:
    pacer = _pacer(fake_time)
    waits = [_answered(pacer, _headers(remaining)) for remaining in range(9, -1, -1)]
    assert waits == [0.0] * 10  # nothing spread: the window's allowance is the same either way
    assert fake_time.sleeps == []


def test_a_spent_window_of_unknown_length_is_asked_once_then_known(fake_time) -> None:
    pacer = _pacer(fake_time)
    for remaining in range(9, -1, -1):  # the first request opened the window at 1000.0
        _answered(pacer, _headers(remaining))
        fake_time.advance(1.0)
    # Spent at 1010; the length is unknown: one request goes and is told to come back at 1060.
    assert _answered(pacer, _too_many(50), status=429) == 0.0
    assert pacer.throttled() == 1
    assert pacer.window_length() == 60.0  # 1060 - 1000, the window's first send
    # Every request now waits for the turn-over, then has the whole allowance again.
    assert _answered(pacer, _headers(9)) == 50.0
    assert fake_time.now == 1060.0
    for remaining in range(8, -1, -1):
        assert _answered(pacer, _headers(remaining)) == 0.0
    # The next window ends at its first answer plus the learned length: no 429 this time.
    assert pacer.acquire().waited == 60.0
    assert pacer.throttled() == 1


def test_a_known_window_length_needs_no_429(fake_time) -> None:
    pacer = _pacer(fake_time, window_seconds=30.0)
    for remaining in range(9, -1, -1):
        _answered(pacer, _headers(remaining))
    assert pacer.acquire().waited == 30.0
    assert pacer.throttled() == 0


def test_requests_in_flight_count_against_the_allowance(fake_time) -> None:
    pacer = _pacer(fake_time, window_seconds=60.0)
    _answered(pacer, _headers(4, limit=5))  # a fresh window: 4 left
    in_flight = [pacer.acquire() for _ in range(4)]
    assert [p.waited for p in in_flight] == [0.0] * 4
    # The fifth would be one too many: it waits for the window's end, not for the answers.
    assert pacer.acquire().waited == 60.0


def test_a_spent_allowance_waits_for_answers_in_flight(fake_time) -> None:
    # Nothing is known of the window's end: the answers in flight may say more (a turn-over),
    # so the next request waits for them instead of probing at once.
    pacer = _pacer(fake_time)
    _answered(pacer, _headers(2, limit=5))  # someone else spent 2 of this window
    a, b = pacer.acquire(), pacer.acquire()
    got: list[float] = []
    waiting = threading.Thread(target=lambda: got.append(pacer.acquire().waited))
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()  # held while a and b are out
    pacer.release(a, 200, _headers(1, limit=5))
    waiting.join(0.3)
    assert waiting.is_alive()
    pacer.release(b, 200, _headers(0, limit=5))  # spent, and nobody knows when it ends ...
    waiting.join(5)
    assert not waiting.is_alive()  # ... so it went, alone, to ask
    assert got == [0.0]


def test_a_late_answer_with_more_remaining_is_old_news(fake_time) -> None:
    pacer = _pacer(fake_time, window_seconds=60.0)
    _answered(pacer, _headers(9))
    a, b = pacer.acquire(), pacer.acquire()
    pacer.release(b, 200, _headers(7))
    pacer.release(a, 200, _headers(8))  # counted before b, read after: no new window
    for remaining in range(6, -1, -1):
        assert _answered(pacer, _headers(remaining)) == 0.0
    assert pacer.acquire().waited == 60.0


def test_a_window_seen_turning_over_gives_a_fresh_allowance_and_its_length(fake_time) -> None:
    pacer = _pacer(fake_time)
    _answered(pacer, _headers(9))  # the window's first request, sent at 1000
    fake_time.advance(70.0)
    _answered(pacer, _headers(8))  # still counted in... no: a request sent after 8 was read
    fake_time.advance(1.0)
    _answered(pacer, _headers(9))  # counts higher: a new window; it began by 1071
    assert pacer.window_length() == 71.0
    for remaining in range(8, -1, -1):
        assert _answered(pacer, _headers(remaining)) == 0.0


def test_retry_after_holds_every_request(fake_time) -> None:
    pacer = _pacer(fake_time)
    _answered(pacer, {"Retry-After": "12"}, status=503)
    assert pacer.acquire().waited == 12.0
    assert pacer.acquire().waited == 0.0


def test_rate_limit_reset_is_used_without_retry_after(fake_time) -> None:
    pacer = _pacer(fake_time, wall_clock=lambda: 1_700_000_000.0)
    headers = {**_headers(0), "X-RateLimit-Reset": "1700000025"}
    _answered(pacer, headers, status=429)
    assert pacer.acquire().waited == 25.0


def test_token_requests_have_a_window_of_their_own(fake_time) -> None:
    pacer = _pacer(fake_time, window_seconds=60.0)
    for remaining in range(9, -1, -1):
        _answered(pacer, _headers(remaining))
    assert _answered(pacer, _headers(59, limit=60), bucket="auth") == 0.0
    assert pacer.acquire().waited == 60.0  # the API window is spent all the same


def test_long_waits_are_reported_once_with_their_seconds(fake_time) -> None:
    pacer = _pacer(fake_time, window_seconds=40.0)
    heard: list[float] = []
    for remaining in range(9, -1, -1):
        _answered(pacer, _headers(remaining), on_wait=heard.append)
    assert heard == []
    pacer.acquire(on_wait=heard.append)
    assert heard == [40.0]
    _answered(pacer, {"Retry-After": "1"}, status=503)
    pacer.acquire(on_wait=heard.append)  # a second's hold is not worth a message
    assert heard == [40.0]


# -- through the client, against a simulated Laravel throttle --------------------------------


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
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
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
            remaining = self.limit - self.count
        response = self.api(request)
        response.headers.update({**headers, "X-RateLimit-Remaining": str(remaining)})
        self.time.advance(0.05)  # each request takes a little time
        return response


@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_long_sync_under_a_rate_limit_takes_the_windows_it_needs(
    make_client, fakes, fake_time, concurrency
) -> None:
    server = FixedWindowServer(fakes, fake_time, limit=30, window=60.0, records=1000)
    client = make_client(server, page_size=10, concurrency=concurrency)
    heard: list[float] = []

    records = client.list_all("enrollments", on_wait=heard.append)

    assert len(records) == 1000
    assert server.served == 102  # 100 pages, and pages 1 and 100 read again
    assert server.throttled <= 1  # at most the one that told when the first window ends
    stats = client.last_sync_stats
    assert stats is not None
    assert stats.throttled == server.throttled
    assert stats.requests == server.served + server.throttled
    # 102 requests at 30 a window: three windows waited out, then 12 more. The first 429 gives
    # the window's end rounded up to a second; each later window may end that much later.
    assert 3 * 60.0 <= fake_time.now - 1000.0 <= 3 * 60.0 + 3 * 1.0 + 102 * 0.05
    # One "waiting for the rate limit" a window, told from the calling thread. The first wait
    # is the resend after the 429, on a worker: the calling thread sees its hold when it looks
    # up (every 0.25 s of real time), which on fake time may be after the hold is over.
    assert len(heard) in (2, 3)
    assert all(seconds > 1.0 for seconds in heard)


def test_without_headers_the_same_sync_runs_unpaced(make_client, fakes, fake_time) -> None:
    api = fakes.FakeListApi([fakes.enrollment(n) for n in range(1000)], max_per_page=10)
    client = make_client(api, page_size=10, concurrency=1)

    assert len(client.list_all("enrollments")) == 1000
    assert fake_time.sleeps == []
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.paced_seconds == 0.0


def test_interrupt_ends_a_wait_for_the_rate_limit_at_once(fakes) -> None:
    # A real clock: the server says the window turns over in a minute; a process told to stop
    # (the sync's SIGTERM) interrupts the client, whose wait then ends with ClientInterrupted.
    def server(request: httpx.Request) -> httpx.Response:
        return fakes.json_response(429, {"message": "Too Many Attempts."}, {"Retry-After": "60"})

    client = DokStampClient(
        fakes.make_settings(max_attempts=5, retry_seconds=600.0),
        transport=httpx.MockTransport(server),
    )
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            client.list_courses()
        except BaseException as error:
            outcome.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.5)  # the first answer came back: the reader now waits for the window
    client.interrupt()
    reader.join(30)
    client.close()
    assert not reader.is_alive()  # it did not wait the window out
    assert len(outcome) == 1
    assert isinstance(outcome[0], ClientInterrupted)


def test_waits_of_several_threads_at_once_count_once() -> None:
    # The sync line's "s waiting for the rate limit" is wall time: two requests waiting over the
    # same minute make one minute, never more than the sync took (it read 236 s of 183).
    now = [0.0]
    pacer = RateLimitPacer(clock=lambda: now[0], sleep=lambda seconds: None)
    first, second = pacer._waiting_for_allowance(), pacer._waiting_for_allowance()
    first.__enter__()
    now[0] = 10.0
    second.__enter__()
    now[0] = 50.0
    first.__exit__(None, None, None)
    assert pacer.paced_seconds() == 50.0  # one still waits: counted as it goes
    now[0] = 60.0
    second.__exit__(None, None, None)
    now[0] = 100.0  # nobody waits from here
    assert pacer.paced_seconds() == 60.0
