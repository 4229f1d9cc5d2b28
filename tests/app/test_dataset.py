"""The dataset the pages share: frames with groupings, filter choices, extract time."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.app import dataset as dataset_module
from dashboard.app.dataset import load_dataset
from dashboard.client import PermissionDeniedError
from dashboard.data import Extract
from dashboard.data.schema import STUDENT_SCHEMA
from dashboard.sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dashboard.sandbox.runner import RunningSandbox
from dashboard.settings import Settings


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


def test_load_then_cache(sandbox: RunningSandbox, tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path)
    calls: list[tuple[str, int, int]] = []
    first = load_dataset(settings, progress=lambda *args: calls.append(args))
    assert not first.empty
    assert {"intake_year", "modality"} <= set(first.enrollments.columns)
    assert not first.from_cache
    assert not first.stale
    assert {resource for resource, _, _ in calls} >= {"enrollments", "cohorts"}
    assert all(done <= total for _, done, total in calls)
    assert first.options.courses
    assert first.options.intake_years == tuple(sorted(first.options.intake_years))
    second = load_dataset(settings)
    assert second.from_cache
    assert second.fetched_at == first.fetched_at
    assert second.enrollments.equals(first.enrollments)


def test_empty_tenant(sandbox_factory: object, tmp_path: Path) -> None:
    empty = sandbox_factory(seed="empty")  # type: ignore[operator]
    dataset = load_dataset(_settings(empty, tmp_path))
    assert dataset.empty
    assert dataset.options.courses == ()
    assert dataset.fetched_at is not None


def test_students_are_read_only_when_asked(sandbox: RunningSandbox, tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path)
    viewer = load_dataset(settings)
    assert viewer.students is None
    assert viewer.students_error is None
    calls: list[str] = []
    editor = load_dataset(settings, students=True, progress=lambda name, *_: calls.append(name))
    assert editor.students is not None
    assert editor.students.schema == STUDENT_SCHEMA
    assert set(calls) == {"students"}  # everything else came from the cache
    enrolled = set(editor.enrollments["student_uuid"].to_list())
    assert enrolled <= set(editor.students["uuid"].to_list())
    assert editor.fetched_at == viewer.fetched_at  # the student list does not move "as of"


def test_an_unreadable_student_list_does_not_stop_the_dataset(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> Extract:
        raise PermissionDeniedError("This token may not list students.", status=403)

    monkeypatch.setattr(dataset_module, "load_students", refuse)
    dataset = load_dataset(_settings(sandbox, tmp_path), students=True)
    assert dataset.students is None
    assert isinstance(dataset.students_error, PermissionDeniedError)
    assert not dataset.empty
    assert not dataset.stale
