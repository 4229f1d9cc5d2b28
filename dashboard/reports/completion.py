"""Completion reports: rates by course and by cohort, each with its overall row, published."""

from __future__ import annotations

import polars as pl

from dashboard.publication import MIN_CELL, DisclosurePolicy, completion_table
from dashboard.publication.policy import DEFAULT_POLICY

__all__ = ["ALL_GROUPS", "NO_COHORT", "completion_by_cohort", "completion_by_course"]

ALL_GROUPS = "(all)"
NO_COHORT = "(no cohort)"


def _published_rates(
    enrollments: pl.DataFrame, *, by: list[str], min_cell: int, policy: DisclosurePolicy | str
) -> pl.DataFrame:
    """completion_rates per group plus the overall row, published together as one table."""
    return completion_table(enrollments, by=by, min_cell=min_cell, policy=policy)


def _groups_then_total(frame: pl.DataFrame, *, order: list[str]) -> pl.DataFrame:
    groups = frame.filter(~pl.col("is_total")).sort(order, nulls_last=True)
    return pl.concat([groups, frame.filter(pl.col("is_total"))])


def completion_by_course(
    enrollments: pl.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Completion and dropout rates per course with n and 95% Wilson intervals, then all courses.

    Columns: course_uuid, course_name, n, completed, dropped, enrolled, completion_rate,
    completion_rate_ci_low, completion_rate_ci_high, dropout_rate, dropout_rate_ci_low,
    dropout_rate_ci_high, is_total, suppressed, suppression_note. Rates are decimals in [0, 1].
    The last row (is_total, course_name "(all)") is every enrollment. Counts below ``min_cell``
    and what would reveal them are null with ``suppressed`` true, never 0 (metrics.md §6), as
    ``policy`` decides (the public policy adds ``completion_rate_band`` and ``dropout_rate_band``).
    """
    published = _published_rates(
        enrollments, by=["course_uuid", "course_name"], min_cell=min_cell, policy=policy
    )
    labelled = published.with_columns(
        pl.when(pl.col("is_total"))
        .then(pl.lit(ALL_GROUPS))
        .otherwise(pl.col("course_name"))
        .alias("course_name")
    )
    return _groups_then_total(labelled, order=["course_name", "course_uuid"])


def completion_by_cohort(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Completion and dropout rates per cohort (with its course and modality), then all cohorts.

    Columns: cohort_uuid, cohort_code, course_uuid, course_name, modality, start_date, end_date,
    then the columns of :func:`completion_by_course` from n on. Enrollments without a cohort form
    the group "(no cohort)"; course, modality and dates come from the cohort record.
    """
    published = _published_rates(
        enrollments, by=["cohort_uuid", "cohort_code"], min_cell=min_cell, policy=policy
    )
    details = cohorts.select(
        pl.col("uuid").alias("cohort_uuid"),
        pl.col("course_uuid"),
        pl.col("course_name"),
        pl.col("modality").cast(pl.String),
        pl.col("start_date"),
        pl.col("end_date"),
    ).unique("cohort_uuid", keep="first")
    joined = published.join(details, on="cohort_uuid", how="left", maintain_order="left")
    labelled = joined.with_columns(
        pl.when(pl.col("is_total"))
        .then(pl.lit(ALL_GROUPS))
        .when(pl.col("cohort_uuid").is_null())
        .then(pl.lit(NO_COHORT))
        .otherwise(pl.col("cohort_code"))
        .alias("cohort_code")
    )
    leading = ["cohort_uuid", "cohort_code", *details.columns[1:]]
    ordered = labelled.select(*leading, pl.exclude(leading))
    return _groups_then_total(ordered, order=["course_name", "cohort_code", "cohort_uuid"])
