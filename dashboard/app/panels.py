"""How every chart is shown: the chart, its numbers table beside it, a CSV of exactly that table.

The table is the published (suppressed) aggregate the chart was drawn from, and the CSV is made
from the same frame by the one CSV formatter (``dashboard.reports.frame_to_csv``), so what is
downloaded is what is on screen: on screen its hidden cells are named ("n<10", "hidden") and its
numbers formatted (``dashboard.app.table_display``), in the CSV they are empty as published.
A chart's notes (its subtitle) are shown as a caption under it, where text wraps to any width,
and the chart fits the column's width with its plot keeping its own height. Row-level extracts
are offered to editors only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import altair as alt
import polars as pl
import streamlit as st

from dashboard.app.plain_text import escape_markdown
from dashboard.app.published import reader_order
from dashboard.app.table_display import TOTAL_LABEL, table_view
from dashboard.charts import ChartSpec, split_subtitle
from dashboard.reports import frame_to_csv
from dashboard.reports.csv_format import CSV_MIME

__all__ = [
    "chart_panel",
    "csv_file_name",
    "fit_width",
    "published_table",
    "row_extract",
    "table_download",
    "table_panel",
]

_UNSAFE_FILE_CHARS = re.compile(r"[^a-z0-9]+")


def csv_file_name(title: str) -> str:
    """A CSV file name from a title: "Completion by course" -> "completion-by-course.csv"."""
    stem = _UNSAFE_FILE_CHARS.sub("-", title.lower()).strip("-") or "table"
    return f"{stem}.csv"


def table_download(table: pl.DataFrame, *, title: str, key: str) -> None:
    """A download button with ``table`` as CSV (the same bytes whatever page shows it)."""
    st.download_button(
        "Download CSV",
        data=frame_to_csv(table),
        file_name=csv_file_name(title),
        mime=CSV_MIME,
        key=f"csv_{key}",
        on_click="ignore",
        icon=":material/download:",
        help="The table shown beside the chart, as published: hidden cells are empty, with "
        "suppressed and suppression_note columns, and every column of the metric (a report's "
        "download is what enrollment-outcomes export writes with the same filters and policy).",
    )


def fit_width(chart: ChartSpec) -> ChartSpec:
    """``chart`` sized to the column's width with its plot keeping its own height (autosize
    fit-x), unless it sets its own sizing; faceted charts keep their natural size."""
    if isinstance(chart, alt.FacetChart) or chart.autosize is not alt.Undefined:
        return chart
    fitted = chart.copy(deep=False)
    fitted.autosize = alt.AutoSizeParams(type="fit-x", contains="padding")
    return fitted


def published_table(
    table: pl.DataFrame,
    *,
    key: str,
    total_label: str = TOTAL_LABEL,
    hidden_small: bool = False,
    omit: Sequence[str] = (),
) -> None:
    """A published table on screen: hidden cells named, numbers formatted, a legend under it."""
    view = table_view(table, total_label=total_label, hidden_small=hidden_small, omit=omit)
    st.dataframe(
        view.frame,
        hide_index=True,
        key=f"table_{key}",
        height="auto",
        column_config=view.column_config,
    )
    if view.legend:
        st.caption(escape_markdown(view.legend))


def chart_panel(
    chart: ChartSpec,
    table: pl.DataFrame,
    *,
    title: str,
    key: str,
    caption: str | None = None,
    total_label: str = TOTAL_LABEL,
    hidden_small: bool = False,
    omit: Sequence[str] = (),
    reorder: bool = True,
) -> None:
    """Chart on the left with its notes under it; its numbers table and the table's CSV download
    on the right. ``total_label``, ``hidden_small``, ``omit``: see ``table_view``. ``reorder``:
    identifiers last (False for a catalog report, whose CSV keeps the export's column order)."""
    if reorder:
        table = reader_order(table)
    chart, notes = split_subtitle(chart)
    chart_column, table_column = st.columns(2, gap="medium")
    with chart_column:
        st.altair_chart(fit_width(chart), theme=None, key=f"chart_{key}", alt=title)
        if notes:
            st.caption(escape_markdown(notes))
        if caption:
            st.caption(caption)
    with table_column:
        published_table(
            table, key=key, total_label=total_label, hidden_small=hidden_small, omit=omit
        )
        table_download(table, title=title, key=key)


def table_panel(
    table: pl.DataFrame,
    *,
    title: str,
    key: str,
    total_label: str = TOTAL_LABEL,
    reorder: bool = True,
) -> None:
    """A published table without a chart, with its CSV download (``reorder``: see
    ``chart_panel``)."""
    if reorder:
        table = reader_order(table)
    published_table(table, key=key, total_label=total_label)
    table_download(table, title=title, key=key)


def row_extract(rows: pl.DataFrame, *, title: str, key: str, editing: bool) -> None:
    """Enrollment rows behind a view, as a table and CSV: shown to editors only."""
    if not editing:
        return
    with st.expander(f"{title} (rows, editors only): {rows.height:,}"):
        st.dataframe(rows, hide_index=True, key=f"rows_{key}", placeholder="—")
        st.download_button(
            "Download rows (CSV)",
            data=frame_to_csv(rows),
            file_name=csv_file_name(title + " rows"),
            mime=CSV_MIME,
            key=f"rows_csv_{key}",
            on_click="ignore",
            icon=":material/download:",
        )
