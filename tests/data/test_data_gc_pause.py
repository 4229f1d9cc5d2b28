"""Pausing the cyclic GC during a sync: nested and overlapping pauses, the state restored."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import httpx
import pytest

from dashboard.data import load_enrollments
from dashboard.data.gc_pause import paused_gc


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_pauses_resume_once_the_outer_one_ends() -> None:
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_in_two_threads_share_one() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with paused_gc():
            inside.set()
            leave.wait(timeout=10)

    thread = threading.Thread(target=other)
    with paused_gc():
        thread.start()
        assert inside.wait(timeout=10)
    assert not gc.isenabled()  # the other thread's pause is still open
    leave.set()
    thread.join(timeout=10)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with paused_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_sync_reads_its_pages_with_the_collector_paused(tmp_path, fakes) -> None:
    api = fakes.FakeEnrollmentsApi([fakes.enrollment(n) for n in range(25)])
    seen: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(gc.isenabled())
        return api(request)

    extract = load_enrollments(
        fakes.make_settings(tmp_path), transport=httpx.MockTransport(handler)
    )
    assert extract.frame.height == 25
    assert seen
    assert not any(seen)
    assert gc.isenabled()
