"""How every chart is shown: the chart, its numbers table beside it, a CSV of exactly that table.

The table is the published (suppressed) aggregate the chart was drawn from, and the CSV is made
from the same frame by the one CSV formatter (``dashboard.reports.frame_to_csv``), so what is
downloaded is what is on screen: on screen its hidden cells are named ("n<10", "hidden") and its
numbers formatted (``dashboard.app.table_display``), in the CSV they are empty as published.
A chart's notes (its subtitle) are shown as a caption under it, where text wraps to any width,
and the chart fits the column's width with its plot keeping its own height. Row-level extracts
are offered to editors only.

A panel is built once (``chart_content`` / ``table_content``: the chart's Vega-Lite spec, the
table's screen text) and drawn by ``show_panel`` as often as the page reruns; pages keep built
panels per view (``dashboard.app.view_cache``). CSV bytes are made only when a download is
clicked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import altair as alt
import polars as pl
import streamlit as st

from dashboard.app.disclosure import app_policy
from dashboard.app.plain_text import escape_markdown
from dashboard.app.published import reader_order
from dashboard.app.table_display import TOTAL_LABEL, TableView, table_view
from dashboard.app.vega_spec import VegaLiteSpec, vega_lite_spec
from dashboard.charts import ChartSpec
from dashboard.publication import DisclosurePolicy
from dashboard.publication.labels import POLICY_COLUMN, with_policy_column
from dashboard.reports import frame_to_csv
from dashboard.reports.csv_format import CSV_MIME

__all__ = [
    "Panel",
    "chart_content",
    "chart_panel",
    "csv_file_name",
    "downloaded_table",
    "fit_width",
    "published_table",
    "row_extract",
    "show_panel",
    "show_table_view",
    "table_content",
    "table_download",
    "table_panel",
]

_UNSAFE_FILE_CHARS = re.compile(r"[^a-z0-9]+")


def csv_file_name(title: str) -> str:
    """A CSV file name from a title: "Completion by course" -> "completion-by-course.csv"."""
    stem = _UNSAFE_FILE_CHARS.sub("-", title.lower()).strip("-") or "table"
    return f"{stem}.csv"


def _policy_of(table: pl.DataFrame) -> DisclosurePolicy:
    """The policy ``table`` was published under: its ``policy`` column (catalog reports), else
    the policy in force."""
    if POLICY_COLUMN in table.columns and table.height:
        return DisclosurePolicy.parse(str(table.get_column(POLICY_COLUMN)[0]))
    return app_policy()


def downloaded_table(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` as downloaded: every CSV names its policy in a last ``policy`` column."""
    if POLICY_COLUMN in table.columns:
        return table
    return with_policy_column(table, _policy_of(table))


