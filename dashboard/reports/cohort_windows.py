"""The cohort-windows report: completion within 100/150/200% of normal time, suppressed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import polars as pl

from dashboard.publication import MIN_CELL, DisclosurePolicy, cohort_windows_table
from dashboard.publication.policy import DEFAULT_POLICY

__all__ = ["cohort_windows"]


def cohort_windows(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    windows: Sequence[int] = (100, 150, 200),
    course_normal_time_days: Mapping[str, int] | None = None,
    exclusions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Share of each cohort completed within w% of its normal time (IPEDS style), as published.

    One row per cohort and window: cohort_uuid, cohort_code, course_uuid, course_name,
    window_pct, normal_time_days, normal_time_source, n (after exclusions), excluded,
    completed_within, completion_rate (+ ci_low, ci_high), status ("shown", "in progress",
    "no normal time"), matures_on, suppressed, suppression_note. The rate is only given for mature
    cohorts (status "shown"); small counts and what would reveal them are null, never 0.
    """
    return cohort_windows_table(
        enrollments,
        cohorts,
        as_of=as_of,
        policy=policy,
        min_cell=min_cell,
        windows=windows,
        course_normal_time_days=course_normal_time_days,
        exclusions=exclusions,
    )
