"""Which columns of each metric's frame are cells, totals and statistics, for suppression."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

import polars as pl

from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import grouping_columns


class SuppressionLayout(TypedDict, total=False):
    """Keyword arguments of ``suppress_small_cells`` that describe a metric's frame."""

    n_column: str | None
    count_columns: Sequence[str]
    rate_columns: Mapping[str, str]
    total_row: pl.Expr | bool
    row_sets: Sequence[str]
    total_includes_unlisted: bool
    parents: Mapping[str, str]
    remainder_cells: Sequence[str]
    nested_over: str
    unit_columns: Sequence[str]
    extra_count_columns: Sequence[str]
    statistic_columns: Mapping[str, str]
    individual_columns: Sequence[str]


def suppression_layout(metric: str, *, by: Sequence[str] = ()) -> SuppressionLayout:
    """The ``suppress_small_cells`` options for the frame of a metric function.

    Use as ``suppress_small_cells(frame, min_cell=10, **suppression_layout("grade_summary"))``.
    ``by`` is the grouping the frame was built with (histogram bins add up per group; filter and
    all rows pair up per group).
    For ``completion_rates(..., total=True)`` add ``total_row=pl.col("is_total")``.
    """
    keys = grouping_columns(by)
    layouts: dict[str, SuppressionLayout] = {
        "completion_rates": {},
        "filter_vs_all": {
            # "all" = "filter" + the rest: without this, all minus filter could show a small rest
            "total_row": pl.col("scope") == "all",
            "row_sets": tuple(keys),
            "total_includes_unlisted": True,
        },
        "cohort_completion_windows": {
            "count_columns": ("completed_within",),
            "rate_columns": {"completion_rate": "completed_within"},
            "nested_over": "window_pct",
            "unit_columns": ("cohort_uuid",),
            "extra_count_columns": ("excluded",),
        },
        "time_to_completion": {
            "n_column": "n_completers",
            "count_columns": (),
            "rate_columns": {},
            "extra_count_columns": ("n_excluded",),
            "statistic_columns": dict.fromkeys(
                ("median_days", "q1_days", "q3_days", "mean_days"), "n_completers"
            ),
            # A breakdown's completers add up to the overall figure shown beside it.
            "total_row": bool(keys),
        },
        "cumulative_incidence": {
            "n_column": None,
            "count_columns": (),
            "rate_columns": {},
            "extra_count_columns": ("n_at_risk", "n_events"),
            # For a curve thinned by thin_curve_for_publication (every point rests on at least
            # min_cell events). As a second line: where a point's events are hidden, the number
            # at risk goes (step height x at risk = events), and the point's cif with it; where
            # fewer than min_cell are at risk, the cif goes.
            "statistic_columns": {"n_at_risk": "n_events", "cif": "n_at_risk"},
        },
        "grade_histogram": {
            "n_column": None,
            "count_columns": ("count",),
            "rate_columns": {},
            "total_row": True,  # the bins add up to n graded, shown by grade_summary
            "row_sets": tuple(keys),
        },
        "grade_summary": {
            # n = n_graded + n_ungraded (no grade, or a grade outside 0-10: one cell, so a few
            # out-of-range grades do not blank the count of enrollments without a grade)
            "count_columns": ("n_graded", "n_ungraded", "below_threshold"),
            "parents": {"below_threshold": "n_graded"},
            "remainder_cells": ("n_graded",),
            "rate_columns": {"below_threshold_rate": "below_threshold"},
            "statistic_columns": dict.fromkeys(("mean", "q1", "median", "q3"), "n_graded"),
            "individual_columns": ("min", "max"),
            # A breakdown adds up to the overall summary shown beside it (the Grades page's): a
            # group's hidden count is not the overall one minus the groups shown.
            "total_row": bool(keys),
        },
        "cohort_timeline": {
            # Publish timelines with published_cohort_timeline, which models the enrollments
            # behind each count. From the aggregate alone the headcount cannot be protected
            # (active minus last month's active = new minus completions, so it gives away
            # hidden monthly counts): this fallback never shows it.
            "n_column": None,
            "count_columns": ("new_enrollments", "completions"),
            "rate_columns": {},
            "total_row": True,  # months add up to the cohort's n and completed
            "row_sets": ("cohort_uuid",),
            "individual_columns": ("active",),
        },
        "data_quality": {
            "n_column": None,
            "count_columns": (),
            "rate_columns": {},
            "extra_count_columns": ("count",),
        },
    }
    if metric not in layouts:
        raise InvalidOptionError(f"no suppression layout for {metric!r}; known: {sorted(layouts)}")
    return layouts[metric]
