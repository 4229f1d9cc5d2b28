"""The published tables the pages draw and tabulate, and the order their columns are read in.

The tables themselves are built by ``dashboard.publication`` (metric -> layout -> disclosure
policy), which the reports use too, so every chart mark, table cell and CSV of the app follows
the one policy in force. This module only re-exports them for the pages.
"""

from __future__ import annotations

import polars as pl

from dashboard.publication import (
    cohort_timeline_table,
    cohort_windows_table,
    completion_table,
    data_quality_table,
    filter_vs_all_table,
    grade_histogram_table,
    grade_summary_table,
    incidence_table,
    time_to_completion_table,
)

__all__ = [
    "cohort_timeline_table",
    "cohort_windows_table",
    "completion_table",
    "data_quality_table",
    "filter_vs_all_table",
    "grade_histogram_table",
    "grade_summary_table",
    "incidence_table",
    "reader_order",
    "time_to_completion_table",
]


def reader_order(table: pl.DataFrame) -> pl.DataFrame:
    """The same table with identifier columns (``*_uuid``) moved to the end, labels first.

    Tables and their CSV downloads use this one order, so the download is the table on screen.
    """
    ids = [column for column in table.columns if column.endswith("_uuid") or column == "uuid"]
    if not ids:
        return table
    return table.select(pl.exclude(ids), *ids)
