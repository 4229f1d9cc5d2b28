"""What chart functions return, the "no data" chart, and a chart's notes taken out as text."""

from __future__ import annotations

from typing import TypeAlias

import altair as alt
import polars as pl

from dashboard.charts.theme import NO_DATA_MESSAGE, PLACEHOLDER_TEXT, apply_theme

ChartSpec: TypeAlias = alt.Chart | alt.LayerChart | alt.FacetChart


def split_subtitle(chart: ChartSpec) -> tuple[ChartSpec, str]:
    """A copy of ``chart`` titled without its subtitle, and the subtitle as one paragraph.

    For pages that show a chart's notes as text under it (text wraps to any width there; a
    subtitle is cut off where the chart is narrower than the line).
    """
    title = chart.title
    if not isinstance(title, alt.Title) or not isinstance(title.subtitle, list):
        return chart, ""
    notes = " ".join(line.strip() for line in title.subtitle if line.strip())
    bare = chart.copy(deep=False)
    fields = dict(title.to_dict(validate=False))
    fields.pop("subtitle", None)
    bare.title = alt.Title(**fields)
    return bare, notes


def no_data_chart(*, title: str, message: str = NO_DATA_MESSAGE) -> alt.Chart:
    """A themed chart that says ``message`` instead of drawing marks (for empty frames)."""
    chart: alt.Chart = (
        alt.Chart(pl.DataFrame({"message": [message]}), title=alt.Title(title))
        .mark_text(fontSize=14, color=PLACEHOLDER_TEXT)
        .encode(text=alt.Text("message:N"))
        .properties(width=480, height=120)
    )
    return apply_theme(chart)
