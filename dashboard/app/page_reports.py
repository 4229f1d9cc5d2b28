"""The pages' tables that are reports of the catalog: built, shown and downloaded as exported.

A panel whose table is a catalog report builds it with ``build_report`` from the whole dataset
and the page's filters and policy, exactly as ``enrollment-outcomes export REPORT`` does with
the same filters (``Filters.to_cli_args``) and ``--policy``: its CSV download is the export's
bytes. ``PAGE_REPORTS`` lists them per page (the test that compares the bytes reads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

import polars as pl

from dashboard.app.runtime import PageContext
from dashboard.publication import DisclosurePolicy
from dashboard.publication.filters import Filters
from dashboard.reports import build_report, frame_to_csv

__all__ = ["PAGE_REPORTS", "page_report", "page_report_csv"]

PAGE_REPORTS: Final[Mapping[str, tuple[str, ...]]] = {
    "overview": ("completion-by-intake-year",),
    "completion": (
        "completion-by-course",
        "completion-by-cohort",
        "completion-by-intake-year",
        "completion-by-modality",
        "cohort-windows",
    ),
    "cohorts": ("completion-by-cohort",),
    "data_quality": ("data-quality",),
}


def page_report(name: str, context: PageContext, *, policy: DisclosurePolicy) -> pl.DataFrame:
    """The catalog report ``name`` over the page's dataset, filters and policy.

    The page's rows are already filtered (``context.filtered`` is ``filters.apply`` of the
    dataset's enrollments, which carry the groupings), so they are handed over as they are,
    with no filter to apply again: the same rows the export filters to, without filtering the
    whole dataset once more for every report of the page.
    """
    return build_report(
        name,
        enrollments=context.filtered,
        cohorts=context.dataset.cohorts,
        as_of=context.as_of,
        policy=policy,
    )


def page_report_csv(
    name: str,
    *,
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    filters: Filters,
    policy: DisclosurePolicy,
) -> bytes:
    """The bytes of a report panel's download: ``page_report`` as the panel formats it
    (``frame_to_csv``, the export's column order) from a dataset's frames."""
    frame = build_report(
        name, enrollments=enrollments, cohorts=cohorts, as_of=as_of, filters=filters, policy=policy
    )
    return frame_to_csv(frame)
