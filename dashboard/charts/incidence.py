"""Cumulative-incidence step curves of completion (and dropout) since enrollment, per group.

Takes the frame of ``dashboard.metrics.cumulative_incidence`` (Aalen-Johansen estimates, still
enrolled students censored at the extract date). Suppressed points are left out of the curve.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from dashboard.charts.inputs import WITHHELD, checked_aggregate, publishable
from dashboard.charts.labels import as_group_labels, column_title, label_order
from dashboard.charts.spec import ChartSpec, no_data_chart
from dashboard.charts.theme import (
    COUNT_FORMAT,
    DAYS_FORMAT,
    RATE_DETAIL_FORMAT,
    RATE_FORMAT,
    STATUS_COLOURS,
    SUPPRESSED_LABEL,
    apply_theme,
)

_EVENTS: Final = ("completed", "dropped")


def cumulative_incidence_chart(
    curves: pl.DataFrame,
    *,
    group: str | None = None,
    title: str = "Cumulative incidence since enrollment",
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Step curves (``interpolate="step-after"``) of the share who completed/dropped by day t.

    Parameters
    ----------
    curves
        ``cumulative_incidence`` output: ``[group?, event, t_days, cif, n_at_risk, n_events]``,
        optionally ``suppressed``. ``event`` is "completed" or "dropped".
    group
        Column splitting the curves (one colour per group, dash per event); ``None`` draws one
        curve per event in its status colour.
    """
    groups = [group] if group else []
    frame = checked_aggregate(
        curves,
        chart="cumulative_incidence_chart",
        required=[*groups, "event", "t_days", "cif", "n_at_risk", "n_events"],
        hint=(
            "a curve has a row per day with an event, per group: shorten it "
            "(cumulative_incidence(max_days=...)) or draw fewer groups."
        ),
    )
    if frame.is_empty():
        return no_data_chart(title=title)

    frame = frame.with_columns(pl.col("event").cast(pl.String))
    if group:
        frame = as_group_labels(frame, group)
    data = publishable(
        frame,
        dimensions=[*groups, "event"],
        measures=["t_days", "cif", "n_at_risk", "n_events"],
        needed=["t_days", "cif"],
        label=suppressed_label,
    )
    any_withheld = bool(data[WITHHELD].any())
    # A curve cannot draw a withheld point: drop those rows, and say so in the subtitle.
    data = data.filter(~pl.col(WITHHELD)).sort([*groups, "event", "t_days"])
    if data.is_empty():
        return no_data_chart(title=title, message=f"Every point is {suppressed_label}")

    events = [event for event in _EVENTS if event in set(data["event"].to_list())]
    events += sorted(set(data["event"].to_list()) - set(events))
    event_scale = alt.Scale(domain=events, range=[STATUS_COLOURS.get(e, "#999999") for e in events])
    tooltip = [
        *([alt.Tooltip(f"{group}:N", title=column_title(group))] if group else []),
        alt.Tooltip("event:N", title="Event"),
        alt.Tooltip("t_days:Q", title="Days since enrollment", format=DAYS_FORMAT),
        alt.Tooltip("cif:Q", title="Cumulative incidence", format=RATE_DETAIL_FORMAT),
        alt.Tooltip("n_at_risk:Q", title="n at risk", format=COUNT_FORMAT),
        alt.Tooltip("n_events:Q", title="n events", format=COUNT_FORMAT),
    ]
    encoding: dict[str, alt.Color | alt.StrokeDash] = {}
    if group:
        encoding["color"] = alt.Color(
            f"{group}:N", title=column_title(group), sort=label_order(data, group)
        )
        encoding["strokeDash"] = alt.StrokeDash(
            "event:N",
            title="Event",
            scale=alt.Scale(domain=events, range=[[1, 0], [6, 3], [2, 2]][: len(events)]),
        )
    else:
        encoding["color"] = alt.Color("event:N", title="Event", scale=event_scale)

    curve = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", point=alt.OverlayMarkDef(size=14, filled=True))
        .encode(
            x=alt.X("t_days:Q", title="Days since enrollment", axis=alt.Axis(format=DAYS_FORMAT)),
            y=alt.Y(
                "cif:Q",
                title="Cumulative incidence (share of enrollments)",
                axis=alt.Axis(format=RATE_FORMAT),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=tooltip,
            **encoding,
        )
    )
    if "dropped" in events:
        method = (
            "Aalen-Johansen estimate; completion and dropout compete, students still enrolled "
            "are censored at the extract date."
        )
    else:
        method = (
            "Share completed by each day since enrollment. Dropped and still-enrolled students "
            "stay at risk until censored at the extract date (drops carry no date)."
        )
    subtitle = [method]
    if any_withheld:
        subtitle.append("Points hidden to protect small counts are not drawn.")
    chart: alt.Chart = curve.properties(title=alt.Title(title, subtitle=subtitle), width=480)
    return apply_theme(chart)
