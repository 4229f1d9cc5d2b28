"""cohort_window_chart: mature windows as bars, the others as labelled placeholders, never 0%."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.charts import cohort_window_chart


def test_bars_per_window_with_whiskers(windows: pl.DataFrame, spec: Any) -> None:
    chart = spec(cohort_window_chart(windows))
    assert chart.marks() == ["bar", "bar", "rule", "text", "text"]
    bars = chart.view("bar", 1)
    assert {"filter": "!datum.placeholder"} in bars["transform"]
    encoding = bars["encoding"]
    assert encoding["x"]["field"] == "completion_rate"
    assert encoding["x"]["axis"]["format"] == ".0%"
    assert encoding["y"]["field"] == "cohort_code"
    assert encoding["yOffset"]["field"] == "window"
    assert encoding["color"]["scale"]["domain"] == ["100%", "150%", "200%"]
    assert encoding["y"]["sort"] == ["BIO-21", "BIO-23", "CHE-24", "PHY-22"]


def test_windows_not_shown_are_placeholders_with_a_reason(windows: pl.DataFrame, spec: Any) -> None:
    chart = spec(cohort_window_chart(windows))
    placeholder = chart.view("bar", 0)
    assert {"filter": "datum.placeholder"} in placeholder["transform"]
    assert placeholder["mark"]["strokeDash"] == [4, 3]
    assert placeholder["encoding"]["x"] == {"datum": 0}
    notes = {
        (row["cohort_code"], row["window"]): row["note"]
        for row in chart.rows()
        if row["placeholder"]
    }
    assert notes[("BIO-23", "150%")] == "150%: in progress, matures 2027-05-01"
    assert notes[("CHE-24", "100%")].startswith("100%: no normal time")
    assert notes[("PHY-22", "200%")] == "200%: n<10"
    assert ("BIO-23", "100%") not in notes
    assert ("BIO-21", "150%") not in notes


def test_in_progress_windows_have_no_rate_not_zero(windows: pl.DataFrame, spec: Any) -> None:
    rows = spec(cohort_window_chart(windows)).rows()
    pending = [row for row in rows if row["status"] != "shown"]
    assert pending
    assert all(row["completion_rate"] is None for row in pending)
    in_progress = next(row for row in rows if row["status"] == "in progress")
    assert in_progress["n"] == 40  # the cohort's size is published; only the rate waits


def test_tooltip_names_cohort_window_status_and_n(windows: pl.DataFrame, spec: Any) -> None:
    chart = spec(cohort_window_chart(windows))
    titles = chart.tooltip_titles(chart.view("bar", 1))
    for title in ("Cohort", "Course", "Window (% of normal time)", "Status", "n (cohort)"):
        assert title in titles
