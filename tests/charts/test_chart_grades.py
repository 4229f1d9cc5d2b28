"""grade_histogram_chart and grade_box_chart: built from bins and quartiles, not grade rows."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.charts import grade_box_chart, grade_histogram_chart


def test_histogram_bars_span_their_bins(histogram: pl.DataFrame, spec: Any) -> None:
    chart = spec(grade_histogram_chart(histogram))
    assert chart.marks() == ["bar", "text", "rule"]
    encoding = chart.view("bar")["encoding"]
    assert (encoding["x"]["field"], encoding["x2"]["field"]) == ("bin_start", "bin_end")
    assert encoding["x"]["scale"]["domain"] == [0.0, 10.0]
    assert encoding["x"]["title"] == "Grade (0-10)"
    assert encoding["y"]["field"] == "count"
    assert "n in bin" in chart.tooltip_titles(chart.view("bar"))
    assert len(chart.rows()) == histogram.height


def test_histogram_pass_mark_rule_is_optional(histogram: pl.DataFrame, spec: Any) -> None:
    with_mark = spec(grade_histogram_chart(histogram, pass_mark=6.0))
    assert with_mark.view("rule")["encoding"]["x"] == {"datum": 6.0}
    assert "pass mark 6" in with_mark.subtitle()
    assert "rule" not in spec(grade_histogram_chart(histogram, pass_mark=None)).marks()


def test_histogram_suppressed_bins_are_labelled(histogram: pl.DataFrame, spec: Any) -> None:
    rows = spec(grade_histogram_chart(histogram)).rows()
    labelled = [row for row in rows if row["withheld"]]
    assert [row["bin_start"] for row in labelled] == [1.0, 1.5, 2.0, 2.5, 3.0, 8.5, 9.0, 9.5]
    assert all(row["count"] is None and row["note"] == "n<10" for row in labelled)
    empty_bin = next(row for row in rows if row["bin_start"] == 0.0)
    assert empty_bin["count"] == 0  # a true zero (no grades), not a suppressed cell


def test_histogram_by_group_is_faceted(histogram: pl.DataFrame, spec: Any) -> None:
    two = pl.concat(
        [histogram.with_columns(course_name=pl.lit(name)) for name in ("Biology", "Chemistry")]
    )
    chart = spec(grade_histogram_chart(two, group="course_name"))
    assert chart.dict["facet"]["row"]["field"] == "course_name"
    assert chart.dict["facet"]["row"]["sort"] == ["Biology", "Chemistry"]
    assert chart.marks() == ["bar", "text", "rule"]


def test_box_plot_layers_from_quartiles(grade_summary: pl.DataFrame, spec: Any) -> None:
    chart = spec(grade_box_chart(grade_summary, by="course_name"))
    assert chart.marks() == ["rule", "bar", "tick", "point", "text", "rule"]
    whisker = chart.view("rule", 0)["encoding"]
    assert (whisker["x"]["field"], whisker["x2"]["field"]) == ("min", "max")
    box = chart.view("bar")["encoding"]
    assert (box["x"]["field"], box["x2"]["field"]) == ("q1", "q3")
    assert chart.view("tick")["encoding"]["x"]["field"] == "median"
    assert chart.view("point")["encoding"]["x"]["field"] == "mean"
    assert chart.view("rule", 1)["encoding"]["x"] == {"datum": 5.0}
    titles = chart.tooltip_titles(chart.view("bar"))
    assert {"n graded", "n without grade", "Median", "Below 5"} <= set(titles)
    assert [row["course_name"] for row in chart.rows()] == ["Biology", "Chemistry", "Physics"]


def test_box_plot_overall(grade_summary: pl.DataFrame, spec: Any) -> None:
    chart = spec(grade_box_chart(grade_summary.head(1).drop("course_name"), pass_mark=None))
    assert chart.rows()[0]["group"] == "All graded enrollments"
    assert chart.title() == "Grades"
    assert chart.marks() == ["rule", "bar", "tick", "point", "text"]


def test_box_plot_as_published_without_min_max(grade_summary: pl.DataFrame, spec: Any) -> None:
    # suppress_small_cells always nulls min and max (one student's own grade).
    published = grade_summary.with_columns(
        min=pl.lit(None, dtype=pl.Float64),
        max=pl.lit(None, dtype=pl.Float64),
        suppression_note=pl.Series([None, None, "n<10"]),
    )
    chart = spec(grade_box_chart(published, by="course_name"))
    assert {"filter": "isValid(datum.min) && isValid(datum.max)"} in chart.view("rule")["transform"]
    assert "Min and max are not shown" in chart.subtitle()
    rows = {row["course_name"]: row for row in chart.rows()}
    assert rows["Biology"]["withheld"] is False
    assert rows["Physics"]["withheld"] is True
    assert rows["Physics"]["median"] is None


def test_histogram_cell_notes_are_shortened_on_the_mark(histogram: pl.DataFrame, spec: Any) -> None:
    published = histogram.with_columns(
        count=pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("count")),
        suppression_note=pl.when(pl.col("suppressed")).then(pl.lit("small counts hidden")),
    )
    chart = spec(grade_histogram_chart(published))
    labelled = [row for row in chart.rows() if row["withheld"]]
    assert len(labelled) == 8
    assert {row["mark_note"] for row in labelled} == {"hidden"}
    assert {row["note"] for row in labelled} == {"hidden to protect a small count"}
    assert chart.view("text")["encoding"]["text"]["field"] == "mark_note"


def test_box_plot_draws_the_pass_mark_its_rate_used(grade_summary: pl.DataFrame, spec: Any) -> None:
    chart = spec(
        grade_box_chart(grade_summary.with_columns(pass_mark=pl.lit(6.0)), by="course_name")
    )
    assert chart.view("rule", 1)["encoding"]["x"] == {"datum": 6.0}
    assert "Below 6" in chart.tooltip_titles(chart.view("bar"))
    no_rule = spec(
        grade_box_chart(
            grade_summary.with_columns(pass_mark=pl.lit(6.0)), by="course_name", pass_mark=None
        )
    )
    assert no_rule.marks().count("rule") == 1


def test_histogram_uses_the_metric_bin_labels(histogram: pl.DataFrame, spec: Any) -> None:
    labelled = histogram.with_columns(
        bin_label=pl.format("[{}, {})", pl.col("bin_start"), pl.col("bin_end"))
    )
    rows = spec(grade_histogram_chart(labelled)).rows()
    assert rows[10]["bin"] == "[5.0, 5.5)"
    assert spec(grade_histogram_chart(histogram)).rows()[10]["bin"] == "[5.0, 5.5)"
