"""The Cohorts page's choice of cohort: the filter's cohorts, and the one it opens on when the
URL names none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

__all__ = ["CohortTables", "cohort_tables", "default_cohort"]


# Defined here, not in the page: the view cache keeps an instance for every filter shown, and a
# class defined in a page script holds that run's globals (its filtered rows, hundreds of
# megabytes at a million enrollments) through its methods for as long as the instance lives.
@dataclass(frozen=True)
class CohortTables:
    """The filter's cohorts: their codes and the default one."""

    codes: dict[str, str | None]
    largest: str | None


def cohort_tables(
    filtered: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime
) -> CohortTables:
    """The cohorts of the filtered enrollments (uuid -> code) and the default one
    (``default_cohort``); none when no filtered enrollment belongs to a cohort."""
    # Counted over the filter's rows, then the no-cohort group dropped: no copy of the rows.
    sizes = (
        filtered.group_by("cohort_uuid", "cohort_code")
        .len()
        .filter(pl.col("cohort_uuid").is_not_null())
    )
    if sizes.is_empty():
        return CohortTables(codes={}, largest=None)
    return CohortTables(
        codes=dict(
            zip(sizes["cohort_uuid"].to_list(), sizes["cohort_code"].to_list(), strict=True)
        ),
        largest=default_cohort(sizes, cohorts, as_of=as_of),
    )


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
