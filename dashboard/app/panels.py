"""How every chart is shown: the chart, its numbers table beside it, a CSV of exactly that table.

The table is the published (suppressed) aggregate the chart was drawn from, and the CSV is made
from the same frame by the one CSV formatter (``dashboard.reports.frame_to_csv``), so what is
downloaded is what is on screen. Row-level extracts are offered to editors only.
"""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from dashboard.app.published import reader_order
from dashboard.charts import ChartSpec
from dashboard.reports import frame_to_csv
from dashboard.reports.csv_format import CSV_MIME

__all__ = ["chart_panel", "csv_file_name", "row_extract", "table_download", "table_panel"]

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
        help="Exactly the table shown beside the chart (small cells suppressed as published).",
    )


def chart_panel(
    chart: ChartSpec,
    table: pl.DataFrame,
    *,
    title: str,
    key: str,
    caption: str | None = None,
) -> None:
    """Chart on the left; its numbers table and the table's CSV download on the right."""
    table = reader_order(table)
    chart_column, table_column = st.columns([3, 2], gap="medium")
    with chart_column:
        st.altair_chart(chart, theme=None, key=f"chart_{key}", alt=title)
        if caption:
            st.caption(caption)
    with table_column:
        st.dataframe(table, hide_index=True, key=f"table_{key}", height="auto")
        table_download(table, title=title, key=key)


def table_panel(table: pl.DataFrame, *, title: str, key: str) -> None:
    """A published table without a chart, with its CSV download."""
    table = reader_order(table)
    st.dataframe(table, hide_index=True, key=f"table_{key}")
    table_download(table, title=title, key=key)


def row_extract(rows: pl.DataFrame, *, title: str, key: str, editing: bool) -> None:
    """Enrollment rows behind a view, as a table and CSV: shown to editors only."""
    if not editing:
        return
    with st.expander(f"{title} (rows, editors only): {rows.height:,}"):
        st.dataframe(rows, hide_index=True, key=f"rows_{key}")
        st.download_button(
            "Download rows (CSV)",
            data=frame_to_csv(rows),
            file_name=csv_file_name(title + " rows"),
            mime=CSV_MIME,
            key=f"rows_csv_{key}",
            on_click="ignore",
            icon=":material/download:",
        )
