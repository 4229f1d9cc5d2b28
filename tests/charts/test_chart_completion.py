"""completion_rate_chart and status_composition_chart: encodings built from completion_rates."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from dashboard.charts import completion_rate_chart, status_composition_chart
from dashboard.charts.errors import MissingColumnsError
from dashboard.charts.theme import STATUS_COLOURS, STATUS_ORDER


def test_rate_bars_whiskers_and_n_labels(rates: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(rates, by="course_name"))
    assert chart.marks() == ["bar", "rule", "text", "text"]
    bar = chart.view("bar")["encoding"]
    assert bar["x"]["field"] == "completion_rate"
    assert bar["x"]["axis"]["format"] == ".0%"
    assert bar["x"]["scale"]["domain"] == [0, 1]
    assert bar["x"]["title"] == "Completion rate (completed / n)"
    assert bar["y"]["field"] == "course_name"
    assert bar["y"]["title"] == "Course"
    assert bar["color"] == {"value": STATUS_COLOURS["completed"]}
    whisker = chart.view("rule")["encoding"]
    assert (whisker["x"]["field"], whisker["x2"]["field"]) == (
        "completion_rate_ci_low",
        "completion_rate_ci_high",
    )
    n_label = chart.view("text", 0)
    assert n_label["encoding"]["text"]["field"] == "n_label"
    assert any("'n='" in step.get("calculate", "") for step in n_label["transform"])
    assert "Wilson" in chart.subtitle()
    assert "n<10" in chart.subtitle()


def test_groups_keep_the_metric_order_and_null_keys_are_labelled(
    rates: pl.DataFrame, spec: Any
) -> None:
    chart = spec(completion_rate_chart(rates, by="course_name"))
    assert chart.view("bar")["encoding"]["y"]["sort"] == [
        "Biology",
        "Chemistry",
        "Physics",
        "(none)",
    ]


def test_suppressed_group_is_a_label_not_a_bar(rates: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(rates, by="course_name"))
    physics = next(row for row in chart.rows() if row["course_name"] == "Physics")
    assert physics["withheld"] is True
    assert physics["note"] == "n<10"
    assert physics["completion_rate"] is None
    assert physics["n"] is None
    assert {"filter": "!datum.withheld"} in chart.view("bar")["transform"]
    assert {"filter": "datum.withheld"} in chart.view("text", 1)["transform"]


def test_dropout_rate_uses_the_dropped_colour(rates: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(rates, by="course_name", rate="dropout"))
    bar = chart.view("bar")["encoding"]
    assert bar["x"]["field"] == "dropout_rate"
    assert bar["color"] == {"value": STATUS_COLOURS["dropped"]}
    assert chart.title() == "Dropout rate by course"


def test_filter_vs_all_pairs_the_bars(rates: pl.DataFrame, spec: Any) -> None:
    paired = pl.concat([rates.with_columns(scope=pl.lit(scope)) for scope in ("filter", "all")])
    chart = spec(completion_rate_chart(paired, by="course_name"))
    bar = chart.view("bar")["encoding"]
    assert bar["yOffset"]["field"] == "scope"
    assert bar["color"]["field"] == "scope"
    assert bar["color"]["scale"]["domain"] == ["Current filter", "All enrollments"]
    assert "Scope" in chart.tooltip_titles(chart.view("bar"))


def test_overall_row_and_total_row_are_named(rates: pl.DataFrame, spec: Any) -> None:
    overall = rates.head(1).drop("course_name")
    assert spec(completion_rate_chart(overall)).rows()[0]["group"] == "All enrollments"
    with_total = rates.with_columns(is_total=pl.lit(value=False)).vstack(
        rates.head(1).with_columns(course_name=pl.lit(None), is_total=pl.lit(value=True))
    )
    labels = [
        row["course_name"]
        for row in spec(completion_rate_chart(with_total, by="course_name")).rows()
    ]
    assert labels == ["Biology", "Chemistry", "Physics", "(none)", "All enrollments"]


def test_a_group_without_enrollments_is_no_data(rates: pl.DataFrame, spec: Any) -> None:
    nobody = (
        rates.head(1)
        .drop("course_name")
        .with_columns(
            n=pl.lit(0), completed=pl.lit(0), completion_rate=None, suppressed=pl.lit(value=False)
        )
    )
    assert spec(completion_rate_chart(nobody)).marks() == ["text"]


def test_missing_column_is_named(rates: pl.DataFrame) -> None:
    with pytest.raises(MissingColumnsError, match="completion_rate_ci_high"):
        completion_rate_chart(rates.drop("completion_rate_ci_high"), by="course_name")
    with pytest.raises(MissingColumnsError, match="cohort_code"):
        completion_rate_chart(rates, by="cohort_code")


def test_status_composition_stacks_the_three_statuses(rates: pl.DataFrame, spec: Any) -> None:
    chart = spec(status_composition_chart(rates, by="course_name"))
    assert chart.marks() == ["bar", "text"]
    bar = chart.view("bar")
    fold = next(step for step in bar["transform"] if "fold" in step)
    assert fold["fold"] == [*STATUS_ORDER, "not shown"]
    encoding = bar["encoding"]
    assert encoding["x"]["field"] == "share"
    assert encoding["x"]["stack"] == "zero"
    assert encoding["x"]["axis"]["format"] == ".0%"
    assert encoding["color"]["scale"]["domain"] == [*STATUS_ORDER, "not shown"]
    assert encoding["color"]["scale"]["range"][:3] == [STATUS_COLOURS[s] for s in STATUS_ORDER]
    assert encoding["order"]["field"] == "status_rank"
    assert all(row["not shown"] is None for row in chart.rows())


def test_status_composition_counts_when_not_normalized(rates: pl.DataFrame, spec: Any) -> None:
    encoding = spec(status_composition_chart(rates, by="course_name", normalize=False)).view("bar")[
        "encoding"
    ]
    assert encoding["x"]["field"] == "count"
    assert encoding["x"]["title"] == "Enrollments"


def test_cell_suppression_keeps_what_the_metric_published(rates: pl.DataFrame, spec: Any) -> None:
    # As suppress_small_cells leaves it: Chemistry's small dropped (5) and, complementarily,
    # enrolled are hidden, with the dropout rate; n, completed and the completion rate are shown.
    cells = rates.with_columns(
        suppression_note=pl.Series([None, "small counts hidden", "n<10", None]),
        suppressed=pl.Series([False, True, True, False]),
    ).with_columns(
        [
            pl.when(pl.col("course_name") == "Chemistry").then(None).otherwise(pl.col(c)).alias(c)
            for c in (
                "dropped",
                "enrolled",
                "dropout_rate",
                "dropout_rate_ci_low",
                "dropout_rate_ci_high",
            )
        ]
    )
    composition = spec(status_composition_chart(cells, by="course_name"))
    chemistry = next(row for row in composition.rows() if row["course_name"] == "Chemistry")
    assert chemistry["withheld"] is False
    assert (chemistry["completed"], chemistry["n"], chemistry["not shown"]) == (20, 45, 25)
    assert "Grey: not shown" in composition.subtitle()

    completion = spec(completion_rate_chart(cells, by="course_name"))
    rows = {row["course_name"]: row for row in completion.rows()}
    assert rows["Chemistry"]["withheld"] is False
    assert rows["Chemistry"]["completion_rate"] == pytest.approx(20 / 45)
    assert rows["Physics"]["withheld"] is True
    assert rows["Physics"]["n"] is None

    dropout = spec(completion_rate_chart(cells, by="course_name", rate="dropout"))
    rows = {row["course_name"]: row for row in dropout.rows()}
    assert rows["Chemistry"]["withheld"] is True
    assert rows["Chemistry"]["note"] == "hidden to protect a small count"
    assert rows["Chemistry"]["dropout_rate"] is None
    assert "Hidden to protect a small count: a small count, or a count that would" in (
        dropout.subtitle()
    )
