"""How the internal policy's group rule reads each metric's frame (the public policy's cell
algebra has its own layouts: ``dashboard.metrics.suppression_layout``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import grouping_columns
from dashboard.publication.group_threshold import GroupLayout

__all__ = ["RATE_BASES", "group_layout"]

# Rate -> (count, n) it is computed from: what top/bottom coding reads (public policy).
RATE_BASES: Final = {
    "completion_rates": {
        "completion_rate": ("completed", "n"),
        "dropout_rate": ("dropped", "n"),
    },
    "filter_vs_all": {
        "completion_rate": ("completed", "n"),
        "dropout_rate": ("dropped", "n"),
    },
    "cohort_completion_windows": {"completion_rate": ("completed_within", "n")},
    "grade_summary": {"below_threshold_rate": ("below_threshold", "n_graded")},
    "certificate_coverage": {"certified_rate": ("with_certificate", "n")},
}
_RATES = ("completion_rate", "dropout_rate")
_GRADE_STATISTICS = ("mean", "q1", "median", "q3")


def group_layout(
    metric: str, *, by: Sequence[str] = (), total_row: pl.Expr | bool | None = None
) -> GroupLayout:
    """The group rule's reading of ``metric``'s frame, grouped by ``by``.

    ``total_row`` overrides where the groups' total is (an expression marking the frame's total
    rows, True for a total shown elsewhere, False for none); by default a breakdown (``by`` not
    empty) adds up to a total shown elsewhere (the overall figures of the same page).
    """
    keys = tuple(grouping_columns(by))
    external: pl.Expr | bool = bool(keys) if total_row is None else total_row
    layouts: dict[str, GroupLayout] = {
        "completion_rates": GroupLayout(
            size="n",
            values=("n", "completed", "dropped", "enrolled", *_RATES),
            total_row=external,
        ),
        "filter_vs_all": GroupLayout(
            size="n",
            values=("n", "completed", "dropped", "enrolled", *_RATES),
            total_row=pl.col("scope") == "all",
            row_sets=keys,
            total_includes_unlisted=True,
        ),
        "cohort_completion_windows": GroupLayout(
            size="n",
            values=("n", "excluded", "completed_within", "completion_rate"),
            units=("cohort_uuid",),
            total_row=external if total_row is not None else True,
        ),
        "time_to_completion": GroupLayout(
            size="n_completers",
            values=("n_completers", "median_days", "q1_days", "q3_days", "mean_days", "n_excluded"),
            total_row=external,
        ),
        "cumulative_incidence": GroupLayout(
            size="n_at_risk",
            values=("cif", "n_at_risk", "n_events"),
            units=keys,
            size_rule="max",  # the number at risk at t 0: the group's enrollments on the curve
            total_row=external,
        ),
        "grade_histogram": GroupLayout(
            size="count",
            values=("count",),
            units=keys,
            size_rule="sum",  # graded enrollments of the group
            total_row=external,
        ),
        "grade_summary": GroupLayout(
            size="n",
            values=(
                "n",
                "n_graded",
                "n_ungraded",
                "below_threshold",
                "below_threshold_rate",
                *_GRADE_STATISTICS,
            ),
            bases={"below_threshold_rate": "n_graded"}
            | dict.fromkeys(_GRADE_STATISTICS, "n_graded"),
            individual_columns=("min", "max"),
            total_row=external,
        ),
        "cohort_timeline": GroupLayout(
            size="_cohort_n",
            values=("new_enrollments", "completions", "active"),
            units=("cohort_uuid",),
            # The cohorts' n add up to the all-cohorts total of the completion tables.
            total_row=True if total_row is None else total_row,
        ),
        "certificate_coverage": GroupLayout(
            size="n",
            values=("n", "with_certificate", "without_certificate", "certified_rate"),
            total_row=external,
        ),
    }
    if metric not in layouts:
        raise InvalidOptionError(f"no group layout for {metric!r}; known: {sorted(layouts)}")
    return layouts[metric]
