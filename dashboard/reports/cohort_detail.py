"""One-cohort detail reports: the rows in a cohort they read, and the chosen cohort among them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from dashboard.publication.one_cohort import OneCohort
from dashboard.reports.errors import ReportInputError

if TYPE_CHECKING:  # (definition's ReportInputs holds a CohortMembers)
    from dashboard.reports.definition import ReportInputs

__all__ = ["CohortMembers", "cohort_detail", "cohort_members", "detail_cohort"]


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


def detail_cohort(inputs: ReportInputs) -> OneCohort:
    """The detail cohort of ``inputs`` among the filter's rows in a cohort (shared where the
    reports are built together: ``inputs.detail``)."""
    if inputs.detail_cohort is None:
        raise ReportInputError("this report shows one cohort: give --detail-cohort UUID")
    if inputs.detail is not None and inputs.detail.uuid == inputs.detail_cohort:
        return inputs.detail
    return OneCohort(inputs.detail_cohort, inputs.enrollments, inputs.cohorts)


def cohort_detail(
    build: Callable[[ReportInputs, OneCohort], pl.DataFrame],
) -> Callable[[ReportInputs], pl.DataFrame]:
    """A detail report: ``build(inputs, the cohort among the rows in a cohort)``.

    The detail is the chosen cohort's rows of the breakdown over every cohort in the filter, so
    a cohort hidden there (too small, or hidden so that a small one cannot be worked out from
    the total) is hidden in its detail too (``dashboard.publication.one_cohort``: decided from
    every cohort's size, computed from the chosen cohort's rows).
    """

    def detail(inputs: ReportInputs) -> pl.DataFrame:
        return build(inputs, detail_cohort(inputs))

    return detail
