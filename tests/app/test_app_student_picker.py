"""The create form's student picker in AppTest: every student of the tenant, not only those who
already have an enrollment; the student list is read for editors only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import runtime
from dashboard.client import DokStampClient
from dashboard.data.source import DataSource
from dokstamp_sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]
CORRECTIONS = "views/corrections.py"
NAME = "Nadia Newcomer"
EMAIL = "nadia.newcomer@example.test"


@pytest.fixture
def writable(sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    """A private demo sandbox this module's tests may write to."""
    return sandbox_factory(seed="demo", enrollments=300)


def _new_student(sandbox: RunningSandbox, tools: Any) -> str:
    """A student created through the API, with no enrollment at all."""
    response = tools.api_request(
        sandbox,
        "POST",
        "/students",
        json={"name": NAME, "email": EMAIL, "date_of_birth": "2004-06-01"},
    )
    assert response.status_code == 201, response.text
    uuid: str = response.json()["data"]["uuid"]
    return uuid


def _snapshot_resources(cache_dir: Path, tools: Any, sandbox: RunningSandbox) -> set[str]:
    with DataSource(tools.sandbox_settings(sandbox, cache_dir)) as source:
        latest = source.store.latest(source.line())
    assert latest is not None
    return set(latest.rows)


def _submit(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Create enrollment").click().run()


def test_a_student_without_enrollments_is_offered_and_can_be_enrolled(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    student = _new_student(writable, tools)
    settings = tools.sandbox_settings(writable, tmp_path / "cache")
    with DokStampClient(settings) as client:
        assert client.list_all("enrollments", filters={"student_uuid": student}) == []
        course = client.list_courses()[0]["uuid"]

    at = app_factory(writable, cache_dir=tmp_path / "cache")
    at.switch_page(CORRECTIONS).run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="corr_new_student_uuid")
    assert f"{NAME} <{EMAIL}>" in picker.options  # plain "name <email>", found by typing
    assert "students" in _snapshot_resources(tmp_path / "cache", tools, writable)

    picker.set_value(student)
    at.selectbox(key="corr_new_course_uuid").set_value(course)
    at.text_input(key="corr_new_enrolled_at").input("2026-02-01")
    at.text_input(key="corr_new_completed_at").input("2026-13-01")
    _submit(at)
    assert any("completed at does not match the format" in e.value for e in at.error)
    # Nothing was sent, and what the user chose and typed is still there.
    assert at.selectbox(key="corr_new_student_uuid").value == student
    assert at.selectbox(key="corr_new_course_uuid").value == course
    assert at.text_input(key="corr_new_completed_at").value == "2026-13-01"

    at.text_input(key="corr_new_completed_at").input("")
    _submit(at)
    assert not at.exception, at.exception
    assert any("Created enrollment" in s.value for s in at.success)
    with DokStampClient(settings) as client:
        created = client.list_all("enrollments", filters={"student_uuid": student})
    assert [(r["student"]["name"], r["course"]["uuid"]) for r in created] == [(NAME, course)]
    # The new enrollment is in the app's data at once, under the new student's name.
    at.text_input(key="corr_search").input(NAME).run()
    assert at.text_input(key=f"corr_{created[0]['uuid']}_grade") is not None


def test_viewers_do_not_hold_the_student_list(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    """The snapshot has the student list (for editors); a viewer's dataset leaves it out."""
    at = app_factory(writable, editing=False, cache_dir=tmp_path / "viewer")
    assert not at.exception, at.exception
    assert "students" in _snapshot_resources(tmp_path / "viewer", tools, writable)
    dataset = runtime.current_dataset(runtime.current_source())
    assert dataset.students is None
    assert not dataset.enrollments.is_empty()
