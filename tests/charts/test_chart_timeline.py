"""cohort_timeline_chart: planned window, monthly event bars, active headcount line."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from dashboard.charts import ChartInputError, cohort_timeline_chart
from dashboard.charts.theme import STATUS_COLOURS


def test_layers_and_encodings(timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any) -> None:
    chart = spec(cohort_timeline_chart(timeline, planned, cohort_uuid="c-bio"))
    assert chart.marks() == ["rect", "text", "bar", "point", "line"]
    assert chart.title() == "Cohort BIO-24 (Biology)"
    assert chart.dict["resolve"] == {"scale": {"y": "independent"}}
    window = chart.view("rect")["encoding"]
    assert (window["x"]["field"], window["x2"]["field"]) == ("start_date", "end_date")
    bars = chart.view("bar")
    assert bars["encoding"]["xOffset"]["field"] == "event"
    assert bars["encoding"]["x"]["timeUnit"] == "utcyearmonth"
    colours = dict(
        zip(
            bars["encoding"]["color"]["scale"]["domain"],
            bars["encoding"]["color"]["scale"]["range"],
            strict=True,
        )
    )
    assert colours["New enrollments"] == STATUS_COLOURS["enrolled"]
    assert colours["Completions"] == STATUS_COLOURS["completed"]
    assert colours["Drops"] == STATUS_COLOURS["dropped"]
    line = chart.view("line")["encoding"]
    assert line["y"]["field"] == "active"
    assert line["y"]["axis"]["orient"] == "right"


def test_dates_are_written_as_iso_days(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    rows = spec(cohort_timeline_chart(timeline, planned, cohort_uuid="c-bio")).rows()
    assert {"start_date": "2024-01-15", "end_date": "2025-03-31"}.items() <= next(
        row for row in rows if "start_date" in row
    ).items()
    assert [row["month"] for row in rows if "month" in row][:2] == ["2024-01-01", "2024-02-01"]


def test_suppressed_months_are_left_out(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    chart = spec(cohort_timeline_chart(timeline, planned, cohort_uuid="c-bio"))
    months = [row["month"] for row in chart.rows() if "month" in row]
    assert "2024-03-01" not in months
    assert len(months) == 5
    assert "not drawn" in chart.subtitle()


def test_cohort_without_planned_dates(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    chart = spec(cohort_timeline_chart(timeline, planned, cohort_uuid="c-che"))
    assert chart.marks() == ["bar", "point", "line"]
    assert "No planned dates." in chart.subtitle()


def test_several_cohorts_need_a_choice(timeline: pl.DataFrame, planned: pl.DataFrame) -> None:
    with pytest.raises(ChartInputError, match="cohort_uuid"):
        cohort_timeline_chart(timeline, planned)


def test_single_cohort_needs_no_choice(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    one = spec(
        cohort_timeline_chart(
            timeline.filter(pl.col("cohort_uuid") == "c-che"),
            planned.filter(pl.col("cohort_uuid") == "c-che"),
        )
    )
    assert one.title() == "Cohort CHE-24 (Chemistry)"


def test_unknown_cohort_is_no_data(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    chart = spec(cohort_timeline_chart(timeline, planned, cohort_uuid="nope"))
    assert chart.marks() == ["text"]


def test_hidden_cells_are_marked_not_drawn_as_zero(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    # As suppress_small_cells leaves a timeline: no group size, small counts nulled per cell.
    cells = timeline.with_columns(
        completions=pl.when(pl.col("completions") < 10).then(None).otherwise(pl.col("completions")),
        suppressed=pl.lit(value=True),
        suppression_note=pl.lit("small counts hidden"),
    )
    chart = spec(cohort_timeline_chart(cells, planned, cohort_uuid="c-bio"))
    rows = [row for row in chart.rows() if "month" in row]
    assert len(rows) == 6  # cell suppression keeps every month
    assert [row["Completions"] for row in rows] == [None, None, 4321, None, None, 10]
    assert rows[0]["New enrollments"] == 60
    hidden = chart.view("point")
    assert {"filter": "!isValid(datum.count)"} in hidden["transform"]
    assert "Grey triangles" in chart.subtitle()
    assert chart.view("line")["mark"]["invalid"] == "break-paths-filter-domains"


def test_undated_drops_are_left_out_and_said_so(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    # cohort_timeline: "drops is null: drops carry no date in DokStamp data".
    undated = timeline.with_columns(drops=pl.lit(None, dtype=pl.Int64))
    chart = spec(cohort_timeline_chart(undated, planned, cohort_uuid="c-bio"))
    bars = chart.view("bar")
    fold = next(step for step in bars["transform"] if "fold" in step)
    assert fold["fold"] == ["New enrollments", "Completions"]
    assert bars["encoding"]["color"]["scale"]["domain"] == [
        "New enrollments",
        "Completions",
        "Active headcount",
    ]
    assert all("Drops" not in row for row in chart.rows())
    assert "Drops: no monthly counts" in chart.subtitle()
    assert "Grey triangles" not in chart.subtitle()


def test_the_row_limit_counts_the_chosen_cohort_only(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    other = timeline.filter(pl.col("cohort_uuid") == "c-che").sample(
        6_000, with_replacement=True, seed=2
    )
    mine = timeline.filter(pl.col("cohort_uuid") == "c-bio")
    chart = spec(cohort_timeline_chart(pl.concat([mine, other]), planned, cohort_uuid="c-bio"))
    assert len([row for row in chart.rows() if "month" in row]) == 5


def test_plot_keeps_its_height_whatever_the_title(
    timeline: pl.DataFrame, planned: pl.DataFrame, spec: Any
) -> None:
    # Streamlit fits a chart without its own autosize into its height, title and legend
    # included: with a long subtitle the plot collapsed. The chart sizes only its width to fit.
    chart = spec(cohort_timeline_chart(timeline, planned, cohort_uuid="c-bio"))
    assert chart.dict["height"] == 280
    assert chart.dict["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert len(chart.dict["title"]["subtitle"]) <= 4
