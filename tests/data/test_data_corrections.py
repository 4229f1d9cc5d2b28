"""Corrections against a private sandbox: write-through, concurrent changes, the log (also when
the log file is corrupt)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from dashboard.client import DokStampClient, ValidationError
from dashboard.data import ConcurrentChangeError, load_enrollments
from dashboard.data.corrections import (
    CorrectionsLogError,
    changed_fields,
    corrections_log_status,
    create_enrollment,
    delete_enrollments,
    read_corrections_log,
    update_enrollment,
)
from dashboard.data.corrections_log import LOG_FILE, PENDING_FILE
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

CacheFiles = Callable[[Path], list[tuple[Path, bytes]]]
STATIC_TOKEN = "corrections-static-token-5f3a9c"


@pytest.fixture
def demo(sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path) -> Settings:
    running = sandbox_factory(
        seed="demo", enrollments=300, static_tokens={STATIC_TOKEN: DEMO_TENANT}
    )
    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": running.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_TOKEN": STATIC_TOKEN,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "cache"),
            "ENROLLMENT_OUTCOMES_CACHE_TTL": "3600",
        }
    )


def an_enrolled_row(settings: Settings) -> dict[str, Any]:
    frame = load_enrollments(settings, filters={"completion_status": "enrolled"}).frame
    row: dict[str, Any] = frame.row(0, named=True)
    return row


def test_update_shows_in_every_cached_extract_without_refetch(demo: Settings) -> None:
    everything = load_enrollments(demo)
    row = an_enrolled_row(demo)
    updated = update_enrollment(
        demo,
        row["uuid"],
        {"completion_status": "completed", "grade": 8.5, "completed_at": "2026-06-30"},
        opened=row,
        actor="registrar",
    )
    assert updated["completion_status"] == "completed"

    after = load_enrollments(demo)
    assert after.from_cache
    assert after.fetched_at == everything.fetched_at
    assert after.rows == everything.rows
    changed = after.frame.filter(pl.col("uuid") == row["uuid"]).row(0, named=True)
    assert (changed["completion_status"], changed["grade"]) == ("completed", 8.5)

    enrolled = load_enrollments(demo, filters={"completion_status": "enrolled"})
    assert enrolled.from_cache
    assert row["uuid"] not in enrolled.frame["uuid"].to_list()

    refetched = load_enrollments(demo, refresh=True)
    assert refetched.frame.sort("uuid").equals(after.frame.sort("uuid"))


def test_create_and_delete_patch_the_cache(demo: Settings) -> None:
    before = load_enrollments(demo)
    template = before.frame.row(0, named=True)
    course_extract = load_enrollments(demo, filters={"course_uuid": template["course_uuid"]})
    created = create_enrollment(
        demo,
        {
            "student_uuid": template["student_uuid"],
            "course_uuid": template["course_uuid"],
            "enrolled_at": "2026-02-01",
        },
        actor="registrar",
    )
    with_new = load_enrollments(demo)
    assert with_new.from_cache
    assert with_new.rows == before.rows + 1
    assert created["uuid"] in with_new.frame["uuid"].to_list()
    same_course = load_enrollments(demo, filters={"course_uuid": template["course_uuid"]})
    assert same_course.rows == course_extract.rows + 1

    doomed = [created["uuid"], template["uuid"]]
    delete_enrollments(demo, doomed, actor="registrar")
    after = load_enrollments(demo)
    assert after.from_cache
    assert after.rows == before.rows - 1
    assert not set(doomed) & set(after.frame["uuid"].to_list())
    assert load_enrollments(demo, refresh=True).rows == before.rows - 1


def test_an_update_after_someone_else_changed_the_record_is_refused(demo: Settings) -> None:
    row = an_enrolled_row(demo)
    with DokStampClient(demo) as other_editor:
        other_editor.update_enrollment(row["uuid"], {"grade": 3.25})
    with pytest.raises(ConcurrentChangeError) as caught:
        update_enrollment(demo, row["uuid"], {"grade": 9.0}, opened=row)
    error = caught.value
    assert error.fields == ("grade",)
    assert error.current["grade"] == 3.25
    assert error.opened["grade"] == row["grade"]
    with DokStampClient(demo) as client:
        assert client.get_enrollment(row["uuid"])["grade"] == 3.25  # nothing was written
    assert read_corrections_log(demo).height == 0


def test_the_log_records_each_write_and_holds_no_token(
    demo: Settings, cache_files: CacheFiles
) -> None:
    row = an_enrolled_row(demo)
    update_enrollment(
        demo, row["uuid"], {"grade": 6.0}, opened=None, actor="ana@x.edu", role="editor"
    )
    delete_enrollments(demo, [row["uuid"]], actor="ben")
    log = read_corrections_log(demo)
    assert log.columns == ["at", "actor", "role", "action", "enrollment_uuid", "before", "after"]
    assert log["action"].to_list() == ["update", "delete"]
    assert log["actor"].to_list() == ["ana@x.edu", "ben"]
    assert log["role"].to_list() == ["editor", None]
    assert log["enrollment_uuid"].to_list() == [row["uuid"], row["uuid"]]
    assert orjson.loads(log["after"][0])["grade"] == 6.0
    assert orjson.loads(log["before"][1])["grade"] == 6.0  # the delete saw the updated row
    assert log["after"][1] is None
    assert log["at"].dtype == pl.Datetime("us", "UTC")
    assert log["at"].is_sorted()
    files = cache_files(demo.cache_dir)
    assert [path for path, content in files if STATIC_TOKEN.encode() in content] == []


def test_a_refused_write_changes_nothing(demo: Settings) -> None:
    before = load_enrollments(demo)
    row = before.frame.row(0, named=True)
    with pytest.raises(ValidationError) as caught:
        update_enrollment(demo, row["uuid"], {"grade": 11}, opened=row)
    assert "grade" in caught.value.errors
    assert load_enrollments(demo).frame.equals(before.frame)
    assert read_corrections_log(demo).height == 0


def test_changed_fields_compares_rows_and_records(fakes: Any) -> None:
    record = fakes.enrollment(1, grade="7.50")
    row = {"uuid": record["uuid"], "grade": 7.5, "completion_status": "enrolled"}
    assert changed_fields(row, record) == []
    assert changed_fields(record, record) == []
    assert changed_fields({**row, "grade": 7.0}, record) == ["grade"]
    moved = fakes.enrollment(1, grade="7.50", cohort={"uuid": "h2", "code": "H2"})
    assert changed_fields(record, moved) == ["cohort_uuid", "cohort_code"]


def test_a_write_with_a_corrupt_log_keeps_its_entry_until_the_log_is_usable(
    demo: Settings,
) -> None:
    row = an_enrolled_row(demo)
    log_file = demo.cache_dir / LOG_FILE
    garbage = b"not a database at all " * 100
    log_file.write_bytes(garbage)
    update_enrollment(demo, row["uuid"], {"grade": 6.5}, opened=row, actor="ana")
    with DokStampClient(demo) as client:
        assert client.get_enrollment(row["uuid"])["grade"] == 6.5  # the write itself was made
    status = corrections_log_status(demo)
    assert not status.ok
    assert status.pending == 1
    assert status.pending_path == demo.cache_dir / PENDING_FILE
    assert status.problem is not None
    assert str(log_file) in status.problem
    with pytest.raises(CorrectionsLogError, match="Move it aside"):
        read_corrections_log(demo)
    assert log_file.read_bytes() == garbage
    # The write is still in the cached extracts (patching does not depend on the log).
    cached = load_enrollments(demo).frame.filter(pl.col("uuid") == row["uuid"])
    assert cached["grade"].to_list() == [6.5]

    log_file.rename(log_file.with_name("corrections.sqlite3.broken"))
    log = read_corrections_log(demo)
    assert log["enrollment_uuid"].to_list() == [row["uuid"]]
    assert log["actor"].to_list() == ["ana"]
    assert orjson.loads(log["after"][0])["grade"] == 6.5
    assert corrections_log_status(demo).ok
