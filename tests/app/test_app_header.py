"""The strip above every page: freshness, the background refresh and its status line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import runtime
from dokstamp_sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]


def _freshness(at: AppTest) -> str:
    return next(text.value for text in at.text if text.value.startswith("Source:"))


def _enrollments(at: AppTest) -> str:
    return str(next(m.value for m in at.metric if m.label == "Enrollments"))


def _source() -> runtime.AppSource:
    return runtime.current_source()


def _add_enrollment(sandbox: RunningSandbox, tools: object) -> None:
    """A new enrollment made in DokStamp by someone else (so a refresh has news to show)."""
    api = tools.api_request  # type: ignore[attr-defined]
    students = api(sandbox, "GET", "/students?per_page=1").json()["data"]
    courses = api(sandbox, "GET", "/courses?per_page=50").json()["data"]
    taken = {
        row["course"]["uuid"]
        for row in api(
            sandbox, "GET", f"/enrollments?per_page=100&where[student_uuid]={students[0]['uuid']}"
        ).json()["data"]
    }
    course = next(course for course in courses if course["uuid"] not in taken)
    response = api(
        sandbox,
        "POST",
        "/enrollments",
        json={
            "student_uuid": students[0]["uuid"],
            "course_uuid": course["uuid"],
            "enrolled_at": "2026-01-10",
        },
    )
    assert response.status_code == 201, response.text


def test_refresh_runs_in_the_background_and_the_new_snapshot_appears(
    sandbox_factory: Callable[..., RunningSandbox], app_factory: AppFactory, tools: object
) -> None:
    server = sandbox_factory(seed="demo", enrollments=300)
    at = app_factory(server)
    before = _enrollments(at)
    shown = _freshness(at)
    assert "Data as of just now" in shown
    _add_enrollment(server, tools)

    source = _source()
    lock = source.data.store.refresh_lock(source.data.line())
    assert lock.acquire()  # another sync (the worker, another replica) is running
    try:
        next(button for button in at.button if button.label == "Refresh data").click().run()
        assert not at.exception, at.exception
        # The page answers at once with the snapshot it had, and says a refresh is running.
        assert _enrollments(at) == before
        assert any("Refreshing in the background" in caption.value for caption in at.caption)
    finally:
        lock.release()
    runtime.background_refresh(source.key).join(timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert int(_enrollments(at).replace(",", "")) == int(before.replace(",", "")) + 1
    assert not at.warning


def test_a_failed_refresh_keeps_the_snapshot_and_says_why(
    sandbox_factory: Callable[..., RunningSandbox],
    app_factory: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = sandbox_factory(seed="demo", enrollments=200)
    at = app_factory(server)
    enrollments = _enrollments(at)
    server.stop()
    monkeypatch.setenv("DOKSTAMP_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("DOKSTAMP_TIMEOUT", "2")
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_CACHE_TTL", "0")  # the snapshot has expired
    at.run()  # a new configuration: a new source, whose first view starts the refresh
    assert not at.exception, at.exception
    assert _enrollments(at) == enrollments  # shown at once, from the snapshot
    runtime.background_refresh(_source().key).join(timeout=60)
    at.run()
    assert not at.exception, at.exception
    warnings = " ".join(warning.value for warning in at.warning)
    assert "The last refresh failed" in warnings
    assert _enrollments(at) == enrollments


def test_two_sessions_on_an_expired_snapshot_cause_one_sync(
    sandbox_factory: Callable[..., RunningSandbox],
    app_factory: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = sandbox_factory(seed="demo", enrollments=200)
    first = app_factory(server, cache_dir=tmp_path / "shared")
    source = _source()
    published = len(source.data.store.history(source.data.line()))
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_CACHE_TTL", "0")
    lock = source.data.store.refresh_lock(source.data.line())
    assert lock.acquire()  # keep the first refresh waiting while the second session opens
    try:
        one = app_factory(server, cache_dir=tmp_path / "shared")
        two = app_factory(server, cache_dir=tmp_path / "shared")
    finally:
        lock.release()
    assert not one.exception
    assert not two.exception
    assert not first.exception
    expired = _source()
    runtime.background_refresh(expired.key).join(timeout=60)
    history = expired.data.store.history(expired.data.line())
    assert len(history) == published + 1  # both sessions asked; one sync ran


def test_a_stopped_store_keeps_the_last_snapshot_on_screen(
    sandbox_factory: Callable[..., RunningSandbox],
    app_factory: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    redis_server: object,
) -> None:
    server = sandbox_factory(seed="demo", enrollments=200)
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_STORE", redis_server.url)  # type: ignore[attr-defined]
    at = app_factory(server)
    enrollments = _enrollments(at)
    redis_server.stop()  # type: ignore[attr-defined]
    at.run()
    assert not at.exception, at.exception
    assert _enrollments(at) == enrollments
    warnings = " ".join(warning.value for warning in at.warning)
    assert "snapshot store cannot be reached" in warnings
