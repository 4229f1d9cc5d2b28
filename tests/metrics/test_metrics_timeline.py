"""Cohort timelines: monthly counts, active headcount without undated drops; planned windows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from dashboard.metrics import cohort_timeline, cohort_windows_planned


def d(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


def test_hand_computed_months(enrollments, cohorts) -> None:
    members = enrollments(
        [
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 1, 5), "completion_status": "completed",
             "completed_at": d(2024, 2, 10)},
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 1, 20)},
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 2, 1), "completion_status": "dropped"},
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 2, 3), "completion_status": "completed",
             "completed_at": d(2024, 3, 31)},
            {"cohort_uuid": None, "enrolled_at": d(2024, 2, 3)},
        ]
    )  # fmt: skip
    planned = cohorts([{"start_date": d(2024, 1, 1), "end_date": d(2024, 3, 31)}])
    got = cohort_timeline(members, planned, as_of=d(2024, 5, 15))
    assert got.columns == [
        "cohort_uuid", "cohort_code", "month", "new_enrollments", "completions", "drops", "active",
    ]  # fmt: skip
    assert got.select("month", "new_enrollments", "completions", "active").rows() == [
        (date(2024, 1, 1), 2, 0, 2),
        (date(2024, 2, 1), 2, 1, 2),  # the drop is never active; one completed in Feb
        (date(2024, 3, 1), 0, 1, 1),
        (date(2024, 4, 1), 0, 0, 1),  # still enrolled: runs to the extract month
        (date(2024, 5, 1), 0, 0, 1),
    ]
    assert got.get_column("drops").null_count() == got.height
    assert set(got.get_column("cohort_code").to_list()) == {"H0"}


def test_finished_cohort_stops_at_its_last_event_or_end_date(enrollments, cohorts) -> None:
    members = enrollments(
        [{"cohort_uuid": "h0", "enrolled_at": d(2023, 1, 10), "completion_status": "completed",
          "completed_at": d(2023, 2, 1)}]
    )  # fmt: skip
    planned = cohorts([{"start_date": d(2022, 12, 1), "end_date": d(2023, 4, 30)}])
    got = cohort_timeline(members, planned, as_of=d(2025, 1, 1))
    assert got.get_column("month").to_list() == [
        date(2022, 12, 1), date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1), date(2023, 4, 1),
    ]  # fmt: skip
    assert got.get_column("active").to_list() == [0, 1, 0, 0, 0]


def test_events_after_the_extract_date_are_not_counted(enrollments, cohorts) -> None:
    members = enrollments(
        [
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 1, 5), "completion_status": "completed",
             "completed_at": d(2027, 12, 20)},
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 1, 6)},
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 9, 1)},
        ]
    )  # fmt: skip
    got = cohort_timeline(members, cohorts([{}]), as_of=d(2024, 2, 15))
    assert got.select("month", "new_enrollments", "completions", "active").rows() == [
        (date(2024, 1, 1), 2, 0, 1),
        (date(2024, 2, 1), 0, 0, 1),
    ]


def test_a_completion_dated_before_every_enrollment_has_its_month(enrollments, cohorts) -> None:
    # completed_at before enrolled_at (a data-quality flag), earlier than the cohort's start and
    # first enrollment: its month is in the timeline, so the months add up to the completions.
    members = enrollments(
        [
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 3, 10), "completion_status": "completed",
             "completed_at": d(2024, 1, 20)},
            {"cohort_uuid": "h0", "enrolled_at": d(2024, 3, 12), "completion_status": "completed",
             "completed_at": d(2024, 4, 2)},
        ]
    )  # fmt: skip
    planned = cohorts([{"start_date": d(2024, 3, 1), "end_date": d(2024, 4, 30)}])
    got = cohort_timeline(members, planned, as_of=d(2024, 6, 1))
    assert got.select("month", "new_enrollments", "completions", "active").rows() == [
        (date(2024, 1, 1), 0, 1, 0),  # never active: its exit cannot be placed after its entry
        (date(2024, 2, 1), 0, 0, 0),
        (date(2024, 3, 1), 2, 0, 1),
        (date(2024, 4, 1), 0, 1, 0),
    ]


def test_cohort_missing_from_the_list_uses_the_enrollment_code(enrollments, cohorts) -> None:
    members = enrollments(
        [{"cohort_uuid": "x", "cohort_code": "X-1", "enrolled_at": d(2024, 1, 1)}]
    )
    got = cohort_timeline(members, cohorts([]), as_of=d(2024, 1, 31))
    assert got.select("cohort_uuid", "cohort_code", "active").rows() == [("x", "X-1", 1)]


def test_cohort_without_dates_or_enrollments_has_no_rows(enrollments, cohorts) -> None:
    assert cohort_timeline(enrollments([]), cohorts([{}]), as_of=d(2024, 1, 1)).height == 0


def test_planned_windows(cohorts) -> None:
    got = cohort_windows_planned(
        cohorts([{"code": "B", "start_date": d(2024, 1, 1), "end_date": d(2024, 6, 30)},
                 {"code": "A"}])
    )  # fmt: skip
    assert got.columns[:5] == [
        "cohort_uuid",
        "cohort_code",
        "course_name",
        "start_date",
        "end_date",
    ]
    assert got.select("cohort_code", "start_date", "end_date").rows() == [
        ("A", None, None),
        ("B", d(2024, 1, 1), d(2024, 6, 30)),
    ]
    assert got.schema["modality"] == pl.String
