"""Traffic options: rate limit with Laravel's headers, injected 500s, latency (traffic.py)."""

from __future__ import annotations

import time

import httpx

from dokstamp_sandbox import demo
from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.traffic import WINDOW_SECONDS, RateLimiter


def test_rate_limit_headers_count_down_then_429(sandbox_factory, make_client) -> None:
    running = sandbox_factory(
        options=SandboxOptions(rate_limit_per_minute=3), static_tokens={"t": demo.DEMO_TENANT}
    )
    client = make_client(running.url, token="t", tenant=demo.DEMO_TENANT)
    remaining = []
    for _ in range(3):
        response = client.get("/courses")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    limited = client.get("/courses")
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Attempts."}
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time())
    other = make_client(running.url, token="other", tenant=demo.DEMO_TENANT).get("/courses")
    assert other.status_code == 401  # another key has its own budget (and a bad token)
    assert other.headers["X-RateLimit-Remaining"] == "2"


def test_openapi_is_never_throttled(sandbox_factory) -> None:
    running = sandbox_factory(options=SandboxOptions(rate_limit_per_minute=1))
    for _ in range(3):
        assert httpx.get(f"{running.url}/openapi.json").status_code == 200


def test_rate_limiter_window_resets() -> None:
    now = [100.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.hit("k")[:2] == (True, 1)
    assert limiter.hit("k")[:2] == (True, 0)
    allowed, remaining, reset_in = limiter.hit("k")
    assert (allowed, remaining) == (False, 0)
    assert reset_in == WINDOW_SECONDS
    now[0] += WINDOW_SECONDS
    assert limiter.hit("k")[:2] == (True, 1)
    assert limiter.hit("other")[:2] == (True, 1)


def test_fail_rate_one_fails_resources_but_not_auth(sandbox_factory, make_client) -> None:
    running = sandbox_factory(
        options=SandboxOptions(fail_rate=1.0, success_flag=True),
        static_tokens={"t": demo.DEMO_TENANT},
    )
    token = httpx.post(
        f"{running.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.DEMO_CLIENT_ID,
            "client_secret": demo.DEMO_CLIENT_SECRET,
        },
    )
    assert token.status_code == 200
    client = make_client(running.url, token="t", tenant=demo.DEMO_TENANT)
    failed = client.post(
        "/students", json={"name": "A", "email": "a@b.test", "date_of_birth": "2000-01-01"}
    )
    assert failed.status_code == 500
    assert failed.json() == {"success": False, "message": "Server Error"}
    assert client.get("/students").status_code == 500


def test_fail_rate_zero_never_fails(sandbox, api) -> None:
    assert all(api.get("/courses").status_code == 200 for _ in range(20))


def test_latency_delays_each_response(sandbox_factory, make_client) -> None:
    running = sandbox_factory(options=SandboxOptions(latency_ms=150), static_tokens={"t": "acme"})
    client = make_client(running.url, token="t", tenant="acme")
    started = time.perf_counter()
    assert client.get("/courses").status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_rate_limiter_window_length_is_an_option() -> None:
    now = [100.0]
    limiter = RateLimiter(1, window_seconds=2.5, clock=lambda: now[0])
    assert limiter.hit("k")[0] is True
    now[0] += 1.0
    allowed, _, reset_in = limiter.hit("k")
    assert (allowed, reset_in) == (False, 1.5)
    assert limiter.throttled == 1
    now[0] += 1.5
    assert limiter.hit("k")[:2] == (True, 0)


def test_rate_window_reaches_the_server(sandbox_factory, make_client) -> None:
    options = SandboxOptions(rate_limit_per_minute=1, rate_limit_window_seconds=2.0)
    running = sandbox_factory(options=options, static_tokens={"t": demo.DEMO_TENANT})
    client = make_client(running.url, token="t", tenant=demo.DEMO_TENANT)
    assert client.get("/courses").status_code == 200
    limited = client.get("/courses")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] in {"1", "2"}  # within the 2 s window, not 60
