"""Data-quality bars: how many rows each check flags (flags, not silent fixes)."""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard.charts.inputs import NOTE, WITHHELD, checked_aggregate, note_lines, publishable
from dashboard.charts.labels import label_order
from dashboard.charts.spec import ChartSpec, no_data_chart
from dashboard.charts.theme import (
    COUNT_FORMAT,
    OKABE_ITO,
    PLACEHOLDER_STROKE,
    PLACEHOLDER_TEXT,
    SUPPRESSED_LABEL,
    apply_theme,
)


def data_quality_chart(
    summary: pl.DataFrame,
    *,
    title: str = "Data quality checks",
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """One bar per check with the number of rows it flags; checks that flag nothing show 0.

    Parameters
    ----------
    summary
        ``data_quality`` output: ``[check, label, count]``, optionally ``description``,
        ``suppressed``, ``suppression_note``.
    """
    frame = checked_aggregate(
        summary, chart="data_quality_chart", required=["check", "label", "count"]
    )
    if frame.is_empty():
        return no_data_chart(title=title)
    described = ["description"] if "description" in frame.columns else []
    data = publishable(
        frame.with_columns(pl.col("label").fill_null(pl.col("check"))),
        dimensions=["check", "label", *described],
        measures=["count"],
        needed=["count"],
        label=suppressed_label,
    ).with_columns(
        # Each check's count stands alone (no total, nothing to subtract from): it is hidden only
        # when it is itself small, so a hidden count always reads as the small-count label.
        pl.when(pl.col(WITHHELD)).then(pl.lit(suppressed_label)).alias(NOTE)
    )
    y = alt.Y("label:N", title=None, sort=label_order(data, "label"), axis=alt.Axis(labelLimit=360))
    tooltip = [
        alt.Tooltip("label:N", title="Check"),
        alt.Tooltip("check:N", title="Check id"),
        *[alt.Tooltip("description:N", title="What it flags") for _ in described],
        alt.Tooltip("count:Q", title="n rows flagged", format=COUNT_FORMAT),
    ]
    top = max(1, int(data.select(pl.col("count").max()).item() or 0))
    base = alt.Chart(data)
    shown = base.transform_filter(f"!datum.{WITHHELD}")
    bars = shown.mark_bar(height={"band": 0.7}).encode(
        x=alt.X(
            "count:Q",
            title="Rows flagged",
            axis=alt.Axis(format=COUNT_FORMAT, tickMinStep=1, tickCount=min(top, 10)),
            # Counts start at 0, and the axis keeps a width when every count is 0 or hidden.
            scale=alt.Scale(domainMin=0, domainMax=top),
        ),
        y=y,
        # A channel object, not alt.condition's dict: a dict is parsed against the whole schema.
        color=alt.ColorValue(
            PLACEHOLDER_STROKE,
            condition={"test": "datum.count > 0", "value": OKABE_ITO["vermillion"]},
        ),
        tooltip=tooltip,
    )
    counts = shown.mark_text(align="left", dx=4, color=PLACEHOLDER_TEXT).encode(
        x=alt.X("count:Q"), y=y, text=alt.Text("count:Q", format=COUNT_FORMAT), tooltip=tooltip
    )
    notes = (
        base.transform_filter(f"datum.{WITHHELD}")
        .mark_text(align="left", dx=3, fontStyle="italic", color=PLACEHOLDER_TEXT)
        .encode(
            x=alt.XDatum(0),
            y=y,
            text=alt.Text(f"{NOTE}:N"),
            tooltip=[tooltip[0], alt.Tooltip(f"{NOTE}:N", title="n rows flagged")],
        )
    )
    chart = alt.LayerChart(layer=[bars, counts, notes]).properties(
        title=alt.Title(
            title,
            subtitle=[
                "Rows each check flags. Flags, not fixes: editors can open the rows behind each.",
                *note_lines(data, unit="count"),
            ],
        ),
        width=480,
    )
    return apply_theme(chart)
