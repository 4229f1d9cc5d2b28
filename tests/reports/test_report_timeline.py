"""cohort-timeline on the hand-built tenant."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA
from dashboard.reports.timeline import cohort_timeline_report

from .conftest import ReportData


def test_monthly_headcount_by_hand(report_data: ReportData) -> None:
    frame = cohort_timeline_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of
    )
    assert set(frame["cohort_code"].to_list()) == {"ALG-2020", "BIO-2023"}  # no "no cohort"
    algebra = frame.filter(pl.col("cohort_code") == "ALG-2020")
    active = dict(zip(algebra["month"].to_list(), algebra["active"].to_list(), strict=True))
    # 40 enrolled in January 2020, 10 of whom dropped (never counted as active: no drop date).
    assert active[date(2020, 1, 1)] == 30
    assert active[date(2020, 12, 1)] == 20  # 10 completed on 2020-12-01
    assert active[date(2021, 6, 1)] == 10  # 10 more on 2021-06-01
    assert algebra["month"].max() == date(2025, 6, 1)  # runs to as_of: 10 are still enrolled
    biology = frame.filter(pl.col("cohort_code") == "BIO-2023")
    june = pl.col("month") == date(2024, 6, 1)
    # Internal (the default): a cohort of 30 shows every month, its small headcount too.
    assert biology.filter(june)["active"].item() == 8  # 20 placed - 12 completed
    assert frame["grain"].unique().to_list() == ["month"]
    assert not frame["suppressed"].any()
    public = cohort_timeline_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of, policy="public"
    )
    public_biology = public.filter(pl.col("cohort_code") == "BIO-2023")
    assert 8 not in public_biology["active"].to_list()
    # Planned window beside what happened; drops carry no date, so the column stays empty.
    assert algebra["start_date"].dt.date().unique().to_list() == [date(2020, 1, 1)]
    assert frame["drops"].null_count() == frame.height


def test_public_small_counts_are_empty_never_zero(report_data: ReportData) -> None:
    frame = cohort_timeline_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of, policy="public"
    )
    for column in ("new_enrollments", "completions", "active"):
        values = frame[column].drop_nulls().to_list()
        assert all(value >= 10 for value in values), column
    assert frame.filter(pl.col("suppressed"))["suppression_note"].null_count() == 0


def test_headcounts_do_not_give_away_a_small_month() -> None:
    # 40 enroll in January 2024, 4 in February: headcounts of 40 then 44 would show the 4.
    def enrollment(i: int, month: int) -> dict[str, object]:
        return {
            "uuid": f"e{i}", "completion_status": "enrolled", "grade": None,
            "enrolled_at": datetime(2024, month, 5, tzinfo=UTC), "completed_at": None,
            "student_uuid": f"s{i}", "student_name": "x", "course_uuid": "c", "course_name": "C",
            "cohort_uuid": "h", "cohort_code": "H-24",
        }  # fmt: skip

    rows = [enrollment(i, 1) for i in range(40)] + [enrollment(i, 2) for i in range(40, 44)]
    cohorts = pl.DataFrame(
        [{"uuid": "h", "code": "H-24", "modality": "online", "course_uuid": "c",
          "course_name": "C", "start_date": datetime(2024, 1, 1, tzinfo=UTC), "end_date": None}],
        schema=COHORT_SCHEMA,
    )  # fmt: skip
    frame = cohort_timeline_report(
        pl.DataFrame(rows, schema=ENROLLMENT_SCHEMA),
        cohorts,
        as_of=datetime(2024, 6, 1, tzinfo=UTC),
        policy="public",
    )
    # Months would hide February's 4 (and 0 completions every month); quarters and years
    # still show 0 completions: the cohort falls back to one cumulative row, where only the 0
    # completions are hidden and no headcount pair can give away the 4.
    assert frame.height == 1
    row = frame.row(0, named=True)
    assert (row["grain"], row["new_enrollments"], row["active"]) == ("cumulative", 44, 44)
    assert row["completions"] is None
