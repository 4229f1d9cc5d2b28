"""cumulative_incidence_chart: step-after curves, group and event encodings."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from dashboard.charts import TooManyRowsError, cumulative_incidence_chart
from dashboard.charts.theme import STATUS_COLOURS


def test_step_curves_per_group_and_event(curves: pl.DataFrame, spec: Any) -> None:
    chart = spec(cumulative_incidence_chart(curves, group="modality"))
    assert chart.marks() == ["line"]
    line = chart.views()[0]
    assert line["mark"]["interpolate"] == "step-after"
    encoding = line["encoding"]
    assert encoding["x"]["field"] == "t_days"
    assert encoding["x"]["title"] == "Days since enrollment"
    assert encoding["y"]["field"] == "cif"
    assert encoding["y"]["scale"]["domain"] == [0, 1]
    assert encoding["y"]["axis"]["format"] == ".0%"
    assert encoding["color"]["field"] == "modality"
    assert encoding["strokeDash"]["field"] == "event"
    assert {"n at risk", "n events"} <= set(chart.tooltip_titles(line))
    assert "censored" in chart.subtitle()


def test_without_group_events_take_the_status_colours(curves: pl.DataFrame, spec: Any) -> None:
    online = curves.filter(pl.col("modality") == "On campus").drop("modality")
    colour = spec(cumulative_incidence_chart(online)).views()[0]["encoding"]["color"]
    assert colour["field"] == "event"
    assert colour["scale"] == {
        "domain": ["completed", "dropped"],
        "range": [STATUS_COLOURS["completed"], STATUS_COLOURS["dropped"]],
    }


def test_suppressed_points_are_left_out(curves: pl.DataFrame, spec: Any) -> None:
    chart = spec(cumulative_incidence_chart(curves, group="modality"))
    online_days = {row["t_days"] for row in chart.rows() if row["modality"] == "Online"}
    assert online_days == {0, 30, 90, 180}
    assert "not drawn" in chart.subtitle()


def test_all_points_suppressed_is_a_message(curves: pl.DataFrame, spec: Any) -> None:
    hidden = curves.with_columns(suppressed=pl.lit(value=True))
    chart = spec(cumulative_incidence_chart(hidden, group="modality"))
    assert chart.marks() == ["text"]
    assert chart.rows() == [{"message": "Every point is n<10"}]


def test_completion_only_curves_say_drops_stay_at_risk(curves: pl.DataFrame, spec: Any) -> None:
    # cumulative_incidence without drop dates returns the completion curve only.
    completion = curves.filter(pl.col("event") == "completed")
    chart = spec(cumulative_incidence_chart(completion, group="modality"))
    assert chart.views()[0]["encoding"]["strokeDash"]["scale"]["domain"] == ["completed"]
    assert "stay at risk" in chart.subtitle()
    assert "Aalen-Johansen" not in chart.subtitle()


def test_too_long_curves_say_how_to_shorten_them(curves: pl.DataFrame) -> None:
    long = curves.sample(5_001, with_replacement=True, seed=3)
    with pytest.raises(TooManyRowsError, match="max_days"):
        cumulative_incidence_chart(long, group="modality")
