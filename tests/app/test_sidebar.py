"""The sidebar's filtered n beside all: published as the filter-vs-all table publishes it."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from dashboard.app.sidebar import scope_counts
from dashboard.data.schema import ENROLLMENT_SCHEMA


def _enrollments(statuses: list[str]) -> pl.DataFrame:
    size = len(statuses)
    frame = pl.DataFrame(
        {
            "uuid": [f"e{i}" for i in range(size)],
            "completion_status": statuses,
            "grade": [None] * size,
            "enrolled_at": [datetime(2024, 3, 1, tzinfo=UTC)] * size,
            "completed_at": [None] * size,
            "student_uuid": [f"s{i}" for i in range(size)],
            "student_name": ["x"] * size,
            "course_uuid": ["c"] * size,
            "course_name": ["C"] * size,
            "cohort_uuid": [None] * size,
            "cohort_code": [None] * size,
        },
        schema=ENROLLMENT_SCHEMA,
    )
    return frame.with_columns(intake_year=pl.col("enrolled_at").dt.year().cast(pl.Int32))


ALL = _enrollments(["completed"] * 40 + ["dropped"] * 52 + ["enrolled"] * 8)


def _status(*statuses: str) -> pl.DataFrame:
    return ALL.filter(pl.col("completion_status").cast(pl.String).is_in(statuses))


def test_a_large_filter_and_rest_show_both_n() -> None:
    assert scope_counts(_status("completed"), ALL) == ("n = 40", "n = 100")


def test_a_small_filter_is_not_shown() -> None:
    # 8 enrolled: the group is too small to publish (the review saw "Filtered: n = 8").
    assert scope_counts(_status("enrolled"), ALL) == ("n<10", "n = 100")


def test_a_small_rest_hides_the_filter_n() -> None:
    # 92 of 100: "all minus filter" would reveal the 8 left out.
    filtered, everyone = scope_counts(_status("completed", "dropped"), ALL)
    assert filtered == "hidden to protect a small count"
    assert everyone == "n = 100"


def test_a_small_tenant_shows_no_n_at_all() -> None:
    tiny = ALL.head(6)
    assert scope_counts(tiny, tiny) == ("n<10", "n<10")
