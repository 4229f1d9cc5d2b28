"""A cohort's timeline: its planned window beside monthly events and the active headcount.

Takes ``dashboard.metrics.cohort_timeline`` (monthly new enrollments, completions, drops,
active headcount at month end) and ``cohort_windows_planned`` (start and end date of each
cohort), and draws one cohort.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from dashboard.charts.errors import ChartInputError
from dashboard.charts.inputs import (
    WITHHELD,
    publishable,
    temporal_as_text,
    with_columns,
    within_row_limit,
)
from dashboard.charts.placeholders import PROTECTED
from dashboard.charts.spec import ChartSpec, no_data_chart
from dashboard.charts.theme import (
    COUNT_FORMAT,
    DATE_FORMAT,
    MONTH_FORMAT,
    PLACEHOLDER_FILL,
    PLACEHOLDER_STROKE,
    PLACEHOLDER_TEXT,
    STATUS_COLOURS,
    SUPPRESSED_LABEL,
    apply_theme,
)

# Monthly event columns, the legend name of each and its colour (the status it leads to).
EVENTS: Final = {
    "new_enrollments": ("New enrollments", STATUS_COLOURS["enrolled"]),
    "completions": ("Completions", STATUS_COLOURS["completed"]),
    "drops": ("Drops", STATUS_COLOURS["dropped"]),
}
ACTIVE: Final = ("Active headcount", "#000000")
_HEIGHT: Final = 280
_CHART: Final = "cohort_timeline_chart"
_TIMELINE_COLUMNS: Final = ("cohort_uuid", "cohort_code", "month", *EVENTS, "active")
_PLANNED_COLUMNS: Final = ("cohort_uuid", "cohort_code", "course_name", "start_date", "end_date")
_UTC: Final = alt.Scale(type="utc")


def cohort_timeline_chart(
    timeline: pl.DataFrame,
    planned: pl.DataFrame,
    *,
    cohort_uuid: str | None = None,
    title: str | None = None,
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Monthly event bars and the active headcount line over the cohort's planned window.

    Parameters
    ----------
    timeline
        ``cohort_timeline`` output: ``[cohort_uuid, cohort_code, month, new_enrollments,
        completions, drops, active]``, optionally ``suppressed`` / ``suppression_note``. An event
        column that is null in every month (``drops``: DokStamp has no drop date) is left out.
    planned
        ``cohort_windows_planned`` output: ``[cohort_uuid, cohort_code, course_name,
        start_date, end_date]``.
    cohort_uuid
        The cohort to draw. May be omitted when the frames hold a single cohort. The row limit
        applies to that cohort's rows.

    Raises
    ------
    ChartInputError
        When ``cohort_uuid`` is omitted and the frames hold several cohorts.
    """
    timeline, planned = _one_cohort(
        with_columns(timeline, chart=_CHART, required=_TIMELINE_COLUMNS),
        with_columns(planned, chart=_CHART, required=_PLANNED_COLUMNS),
        cohort_uuid,
    )
    timeline = within_row_limit(timeline, chart=_CHART)
    window = temporal_as_text(planned.head(1), ["start_date", "end_date"])
    if title is None:
        title = _default_title(timeline, window)
    if timeline.is_empty() and window.is_empty():
        return no_data_chart(title=title)

    months, any_withheld = _publishable_months(timeline, suppressed_label)
    undated = [
        name
        for name, _ in EVENTS.values()
        if months.is_empty() or months.get_column(name).is_null().all()
    ]
    dated = [(name, colour) for name, colour in EVENTS.values() if name not in undated]
    has_window = not window.is_empty() and window["start_date"][0] is not None
    layers = _planned_window(window) if has_window else []
    hidden_cells = False
    if not months.is_empty():
        events = months.select("month", "active", *(name for name, _ in dated))
        layers += _monthly_layers(events, dated)
        hidden_cells = _has_hidden_counts(events, [name for name, _ in dated])
    subtitle = _subtitle(
        [name for name, _ in dated],
        undated=undated,
        has_window=has_window,
        hidden_cells=hidden_cells,
        any_withheld=any_withheld,
        suppressed_label=suppressed_label,
    )
    # The height is the plot's own (autosize fit-x): a title or legend never squeezes it, also
    # where Streamlit would otherwise fit the whole chart, title included, into the height.
    chart: alt.LayerChart = (
        alt.LayerChart(layer=layers)
        .resolve_scale(y="independent")
        .properties(
            title=alt.Title(title, subtitle=subtitle),
            width=560,
            height=_HEIGHT,
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        )
    )
    return apply_theme(chart)


