"""Write-through: every line of the source gets a patched snapshot; a sync replays logged writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.data import course_frame, enrollment_frame
from dashboard.data.cache_keys import CacheKey
from dashboard.data.corrections_log import LOG_FILE, Correction, append_corrections
from dashboard.data.snapshots import DiskSnapshotStore
from dashboard.data.write_through import (
    patch_snapshots,
    replay_writes,
    snapshot_enrollment_rows,
)

API = "https://api.dokstamp.test"
FETCHED = datetime(2025, 3, 1, tzinfo=UTC)


def key(tenant: str = "t", **filters: str) -> CacheKey:
    return CacheKey.of(api_url=API, tenant=tenant, resource="enrollments", filters=filters)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DiskSnapshotStore]:
    with DiskSnapshotStore(tmp_path / "snapshots") as opened:
        yield opened


def test_patch_reaches_every_filtered_line_of_the_source_only(
    store: DiskSnapshotStore, fakes: Any
) -> None:
    records = [fakes.enrollment(n) for n in range(4)]
    frame = enrollment_frame(records)
    courses = course_frame([{"uuid": "c1", "code": "C1", "name": "Course", "workload_hours": 60}])
    lines = [key(), key(completion_status="enrolled"), key(completion_status="completed")]
    other_tenant = key("other")
    published = {
        lines[0]: store.publish(
            lines[0], {"enrollments": frame, "courses": courses}, extracted_at=FETCHED
        ),
        lines[1]: store.publish(lines[1], {"enrollments": frame}, extracted_at=FETCHED),
        lines[2]: store.publish(lines[2], {"enrollments": frame.clear()}, extracted_at=FETCHED),
        other_tenant: store.publish(other_tenant, {"enrollments": frame}, extracted_at=FETCHED),
    }

    completed = enrollment_frame([{**records[0], "completion_status": "completed", "grade": 9}])
    patched = patch_snapshots(store, key(), removed=[], written=completed)
    assert patched == 3

    latest = {line: store.latest(line) for line in published}
    assert latest[other_tenant] == published[other_tenant]
    uuid = records[0]["uuid"]
    after = {}
    for line in lines:
        info = latest[line]
        assert info is not None
        assert info.parent == published[line].id  # a new snapshot, the old one kept
        assert info.patched_at is not None
        assert info.extracted_at == FETCHED
        assert [old.id for old in store.history(line)] == [info.id, published[line].id]
        after[line] = store.read(info)
    all_rows, enrolled, done = (after[line]["enrollments"] for line in lines)
    assert all_rows.filter(pl.col("uuid") == uuid)["grade"].to_list() == [9.0]
    assert all_rows.height == 4
    assert uuid not in enrolled["uuid"].to_list()
    assert done["uuid"].to_list() == [uuid]
    assert after[lines[0]]["courses"].equals(courses)  # the frames it did not change are kept
    assert store.read(published[lines[0]])["enrollments"].equals(frame)  # the old one intact


def test_a_write_that_changes_nothing_publishes_nothing(
    store: DiskSnapshotStore, fakes: Any
) -> None:
    frame = enrollment_frame([fakes.enrollment(n) for n in range(2)])
    line = key(completion_status="completed")  # holds none of them
    empty = store.publish(line, {"enrollments": frame.clear()}, extracted_at=FETCHED)
    assert patch_snapshots(store, key(), removed=[fakes.enrollment(0)["uuid"]]) == 0
    assert store.history(line) == [empty]


def test_replay_applies_writes_logged_since_the_sync_started(tmp_path: Path, fakes: Any) -> None:
    records = [fakes.enrollment(n) for n in range(3)]
    stale = enrollment_frame(records)
    updated = {**records[1], "grade": 4.5}
    created = fakes.enrollment(9)
    append_corrections(
        tmp_path,
        api_url=API,
        tenant="t",
        corrections=[
            Correction(
                FETCHED - timedelta(hours=1), None, "delete", records[2]["uuid"], None, None
            ),
            Correction(
                FETCHED + timedelta(seconds=1),
                None,
                "update",
                records[1]["uuid"],
                records[1],
                updated,
            ),
            Correction(
                FETCHED + timedelta(seconds=2), None, "create", created["uuid"], None, created
            ),
            Correction(
                FETCHED + timedelta(seconds=3), None, "delete", records[0]["uuid"], records[0], None
            ),
        ],
    )
    result = replay_writes(stale, log_dir=tmp_path, key=key(), since=FETCHED)
    assert sorted(result["uuid"].to_list()) == sorted(
        [records[1]["uuid"], records[2]["uuid"], created["uuid"]]
    )  # the hour-old delete was before the sync: the fetch already reflects it
    assert result.filter(pl.col("uuid") == records[1]["uuid"])["grade"].to_list() == [4.5]
    assert replay_writes(stale, log_dir=tmp_path, key=key("other"), since=FETCHED).equals(stale)


def test_rows_are_found_across_the_lines_of_the_source(
    store: DiskSnapshotStore, fakes: Any
) -> None:
    first = enrollment_frame([fakes.enrollment(1)])
    second = enrollment_frame([fakes.enrollment(2)])
    third = enrollment_frame([fakes.enrollment(3)])
    store.publish(key(), {"enrollments": first}, extracted_at=FETCHED)
    store.publish(key(course_uuid="c"), {"enrollments": second}, extracted_at=FETCHED)
    store.publish(key("other"), {"enrollments": third}, extracted_at=FETCHED)
    wanted = [fakes.enrollment(n)["uuid"] for n in (1, 2, 3)] + ["missing"]
    found = snapshot_enrollment_rows(store, key(), wanted)
    assert sorted(found) == sorted(wanted[:2])  # not the other tenant's
    assert found[wanted[1]]["student_name"] == "Student 2"


def test_an_unreadable_logged_record_drops_the_row_instead_of_failing(
    tmp_path: Path, fakes: Any
) -> None:
    records = [fakes.enrollment(n) for n in range(2)]
    broken = {**records[0], "completion_status": "graduated"}
    append_corrections(
        tmp_path,
        api_url=API,
        tenant="t",
        corrections=[Correction(FETCHED, None, "update", records[0]["uuid"], records[0], broken)],
    )
    result = replay_writes(enrollment_frame(records), log_dir=tmp_path, key=key(), since=FETCHED)
    assert result["uuid"].to_list() == [records[1]["uuid"]]


def test_with_a_corrupt_log_the_pending_writes_are_still_replayed(
    tmp_path: Path, fakes: Any
) -> None:
    records = [fakes.enrollment(n) for n in range(2)]
    (tmp_path / LOG_FILE).write_bytes(b"garbage, not a database" * 50)
    updated = {**records[0], "grade": 7.25}
    kept = append_corrections(
        tmp_path,
        api_url=API,
        tenant="t",
        corrections=[
            Correction(
                FETCHED + timedelta(seconds=1), None, "update", updated["uuid"], None, updated
            )
        ],
    )
    assert kept is not None  # the log could not take it
    result = replay_writes(enrollment_frame(records), log_dir=tmp_path, key=key(), since=FETCHED)
    assert result.filter(pl.col("uuid") == updated["uuid"])["grade"].to_list() == [7.25]
