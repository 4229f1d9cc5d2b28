"""The student reference frame: built from API records, loaded and cached like the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from dashboard.client import DokStampError
from dashboard.data import MalformedRecordError, load_enrollments, load_students, student_frame
from dashboard.data.loading import cache_key
from dashboard.data.schema import STUDENT_SCHEMA
from dashboard.settings import Settings
from dokstamp_sandbox.runner import RunningSandbox

TENANT = "students-college"
TOKEN = "students-test-token-0123456789abcdef"

SandboxFactory = Callable[..., RunningSandbox]


def _record(number: int, **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "uuid": f"00000000-0000-0000-0000-{number:012d}",
        "name": f"Student {number}",
        "email": f"student{number}@example.test",
        "date_of_birth": "2000-01-01",
        "gender": None,
        "social_name": None,
        "created_at": "2024-01-20T14:30:00.000000Z",
    }
    record.update(changes)
    return record


def test_frame_has_the_schema_and_the_values() -> None:
    frame = student_frame([_record(1), _record(2, name=None, created_at="2025-03-04T05:06:07Z")])
    assert frame.schema == STUDENT_SCHEMA
    assert frame.columns == ["uuid", "name", "email", "created_at"]  # no birth date, no gender
    assert frame["name"].to_list() == ["Student 1", None]
    assert frame["email"].to_list() == ["student1@example.test", "student2@example.test"]
    assert frame["created_at"].to_list() == [
        datetime(2024, 1, 20, 14, 30, tzinfo=UTC),
        datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
    ]


def test_empty_list_gives_a_typed_empty_frame() -> None:
    frame = student_frame([])
    assert frame.is_empty()
    assert frame.schema == STUDENT_SCHEMA


def test_a_record_without_uuid_is_refused() -> None:
    with pytest.raises(MalformedRecordError) as caught:
        student_frame([_record(1), _record(2, uuid=None)])
    assert caught.value.field == "uuid"


def test_a_bad_timestamp_names_the_field_and_the_record() -> None:
    with pytest.raises(MalformedRecordError) as caught:
        student_frame([_record(7, created_at="yesterday")])
    assert caught.value.field == "created_at"
    assert caught.value.record_uuid == _record(7)["uuid"]


def _settings(sandbox: RunningSandbox, cache: Path) -> Settings:
    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": TENANT,
            "DOKSTAMP_TOKEN": TOKEN,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
            "ENROLLMENT_OUTCOMES_CACHE_TTL": "3600",
            "DOKSTAMP_PAGE_SIZE": "2",  # several pages even for a handful of students
            "DOKSTAMP_MAX_ATTEMPTS": "1",
        }
    )


def _add_student(sandbox: RunningSandbox, name: str, email: str) -> str:
    response = httpx.post(
        f"{sandbox.url}/students",
        json={"name": name, "email": email, "date_of_birth": "2001-02-03"},
        headers={"Authorization": f"Bearer {TOKEN}", "X-Tenant": TENANT},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    uuid: str = response.json()["data"]["uuid"]
    return uuid


@pytest.fixture
def college(sandbox_factory: SandboxFactory) -> RunningSandbox:
    """An empty tenant (no enrollments) this module may write students to."""
    return sandbox_factory(seed="empty", static_tokens={TOKEN: TENANT})


def test_students_without_enrollments_load_from_the_sandbox(
    college: RunningSandbox, tmp_path: Path
) -> None:
    settings = _settings(college, tmp_path)
    added = {_add_student(college, f"Learner {n}", f"learner{n}@example.test"): n for n in range(5)}
    pages: list[tuple[int, int]] = []
    first = load_students(settings, progress=lambda done, total: pages.append((done, total)))
    assert load_enrollments(settings).frame.is_empty()  # none of them has an enrollment
    assert (first.from_cache, first.stale, first.error) == (False, False, None)
    assert first.frame.schema == STUDENT_SCHEMA
    assert dict(zip(first.frame["uuid"], first.frame["email"], strict=True)) == {
        uuid: f"learner{n}@example.test" for uuid, n in added.items()
    }
    assert first.pages == 3
    assert pages[-1] == (3, 3)
    assert first.frame["created_at"].null_count() == 0
    assert first.frame["created_at"].max() <= datetime.now(UTC)  # type: ignore[operator]

    second = load_students(settings)
    assert second.from_cache
    assert second.frame.equals(first.frame)
    assert second.fetched_at == first.fetched_at


def test_cache_ttl_refresh_and_stale_fallback(college: RunningSandbox, tmp_path: Path) -> None:
    settings = _settings(college, tmp_path)
    _add_student(college, "Early", "early@example.test")
    first = load_students(settings)
    late = _add_student(college, "Late", "late@example.test")
    assert load_students(settings).frame.height == 1  # fresh for an hour: the cached frame
    refreshed = load_students(settings, refresh=True)
    assert not refreshed.from_cache
    assert late in refreshed.frame["uuid"].to_list()

    college.stop()  # the API is gone: the last good frame comes back, marked stale
    stale = load_students(settings, refresh=True)
    assert stale.stale
    assert isinstance(stale.error, DokStampError)
    assert stale.frame.equals(refreshed.frame)
    assert stale.fetched_at == refreshed.fetched_at > first.fetched_at

    elsewhere = _settings(college, tmp_path / "never-loaded")
    with pytest.raises(DokStampError):
        load_students(elsewhere)


def test_email_filter_picks_from_the_snapshot_of_every_student(
    college: RunningSandbox, tmp_path: Path
) -> None:
    settings = _settings(college, tmp_path)
    wanted = _add_student(college, "Maria", "maria@example.test")
    _add_student(college, "Other", "other@example.test")
    everyone = load_students(settings)
    one = load_students(settings, filters={"where[email]": "maria@example.test"})
    # Reference resources are read whole with the unfiltered line and filtered here.
    assert one.from_cache
    assert one.snapshot_id == everyone.snapshot_id
    assert one.frame["uuid"].to_list() == [wanted]
    assert everyone.frame.height == 2
    again = load_students(settings, filters={"email": "maria@example.test"})
    assert again.frame["uuid"].to_list() == [wanted]
    assert cache_key(settings, "students", {"email": "maria@example.test"}) != cache_key(
        settings, "students"
    )
    assert cache_key(settings, "students").resource == "students"
    assert cache_key(settings, "students").text != cache_key(settings, "courses").text


def test_only_the_email_filter_is_accepted(college: RunningSandbox, tmp_path: Path) -> None:
    settings = _settings(college, tmp_path)
    for field in ("name", "gender", "student_uuid"):
        with pytest.raises(ValueError, match="cannot filter students"):
            load_students(settings, filters={field: "x"})


def test_frame_matches_what_the_client_lists(college: RunningSandbox, tmp_path: Path) -> None:
    from dashboard.client import DokStampClient

    settings = _settings(college, tmp_path)
    _add_student(college, "Ana <ana@x>", "ana@example.test")
    with DokStampClient(settings) as client:
        records = client.list_students()
    loaded = load_students(settings).frame
    assert loaded.equals(student_frame(records))
    assert loaded.filter(pl.col("email") == "ana@example.test")["name"].to_list() == ["Ana <ana@x>"]
