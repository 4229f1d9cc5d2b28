"""cohort-windows on the hand-built tenant: IPEDS-style rates, maturity, suppression."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.metrics import cohort_completion_windows, suppress_small_cells, suppression_layout
from dashboard.reports import build_report
from dashboard.reports.cohort_windows import cohort_windows

from .conftest import ReportData


def window(frame: pl.DataFrame, code: str, pct: int) -> dict[str, object]:
    rows = frame.filter((pl.col("cohort_code") == code) & (pl.col("window_pct") == pct))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_rates_within_normal_time_by_hand(report_data: ReportData) -> None:
    frame = cohort_windows(report_data.enrollments, report_data.cohorts, as_of=report_data.as_of)
    assert frame.height == 6  # 2 cohorts x 3 windows; Chemistry has no cohort
    # Algebra: normal time 2020-01-01..2021-01-01 = 366 days; 10 completed after 335 days.
    alg = window(frame, "ALG-2020", 100)
    assert (alg["normal_time_days"], alg["n"], alg["completed_within"]) == (366, 40, 10)
    assert alg["completion_rate"] == pytest.approx(0.25)
    assert alg["status"] == "shown"
    assert alg["matures_on"] == datetime(2021, 1, 1, tzinfo=UTC)
    # ... and 20 within 200% (the other 10 after 517 days <= 732).
    alg200 = window(frame, "ALG-2020", 200)
    assert (alg200["completed_within"], alg200["completion_rate"]) == (20, pytest.approx(0.5))
    # Biology: 731 days; 12 of 30 completed after 517 days; 150% matures on 2026-01-01 12:00.
    bio = window(frame, "BIO-2023", 100)
    assert (bio["n"], bio["completed_within"], bio["status"]) == (30, 12, "shown")
    assert bio["completion_rate"] == pytest.approx(0.4)
    for pct in (150, 200):
        immature = window(frame, "BIO-2023", pct)
        assert immature["status"] == "in progress"
        assert immature["completion_rate"] is None
        assert immature["completed_within"] is None


def test_public_suppressed_exactly_as_the_metric_layout_says(report_data: ReportData) -> None:
    frame = cohort_windows(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of, policy="public"
    )
    raw = cohort_completion_windows(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of
    )
    expected = suppress_small_cells(raw, **suppression_layout("cohort_completion_windows"))
    # Public adds the band of each hidden rate (top/bottom coding) beside the rate.
    assert frame.drop("completion_rate_band").equals(expected)
    # Nobody was excluded: 0 is a small count, published as empty and flagged, not as 0.
    assert frame["excluded"].null_count() == frame.height
    assert frame["suppressed"].all()
    # 150% would give away the 0 who completed between 150% and 200% of Algebra's normal time.
    assert window(frame, "ALG-2020", 150)["completed_within"] is None


def test_internal_shows_every_window_of_a_cohort_of_ten_or_more(report_data: ReportData) -> None:
    frame = cohort_windows(report_data.enrollments, report_data.cohorts, as_of=report_data.as_of)
    assert not frame["suppressed"].any()
    assert frame["excluded"].to_list() == [0] * frame.height  # 0 excluded, shown as 0
    assert window(frame, "ALG-2020", 150)["completed_within"] == 20


def test_exclusions_and_normal_time_per_course(report_data: ReportData) -> None:
    alg_rows = report_data.enrollments.filter(pl.col("cohort_code") == "ALG-2020")
    excluded = pl.DataFrame(
        {"enrollment_uuid": alg_rows["uuid"].head(12).to_list(), "reason": ["deceased"] * 12}
    )
    frame = cohort_windows(
        report_data.enrollments,
        report_data.cohorts,
        as_of=report_data.as_of,
        min_cell=1,
        exclusions=excluded,
    )
    alg = window(frame, "ALG-2020", 100)
    assert (alg["n"], alg["excluded"]) == (28, 12)


def test_a_filter_lists_only_its_cohorts(report_data: ReportData) -> None:
    # A course filter: the other course's cohort is no row (it was once a row of n = 0, which
    # made the table of a filter as long as every cohort's and never charted).
    algebra = report_data.enrollments.filter(pl.col("cohort_code") == "ALG-2020")
    frame = build_report(
        "cohort-windows",
        enrollments=algebra,
        cohorts=report_data.cohorts,
        as_of=report_data.as_of,
        policy="none",
    )
    assert set(frame["cohort_code"]) == {"ALG-2020"}
    assert frame.height == 3
