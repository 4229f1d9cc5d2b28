"""Write-through patches: a write changes a cached extract as a refetch would."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.data import enrollment_frame
from dashboard.data.patching import apply_write, filter_expression


def frame_of(fakes: Any, *records: dict[str, Any]) -> pl.DataFrame:
    return enrollment_frame(list(records))


def test_filter_expression_equality_and_null(fakes: Any) -> None:
    cohort = {"uuid": "h1", "code": "H1"}
    frame = frame_of(fakes, fakes.enrollment(1, cohort=cohort), fakes.enrollment(2))
    assert frame.filter(filter_expression({"cohort_uuid": "h1"}))["uuid"].len() == 1
    assert frame.filter(filter_expression({"cohort_uuid": "null"}))["uuid"].to_list() == [
        fakes.enrollment(2)["uuid"]
    ]
    assert frame.filter(filter_expression({"completion_status": "enrolled"})).height == 2
    assert frame.filter(filter_expression({})).height == 2


def test_update_replaces_the_row(fakes: Any) -> None:
    frame = frame_of(fakes, fakes.enrollment(1), fakes.enrollment(2))
    updated = frame_of(fakes, fakes.enrollment(1, grade=9.0, completion_status="completed"))
    patched, changed = apply_write(frame, filters={}, written=updated)
    assert changed
    assert patched.height == 2
    row = patched.filter(pl.col("uuid") == fakes.enrollment(1)["uuid"]).row(0, named=True)
    assert (row["grade"], row["completion_status"]) == (9.0, "completed")


def test_update_out_of_the_filter_removes_the_row(fakes: Any) -> None:
    frame = frame_of(fakes, fakes.enrollment(1), fakes.enrollment(2))
    updated = frame_of(fakes, fakes.enrollment(1, completion_status="dropped"))
    patched, changed = apply_write(
        frame, filters={"completion_status": "enrolled"}, written=updated
    )
    assert changed
    assert patched["uuid"].to_list() == [fakes.enrollment(2)["uuid"]]


def test_create_is_added_only_where_it_matches(fakes: Any) -> None:
    frame = frame_of(fakes, fakes.enrollment(1))
    created = frame_of(fakes, fakes.enrollment(5, completion_status="completed"))
    added, changed = apply_write(frame, filters={}, written=created)
    assert changed
    assert added.height == 2
    same, changed = apply_write(frame, filters={"completion_status": "enrolled"}, written=created)
    assert not changed
    assert same is frame


def test_delete_removes_and_unknown_uuid_changes_nothing(fakes: Any) -> None:
    frame = frame_of(fakes, fakes.enrollment(1), fakes.enrollment(2))
    patched, changed = apply_write(frame, filters={}, removed=[fakes.enrollment(1)["uuid"]])
    assert changed
    assert patched["uuid"].to_list() == [fakes.enrollment(2)["uuid"]]
    same, changed = apply_write(frame, filters={}, removed=["no-such-uuid"])
    assert not changed
    assert same.equals(frame)
