"""Report filters (course, cohort, status, student): validated strictly, then applied to rows.

Unlike the dashboard's URL filters, which drop a value they cannot read, a report filter that is not
valid is an error: a scheduled export must not silently widen to "all" because of a typo.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from dashboard.data.schema import COMPLETION_STATUSES
from dashboard.reports.errors import ReportFilterError

__all__ = ["ReportFilterError", "ReportFilters"]


def _uuids(option: str, values: Iterable[str]) -> tuple[str, ...]:
    canonical: set[str] = set()
    for value in values:
        try:
            canonical.add(str(uuid.UUID(value.strip())))
        except ValueError:
            raise ReportFilterError(f"{option}: {value!r} is not a UUID") from None
    return tuple(sorted(canonical))


def _statuses(values: Iterable[str]) -> tuple[str, ...]:
    chosen: set[str] = set()
    for value in values:
        status = value.strip().lower()
        if status not in COMPLETION_STATUSES:
            allowed = ", ".join(COMPLETION_STATUSES)
            raise ReportFilterError(f"status: {value!r} is not one of {allowed}")
        chosen.add(status)
    return tuple(sorted(chosen))


@dataclass(frozen=True)
class ReportFilters:
    """Allowed values per field; an empty tuple means "all". UUIDs are canonical lower case."""

    courses: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    students: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        *,
        courses: Iterable[str] = (),
        cohorts: Iterable[str] = (),
        statuses: Iterable[str] = (),
        students: Iterable[str] = (),
    ) -> ReportFilters:
        """Validate and canonicalise filter values; raise ReportFilterError naming the bad one."""
        return cls(
            courses=_uuids("course", courses),
            cohorts=_uuids("cohort", cohorts),
            statuses=_statuses(statuses),
            students=_uuids("student", students),
        )

    @property
    def active(self) -> bool:
        """Whether any filter narrows the rows."""
        return bool(self.courses or self.cohorts or self.statuses or self.students)

    def apply(self, enrollments: pl.DataFrame) -> pl.DataFrame:
        """The enrollment rows that pass every filter (all rows when none is active)."""
        conditions: list[pl.Expr] = []
        if self.courses:
            conditions.append(pl.col("course_uuid").str.to_lowercase().is_in(self.courses))
        if self.cohorts:
            conditions.append(pl.col("cohort_uuid").str.to_lowercase().is_in(self.cohorts))
        if self.statuses:
            conditions.append(pl.col("completion_status").cast(pl.String).is_in(self.statuses))
        if self.students:
            conditions.append(pl.col("student_uuid").str.to_lowercase().is_in(self.students))
        return enrollments.filter(*conditions) if conditions else enrollments

    def describe(self) -> str:
        """A short description, e.g. ``status=completed; course=…`` (``all`` when inactive)."""
        parts = [
            f"{label}={','.join(values)}"
            for label, values in (
                ("course", self.courses),
                ("cohort", self.cohorts),
                ("status", self.statuses),
                ("student", self.students),
            )
            if values
        ]
        return "; ".join(parts) if parts else "all"
