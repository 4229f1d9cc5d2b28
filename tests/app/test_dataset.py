"""The dataset the pages share: frames with groupings, filter choices, extract time."""

from __future__ import annotations

from pathlib import Path

import httpx

from dashboard.app.dataset import load_dataset
from dashboard.client import DokStampError
from dashboard.data.schema import STUDENT_SCHEMA
from dashboard.data.source import DataSource
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox


def _source(
    sandbox: RunningSandbox, cache: Path, transport: httpx.BaseTransport | None = None
) -> DataSource:
    return DataSource(_settings(sandbox, cache), transport=transport)


def _settings(sandbox: RunningSandbox, cache: Path) -> Settings:
    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
        }
    )


def test_load_then_read_the_snapshot(sandbox: RunningSandbox, tmp_path: Path) -> None:
    source = _source(sandbox, tmp_path)
    calls: list[tuple[str, int, int]] = []
    first = load_dataset(source, progress=lambda *args: calls.append(args))
    assert not first.empty
    assert {"intake_year", "modality"} <= set(first.enrollments.columns)
    assert not first.stale
    assert first.snapshot_id is not None
    assert {resource for resource, _, _ in calls} >= {"enrollments", "cohorts", "students"}
    assert all(done <= total for _, done, total in calls)
    assert first.options.courses
    assert first.options.intake_years == tuple(sorted(first.options.intake_years))
    calls.clear()
    second = load_dataset(source, progress=lambda *args: calls.append(args))
    assert calls == []  # read from the snapshot, not the API
    assert second.snapshot_id == first.snapshot_id
    assert second.fetched_at == first.fetched_at
    assert second.enrollments.equals(first.enrollments)
    source.close()


def test_empty_tenant(sandbox_factory: object, tmp_path: Path) -> None:
    empty = sandbox_factory(seed="empty")  # type: ignore[operator]
    with _source(empty, tmp_path) as source:
        dataset = load_dataset(source)
    assert dataset.empty
    assert dataset.options.courses == ()
    assert dataset.fetched_at is not None


def test_students_are_kept_only_when_asked(sandbox: RunningSandbox, tmp_path: Path) -> None:
    with _source(sandbox, tmp_path) as source:
        viewer = load_dataset(source)
        editor = load_dataset(source, students=True)
    assert viewer.students is None
    assert viewer.students_error is None
    assert editor.students is not None
    assert editor.students.schema == STUDENT_SCHEMA
    enrolled = set(editor.enrollments["student_uuid"].to_list())
    assert enrolled <= set(editor.students["uuid"].to_list())
    assert editor.fetched_at == viewer.fetched_at


class _NoStudents(httpx.BaseTransport):
    """The real sandbox over HTTP, except that this token may not list students."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/students":
            return httpx.Response(403, json={"message": "This action is unauthorized."})
        return self._real.handle_request(request)


def test_an_unreadable_student_list_does_not_stop_the_dataset(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with _source(sandbox, tmp_path, transport=_NoStudents()) as source:
        dataset = load_dataset(source, students=True)
    assert dataset.students is None
    assert isinstance(dataset.students_error, DokStampError)
    assert "unauthorized" in str(dataset.students_error)
    assert not dataset.empty
    assert not dataset.stale
