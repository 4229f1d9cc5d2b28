"""The cohort-timeline report: each cohort's monthly enrollments, completions and headcount."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboard.publication import MIN_CELL, DisclosurePolicy, cohort_timeline_table
from dashboard.publication.policy import DEFAULT_POLICY

__all__ = ["cohort_timeline_report"]


def cohort_timeline_report(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Per cohort and month: new enrollments, completions and active headcount, as published.

    Columns: cohort_uuid, cohort_code, month (first day), new_enrollments, completions, drops
    (always empty: DokStamp records no drop date), active (end-of-month headcount), start_date and
    end_date (the cohort's planned window), grain, suppressed, suppression_note. Enrollments
    without a cohort are not in this report. ``internal``: the months of each cohort of at least
    ``min_cell`` enrollments. ``public``: small counts and what would reveal them (with the other
    months, the headcount, or the cohort's n and status counts of the completion reports) are
    null, after falling back to quarters, years or one cumulative row (``grain``).
    """
    published = cohort_timeline_table(
        enrollments, cohorts, as_of=as_of, min_cell=min_cell, policy=policy
    )
    window = cohorts.select(pl.col("uuid").alias("cohort_uuid"), "start_date", "end_date").unique(
        "cohort_uuid", keep="first"
    )
    joined = published.join(window, on="cohort_uuid", how="left", maintain_order="left")
    flags = ["suppressed", "suppression_note"]
    return joined.select(pl.exclude(flags), *flags)
