"""Which cohort the Cohorts page opens on when the URL names none."""

from __future__ import annotations

from datetime import datetime

import polars as pl

__all__ = ["default_cohort"]


def default_cohort(sizes: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime) -> str:
    """The largest cohort whose planned end date has passed (its outcomes are mostly known);
    the largest cohort of all when none has ended. Ties go to the lowest cohort code.

    ``sizes`` has ``cohort_uuid``, ``cohort_code`` and ``len`` (enrollments in the filter).
    """
    ends = cohorts.select(pl.col("uuid").alias("cohort_uuid"), "end_date").unique(
        "cohort_uuid", keep="first"
    )
    ranked = sizes.join(ends, on="cohort_uuid", how="left").with_columns(
        (pl.col("end_date").is_not_null() & (pl.col("end_date") <= as_of))
        .fill_null(value=False)
        .alias("ended")
    )
    best = ranked.sort(
        ["ended", "len", "cohort_code"], descending=[True, True, False], nulls_last=True
    )
    return str(best.get_column("cohort_uuid")[0])
