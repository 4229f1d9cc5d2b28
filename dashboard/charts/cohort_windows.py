"""Cohort completion within 100/150/200% of normal time, with immature cohorts shown as such.

Takes the frame of ``dashboard.metrics.cohort_completion_windows``. A window whose rate is not
shown ("in progress", "no normal time", or suppressed) is drawn as a grey dashed placeholder with
a label saying why, never as a 0% bar.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from dashboard.charts.completion import N_LABEL_EXPR
from dashboard.charts.inputs import NOTE, WITHHELD, checked_aggregate, publishable, temporal_as_text
from dashboard.charts.labels import as_group_labels, label_order
from dashboard.charts.placeholders import PROTECTED, SMALL_GROUP
from dashboard.charts.spec import ChartSpec, no_data_chart
from dashboard.charts.theme import (
    CATEGORY_PALETTE,
    COUNT_FORMAT,
    DAYS_FORMAT,
    INTERVAL_COLOUR,
    OKABE_ITO,
    PLACEHOLDER_FILL,
    PLACEHOLDER_STROKE,
    PLACEHOLDER_TEXT,
    RATE_DETAIL_FORMAT,
    RATE_FORMAT,
    SUPPRESSED_LABEL,
    apply_theme,
)

SHOWN: Final = "shown"
IN_PROGRESS: Final = "in progress"
NO_NORMAL_TIME: Final = "no normal time"

# 100% / 150% / 200% in an order that reads as "later = darker/warmer".
_WINDOW_COLOURS: Final = (OKABE_ITO["sky_blue"], OKABE_ITO["blue"], OKABE_ITO["reddish_purple"])
_RATE: Final = "completion_rate"
_LOW: Final = "completion_rate_ci_low"
_HIGH: Final = "completion_rate_ci_high"
_PLACEHOLDER: Final = "placeholder"
_WINDOW: Final = "window"
_SOURCE: Final = "normal_time_source"  # "cohort dates" | "course setting" (optional column)

REQUIRED_COLUMNS: Final = (
    "cohort_code",
    "course_name",
    "window_pct",
    "normal_time_days",
    "n",
    "excluded",
    "completed_within",
    _RATE,
    _LOW,
    _HIGH,
    "status",
    "matures_on",
)


def cohort_window_chart(
    windows: pl.DataFrame,
    *,
    title: str = "Cohort completion within normal time",
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Grouped bars: one row per cohort, one bar per window (100/150/200% of normal time).

    Parameters
    ----------
    windows
        ``cohort_completion_windows`` output: ``[cohort_code, course_name, window_pct,
        normal_time_days, n, excluded, completed_within, completion_rate,
        completion_rate_ci_low, completion_rate_ci_high, status, matures_on]``, optionally
        ``normal_time_source``, ``suppressed`` and ``suppression_note``. ``status`` is "shown",
        "in progress" or "no normal time".
    """
    frame = checked_aggregate(windows, chart="cohort_window_chart", required=REQUIRED_COLUMNS)
    if frame.is_empty():
        return no_data_chart(title=title)

    frame = temporal_as_text(as_group_labels(frame, "cohort_code"), ["matures_on"])
    frame = as_group_labels(frame, "course_name").with_columns(
        pl.format("{}%", pl.col("window_pct")).alias(_WINDOW)
    )
    window_order = (
        frame.select(_WINDOW, "window_pct").unique().sort("window_pct")[_WINDOW].to_list()
    )
    data = publishable(
        frame,
        dimensions=[
            "cohort_code",
            "course_name",
            _WINDOW,
            "status",
            "matures_on",
            *([_SOURCE] if _SOURCE in frame.columns else []),
        ],
        measures=["n", "excluded", "completed_within", "normal_time_days", _RATE, _LOW, _HIGH],
        needed=[_RATE, _LOW, _HIGH],
        label=suppressed_label,
    )
    suppression_note = pl.format("{}: {}", pl.col(_WINDOW), pl.col(NOTE))
    # Why a window has no bar: a too-small cohort first, then the cohort's status (an immature
    # window has no rate to hide), then hidden small counts.
    reason = (
        pl.when(pl.col(WITHHELD) & pl.col(NOTE).str.starts_with("n<"))
        .then(suppression_note)
        .when(pl.col("status") == IN_PROGRESS)
        .then(
            pl.format("{}: in progress, matures {}", _WINDOW, pl.col("matures_on")).fill_null(
                pl.format("{}: in progress", _WINDOW)
            )
        )
        .when(pl.col("status") == NO_NORMAL_TIME)
        .then(pl.format("{}: no normal time (no cohort dates, no course setting)", _WINDOW))
        .when(pl.col(WITHHELD))
        .then(suppression_note)
        .when(pl.col(_RATE).is_null())
        .then(pl.format("{}: no rate", _WINDOW))
    )
    data = data.with_columns(reason.alias(NOTE)).with_columns(
        pl.col(NOTE).is_not_null().alias(_PLACEHOLDER)
    )

    y = alt.Y("cohort_code:N", title="Cohort", sort=label_order(data, "cohort_code"))
    offset = alt.YOffset(f"{_WINDOW}:N", sort=window_order)
    colours = list(_WINDOW_COLOURS) if len(window_order) <= 3 else list(CATEGORY_PALETTE)
    tooltip = [
        alt.Tooltip("cohort_code:N", title="Cohort"),
        alt.Tooltip("course_name:N", title="Course"),
        alt.Tooltip(f"{_WINDOW}:N", title="Window (% of normal time)"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip(f"{_RATE}:Q", title="Completion rate", format=RATE_DETAIL_FORMAT),
        alt.Tooltip(f"{_LOW}:Q", title="95% interval, low", format=RATE_DETAIL_FORMAT),
        alt.Tooltip(f"{_HIGH}:Q", title="95% interval, high", format=RATE_DETAIL_FORMAT),
        alt.Tooltip("completed_within:Q", title="Completed within window", format=COUNT_FORMAT),
        alt.Tooltip("n:Q", title="n (cohort, after exclusions)", format=COUNT_FORMAT),
        alt.Tooltip("excluded:Q", title="Excluded", format=COUNT_FORMAT),
        alt.Tooltip("normal_time_days:Q", title="Normal time (days)", format=DAYS_FORMAT),
        *(
            [alt.Tooltip(f"{_SOURCE}:N", title="Normal time from")]
            if _SOURCE in frame.columns
            else []
        ),
        alt.Tooltip("matures_on:N", title="Matures on"),
    ]

    base = alt.Chart(data)
    shown = base.transform_filter(f"!datum.{_PLACEHOLDER}")
    bars = shown.mark_bar(height={"band": 0.85}).encode(
        x=alt.X(
            f"{_RATE}:Q",
            title="Completed within window / cohort (n)",
            axis=alt.Axis(format=RATE_FORMAT),
            scale=alt.Scale(domain=[0, 1]),
        ),
        y=y,
        yOffset=offset,
        color=alt.Color(
            f"{_WINDOW}:N",
            title="Window (% of normal time)",
            scale=alt.Scale(domain=window_order, range=colours[: len(window_order)]),
        ),
        tooltip=tooltip,
    )
    whiskers = shown.mark_rule(color=INTERVAL_COLOUR, strokeWidth=1.5).encode(
        x=alt.X(f"{_LOW}:Q"), x2=alt.X2(f"{_HIGH}:Q"), y=y, yOffset=offset, tooltip=tooltip
    )
    n_labels = (
        shown.transform_filter("isValid(datum.n)")
        .transform_calculate(n_label=N_LABEL_EXPR)
        .mark_text(align="left", dx=4, fontSize=10, color=PLACEHOLDER_TEXT)
        .encode(x=alt.X(f"{_HIGH}:Q"), y=y, yOffset=offset, text=alt.Text("n_label:N"))
    )
    pending = base.transform_filter(f"datum.{_PLACEHOLDER}")
    placeholders = pending.mark_bar(
        height={"band": 0.85},
        fill=PLACEHOLDER_FILL,
        stroke=PLACEHOLDER_STROKE,
        strokeDash=[4, 3],
        strokeWidth=1,
    ).encode(x=alt.XDatum(0), x2=alt.X2Datum(1), y=y, yOffset=offset, tooltip=tooltip)
    notes = pending.mark_text(
        align="left", dx=4, fontSize=10, fontStyle="italic", color=PLACEHOLDER_TEXT
    ).encode(x=alt.XDatum(0), y=y, yOffset=offset, text=alt.Text(f"{NOTE}:N"), tooltip=tooltip)

    subtitle = [
        "Completed within w% of the cohort's normal time / cohort after exclusions (n). "
        "Whiskers: 95% Wilson interval.",
        "Dashed grey: no rate yet (cohort still in progress), no normal time, too small to "
        f"publish ({SMALL_GROUP}) or {PROTECTED} — never a 0%.",
    ]
    chart = alt.LayerChart(layer=[placeholders, bars, whiskers, n_labels, notes]).properties(
        title=alt.Title(title, subtitle=subtitle),
        width=480,
        height=alt.Step(16),
    )
    return apply_theme(chart)
