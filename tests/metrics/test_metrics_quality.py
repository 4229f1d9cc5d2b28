"""Data-quality checks: each count hand-computed, and the rows behind it."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.metrics import (
    QUALITY_CHECKS,
    UnknownCheckError,
    checks_failed_by,
    data_quality,
    data_quality_rows,
)

AS_OF = datetime(2025, 1, 1, tzinfo=UTC)


def d(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


@pytest.fixture
def messy(enrollments):
    return enrollments(
        [
            {"uuid": "ok", "completion_status": "completed", "completed_at": d(2024, 6, 1),
             "grade": 7.25, "cohort_uuid": "h0"},
            {"uuid": "no-date", "completion_status": "completed", "grade": 6.0},
            {"uuid": "before", "completion_status": "completed", "enrolled_at": d(2024, 5, 1),
             "completed_at": d(2024, 4, 1), "grade": 6.0},
            {"uuid": "future-done", "completion_status": "completed",
             "completed_at": d(2027, 12, 20), "grade": 8.0},
            {"uuid": "future-in", "enrolled_at": d(2026, 1, 1)},
            {"uuid": "grade-high", "grade": 10.5},
            {"uuid": "grade-nan", "grade": float("nan")},
            {"uuid": "grade-precise", "grade": 7.255},
            {"uuid": "dropped-with-date", "completion_status": "dropped",
             "completed_at": d(2024, 3, 1)},
            {"uuid": "no-grade", "completion_status": "completed", "completed_at": d(2024, 6, 1)},
            {"uuid": "other-course", "cohort_uuid": "h1"},
            {"uuid": "ghost-cohort", "cohort_uuid": "ghost"},
            {"uuid": "dup-1", "student_uuid": "s-dup", "cohort_uuid": "h0"},
            {"uuid": "dup-2", "student_uuid": "s-dup", "cohort_uuid": "h0"},
            {"uuid": "no-status", "completion_status": None},
        ]
    )  # fmt: skip


@pytest.fixture
def two_cohorts(cohorts):
    return cohorts([{"uuid": "h0", "course_uuid": "c1"}, {"uuid": "h1", "course_uuid": "c2"}])


EXPECTED = {
    "completed_without_date": ["no-date"],
    "completed_before_enrolled": ["before"],
    "completed_in_future": ["future-done"],
    "enrolled_in_future": ["future-in"],
    "grade_out_of_range": ["grade-high", "grade-nan"],
    "grade_too_precise": ["grade-precise"],
    "completed_at_not_completed": ["dropped-with-date"],
    "completed_without_grade": ["no-grade"],
    "cohort_of_other_course": ["other-course"],
    "cohort_unknown": ["ghost-cohort"],
    "duplicate_enrollment": ["dup-1", "dup-2"],
    "status_missing": ["no-status"],
}


def test_every_check_counts_exactly_its_rows(messy, two_cohorts) -> None:
    assert set(EXPECTED) == set(QUALITY_CHECKS)
    summary = data_quality(messy, two_cohorts, as_of=AS_OF)
    assert summary.columns == ["check", "label", "count", "description"]
    assert summary.get_column("check").to_list() == list(QUALITY_CHECKS)
    counts = dict(zip(summary["check"], summary["count"], strict=True))
    for check, uuids in EXPECTED.items():
        assert counts[check] == len(uuids), check
        rows = data_quality_rows(messy, two_cohorts, check=check, as_of=AS_OF)
        assert rows.get_column("uuid").to_list() == uuids, check
        assert rows.columns == messy.columns


def test_clean_data_has_zero_everywhere(enrollments, cohorts) -> None:
    clean = enrollments(
        [{"completion_status": "completed", "completed_at": d(2024, 2, 1), "grade": 5.5},
         {"completion_status": "enrolled"}]
    )  # fmt: skip
    summary = data_quality(clean, cohorts([]), as_of=AS_OF)
    assert summary.get_column("count").to_list() == [0] * len(QUALITY_CHECKS)


def test_future_is_judged_against_the_extract_date(messy, two_cohorts) -> None:
    later = data_quality(messy, two_cohorts, as_of=d(2030, 1, 1))
    counts = dict(zip(later["check"], later["count"], strict=True))
    assert counts["completed_in_future"] == 0
    assert counts["enrolled_in_future"] == 0


def test_unknown_check_raises(messy, two_cohorts) -> None:
    with pytest.raises(UnknownCheckError, match="known"):
        data_quality_rows(messy, two_cohorts, check="nope", as_of=AS_OF)


def test_checks_failed_by_one_candidate_agree_with_the_page(messy, two_cohorts) -> None:
    # Each messy row alone (no other rows): the same checks as the page flags for it.
    for row in messy.iter_rows(named=True):
        if row["uuid"].startswith("dup-"):
            continue
        failed = checks_failed_by(
            messy.filter(pl.col("uuid") == row["uuid"]), two_cohorts, as_of=AS_OF
        )
        expected = tuple(name for name, uuids in EXPECTED.items() if row["uuid"] in uuids)
        assert failed == expected, row["uuid"]


def test_checks_failed_by_finds_a_duplicate_among_the_stored_rows(messy, two_cohorts) -> None:
    candidate = messy.filter(pl.col("uuid") == "dup-1")
    others = messy.filter(pl.col("uuid") != "dup-1")
    assert checks_failed_by(candidate, two_cohorts, as_of=AS_OF, enrollments=others) == (
        "duplicate_enrollment",
    )
    # The candidate replaces its own stored row: editing it is not a duplicate of itself.
    alone = messy.filter(pl.col("uuid") != "dup-2")
    assert checks_failed_by(candidate, two_cohorts, as_of=AS_OF, enrollments=alone) == ()
    with pytest.raises(ValueError, match="one candidate row"):
        checks_failed_by(messy, two_cohorts, as_of=AS_OF)


def test_every_check_names_the_columns_it_reads() -> None:
    for check in QUALITY_CHECKS.values():
        assert check.fields, check.name
        assert set(check.fields) <= {
            "completion_status",
            "grade",
            "enrolled_at",
            "completed_at",
            "student_uuid",
            "course_uuid",
            "cohort_uuid",
        }