def table_download(table: pl.DataFrame, *, title: str, key: str) -> None:
    """A download button with ``table`` as CSV (the same bytes whatever page shows it), its
    last column ``policy`` naming the disclosure policy (catalog reports carry it already)."""
    st.download_button(
        "Download CSV",
        # Made when clicked (Streamlit calls it then), not on every rerun.
        data=partial(frame_to_csv, downloaded_table(table)),
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


@dataclass(frozen=True)
class Panel:
    """A panel ready to draw: the published table (the CSV's source), its screen text, and the
    chart's spec with its notes (no chart: a table panel)."""

    title: str
    key: str
    table: pl.DataFrame
    view: TableView
    spec: VegaLiteSpec | None = None
    notes: str = ""
    caption: str | None = None


def chart_content(
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
) -> Panel:
    """The chart panel of ``chart`` and its numbers ``table``. ``total_label``, ``hidden_small``,
    ``omit``: see ``table_view``. ``reorder``: identifiers last (False for a catalog report,
    whose CSV keeps the export's column order)."""
    if reorder:
        table = reader_order(table)
    spec, notes = _fitted_spec(chart)
    return Panel(
        title=title,
        key=key,
        table=table,
        view=table_view(table, total_label=total_label, hidden_small=hidden_small, omit=omit),
        spec=spec,
        notes=notes,
        caption=caption,
    )


def _fitted_spec(chart: ChartSpec) -> tuple[VegaLiteSpec, str]:
    """``chart``'s spec as ``fit_width(split_subtitle(chart)[0])`` gives it, and the notes.

    Done on the spec dict, not the chart: each copy of a layered Altair chart re-combines (and
    deep-copies) its layers, which cost more than drawing the rest of a panel.
    """
    spec = vega_lite_spec(chart)
    notes = ""
    title = spec.get("title")
    if isinstance(title, dict) and isinstance(title.get("subtitle"), list):
        notes = " ".join(line.strip() for line in title["subtitle"] if line.strip())
        spec["title"] = {name: value for name, value in title.items() if name != "subtitle"}
    if "facet" not in spec and "autosize" not in spec:
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec, notes


def table_content(
    table: pl.DataFrame,
    *,
    title: str,
    key: str,
    total_label: str = TOTAL_LABEL,
    reorder: bool = True,
) -> Panel:
    """A published table without a chart (``reorder``: see ``chart_content``)."""
    if reorder:
        table = reader_order(table)
    return Panel(title=title, key=key, table=table, view=table_view(table, total_label=total_label))


def show_table_view(view: TableView, *, key: str) -> None:
    """A published table's screen text, with its legend under it."""
    st.dataframe(
        # As Arrow: Streamlit sends it as is (a polars frame would go through pandas each run).
        view.frame.to_arrow(),
        hide_index=True,
        key=f"table_{key}",
        height="auto",
        column_config=view.column_config,
    )
    if view.legend:
        st.caption(escape_markdown(view.legend))


def show_panel(panel: Panel) -> None:
    """Draw ``panel``: chart on the left with its notes under it, its numbers table and the
    table's CSV download on the right (a table panel: the table and its download)."""
    if panel.spec is None:
        show_table_view(panel.view, key=panel.key)
        table_download(panel.table, title=panel.title, key=panel.key)
        return
    chart_column, table_column = st.columns(2, gap="medium")
    with chart_column:
        st.vega_lite_chart(panel.spec, theme=None, key=f"chart_{panel.key}", alt=panel.title)
        if panel.notes:
            st.caption(escape_markdown(panel.notes))
        if panel.caption:
            st.caption(panel.caption)
        st.caption(
            f"Published under the {_policy_of(panel.table).value} disclosure policy (what it "
            "hides: under the page's title)."
        )
    with table_column:
        show_table_view(panel.view, key=panel.key)
        table_download(panel.table, title=panel.title, key=panel.key)


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
    show_table_view(view, key=key)


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
    """Build and draw a chart panel at once (``chart_content``, then ``show_panel``)."""
    show_panel(
        chart_content(
            chart,
            table,
            title=title,
            key=key,
            caption=caption,
            total_label=total_label,
            hidden_small=hidden_small,
            omit=omit,
            reorder=reorder,
        )
    )


def table_panel(
    table: pl.DataFrame,
    *,
    title: str,
    key: str,
    total_label: str = TOTAL_LABEL,
    reorder: bool = True,
) -> None:
    """Build and draw a table panel at once (``table_content``, then ``show_panel``)."""
    show_panel(table_content(table, title=title, key=key, total_label=total_label, reorder=reorder))


def row_extract(rows: pl.DataFrame, *, title: str, key: str, editing: bool) -> None:
    """Enrollment rows behind a view, as a table and CSV: shown to editors only."""
    if not editing:
        return
    with st.expander(f"{title} (rows, editors only): {rows.height:,}"):
        st.dataframe(rows, hide_index=True, key=f"rows_{key}", placeholder="—")
        st.download_button(
            "Download rows (CSV)",
            data=partial(frame_to_csv, rows),
            file_name=csv_file_name(title + " rows"),
            mime=CSV_MIME,
            key=f"rows_csv_{key}",
            on_click="ignore",
            icon=":material/download:",
        )
