"""Retries: which failures are retried, the backoff, Retry-After, the attempt and time bounds."""

from __future__ import annotations

import random

import httpx
import pytest

from dashboard.client import (
    DokStampError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from dashboard.client._retry import RetryBudget, RetryPolicy

UUID = "0b7c6f0e-8a41-4c1e-9a52-8b1f3f0f2a11"
RECORD = {"uuid": UUID, "completion_status": "enrolled"}


class Script:
    """A handler answering from a list of responses (or exceptions), then 200 with RECORD."""

    def __init__(self, fakes, steps):
        self.fakes = fakes
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.steps:
            step = self.steps.pop(0)
            if isinstance(step, type) and issubclass(step, httpx.RequestError):
                raise step("scripted failure", request=request)
            status, headers = step
            return self.fakes.json_response(status, {"message": f"status {status}"}, headers)
        return self.fakes.json_response(200, {"data": RECORD})


# -- the budget itself -----------------------------------------------------------------------


def test_budget_allows_max_attempts_sends(fake_time) -> None:
    budget = RetryBudget(
        RetryPolicy(max_attempts=4, max_seconds=1e9), clock=fake_time.clock, rng=random.Random(0)
    )
    delays = [budget.next_delay() for _ in range(4)]
    assert [d is not None for d in delays] == [True, True, True, False]


def test_budget_backoff_is_full_jitter_under_an_exponential_ceiling(fake_time) -> None:
    policy = RetryPolicy(max_attempts=50, max_seconds=1e9, base_delay=0.5, max_delay=8.0)
    seen: list[list[float]] = [[] for _ in range(7)]
    rng = random.Random(7)
    for _ in range(300):
        budget = RetryBudget(policy, clock=fake_time.clock, rng=rng)
        for n in range(7):
            delay = budget.next_delay()
            assert delay is not None
            seen[n].append(delay)
    for n, delays in enumerate(seen):
        ceiling = min(8.0, 0.5 * 2**n)
        assert all(0.0 <= d <= ceiling for d in delays)
        # Full jitter: the whole range is used, not just the top.
        assert min(delays) < ceiling * 0.1
        assert max(delays) > ceiling * 0.9


def test_budget_stops_when_the_wait_would_pass_the_time_bound(fake_time) -> None:
    budget = RetryBudget(
        RetryPolicy(max_attempts=100, max_seconds=10.0), clock=fake_time.clock, rng=random.Random(0)
    )
    assert budget.next_delay(retry_after=4.0) == 4.0
    fake_time.advance(4.0)
    assert budget.next_delay(retry_after=6.0) == 6.0  # exactly at the bound
    fake_time.advance(6.0)
    assert budget.next_delay(retry_after=0.5) is None


# -- through the client ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        (500, {}),
        (502, {}),
        (503, {}),
        (504, {}),
        (429, {}),
        httpx.ConnectError,
        httpx.ReadTimeout,
        httpx.RemoteProtocolError,
    ],
    ids=str,
)
def test_transient_failures_are_retried(make_client, fakes, fake_time, failure) -> None:
    script = Script(fakes, [failure, failure])
    client = make_client(script)

    assert client.get_enrollment(UUID) == RECORD
    assert script.calls == 3
    assert len(fake_time.sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 410, 422])
def test_other_4xx_are_never_retried(make_client, fakes, fake_time, status) -> None:
    script = Script(fakes, [(status, {})])
    client = make_client(script)

    with pytest.raises(DokStampError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.status == status
    assert script.calls == 1
    assert fake_time.sleeps == []


def test_retries_stop_after_max_attempts(make_client, fakes) -> None:
    script = Script(fakes, [(503, {})] * 100)
    client = make_client(script, max_attempts=4)

    with pytest.raises(ServerError):
        client.get_enrollment(UUID)

    assert script.calls == 4


def test_network_retries_stop_after_max_attempts(make_client, fakes) -> None:
    script = Script(fakes, [httpx.ConnectError] * 100)
    client = make_client(script, max_attempts=3)

    with pytest.raises(NetworkError):
        client.get_enrollment(UUID)

    assert script.calls == 3


def test_retries_stop_at_the_time_bound(make_client, fakes, fake_time) -> None:
    sends: list[float] = []

    def slow_failure(request: httpx.Request) -> httpx.Response:
        sends.append(fake_time.now - started)
        fake_time.advance(10.0)  # each failing request takes 10 s
        return fakes.json_response(503, {"message": "busy"})

    client = make_client(slow_failure, max_attempts=100, retry_seconds=35.0)
    started = fake_time.now

    with pytest.raises(ServerError):
        client.get_enrollment(UUID)

    # Backoff waits are at most 0.5 + 1 + 2 s here, so sends start at about 0, 10, 20 and 30 s;
    # after the fourth (ending past 40 s) any wait would end beyond the 35 s bound.
    assert len(sends) == 4
    assert all(start <= 35.0 for start in sends)
    assert len(fake_time.sleeps) == 3


def test_retry_after_is_honoured(make_client, fakes, fake_time) -> None:
    script = Script(fakes, [(429, {"Retry-After": "7"}), (503, {"Retry-After": "3"})])
    client = make_client(script)

    assert client.get_enrollment(UUID) == RECORD
    assert fake_time.sleeps == [7.0, 3.0]
    assert script.calls == 3


def test_retry_after_beyond_the_time_bound_fails_at_once(make_client, fakes, fake_time) -> None:
    script = Script(fakes, [(429, {"Retry-After": "3600"})])
    client = make_client(script, retry_seconds=60.0)

    with pytest.raises(RateLimitedError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.retry_after == 3600.0
    assert script.calls == 1
    assert fake_time.sleeps == []


def test_retry_after_pauses_other_requests_too(make_client, fakes, fake_time) -> None:
    script = Script(fakes, [(429, {"Retry-After": "5"})] * 4)
    client = make_client(script, max_attempts=2)

    with pytest.raises(RateLimitedError):
        client.get_enrollment(UUID)
    before = fake_time.now
    # The next request (a different call) still waits for the server's Retry-After window.
    with pytest.raises(RateLimitedError):
        client.get_enrollment(UUID)

    assert fake_time.now - before >= 5.0


def test_a_404_is_not_retried_and_keeps_its_type(make_client, fakes) -> None:
    script = Script(fakes, [(404, {})])
    client = make_client(script)

    with pytest.raises(NotFoundError):
        client.get_enrollment(UUID)
    assert script.calls == 1


def test_a_422_on_update_is_not_retried(make_client, fakes) -> None:
    script = Script(fakes, [(422, {})])
    client = make_client(script)

    with pytest.raises(ValidationError):
        client.update_enrollment(UUID, {"grade": 11})
    assert script.calls == 1


def test_the_same_seed_gives_the_same_delays(fakes) -> None:
    def run() -> list[float]:
        time = fakes.FakeTime()
        from dashboard.client import DokStampClient

        script = Script(fakes, [(503, {})] * 3)
        with DokStampClient(
            fakes.make_settings(),
            transport=httpx.MockTransport(script),
            sleep=time.sleep,
            clock=time.clock,
            rng=random.Random(99),
        ) as client:
            client.get_enrollment(UUID)
        return time.sleeps

    first, second = run(), run()
    assert first == second
    assert len(first) == 3
