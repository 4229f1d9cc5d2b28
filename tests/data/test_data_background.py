"""BackgroundRefresh: one run at a time, its status while running and after, failures reported."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashboard.data import load_enrollments
from dashboard.data.background import BackgroundRefresh
from dashboard.data.loading import _FLIGHTS
from dashboard.data.source import DataSource

HANG_GUARD_SECONDS = 60  # only so a broken test fails instead of hanging


class HeldAt:
    """The fake API, except that requests to ``path`` wait for ``release`` (``reached`` is set)."""

    def __init__(self, api: Any, path: str) -> None:
        self.api = api
        self.path = path
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path:
            self.reached.set()
            self.release.wait(HANG_GUARD_SECONDS)
        response: httpx.Response = self.api(request)
        return response


@pytest.fixture
def api(fakes: Any) -> Any:
    return fakes.FakeEnrollmentsApi([fakes.enrollment(n) for n in range(25)])


@pytest.fixture
def held(api: Any) -> HeldAt:
    return HeldAt(api, "/courses")  # the resource read after the enrollments


@pytest.fixture
def source(tmp_path: Path, fakes: Any, held: HeldAt) -> Iterator[DataSource]:
    with DataSource(fakes.make_settings(tmp_path), transport=httpx.MockTransport(held)) as opened:
        yield opened


def test_a_second_start_while_running_starts_nothing(
    source: DataSource, api: Any, held: HeldAt
) -> None:
    refresh = BackgroundRefresh(source, source.line())
    assert refresh.start()
    assert not refresh.start()
    assert held.reached.wait(HANG_GUARD_SECONDS)
    assert not refresh.start()

    running = refresh.status()
    assert running.running
    assert running.started_at is not None
    assert running.error is None
    # The enrollments are read (3 pages of 10); the courses are being read.
    assert (running.resource, running.pages_done, running.pages_total) == ("enrollments", 3, 3)
    assert running.describe(datetime.now(UTC)) == (
        "Refreshing in the background: enrollments, page 3 of 3"
    )

    held.release.set()
    refresh.join(HANG_GUARD_SECONDS)

    done = refresh.status()
    assert not done.running
    assert done.error is None
    assert done.finished_at is not None
    assert done.started_at == running.started_at
    assert done.finished_at >= done.started_at
    latest = source.store.latest(source.line())
    assert latest is not None
    assert done.snapshot_id == latest.id
    assert done.describe(datetime.now(UTC)) == ""
    assert api.list_requests == 5  # one sync: 3 pages, and pages 1 and 3 read again
    assert len(source.store.history(source.line())) == 1
    assert refresh.start()  # once done, it may run again
    refresh.join(HANG_GUARD_SECONDS)
    assert len(source.store.history(source.line())) == 2


def test_a_failed_refresh_keeps_the_snapshot_and_reports_why(
    source: DataSource, api: Any, held: HeldAt
) -> None:
    held.release.set()
    good = load_enrollments(source)
    api.fail_from_page = 1
    refresh = BackgroundRefresh(source, source.line())

    assert refresh.start()
    refresh.join(HANG_GUARD_SECONDS)

    status = refresh.status()
    assert not status.running
    assert status.error is not None
    assert "500" in status.error or "Server Error" in status.error
    assert status.snapshot_id is None
    assert status.describe(datetime.now(UTC)).startswith(
        "The last refresh failed, so this shows the previous data"
    )
    assert [info.id for info in source.store.history(source.line())] == [good.snapshot_id]
    again = load_enrollments(source)  # viewers keep the last good snapshot
    assert again.snapshot_id == good.snapshot_id
    assert again.frame.equals(good.frame)


def test_a_load_during_a_background_refresh_shares_its_sync(
    source: DataSource, api: Any, held: HeldAt
) -> None:
    refresh = BackgroundRefresh(source, source.line())
    assert refresh.start()
    assert held.reached.wait(HANG_GUARD_SECONDS)
    results: list[Any] = []
    loader = threading.Thread(target=lambda: results.append(load_enrollments(source)))
    loader.start()
    flight = (repr(source.store), source.line().text)
    while _FLIGHTS.followers(flight) == 0:
        threading.Event().wait(0.001)

    held.release.set()
    refresh.join(HANG_GUARD_SECONDS)
    loader.join(HANG_GUARD_SECONDS)

    (extract,) = results
    assert extract.snapshot_id == refresh.status().snapshot_id
    assert api.list_requests == 5  # one sync (3 pages, two read again), shared


def test_an_expired_snapshot_does_not_restart_a_failed_refresh_at_once(
    tmp_path: Path, fakes: Any
) -> None:
    api = fakes.FakeEnrollmentsApi([fakes.enrollment(n) for n in range(5)])
    api.fail_from_page = 1  # the API answers 500 to every listing
    source = DataSource(fakes.make_settings(tmp_path), transport=httpx.MockTransport(api))
    refresh = BackgroundRefresh(source, source.line())
    assert refresh.start()
    refresh.join(HANG_GUARD_SECONDS)
    assert refresh.status().error is not None
    assert not refresh.start(automatic=True)  # a viewer's next view: not again so soon
    assert refresh.start()  # a click on Refresh data: at once
    refresh.join(HANG_GUARD_SECONDS)
    source.close()


def test_a_delayed_start_counts_as_running_and_asks_nothing_before_its_delay(
    tmp_path: Path, fakes: Any
) -> None:
    api = fakes.FakeEnrollmentsApi([fakes.enrollment(n) for n in range(5)])
    first_request: list[float] = []

    def recording(request: httpx.Request) -> httpx.Response:
        first_request.append(time.monotonic())
        response: httpx.Response = api(request)
        return response

    delay = 0.5
    with DataSource(
        fakes.make_settings(tmp_path), transport=httpx.MockTransport(recording)
    ) as source:
        refresh = BackgroundRefresh(source, source.line())
        asked = time.monotonic()
        assert refresh.start(automatic=True, delay=delay)
        waiting = refresh.status()
        assert waiting.running
        assert waiting.resource is None  # "starting": the status line polls from now on
        assert waiting.describe(datetime.now(UTC)).startswith("Refreshing in the background")
        assert not refresh.start()  # held or not, one refresh at a time
        refresh.join(HANG_GUARD_SECONDS)
        done = refresh.status()
    assert not done.running
    assert done.error is None
    assert done.snapshot_id is not None
    assert first_request
    assert first_request[0] - asked >= delay
