"""One-cohort detail reports: the rows in a cohort they read, and the chosen cohort among them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from dashboard.publication.one_cohort import OneCohort

if TYPE_CHECKING:  # (definition's ReportInputs holds a OneCohort)
    from dashboard.reports.definition import ReportInputs

__all__ = ["cohort_detail", "detail_cohort"]


def detail_cohort(inputs: ReportInputs) -> OneCohort:
    """The detail cohort of ``inputs`` among the filter's rows in a cohort (shared where the
    reports are built together: ``inputs.detail``)."""
    assert inputs.detail_cohort is not None  # checked with the options (build_report)
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
