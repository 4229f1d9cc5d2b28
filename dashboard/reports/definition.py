"""What a report is: its definition (name, level, how it is built, the policies it honours),
the inputs it reads and the optional arguments of ``build_report`` and ``report_csv``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypedDict

import polars as pl

from dashboard.metrics.groupings import GROUPINGS
from dashboard.publication import DisclosurePolicy, InvalidPolicyError
from dashboard.publication.filters import Filters
from dashboard.publication.one_cohort import OneCohort
from dashboard.reports.errors import ReportInputError

__all__ = ["Level", "Report", "ReportInputs", "ReportOptions"]

Level = Literal["aggregate", "student-level"]


class ReportOptions(TypedDict, total=False):
    """The optional arguments of ``build_report`` and ``report_csv`` (their one definition).

    Defaults: no corrections, no filters, ``min_cell=MIN_CELL``, the report's default policy,
    ``pass_mark=5.0``, ``windows=(100, 150, 200)``, no normal times per course, no exclusions,
    ``by=None`` (a report that takes a grouping: its default one; ``Report.groupings``),
    ``unfiltered=None`` (``enrollments`` before the filters: the rows themselves), no
    certificates.
    """

    corrections: pl.DataFrame | None
    filters: Filters | None
    min_cell: int
    policy: DisclosurePolicy | str | None
    pass_mark: float
    windows: Sequence[int]
    course_normal_time_days: Mapping[str, int] | None
    exclusions: pl.DataFrame | None
    by: str | None
    unfiltered: pl.DataFrame | None
    certificates: pl.DataFrame | None
    detail_cohort: str | None


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report may read: frames (already filtered) and options."""

    enrollments: pl.DataFrame
    cohorts: pl.DataFrame
    corrections: pl.DataFrame | None
    as_of: datetime
    min_cell: int
    policy: DisclosurePolicy
    pass_mark: float
    windows: tuple[int, ...]
    course_normal_time_days: Mapping[str, int] | None
    exclusions: pl.DataFrame | None
    # The grouping's columns (``GROUPINGS``; empty: no grouping) and the rows before filtering
    # (what "all" means in filter-vs-all).
    by: tuple[str, ...] = ()
    unfiltered: pl.DataFrame | None = None
    certificates: pl.DataFrame | None = None
    detail_cohort: str | None = None
    # The detail cohort among the rows in a cohort, where reports built together share it (its
    # rows and sizes are picked once; None: a one-cohort detail picks it from ``enrollments``).
    detail: OneCohort | None = None


@dataclass(frozen=True)
class Report:
    """One report: its name, what it shows, whether it is suppressed, and how it is built."""

    name: str
    title: str
    description: str
    level: Level
    build: Callable[[ReportInputs], pl.DataFrame]
    needs_corrections: bool = False
    takes_filters: bool = True
    records_only: bool = False  # counts about records (data quality): never a public report
    needs_groupings: bool = False  # reads intake_year / modality (added from the cohorts)
    # The groupings ``by`` may name (``GROUPINGS`` keys), the first being the default; "all"
    # (where listed) means no grouping. Empty: the report takes no ``by``.
    groupings: tuple[str, ...] = ()
    reads_unfiltered: bool = False  # compares the filter with every row (filter-vs-all)
    needs_certificates: bool = False
    # One cohort's rows of a breakdown over every cohort in the filter (the Cohorts page's
    # detail): needs ``detail_cohort``.
    needs_detail_cohort: bool = False

    @property
    def suppressed(self) -> bool:
        """Aggregate reports pass through the disclosure policy; student-level ones do not."""
        return self.level == "aggregate"

    @property
    def default_policy(self) -> DisclosurePolicy:
        """internal for aggregate reports, none for student-level rows."""
        return DisclosurePolicy.INTERNAL if self.suppressed else DisclosurePolicy.NONE

    def grouping_columns(self, by: str | None) -> tuple[str, ...]:
        """The columns of the grouping ``by`` names (the report's default when None)."""
        if not self.groupings:
            if by is not None:
                raise ReportInputError(f"{self.name} takes no --by (it has no grouping to choose)")
            return ()
        chosen = self.groupings[0] if by is None else by
        if chosen not in self.groupings:
            raise ReportInputError(
                f"{self.name} groups by {', '.join(self.groupings)}, not {chosen!r}"
            )
        return () if chosen == "all" else tuple(GROUPINGS[chosen][1])

    def checked_detail_cohort(self, cohort: str | None) -> str | None:
        """The one cohort this report shows (canonical UUID), None for other reports."""
        if not self.needs_detail_cohort:
            if cohort is not None:
                raise ReportInputError(
                    f"{self.name} takes no --detail-cohort (it is not a one-cohort report)"
                )
            return None
        if cohort is None:
            raise ReportInputError(
                f"{self.name} is one cohort's report: name it with --detail-cohort UUID"
            )
        try:
            return str(uuid.UUID(cohort))
        except ValueError:
            raise ReportInputError(f"{cohort!r} is not a UUID") from None

    def checked_policy(self, policy: DisclosurePolicy | str | None) -> DisclosurePolicy:
        """The policy this report is built under (``None``: its default); a clear error where
        the report cannot honour it."""
        if policy is None:
            return self.default_policy
        try:
            chosen = DisclosurePolicy.parse(policy)
        except InvalidPolicyError as error:
            raise ReportInputError(str(error)) from error
        if not self.suppressed and chosen is not DisclosurePolicy.NONE:
            raise ReportInputError(
                f"{self.name} is student-level (rows, not aggregates): it is exported under "
                f"policy none only, never {chosen.value}"
            )
        if self.records_only and chosen is DisclosurePolicy.PUBLIC:
            raise ReportInputError(
                f"{self.name} counts records for those who fix the data and shows every count "
                "(zeros too): it is not a public report; use --policy internal"
            )
        return chosen
