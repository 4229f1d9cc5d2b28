"""Charts drawn from real dashboard.metrics output: nothing the suppression hid reaches a spec."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from dashboard.charts import completion_rate_chart, status_composition_chart
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.metrics import completion_rates, filter_vs_all, suppress_small_cells

# course -> (completed, enrolled, dropped)
COURSES = {
    "Biology": (30, 7, 3),  # small dropped/enrolled: cells hidden, the completion rate stays
    "Chemistry": (4, 1, 1),  # n = 6: the whole group is hidden
    "History": (40, 30, 20),  # nothing hidden
}


def enrollment_rows() -> pl.DataFrame:
    rows = []
    for course, counts in COURSES.items():
        for status, count in zip(("completed", "enrolled", "dropped"), counts, strict=True):
            rows += [
                {
                    "uuid": f"{course}-{status}-{i}",
                    "completion_status": status,
                    "enrolled_at": datetime(2024, 1, 1, tzinfo=UTC),
                    "course_uuid": course.lower(),
                    "course_name": course,
                }
                for i in range(count)
            ]
    return pl.DataFrame(rows, schema=ENROLLMENT_SCHEMA)


@pytest.fixture
def published() -> pl.DataFrame:
    return suppress_small_cells(completion_rates(enrollment_rows(), by=["course_name"]))


def assert_hidden_stays_hidden(published: pl.DataFrame, rows: list[dict[str, Any]]) -> None:
    """Every value the metric nulled is null (or absent) in the chart's data too."""
    by_course = {row["course_name"]: row for row in published.to_dicts()}
    for row in rows:
        source = by_course[row["course_name"]]
        for column, value in row.items():
            if column in source and source[column] is None:
                assert value is None, (row["course_name"], column, value)


def test_completion_chart_hides_what_the_metric_hid(published: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(published, by="course_name"))
    assert_hidden_stays_hidden(published, chart.rows())
    rows = {row["course_name"]: row for row in chart.rows()}
    assert rows["Biology"]["withheld"] is False
    assert rows["Biology"]["completion_rate"] == pytest.approx(30 / 40)
    assert rows["Chemistry"]["withheld"] is True
    assert rows["Chemistry"]["note"] == "n<10"
    assert rows["History"]["n"] == 90


def test_dropout_chart_labels_hidden_small_counts(published: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(published, by="course_name", rate="dropout"))
    assert_hidden_stays_hidden(published, chart.rows())
    biology = next(row for row in chart.rows() if row["course_name"] == "Biology")
    assert biology["withheld"] is True
    assert biology["note"] == "small counts hidden"


def test_composition_chart_hides_what_the_metric_hid(published: pl.DataFrame, spec: Any) -> None:
    chart = spec(status_composition_chart(published, by="course_name"))
    assert_hidden_stays_hidden(published, chart.rows())
    biology = next(row for row in chart.rows() if row["course_name"] == "Biology")
    assert (biology["completed"], biology["not shown"]) == (30, 10)


def test_filter_vs_all_draws(spec: Any) -> None:
    everything = enrollment_rows()
    history = everything.filter(pl.col("course_name") == "History")
    published = suppress_small_cells(
        filter_vs_all(history, everything, by=["course_name"]), row_sets=("scope",)
    )
    chart = spec(completion_rate_chart(published, by="course_name"))
    scopes = {(row["course_name"], row["scope"]) for row in chart.rows()}
    assert ("History", "Current filter") in scopes
    assert ("History", "All enrollments") in scopes
