"""What chart functions return, and the placeholder chart drawn when a frame has no rows."""

from __future__ import annotations

from typing import TypeAlias

import altair as alt
import polars as pl

from dashboard.charts.theme import NO_DATA_MESSAGE, PLACEHOLDER_TEXT, apply_theme

ChartSpec: TypeAlias = alt.Chart | alt.LayerChart | alt.FacetChart


def no_data_chart(*, title: str, message: str = NO_DATA_MESSAGE) -> alt.Chart:
    """A themed chart that says ``message`` instead of drawing marks (for empty frames)."""
    chart: alt.Chart = (
        alt.Chart(pl.DataFrame({"message": [message]}), title=alt.Title(title))
        .mark_text(fontSize=14, color=PLACEHOLDER_TEXT)
        .encode(text=alt.Text("message:N"))
        .properties(width=480, height=120)
    )
    return apply_theme(chart)
