"""The pages' tables that are reports of the catalog: built, shown and downloaded as exported.

A panel whose table is a catalog report builds it with ``build_report`` from the page's rows and
policy (and the page's own options: a grouping, a pass mark), exactly as ``enrollment-outcomes
export REPORT`` does with the same filters (``Filters.to_cli_args``), ``--policy``, ``--by`` and
``--pass-mark``: its CSV download is the export's bytes. ``PAGE_REPORTS`` lists them per page and
``PAGE_REPORT_OPTIONS`` the page options each takes (the test that compares the bytes reads both).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final, TypedDict, Unpack

import polars as pl

from dashboard.app.runtime import PageContext
from dashboard.publication import DisclosurePolicy
from dashboard.publication.filters import Filters
from dashboard.reports import REPORTS, build_report, build_reports, frame_to_csv

__all__ = [
    "PAGE_REPORTS",
    "PAGE_REPORT_OPTIONS",
    "PageOptions",
    "page_report",
    "page_report_csv",
]


class PageOptions(TypedDict, total=False):
    """A page's own options that a report takes (``export --by``, ``--pass-mark``,
    ``--detail-cohort``)."""

    by: str | None
    pass_mark: float
    detail_cohort: str | None


PAGE_REPORTS: Final[Mapping[str, tuple[str, ...]]] = {
    "overview": ("filter-vs-all", "completion-by-intake-year"),
    "completion": (
        "completion-by-course",
        "completion-by-cohort",
        "completion-by-intake-year",
        "completion-by-modality",
        "cohort-windows",
        "completion-incidence",
        "completion-durations",
    ),
    "grades": ("grade-histogram", "grades-by-group"),
    "cohorts": (
        "cohort-detail-timeline",
        "cohort-detail-status",
        "cohort-detail-windows",
        "cohort-detail-grades",
        "completion-by-cohort",
    ),
    "data_quality": ("data-quality",),
    "traceability": ("certificate-coverage",),
}
# The page options a report is shown with (each one a case of the byte-for-byte test).
PAGE_REPORT_OPTIONS: Final[Mapping[str, tuple[PageOptions, ...]]] = {
    "completion-durations": ({"by": "course"}, {"by": "intake_year"}, {"by": "all"}),
    "grades-by-group": ({"by": "course", "pass_mark": 6.5}, {"by": "cohort"}, {"by": "modality"}),
}


def page_report(
    name: str,
    context: PageContext,
    *,
    policy: DisclosurePolicy,
    **options: Unpack[PageOptions],
) -> pl.DataFrame:
    """The catalog report ``name`` over the page's dataset, filters, policy and options.

    The page's rows are already filtered (``context.filtered`` is ``filters.apply`` of the
    dataset's enrollments, which carry the groupings), so they are handed over as they are,
    with no filter to apply again: the same rows the export filters to, without filtering the
    whole dataset once more for every report of the page. A report that compares the filter
    with every row (filter-vs-all) gets the dataset's rows as ``unfiltered``.
    """
    report = REPORTS[name]
    return build_reports(
        [name],
        enrollments=context.filtered,
        cohorts=context.dataset.cohorts,
        as_of=context.as_of,
        policy=policy,
        unfiltered=context.dataset.enrollments if report.reads_unfiltered else None,
        certificates=context.dataset.certificates if report.needs_certificates else None,
        **options,
    )[name]


def page_report_csv(
    name: str,
    *,
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    filters: Filters,
    policy: DisclosurePolicy,
    certificates: pl.DataFrame | None = None,
    **options: Unpack[PageOptions],
) -> bytes:
    """The bytes of a report panel's download: ``page_report`` as the panel formats it
    (``frame_to_csv``, the export's column order) from a dataset's frames."""
    frame = build_report(
        name,
        enrollments=enrollments,
        cohorts=cohorts,
        as_of=as_of,
        filters=filters,
        policy=policy,
        certificates=certificates,
        **options,
    )
    return frame_to_csv(frame)
