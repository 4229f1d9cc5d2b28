"""Adaptive concurrency: grow while latency stays flat, shrink on 429/5xx or rising latency."""

from __future__ import annotations

import pytest

from dashboard.client._concurrency import AdaptiveLimit


def _round(limit: AdaptiveLimit, seconds: float, status: int | None = 200) -> None:
    """One round: as many answers as the limit allows in flight."""
    for _ in range(limit.current):
        limit.observe(seconds, status)


def test_flat_latency_grows_the_limit_up_to_the_cap() -> None:
    limit = AdaptiveLimit(cap=32, initial=8)
    seen = [limit.current]
    for _ in range(6):
        _round(limit, 0.020)
        seen.append(limit.current)
    assert seen == [8, 12, 18, 27, 32, 32, 32]
    assert limit.peak == 32


def test_rising_latency_shrinks_the_limit() -> None:
    limit = AdaptiveLimit(cap=32, initial=20)
    _round(limit, 0.020)
    grown = limit.current
    for _ in range(40):  # the queue builds up: answers take three times as long
        limit.observe(0.060, 200)
    assert limit.current < grown


def test_moderately_higher_latency_holds_the_limit() -> None:
    limit = AdaptiveLimit(cap=32, initial=10)
    _round(limit, 0.020)
    assert limit.current == 15
    _round(limit, 0.032)  # 1.6x the long run: between flat and rising
    assert limit.current == 15


def test_a_slow_drift_is_followed_not_fought() -> None:
    # The whole machine gets slower bit by bit (other work): no collapse to one at a time.
    limit = AdaptiveLimit(cap=32, initial=8)
    latency = 0.020
    for _ in range(40):
        latency *= 1.03
        _round(limit, latency)
    assert limit.current == 32


@pytest.mark.parametrize(("status", "after"), [(500, 8), (503, 8), (None, 8), (429, 12)], ids=str)
def test_failures_cut_the_limit(status, after) -> None:
    limit = AdaptiveLimit(cap=32, initial=16)
    limit.observe(0.020, status)
    assert limit.current == after


def test_the_limit_stays_between_one_and_the_cap() -> None:
    limit = AdaptiveLimit(cap=4, initial=100)
    assert limit.current == 4
    for _ in range(10):
        limit.observe(0.02, 500)
    assert limit.current == 1
    with pytest.raises(ValueError, match="cap"):
        AdaptiveLimit(cap=0, initial=1)


# -- through the client ------------------------------------------------------------------------


def test_a_listing_grows_to_the_cap_while_answers_stay_quick(make_client, fakes) -> None:
    # Fake time stands still while the server answers: every answer takes 0 s, flat latency.
    api = fakes.FakeListApi([fakes.enrollment(n) for n in range(4000)], max_per_page=10)
    client = make_client(api, page_size=10, concurrency=24)

    assert len(client.list_all("enrollments")) == 4000
    stats = client.last_sync_stats
    assert stats is not None
    assert stats.peak_concurrency > 8  # it started at 8
    assert stats.peak_concurrency <= 24


def test_a_listing_stays_under_a_cap_below_the_start(make_client, fakes) -> None:
    api = fakes.FakeListApi([fakes.enrollment(n) for n in range(300)], max_per_page=10)
    client = make_client(api, page_size=10, concurrency=3)

    assert len(client.list_all("enrollments")) == 300
    stats = client.last_sync_stats
    assert stats is not None
    assert stats.peak_concurrency <= 3


def test_the_next_listing_starts_where_the_last_one_left_off(make_client, fakes) -> None:
    api = fakes.FakeListApi([fakes.enrollment(n) for n in range(4000)], max_per_page=10)
    client = make_client(api, page_size=10, concurrency=24)
    client.list_all("enrollments")  # 400 pages of flat (zero) latency: grown to the cap
    api.records = api.records[:300]
    assert len(client.list_all("enrollments")) == 300
    stats = client.last_sync_stats
    assert stats is not None
    assert stats.peak_concurrency == 24  # its first burst: the cap at once, not 8
