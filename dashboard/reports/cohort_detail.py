"""One-cohort detail reports: the rows in a cohort they read, and the chosen cohort's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from dashboard.reports.errors import ReportInputError

if TYPE_CHECKING:  # (definition's ReportInputs holds a CohortMembers)
    from dashboard.reports.definition import ReportInputs

__all__ = ["CohortMembers", "cohort_detail", "cohort_members", "one_cohort"]


@dataclass(frozen=True)
class CohortMembers:
    """The enrollments that belong to a cohort, and the records of the cohorts they are in."""

    rows: pl.DataFrame
    records: pl.DataFrame


def cohort_members(enrollments: pl.DataFrame, cohorts: pl.DataFrame) -> CohortMembers:
    """The rows of ``enrollments`` with a cohort, and the ``cohorts`` records of those cohorts.

    Rows already all in a cohort are taken as they are (no copy of a large frame).
    """
    if enrollments.get_column("cohort_uuid").null_count():
        rows = enrollments.filter(pl.col("cohort_uuid").is_not_null())
    else:
        rows = enrollments
    records = cohorts.filter(
        pl.col("uuid").is_in(rows.get_column("cohort_uuid").unique().implode())
    )
    return CohortMembers(rows=rows, records=records)


def cohort_detail(
    build: Callable[[ReportInputs, pl.DataFrame, pl.DataFrame, str], pl.DataFrame],
) -> Callable[[ReportInputs], pl.DataFrame]:
    """A detail report: ``build(inputs, rows in a cohort, those cohorts' records, the cohort)``.

    The detail is the chosen cohort's rows of the breakdown over every cohort in the filter, so
    a cohort hidden there (too small, or hidden so that a small one cannot be worked out from
    the total) is hidden in its detail too.
    """

    def detail(inputs: ReportInputs) -> pl.DataFrame:
        if inputs.detail_cohort is None:
            raise ReportInputError("this report shows one cohort: give --detail-cohort UUID")
        members = inputs.cohort_members or cohort_members(inputs.enrollments, inputs.cohorts)
        return build(inputs, members.rows, members.records, inputs.detail_cohort)

    return detail


def one_cohort(table: pl.DataFrame, cohort: str) -> pl.DataFrame:
    """The rows of ``cohort`` in a breakdown by cohort."""
    return table.filter(pl.col("cohort_uuid") == cohort)
