"""Write-through: every cached extract of the source is patched; a sync replays logged writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.data import enrollment_frame
from dashboard.data.cache_keys import CacheKey
from dashboard.data.corrections_log import LOG_FILE, Correction, append_corrections
from dashboard.data.frame_cache import FrameCache
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.data.write_through import (
    cached_enrollment_rows,
    patch_cached_enrollments,
    replay_writes,
)

API = "https://api.dokstamp.test"
FETCHED = datetime(2025, 3, 1, tzinfo=UTC)


def key(tenant: str = "t", **filters: str) -> CacheKey:
    return CacheKey.of(api_url=API, tenant=tenant, resource="enrollments", filters=filters)


def test_patch_reaches_every_filter_key_of_the_source_only(tmp_path: Path, fakes: Any) -> None:
    records = [fakes.enrollment(n) for n in range(4)]
    frame = enrollment_frame(records)
    keys = [key(), key(completion_status="enrolled"), key(completion_status="completed")]
    other_tenant = key("other")
    with FrameCache(tmp_path) as cache:
        for k in keys[:2]:
            cache.put(k, frame, fetched_at=FETCHED, pages=1)
        cache.put(keys[2], frame.clear(), fetched_at=FETCHED, pages=1)
        cache.put(other_tenant, frame, fetched_at=FETCHED, pages=1)

    completed = enrollment_frame([{**records[0], "completion_status": "completed", "grade": 9}])
    patched = patch_cached_enrollments(tmp_path, key(), removed=[], written=completed)
    assert patched == 3

    with FrameCache(tmp_path) as cache:
        entries = {k: cache.get(k, schema=ENROLLMENT_SCHEMA) for k in [*keys, other_tenant]}
    uuid = records[0]["uuid"]
    all_rows = entries[keys[0]]
    enrolled = entries[keys[1]]
    done = entries[keys[2]]
    untouched = entries[other_tenant]
    assert all_rows is not None
    assert enrolled is not None
    assert done is not None
    assert untouched is not None
    assert all_rows.frame.filter(pl.col("uuid") == uuid)["grade"].to_list() == [9.0]
    assert all_rows.patched_at is not None
    assert all_rows.fetched_at == FETCHED
    assert uuid not in enrolled.frame["uuid"].to_list()
    assert done.frame["uuid"].to_list() == [uuid]
    assert untouched.frame.equals(frame)
    assert untouched.patched_at is None


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


def test_cached_rows_are_found_across_extracts(tmp_path: Path, fakes: Any) -> None:
    first = enrollment_frame([fakes.enrollment(1)])
    second = enrollment_frame([fakes.enrollment(2)])
    with FrameCache(tmp_path) as cache:
        cache.put(key(), first, fetched_at=FETCHED, pages=1)
        cache.put(key(course_uuid="c"), second, fetched_at=FETCHED, pages=1)
    wanted = [fakes.enrollment(1)["uuid"], fakes.enrollment(2)["uuid"], "missing"]
    found = cached_enrollment_rows(tmp_path, key(), wanted)
    assert sorted(found) == sorted(wanted[:2])
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
