"""The published (suppressed) aggregates the pages draw and tabulate, for any grouping.

Each function is a metric from ``dashboard.metrics`` passed through ``suppress_small_cells``
with that metric's own layout (``suppression_layout``), so every chart mark, table cell and CSV
of the app follows the one small-cell rule. Values that describe one student (min, max) are
dropped. The fixed per-course tables of ``dashboard.reports`` are used as they are elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from dashboard.metrics import (
    MIN_CELL,
    completion_rates,
    cumulative_incidence,
    filter_vs_all,
    grade_histogram,
    grade_summary,
    published_cohort_timeline,
    suppress_small_cells,
    suppression_layout,
    thin_curve_for_publication,
    time_to_completion,
)

__all__ = [
    "cohort_timeline_table",
    "completion_table",
    "filter_vs_all_table",
    "grade_histogram_table",
    "grade_summary_table",
    "incidence_table",
    "reader_order",
    "time_to_completion_table",
]


def completion_table(
    enrollments: pl.DataFrame, *, by: Sequence[str], min_cell: int = MIN_CELL
) -> pl.DataFrame:
    """Completion and dropout rates per group, then the overall row (``is_total``), suppressed
    together so no hidden cell can be recovered from the total."""
    if not by:  # the one overall row is the total: there are no parts to add up
        overall = completion_rates(enrollments, by=(), total=True)
        return suppress_small_cells(overall, min_cell=min_cell)
    table = completion_rates(enrollments, by=by, total=True)
    return suppress_small_cells(table, min_cell=min_cell, total_row=pl.col("is_total"))


def filter_vs_all_table(
    filtered: pl.DataFrame, all_: pl.DataFrame, *, min_cell: int = MIN_CELL
) -> pl.DataFrame:
    """The filter's overall rates beside all enrollments' (``scope``), suppressed as one table."""
    table = filter_vs_all(filtered, all_)
    if filtered.height == all_.height:
        # The filter keeps everyone (e.g. every status ticked): the rest is nobody, so each
        # row is the same overall table and may be published as one.
        return suppress_small_cells(table, min_cell=min_cell, row_sets=["scope"])
    # "all" is the filter plus an unlisted rest: the metric's layout says so, so that
    # "all minus filter" cannot reveal a small group (independent row sets would let it).
    return suppress_small_cells(table, min_cell=min_cell, **suppression_layout("filter_vs_all"))


def incidence_table(
    enrollments: pl.DataFrame,
    *,
    as_of: datetime,
    by: Sequence[str] = (),
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Cumulative incidence of completion (and dropout where dated) since enrollment, thinned
    to points that each rest on at least ``min_cell`` events (``thin_curve_for_publication``:
    ``n_events`` counts the events since the previous point; the curve starts at (0, 0))."""
    table = cumulative_incidence(enrollments, as_of=as_of, by=by)
    thinned = thin_curve_for_publication(table, min_cell=min_cell)
    return suppress_small_cells(
        thinned, min_cell=min_cell, **suppression_layout("cumulative_incidence", by=by)
    )


def time_to_completion_table(
    enrollments: pl.DataFrame, *, by: Sequence[str] = (), min_cell: int = MIN_CELL
) -> pl.DataFrame:
    """Median and quartiles of days to completion per group (completers only)."""
    table = time_to_completion(enrollments, by=by)
    return suppress_small_cells(
        table, min_cell=min_cell, **suppression_layout("time_to_completion", by=by)
    )


def grade_histogram_table(
    enrollments: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    bin_width: float = 0.5,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Graded enrollments per fixed 0-10 bin (every bin listed), per group."""
    table = grade_histogram(enrollments, by=by, bin_width=bin_width)
    return suppress_small_cells(
        table, min_cell=min_cell, **suppression_layout("grade_histogram", by=by)
    )


def grade_summary_table(
    enrollments: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    pass_mark: float = 5.0,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Graded/ungraded counts, quartiles, mean and below-pass-mark rate per group (min and max
    are always empty: each is one student's grade)."""
    table = grade_summary(enrollments, by=by, pass_mark=pass_mark)
    return suppress_small_cells(
        table, min_cell=min_cell, **suppression_layout("grade_summary", by=by)
    )


def cohort_timeline_table(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Monthly new enrollments, completions and active headcount per cohort
    (``published_cohort_timeline``: protected with the enrollments behind each count, and the
    cohort's n and status counts shown by the completion tables)."""
    return published_cohort_timeline(enrollments, cohorts, as_of=as_of, min_cell=min_cell)


def reader_order(table: pl.DataFrame) -> pl.DataFrame:
    """The same table with identifier columns (``*_uuid``) moved to the end, labels first.

    Tables and their CSV downloads use this one order, so the download is the table on screen.
    """
    ids = [column for column in table.columns if column.endswith("_uuid") or column == "uuid"]
    if not ids:
        return table
    return table.select(pl.exclude(ids), *ids)
