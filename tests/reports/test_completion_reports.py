"""completion-by-course and completion-by-cohort on the hand-built tenant (see conftest.py)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from dashboard.metrics import completion_rates, suppress_small_cells
from dashboard.reports.completion import (
    ALL_GROUPS,
    NO_COHORT,
    completion_by_cohort,
    completion_by_course,
)

from .conftest import ReportData


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def by_name(frame: pl.DataFrame, column: str) -> dict[str, dict[str, object]]:
    return {row[column]: row for row in frame.iter_rows(named=True)}


def test_completion_by_course_counts_rates_and_intervals(report_data: ReportData) -> None:
    frame = completion_by_course(report_data.enrollments, min_cell=1)
    assert frame.columns[:10] == [
        "course_uuid", "course_name", "n", "completed", "dropped", "enrolled",
        "completion_rate", "completion_rate_ci_low", "completion_rate_ci_high", "dropout_rate",
    ]  # fmt: skip
    assert {"suppressed", "is_total"} <= set(frame.columns)
    assert frame["course_name"].to_list() == ["Algebra", "Biology", "Chemistry", ALL_GROUPS]
    rows = by_name(frame, "course_name")
    expected = {
        "Algebra": (40, 20, 10, 10),
        "Biology": (30, 12, 10, 8),
        "Chemistry": (4, 2, 1, 1),
        ALL_GROUPS: (74, 34, 21, 19),
    }
    for name, (n, completed, dropped, enrolled) in expected.items():
        row = rows[name]
        assert (row["n"], row["completed"], row["dropped"], row["enrolled"]) == (
            n, completed, dropped, enrolled,
        )  # fmt: skip
        assert row["completion_rate"] == pytest.approx(completed / n)
        low, high = wilson(completed, n)
        assert row["completion_rate_ci_low"] == pytest.approx(low)
        assert row["completion_rate_ci_high"] == pytest.approx(high)
        assert row["dropout_rate"] == pytest.approx(dropped / n)
        assert row["suppressed"] is False
    assert rows["Algebra"]["course_uuid"] == report_data.courses["Algebra"]
    assert rows[ALL_GROUPS]["course_uuid"] is None
    assert rows[ALL_GROUPS]["is_total"] is True


def test_completion_by_course_is_suppressed_as_published(report_data: ReportData) -> None:
    frame = completion_by_course(report_data.enrollments, policy="public")  # min_cell=10
    chemistry = frame.filter(pl.col("course_name") == "Chemistry").row(0, named=True)
    # 4 enrollments: nothing about the group is published, and nothing is shown as 0.
    for column in ("n", "completed", "dropped", "enrolled", "completion_rate"):
        assert chemistry[column] is None
    assert chemistry["suppressed"] is True
    assert chemistry["suppression_note"] == "n<10"
    # Biology's 8 still enrolled is a small cell: hidden with at least one complement.
    biology = frame.filter(pl.col("course_name") == "Biology").row(0, named=True)
    assert biology["enrolled"] is None
    assert biology["suppressed"] is True
    assert [biology["completed"], biology["dropped"]].count(None) >= 1
    # Exactly the metrics layer's publication of the same table (the dashboard's rule).
    table = completion_rates(report_data.enrollments, by=["course_uuid", "course_name"], total=True)
    published = suppress_small_cells(table, total_row=pl.col("is_total"))
    bands = ["completion_rate_band", "dropout_rate_band"]  # public adds the rates' bands
    assert sorted(published.drop("course_name").rows(), key=str) == sorted(
        frame.drop("course_name", *bands).rows(), key=str
    )
    # No small number survives anywhere in the published counts.
    for column in ("n", "completed", "dropped", "enrolled"):
        assert all(value is None or value >= 10 for value in frame[column].to_list())


def test_completion_by_course_min_cell_changes_what_is_shown(report_data: ReportData) -> None:
    strict = completion_by_course(report_data.enrollments, min_cell=50)
    assert strict.filter(~pl.col("is_total"))["n"].null_count() == 3
    assert strict["suppressed"].to_list()[:3] == [True, True, True]


def test_completion_by_cohort(report_data: ReportData) -> None:
    frame = completion_by_cohort(report_data.enrollments, report_data.cohorts, min_cell=1)
    assert frame.columns[:7] == [
        "cohort_uuid", "cohort_code", "course_uuid", "course_name", "modality", "start_date",
        "end_date",
    ]  # fmt: skip
    rows = by_name(frame, "cohort_code")
    assert list(rows) == ["ALG-2020", "BIO-2023", NO_COHORT, ALL_GROUPS]
    alg = rows["ALG-2020"]
    assert (alg["n"], alg["completed"], alg["dropped"], alg["enrolled"]) == (40, 20, 10, 10)
    assert alg["course_name"] == "Algebra"
    assert alg["modality"] == "presential"
    assert alg["cohort_uuid"] == report_data.cohort_uuids["ALG-2020"]
    bio = rows["BIO-2023"]
    assert (bio["n"], bio["completion_rate"], bio["modality"]) == (30, pytest.approx(0.4), "remote")
    none = rows[NO_COHORT]
    assert (none["n"], none["cohort_uuid"], none["course_name"]) == (4, None, None)
    assert rows[ALL_GROUPS]["n"] == 74


def test_empty_frames_give_only_the_total_row(report_data: ReportData) -> None:
    empty = report_data.enrollments.clear()
    frame = completion_by_course(empty)
    assert frame.height == 1
    assert frame["is_total"].to_list() == [True]
    assert frame["completion_rate"].to_list() == [None]
    assert completion_by_cohort(empty, report_data.cohorts.clear()).height == 1
