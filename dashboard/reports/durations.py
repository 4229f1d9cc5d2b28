"""Time reports: days to completion per course (completers only) and cumulative-incidence curves."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboard.metrics import time_to_completion
from dashboard.publication import MIN_CELL, DisclosurePolicy, incidence_table
from dashboard.publication.policy import DEFAULT_POLICY
from dashboard.publication.tables import group_sizes, publish_time_to_completion
from dashboard.reports.completion import ALL_GROUPS

__all__ = ["completion_curves", "time_to_completion_by_course"]

_COURSE = ["course_uuid", "course_name"]


def time_to_completion_by_course(
    enrollments: pl.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Days from enrollment to completion per course, then all courses (completers only).

    Columns: course_uuid, course_name, n_completers, median_days, q1_days, q3_days, mean_days,
    n_excluded (completed rows without a usable date), is_total, suppressed, suppression_note.
    Completers only: it ignores everyone who has not finished and favours fast finishers; the
    cumulative-incidence curves are the honest picture. Statistics of groups with fewer than
    ``min_cell`` completers are null.
    """
    groups = time_to_completion(enrollments, by=_COURSE)
    overall = time_to_completion(enrollments).select(
        pl.lit(None, dtype=pl.String).alias("course_uuid"),
        pl.lit(ALL_GROUPS).alias("course_name"),
        pl.all(),
    )
    table = pl.concat(
        [
            groups.sort("course_name", "course_uuid", nulls_last=True).with_columns(
                is_total=pl.lit(False)
            ),
            overall.with_columns(is_total=pl.lit(True)),
        ],
        how="vertical_relaxed",
    )
    # The per-course completers add up to the overall row: publish them together.
    public = DisclosurePolicy.parse(policy) is DisclosurePolicy.PUBLIC
    return publish_time_to_completion(
        table,
        by=(),
        policy=policy,
        min_cell=min_cell,
        total_row=pl.col("is_total"),
        group_sizes=group_sizes(table, enrollments, by=_COURSE, min_cell=min_cell)
        if public
        else None,
    )


def completion_curves(
    enrollments: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Cumulative incidence of completion by days since enrollment, per course (Aalen-Johansen).

    Columns: course_uuid, course_name, event, t_days, cif, n_at_risk, n_events, suppressed,
    suppression_note. Still-enrolled students are censored at ``as_of``; dropout competes with
    completion (not 1 - Kaplan-Meier). ``internal``: the whole curve of each course of at least
    ``min_cell`` enrollments. ``public``: thinned (``thin_curve_for_publication``): a curve starts
    at t 0 with cif 0 and no counts, then has a point only once at least ``min_cell``
    completions have happened since the previous one; ``n_events`` counts the completions since
    the previous point; where fewer than ``min_cell`` are at risk the curve is not published; a
    course with no point to show has one empty row at t 0.
    """
    published = incidence_table(
        enrollments, as_of=as_of, by=_COURSE, min_cell=min_cell, policy=policy
    )
    return published.sort("course_name", "course_uuid", "event", "t_days", nulls_last=True)
