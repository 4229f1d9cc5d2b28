"""Single-flight: concurrent callers of one key share a call; different keys do not."""

from __future__ import annotations

import threading

import pytest

from dashboard.data.single_flight import SingleFlight


def test_two_threads_one_call() -> None:
    flights: SingleFlight[int] = SingleFlight()
    release = threading.Event()
    calls: list[int] = []
    results: list[tuple[int, bool]] = []

    def slow() -> int:
        calls.append(1)
        release.wait(timeout=10)
        return 42

    def caller() -> None:
        results.append(flights.run("key", slow))

    first = threading.Thread(target=caller)
    first.start()
    while not flights.in_flight("key"):
        threading.Event().wait(0.001)
    second = threading.Thread(target=caller)
    second.start()
    while flights.followers("key") == 0:  # the second caller joined the running call
        threading.Event().wait(0.001)
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert calls == [1]
    assert sorted(results) == [(42, False), (42, True)]


def test_error_is_shared_and_next_call_runs_again() -> None:
    flights: SingleFlight[int] = SingleFlight()
    with pytest.raises(RuntimeError, match="boom"):
        flights.run("k", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert not flights.in_flight("k")
    assert flights.run("k", lambda: 7) == (7, False)


def test_different_keys_run_independently() -> None:
    flights: SingleFlight[str] = SingleFlight()
    assert flights.run("a", lambda: "A") == ("A", False)
    assert flights.run("b", lambda: "B") == ("B", False)
