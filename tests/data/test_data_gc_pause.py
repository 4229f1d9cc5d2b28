"""Pausing the cyclic GC during a sync: nested and overlapping pauses, the state restored."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import httpx
import pytest

from dashboard.data import load_enrollments
from dashboard.data.gc_pause import collecting_young, paused_gc


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


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_young_collections_free_cycles_while_paused_and_report_progress() -> None:
    calls: list[tuple[int, int]] = []
    report = collecting_young(lambda done, total: calls.append((done, total)), every=3)
    with paused_gc():
        cycle = _Cycle()
        alive = weakref.ref(cycle)
        del cycle
        report(1, 4)
        report(2, 4)
        assert alive() is not None  # the collector is paused: nothing collected yet
        report(3, 4)  # every third page: the young generation is collected
        assert alive() is None
        report(4, 4)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_young_collections_need_no_progress_callback() -> None:
    report = collecting_young(None, every=1)
    with paused_gc():
        cycle = _Cycle()
        alive = weakref.ref(cycle)
        del cycle
        report(1, 1)
        assert alive() is None


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
