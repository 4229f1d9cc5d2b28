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
    for title in (
        "Cohort",
        "Course",
        "Window (% of normal time)",
        "Status",
        "n (cohort, after exclusions)",
    ):
        assert title in titles


def test_reasons_follow_the_metrics_notes(windows: pl.DataFrame, spec: Any) -> None:
    # suppress_small_cells: PHY-22 too small (whole cohort), BIO-21's 100% count hidden as a
    # small cell, BIO-23's immature windows also flagged (its small count nulled).
    published = windows.with_columns(
        suppression_note=pl.when(pl.col("cohort_code") == "PHY-22")
        .then(pl.lit("n<10"))
        .when((pl.col("cohort_code") == "BIO-21") & (pl.col("window_pct") == 100))
        .then(pl.lit("small counts hidden"))
        .when(pl.col("cohort_code") == "BIO-23")
        .then(pl.lit("small counts hidden")),
    ).with_columns(
        suppressed=pl.col("suppression_note").is_not_null(),
        completion_rate=pl.when(pl.col("suppression_note") == "small counts hidden")
        .then(None)
        .otherwise(pl.col("completion_rate")),
    )
    rows = spec(cohort_window_chart(published)).rows()
    notes = {(row["cohort_code"], row["window"]): row["note"] for row in rows}
    assert notes[("PHY-22", "150%")] == "150%: n<10"
    assert notes[("BIO-21", "100%")] == "100%: hidden to protect a small count"
    assert notes[("BIO-21", "150%")] is None
    assert notes[("BIO-23", "200%")] == "200%: in progress, matures 2027-05-01"
    assert notes[("BIO-23", "100%")] == "100%: hidden to protect a small count"
