"""The cohort-timeline report: each cohort's monthly enrollments, completions and headcount."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboard.metrics import published_cohort_timeline

__all__ = ["cohort_timeline_report"]


def cohort_timeline_report(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime, min_cell: int = 10
) -> pl.DataFrame:
    """Per cohort and month: new enrollments, completions and active headcount, as published.

    Columns: cohort_uuid, cohort_code, month (first day), new_enrollments, completions, drops
    (always empty: DokStamp records no drop date), active (end-of-month headcount), start_date and
    end_date (the cohort's planned window), suppressed, suppression_note. Enrollments without a
    cohort are not in this report. Small counts and what would reveal them (with the other
    months, the headcount, or the cohort's n and status counts of the completion reports) are
    null (``published_cohort_timeline``).
    """
    published = published_cohort_timeline(enrollments, cohorts, as_of=as_of, min_cell=min_cell)
    window = cohorts.select(pl.col("uuid").alias("cohort_uuid"), "start_date", "end_date").unique(
        "cohort_uuid", keep="first"
    )
    joined = published.join(window, on="cohort_uuid", how="left", maintain_order="left")
    flags = ["suppressed", "suppression_note"]
    return joined.select(pl.exclude(flags), *flags)
