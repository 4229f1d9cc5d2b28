"""Published aggregates: every table passes the small-cell rule; identifiers go last."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from dashboard.app.published import (
    cohort_timeline_table,
    completion_table,
    filter_vs_all_table,
    grade_histogram_table,
    grade_summary_table,
    incidence_table,
    reader_order,
    time_to_completion_table,
)
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA
from dashboard.metrics import published_cohort_timeline
from dashboard.metrics.timeline_publication import coarsened_cohort_timeline

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)

Row = tuple[str, str, float | None, int]


def _enrollments(rows: Sequence[Row]) -> pl.DataFrame:
    """(course, status, grade, days to completion) -> an enrollment frame with groupings."""
    start = datetime(2022, 2, 1, tzinfo=UTC)
    data = {
        "uuid": [f"e{i}" for i in range(len(rows))],
        "completion_status": [row[1] for row in rows],
        "grade": [row[2] for row in rows],
        "enrolled_at": [start] * len(rows),
        "completed_at": [
            start + timedelta(days=row[3]) if row[1] == "completed" else None for row in rows
        ],
        "student_uuid": [f"s{i}" for i in range(len(rows))],
        "student_name": [f"Student {i}" for i in range(len(rows))],
        "course_uuid": [f"c-{row[0]}" for row in rows],
        "course_name": [row[0] for row in rows],
        "cohort_uuid": [None] * len(rows),
        "cohort_code": [None] * len(rows),
    }
    frame = pl.DataFrame(data, schema=ENROLLMENT_SCHEMA)
    return frame.with_columns(
        pl.col("enrolled_at").dt.year().cast(pl.Int32).alias("intake_year"),
        pl.lit(None, dtype=pl.String).alias("modality"),
    )


BIG: list[Row] = [*[("Big", "completed", 7.0, 400)] * 30, *[("Big", "dropped", 4.0, 0)] * 20]
SMALL: list[Row] = [*[("Small", "completed", 8.0, 300)] * 3, *[("Small", "enrolled", None, 0)] * 2]


def test_small_group_is_not_published() -> None:
    table = completion_table(_enrollments(BIG + SMALL), by=["course_name"])
    small = table.filter(pl.col("course_name") == "Small").row(0, named=True)
    assert small["suppressed"] is True
    assert small["n"] is None
    assert small["completion_rate"] is None
    total = table.filter(pl.col("is_total")).row(0, named=True)
    assert total["n"] == 55


def test_large_group_is_published_with_interval() -> None:
    table = completion_table(_enrollments(BIG), by=[])
    row = table.row(0, named=True)
    assert row["n"] == 50
    assert row["completion_rate"] == 0.6
    assert row["completion_rate_ci_low"] < 0.6 < row["completion_rate_ci_high"]


def test_filter_vs_all_has_both_scopes() -> None:
    everyone = _enrollments(BIG + SMALL)
    table = filter_vs_all_table(everyone.filter(pl.col("course_name") == "Big"), everyone)
    assert table.get_column("scope").to_list() == ["filter", "all"]
    # all = 55 is shown; the filter's 50 would reveal the 5 left out, so it is withheld
    assert table.get_column("n").to_list() == [None, 55]


def test_grade_tables_never_publish_single_students() -> None:
    frame = _enrollments(BIG + SMALL)
    summary = grade_summary_table(frame, by=["course_name"])
    assert summary.get_column("min").is_null().all()
    assert summary.get_column("max").is_null().all()
    histogram = grade_histogram_table(frame, policy="public")
    counts = histogram.get_column("count").drop_nulls()
    assert (counts >= 10).all()


def test_grade_summary_shows_n_without_a_valid_grade() -> None:
    # 12 without a grade and 3 graded outside 0-10: one count of 15, shown. Counted apart, the 3
    # were a small cell and hid the count without a grade with them.
    rows = BIG + [("Big", "enrolled", None, 0)] * 12 + [("Big", "completed", 12.5, 100)] * 3
    summary = grade_summary_table(_enrollments(rows))
    assert "n_out_of_range" not in summary.columns
    row = summary.row(0, named=True)
    assert (row["n"], row["n_graded"], row["n_ungraded"]) == (65, 50, 15)
    assert row["median"] is not None


def test_time_and_incidence_tables_follow_the_rule() -> None:
    frame = _enrollments(BIG + SMALL)
    durations = time_to_completion_table(frame, by=["course_name"])
    small = durations.filter(pl.col("course_name") == "Small").row(0, named=True)
    assert small["median_days"] is None
    curves = incidence_table(frame, as_of=AS_OF)
    published = curves.filter(pl.col("n_at_risk").is_not_null())
    assert (published.get_column("n_at_risk") >= 10).all()


def test_incidence_points_each_rest_on_min_cell_completions() -> None:
    # 3 completions a day for 20 days: each step alone is a small count that step height x n at
    # risk would give away, so the curve has a point only every 4 days (12 completions).
    rows: list[Row] = [("Big", "completed", 7.0, 100 + i // 3) for i in range(60)]
    rows += [("Big", "enrolled", None, 0)] * 20
    curves = incidence_table(_enrollments(rows), as_of=AS_OF, policy="public")
    assert curves.row(0, named=True)["t_days"] == 0
    assert curves.row(0, named=True)["cif"] == 0.0
    points = curves.filter(pl.col("t_days") > 0)
    assert points.get_column("t_days").to_list() == [103, 107, 111, 115, 119]
    assert points.get_column("n_events").to_list() == [12] * 5
    assert points.get_column("n_at_risk").to_list() == [71, 59, 47, 35, 23]
    assert points.get_column("cif").to_list() == pytest.approx([12 / 80 * k for k in range(1, 6)])
    assert not curves.get_column("suppressed").any()


def test_public_cohort_timeline_table_is_the_protected_coarsened_timeline() -> None:
    rows = BIG + SMALL
    frame = _enrollments(rows).with_columns(
        pl.lit("h1").alias("cohort_uuid"), pl.lit("H1").alias("cohort_code")
    )
    cohorts = pl.DataFrame(
        {"uuid": ["h1"], "code": ["H1"], "modality": ["online"], "course_uuid": ["c-Big"],
         "course_name": ["Big"], "start_date": [datetime(2022, 2, 1, tzinfo=UTC)],
         "end_date": [None]},
        schema=COHORT_SCHEMA,
    )  # fmt: skip
    table = cohort_timeline_table(frame, cohorts, as_of=AS_OF, policy="public")
    assert table.equals(coarsened_cohort_timeline(frame, cohorts, as_of=AS_OF))
    # Every grain hides something (2 still enrolled: a small headcount), so the cohort falls
    # back to its one cumulative row: 55 enrolled, 33 completed, headcount hidden.
    assert published_cohort_timeline(frame, cohorts, as_of=AS_OF)["suppressed"].all()
    row = table.row(0, named=True)
    assert (row["grain"], row["new_enrollments"], row["completions"]) == ("cumulative", 55, 33)
    assert row["active"] is None
    for column in ("new_enrollments", "completions", "active"):
        assert (table[column].drop_nulls() >= 10).all(), column


def test_reader_order_moves_identifiers_last() -> None:
    table = pl.DataFrame({"uuid": ["x"], "course_uuid": ["c"], "course_name": ["A"], "n": [1]})
    assert reader_order(table).columns == ["course_name", "n", "uuid", "course_uuid"]
    plain = pl.DataFrame({"n": [1]})
    assert reader_order(plain).columns == ["n"]


def test_filter_vs_all_hides_a_small_rest() -> None:
    """A filter that leaves out fewer than min_cell enrollments must not let "all minus filter"
    reveal them: the rest (5 here) is a small group of its own."""
    everyone = _enrollments(BIG + SMALL)
    table = filter_vs_all_table(everyone.filter(pl.col("course_name") == "Big"), everyone)
    filtered, all_ = table.row(0, named=True), table.row(1, named=True)
    for column in ("n", "completed", "dropped", "enrolled"):
        if filtered[column] is not None and all_[column] is not None:
            rest = all_[column] - filtered[column]
            assert rest == 0 or rest >= 10, (column, rest)


def test_a_filter_that_keeps_everyone_shows_its_n() -> None:
    everyone = _enrollments(BIG + SMALL)
    table = filter_vs_all_table(everyone, everyone)
    assert table.get_column("n").to_list() == [55, 55]
