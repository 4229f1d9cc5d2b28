"""data_quality_chart: one bar per check, zero counts shown as zero."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.charts import data_quality_chart
from dashboard.charts.theme import OKABE_ITO


def test_bars_per_check_in_given_order(quality: pl.DataFrame, spec: Any) -> None:
    chart = spec(data_quality_chart(quality))
    assert chart.marks() == ["bar", "text", "text"]
    encoding = chart.view("bar")["encoding"]
    assert encoding["x"]["field"] == "count"
    assert encoding["x"]["title"] == "Rows flagged"
    assert encoding["y"]["sort"] == quality["label"].to_list()
    assert encoding["color"]["condition"]["value"] == OKABE_ITO["vermillion"]
    assert "n rows flagged" in chart.tooltip_titles(chart.view("bar"))


def test_zero_is_a_count_not_a_suppression(quality: pl.DataFrame, spec: Any) -> None:
    rows = spec(data_quality_chart(quality)).rows()
    assert [row["count"] for row in rows] == [12, 0, 1]
    assert not any(row["withheld"] for row in rows)


def test_missing_label_falls_back_to_the_check_id(quality: pl.DataFrame, spec: Any) -> None:
    unlabeled = quality.with_columns(label=pl.lit(None, dtype=pl.String))
    rows = spec(data_quality_chart(unlabeled)).rows()
    assert [row["label"] for row in rows] == quality["check"].to_list()


def test_description_joins_the_tooltip(quality: pl.DataFrame, spec: Any) -> None:
    described = quality.with_columns(description=pl.lit("What the check flags."))
    chart = spec(data_quality_chart(described))
    assert "What it flags" in chart.tooltip_titles(chart.view("bar"))
    assert chart.rows()[0]["description"] == "What the check flags."


def test_a_hidden_count_reads_n_lt_10(quality: pl.DataFrame, spec: Any) -> None:
    # A check's count stands alone, so it is hidden only when small: whatever the metric's
    # note, chart and page say "n<10".
    hidden = quality.with_columns(
        count=pl.when(pl.col("count") < 10).then(None).otherwise(pl.col("count")),
        suppressed=pl.col("count") < 10,
        suppression_note=pl.when(pl.col("count") < 10).then(pl.lit("small counts hidden")),
    )
    chart = spec(data_quality_chart(hidden))
    notes = {row["check"]: row["note"] for row in chart.rows()}
    assert notes == {
        "completed_without_date": None,
        "completed_before_enrolled": "n<10",
        "future_dates": "n<10",
    }
    assert "n<10: count too small to publish." in chart.subtitle()
