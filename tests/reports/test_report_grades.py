"""grade-distribution and grade-summary on the hand-built tenant."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.reports.grades import grade_distribution, grade_summary_by_course

from .conftest import ReportData


def test_grade_distribution_by_hand(report_data: ReportData) -> None:
    frame = grade_distribution(report_data.enrollments, policy="public")
    assert frame.columns[:6] == [
        "course_uuid", "course_name", "bin_start", "bin_end", "bin_label", "count",
    ]  # fmt: skip
    assert frame.height == 3 * 20  # every 0.5-wide bin of every course
    algebra = frame.filter(pl.col("course_name") == "Algebra")
    shown = {row["bin_label"]: row["count"] for row in algebra.iter_rows(named=True)}
    assert shown["[6.0, 6.5)"] == 10
    assert shown["[8.0, 8.5)"] == 10
    # Empty bins are small cells too: published empty, never 0.
    assert 0 not in frame["count"].to_list()
    assert (frame["count"].is_null() == frame["suppressed"]).all()


def test_a_course_whose_grades_all_fall_in_one_bin_shows_no_bin(report_data: ReportData) -> None:
    # Biology's 12 grades are all 7.0: with the course's n graded known, showing 12 in [7.0, 7.5)
    # would tell every student's grade band.
    biology = grade_distribution(report_data.enrollments, policy="public").filter(
        pl.col("course_name") == "Biology"
    )
    assert biology["count"].null_count() == biology.height


def test_grade_summary_by_hand(report_data: ReportData) -> None:
    frame = grade_summary_by_course(report_data.enrollments)
    assert "min" not in frame.columns
    assert "max" not in frame.columns  # one student's own grade: never published
    algebra = frame.filter(pl.col("course_name") == "Algebra").row(0, named=True)
    # 30 graded: 10 x 3.0, 10 x 6.0, 10 x 8.0.
    assert (algebra["n"], algebra["n_graded"]) == (40, 30)
    assert algebra["mean"] == pytest.approx(170 / 30)
    assert (algebra["q1"], algebra["median"], algebra["q3"]) == (3.0, 6.0, 8.0)
    assert algebra["below_threshold"] == 10
    assert algebra["below_threshold_rate"] == pytest.approx(1 / 3)
    assert algebra["pass_mark"] == 5.0
    chemistry = frame.filter(pl.col("course_name") == "Chemistry").row(0, named=True)
    assert (chemistry["n"], chemistry["mean"], chemistry["suppression_note"]) == (
        None,
        None,
        "n<10",
    )


def test_pass_mark_moves_the_threshold(report_data: ReportData) -> None:
    frame = grade_summary_by_course(report_data.enrollments, pass_mark=7.0)
    algebra = frame.filter(pl.col("course_name") == "Algebra").row(0, named=True)
    assert algebra["below_threshold"] == 20  # 3.0 and 6.0 are under 7.0
    assert algebra["pass_mark"] == 7.0
