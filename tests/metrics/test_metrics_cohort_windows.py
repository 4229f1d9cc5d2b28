"""Cohort completion within 100/150/200% of normal time: maturity, fallbacks, exclusions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import (
    InvalidOptionError,
    MissingColumnError,
    cohort_completion_windows,
    wilson_interval,
)
from dashboard.metrics.cohort_windows import cohort_window_sizes

START = datetime(2020, 1, 1, tzinfo=UTC)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


COLUMNS = [
    "cohort_uuid",
    "cohort_code",
    "course_uuid",
    "course_name",
    "window_pct",
    "normal_time_days",
    "normal_time_source",
    "n",
    "excluded",
    "completed_within",
    "completion_rate",
    "completion_rate_ci_low",
    "completion_rate_ci_high",
    "status",
    "matures_on",
]


@pytest.fixture
def ten_day_cohort(enrollments, cohorts):
    """Cohort h0: normal time 10 days. Completers after 10, 15, 20 and 25 days; 1 enrolled,
    1 dropped."""
    members = enrollments(
        [
            {"cohort_uuid": "h0", "completion_status": "completed", "completed_at": at(d)}
            for d in (10, 15, 20, 25)
        ]
        + [
            {"cohort_uuid": "h0", "completion_status": "enrolled"},
            {"cohort_uuid": "h0", "completion_status": "dropped"},
        ]
    ).with_columns(pl.lit(START).alias("enrolled_at"))
    return members, cohorts([{"start_date": START, "end_date": at(10)}])


def rows_by_window(frame: pl.DataFrame) -> dict[int, dict[str, Any]]:
    return {row["window_pct"]: row for row in frame.iter_rows(named=True)}


def test_mature_cohort_counts_completers_within_each_window(ten_day_cohort) -> None:
    members, cohort = ten_day_cohort
    got = cohort_completion_windows(members, cohort, as_of=at(100))
    assert got.columns == COLUMNS
    rows = rows_by_window(got)
    assert [rows[w]["completed_within"] for w in (100, 150, 200)] == [1, 2, 3]
    for w, k in ((100, 1), (150, 2), (200, 3)):
        row = rows[w]
        assert (row["n"], row["excluded"], row["status"]) == (6, 0, "shown")
        assert row["completion_rate"] == pytest.approx(k / 6)
        assert (row["completion_rate_ci_low"], row["completion_rate_ci_high"]) == pytest.approx(
            wilson_interval(k, 6)
        )
        assert row["normal_time_days"] == 10
        assert row["normal_time_source"] == "cohort dates"
        assert row["matures_on"] == at(10 * w / 100)


def test_immature_windows_are_in_progress_with_null_rate(ten_day_cohort) -> None:
    members, cohort = ten_day_cohort
    rows = rows_by_window(cohort_completion_windows(members, cohort, as_of=at(16)))
    assert rows[100]["status"] == "shown"
    assert rows[150]["status"] == "shown"  # matures on day 15
    assert rows[200]["status"] == "in progress"
    assert rows[200]["completed_within"] is None
    assert rows[200]["completion_rate"] is None
    assert rows[200]["completion_rate_ci_low"] is None
    assert rows[200]["n"] == 6


def test_exclusions_leave_n_and_are_counted(ten_day_cohort) -> None:
    members, cohort = ten_day_cohort
    exclusions = pl.DataFrame(
        {"enrollment_uuid": ["e0", "e5", "not-in-cohort"], "reason": ["death", "service", "x"]}
    )
    rows = rows_by_window(
        cohort_completion_windows(members, cohort, as_of=at(100), exclusions=exclusions)
    )
    assert (rows[100]["n"], rows[100]["excluded"], rows[100]["completed_within"]) == (4, 2, 0)
    assert rows[200]["completed_within"] == 2
    assert rows[100]["completion_rate"] == 0.0
    assert rows[100]["completion_rate_ci_low"] == 0.0


def test_cohort_without_dates_uses_course_setting_and_latest_enrollment(
    enrollments, cohorts
) -> None:
    members = enrollments(
        [
            {"cohort_uuid": "h0", "course_uuid": "c1", "enrolled_at": START, "completed_at": at(4),
             "completion_status": "completed"},
            {"cohort_uuid": "h0", "course_uuid": "c1", "enrolled_at": at(2)},
        ]
    )  # fmt: skip
    cohort = cohorts([{"course_uuid": "c1"}])
    rows = rows_by_window(
        cohort_completion_windows(members, cohort, as_of=at(20), course_normal_time_days={"c1": 8})
    )
    assert rows[100]["normal_time_days"] == 8
    assert rows[100]["normal_time_source"] == "course setting"
    assert rows[100]["matures_on"] == at(10)  # latest enrollment (day 2) + 8 days
    assert rows[100]["completed_within"] == 1
    assert rows[150]["status"] == "shown"  # day 2 + 12 = day 14
    assert rows[200]["status"] == "shown"  # day 2 + 16 = day 18


def test_no_dates_and_no_setting_is_no_normal_time(enrollments, cohorts) -> None:
    members = enrollments([{"cohort_uuid": "h0"}, {"cohort_uuid": "ghost", "cohort_code": "G"}])
    got = cohort_completion_windows(members, cohorts([{}]), as_of=at(400))
    assert set(got.get_column("status").to_list()) == {"no normal time"}
    assert got.get_column("completion_rate").null_count() == got.height
    assert got.get_column("normal_time_source").null_count() == got.height
    # a cohort referenced by enrollments but absent from the cohort list still gets rows
    assert (
        got.filter(pl.col("cohort_uuid") == "ghost").get_column("cohort_code").to_list()
        == ["G"] * 3
    )


def test_cohort_without_enrollments_has_n_zero(cohorts, enrollments) -> None:
    got = cohort_completion_windows(
        enrollments([]), cohorts([{"start_date": START, "end_date": at(10)}]), as_of=at(100)
    )
    assert got.get_column("n").to_list() == [0, 0, 0]
    assert got.get_column("completed_within").to_list() == [0, 0, 0]
    assert got.get_column("completion_rate").to_list() == [None, None, None]
    assert got.get_column("status").to_list() == ["shown"] * 3


def test_end_before_start_counts_as_no_dates(enrollments, cohorts) -> None:
    got = cohort_completion_windows(
        enrollments([{"cohort_uuid": "h0"}]),
        cohorts([{"start_date": at(10), "end_date": START}]),
        as_of=at(100),
    )
    assert got.get_column("status").to_list() == ["no normal time"] * 3


def test_completed_before_enrolled_is_not_a_completer_within(enrollments, cohorts) -> None:
    members = enrollments(
        [{"cohort_uuid": "h0", "enrolled_at": at(5), "completed_at": at(1),
          "completion_status": "completed"}]
    )  # fmt: skip
    got = cohort_completion_windows(
        members, cohorts([{"start_date": START, "end_date": at(10)}]), as_of=at(100)
    )
    assert got.get_column("completed_within").to_list() == [0, 0, 0]


def test_custom_windows_and_naive_as_of(ten_day_cohort) -> None:
    members, cohort = ten_day_cohort
    got = cohort_completion_windows(members, cohort, as_of=datetime(2020, 6, 1), windows=(300, 50))
    assert got.get_column("window_pct").to_list() == [50, 300]
    assert got.get_column("completed_within").to_list() == [0, 4]


def test_bad_options_raise(ten_day_cohort) -> None:
    members, cohort = ten_day_cohort
    with pytest.raises(InvalidOptionError):
        cohort_completion_windows(members, cohort, as_of=at(1), windows=(0,))
    with pytest.raises(InvalidOptionError):
        cohort_completion_windows(members, cohort, as_of=at(1), course_normal_time_days={"c1": 0})
    with pytest.raises(MissingColumnError):
        cohort_completion_windows(
            members, cohort, as_of=at(1), exclusions=pl.DataFrame({"uuid": ["e0"]})
        )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["h0", "h1"]),
            st.sampled_from(["completed", "dropped", "enrolled"]),
            st.integers(0, 5),  # enrolled on day
            st.integers(-2, 30),  # days to completion
            st.booleans(),  # excluded
        ),
        max_size=25,
    )
)
def test_matches_a_plain_python_count(rows) -> None:
    from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA

    records = [
        {"uuid": f"e{i}", "completion_status": status, "grade": None, "enrolled_at": at(start),
         "completed_at": at(start + took) if status == "completed" else None,
         "student_uuid": f"s{i}", "student_name": "x", "course_uuid": "c1",
         "course_name": "C", "cohort_uuid": cohort, "cohort_code": cohort.upper()}
        for i, (cohort, status, start, took, _) in enumerate(rows)
    ]  # fmt: skip
    members = pl.DataFrame(records, schema=ENROLLMENT_SCHEMA)
    cohort_records = pl.DataFrame(
        [{"uuid": "h0", "code": "H0", "modality": "m", "start_date": START, "end_date": at(10),
          "course_uuid": "c1", "course_name": "C"},
         {"uuid": "h1", "code": "H1", "modality": "m", "start_date": START, "end_date": at(4),
          "course_uuid": "c1", "course_name": "C"}],
        schema=COHORT_SCHEMA,
    )  # fmt: skip
    excluded = [f"e{i}" for i, row in enumerate(rows) if row[4]]
    got = cohort_completion_windows(
        members,
        cohort_records,
        as_of=at(1000),
        exclusions=pl.DataFrame(
            {"enrollment_uuid": excluded, "reason": ["r"] * len(excluded)},
            schema={"enrollment_uuid": pl.String, "reason": pl.String},
        ),
    )
    normal = {"h0": 10, "h1": 4}
    for row in got.iter_rows(named=True):
        cohort, w = row["cohort_uuid"], row["window_pct"]
        mine = [r for r in rows if r[0] == cohort]
        kept = [r for r in mine if not r[4]]
        within = [r for r in kept if r[1] == "completed" and 0 <= r[3] <= normal[cohort] * w / 100]
        assert (row["n"], row["excluded"], row["completed_within"]) == (
            len(kept),
            len(mine) - len(kept),
            len(within),
        )


def test_window_sizes_are_the_tables_cohorts_in_order_with_their_n(enrollments, cohorts) -> None:
    members = enrollments(
        [{"cohort_uuid": "h1", "course_name": "B"}] * 3
        + [{"cohort_uuid": "h0", "course_name": "B"}] * 2
        + [{"cohort_uuid": "hx", "cohort_code": "X", "course_name": "A"}]  # no record
        + [{"cohort_uuid": None}]
    )
    records = cohorts([{"course_name": "B"}, {"course_name": "B"}, {"course_name": "C"}])
    excluded = pl.DataFrame({"enrollment_uuid": ["e0"], "reason": ["transfer"]})
    table = cohort_completion_windows(members, records, as_of=at(100), exclusions=excluded)
    expected = table.select("cohort_uuid", "n").unique("cohort_uuid", maintain_order=True)
    got = cohort_window_sizes(members, records, exclusions=excluded)
    assert got.equals(expected)
    assert got.rows() == [("hx", 1), ("h0", 2), ("h1", 2), ("h2", 0)]
