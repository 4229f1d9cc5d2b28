"""cohort-timeline on the hand-built tenant."""

from __future__ import annotations

from datetime import date

import polars as pl

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
    assert biology.filter(june)["active"].item() is None  # 20 - 12 = 8: a small count
    lenient = cohort_timeline_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of, min_cell=1
    )
    assert lenient.filter(june & (pl.col("cohort_code") == "BIO-2023"))["active"].item() == 8
    # Planned window beside what happened; drops carry no date, so the column stays empty.
    assert algebra["start_date"].dt.date().unique().to_list() == [date(2020, 1, 1)]
    assert frame["drops"].null_count() == frame.height


def test_small_monthly_counts_are_empty_never_zero(report_data: ReportData) -> None:
    frame = cohort_timeline_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of
    )
    for column in ("new_enrollments", "completions", "active"):
        values = frame[column].drop_nulls().to_list()
        assert all(value >= 10 for value in values), column
    assert frame.filter(pl.col("suppressed"))["suppression_note"].null_count() == 0