def _one_cohort(
    timeline: pl.DataFrame, planned: pl.DataFrame, cohort_uuid: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both frames narrowed to the chosen cohort (or checked to hold one cohort only)."""
    if cohort_uuid is not None:
        return (
            timeline.filter(pl.col("cohort_uuid") == cohort_uuid),
            planned.filter(pl.col("cohort_uuid") == cohort_uuid),
        )
    cohorts = set(timeline["cohort_uuid"].to_list()) | set(planned["cohort_uuid"].to_list())
    if len(cohorts) > 1:
        raise ChartInputError(
            f"{_CHART}: the frames hold {len(cohorts)} cohorts; pass cohort_uuid= to choose one"
        )
    return timeline, planned


def _default_title(timeline: pl.DataFrame, window: pl.DataFrame) -> str:
    """ "Cohort CODE (Course)", or a generic title when the cohort's code is unknown."""
    code = (window["cohort_code"].to_list() or timeline["cohort_code"].to_list() or [None])[0]
    course = (window["course_name"].to_list() or [None])[0]
    if not code:
        return "Cohort timeline"
    return f"Cohort {code}" + (f" ({course})" if course else "")


def _publishable_months(timeline: pl.DataFrame, label: str) -> tuple[pl.DataFrame, bool]:
    """The months that may be drawn (legend names as columns, in order), and whether any month
    was withheld."""
    months = publishable(
        temporal_as_text(timeline, ["month"]).rename(
            {column: name for column, (name, _) in EVENTS.items()}
        ),
        dimensions=["month"],
        measures=[name for name, _ in EVENTS.values()] + ["active"],
        label=label,
    )
    any_withheld = bool(months[WITHHELD].any())
    return months.filter(~pl.col(WITHHELD)).sort("month"), any_withheld


def _has_hidden_counts(events: pl.DataFrame, names: list[str]) -> bool:
    return bool(names and events.select(pl.any_horizontal(pl.col(names).is_null()).any()).item())


def _monthly_layers(events: pl.DataFrame, dated: list[tuple[str, str]]) -> list[alt.Chart]:
    """Event bars per month, a mark where a count is hidden, and the headcount line."""
    names = [name for name, _ in dated]
    colour_scale = alt.Scale(
        domain=[*names, ACTIVE[0]], range=[colour for _, colour in dated] + [ACTIVE[1]]
    )
    month_x = alt.X(
        "utcyearmonth(month):T",
        title="Month",
        axis=alt.Axis(format=MONTH_FORMAT, labelAngle=-40),
        scale=_UTC,
    )
    month_tooltip = alt.Tooltip("utcyearmonth(month):T", title="Month", format=MONTH_FORMAT)
    by_event = alt.Chart(events).transform_fold(list(names), as_=["event", "count"])
    bars = by_event.mark_bar().encode(
        x=month_x,
        xOffset=alt.XOffset("event:N", sort=names),
        y=alt.Y("count:Q", title="Events in the month", axis=alt.Axis(format=COUNT_FORMAT)),
        color=alt.Color("event:N", title=None, scale=colour_scale),
        tooltip=[
            month_tooltip,
            alt.Tooltip("event:N", title="Event"),
            alt.Tooltip("count:Q", title="n (events)", format=COUNT_FORMAT),
        ],
    )
    # A hidden count is marked where its bar would stand, so it is not read as 0.
    hidden = (
        by_event.transform_filter("!isValid(datum.count)")
        .transform_calculate(hidden=f"'{PROTECTED}'")
        .mark_point(shape="triangle-up", filled=True, size=36, color=PLACEHOLDER_STROKE)
        .encode(
            x=month_x,
            xOffset=alt.XOffset("event:N", sort=names),
            y=alt.YValue(_HEIGHT - 4),  # type: ignore[no-untyped-call]  # (Altair's YValue is untyped)
            tooltip=[
                month_tooltip,
                alt.Tooltip("event:N", title="Event"),
                alt.Tooltip("hidden:N", title="n (events)"),
            ],
        )
    )
    headcount = (
        alt.Chart(events)
        .mark_line(point=True, strokeWidth=2, invalid="break-paths-filter-domains")
        .encode(
            # Headcount at the end of the month: drawn at the month's right edge.
            x=alt.X("utcyearmonth(month):T", bandPosition=1, scale=_UTC),
            y=alt.Y(
                "active:Q",
                title="Active headcount (month end)",
                axis=alt.Axis(format=COUNT_FORMAT, orient="right"),
            ),
            color=alt.ColorDatum(ACTIVE[0]),
            tooltip=[
                month_tooltip,
                alt.Tooltip("active:Q", title="n active at month end", format=COUNT_FORMAT),
            ],
        )
    )
    return [bars, hidden, headcount]


def _subtitle(
    names: list[str],
    *,
    undated: list[str],
    has_window: bool,
    hidden_cells: bool,
    any_withheld: bool,
    suppressed_label: str,
) -> list[str]:
    """What the marks mean, and what is not drawn (no planned dates, undated or hidden counts)."""
    bars_text = ", ".join(name.lower() for name in names) or "no events"
    subtitle = [f"Bars: {bars_text} per month. Line: active at month end (right axis)."]
    window_text = "Shaded: the planned window." if has_window else "No planned dates."
    if "Drops" in undated:
        window_text += " Drops: no monthly counts (no drop date in the data)."
    subtitle.append(window_text)
    hidden_text = []
    if hidden_cells:
        hidden_text.append(f"Grey triangles: {PROTECTED}.")
    if any_withheld:
        hidden_text.append(f"Months with {suppressed_label} are not drawn.")
    if hidden_text:
        subtitle.append(" ".join(hidden_text))
    return subtitle


def _planned_window(window: pl.DataFrame) -> list[alt.Chart]:
    """The planned start-to-end band and its label (one cohort's row, ISO dates)."""
    band = window.select(
        pl.lit("Planned window").alias("label"),
        "start_date",
        pl.col("end_date").fill_null(pl.col("start_date")),
    )
    base = alt.Chart(band)
    return [
        base.mark_rect(
            fill=PLACEHOLDER_FILL, stroke=PLACEHOLDER_STROKE, strokeDash=[4, 3], opacity=0.8
        ).encode(
            x=alt.X("start_date:T", scale=_UTC),
            x2=alt.X2("end_date:T"),
            tooltip=[
                alt.Tooltip("label:N", title="Cohort"),
                alt.Tooltip("start_date:T", title="Planned start", format=DATE_FORMAT),
                alt.Tooltip("end_date:T", title="Planned end", format=DATE_FORMAT),
            ],
        ),
        base.mark_text(
            align="left", baseline="top", dx=4, dy=4, color=PLACEHOLDER_TEXT, fontStyle="italic"
        ).encode(
            x=alt.X("start_date:T", scale=_UTC),
            y=alt.YValue(0),  # type: ignore[no-untyped-call]  # (Altair's YValue is untyped)
            text=alt.Text("label:N"),
        ),
    ]
