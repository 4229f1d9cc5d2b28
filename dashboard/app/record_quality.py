"""The data-quality checks applied to one record before a form sends it (stricter than the API).

The checks are ``dashboard.metrics.quality``'s own (``checks_failed_by`` runs the expressions of
the Data quality page on the proposed record), so a form cannot save what that page then flags.
This module only says where each failure is shown and in which words. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.metrics import QUALITY_CHECKS, checks_failed_by

__all__ = ["FORM_NOTE", "RULE_SUFFIX", "QualityContext", "quality_errors"]

# Said once in each form, where the API's own rules are looser than ours.
FORM_NOTE = (
    "Stricter than the API: this form also refuses what the Data quality page flags (a "
    "completed enrollment without completion date or grade, a completion date on an enrolled "
    "or dropped one, dates in the future, a cohort of another course, the same student twice "
    "in a course and cohort). The API itself would accept these."
)
RULE_SUFFIX = " (Data-quality rule: the API would accept this.)"

# Per check: the form fields to show its message beside, in order of preference (the first
# one the form has), and the message.
_PLACES: Mapping[str, tuple[tuple[str, ...], str]] = {
    "completed_without_date": (
        ("completed_at",),
        "A completed enrollment needs a completion date.",
    ),
    "completed_before_enrolled": (
        ("completed_at",),
        "The completion date is before the enrollment date.",
    ),
    "completed_in_future": (("completed_at",), "The completion date is in the future."),
    "enrolled_in_future": (("enrolled_at",), "The enrollment date is in the future."),
    "grade_out_of_range": (("grade",), "The grade must be between 0 and 10."),
    "grade_too_precise": (("grade",), "The grade must have at most 2 decimal places."),
    "completed_at_not_completed": (
        ("completed_at",),
        "Only a completed enrollment has a completion date: clear it, or set the status to "
        "completed.",
    ),
    "completed_without_grade": (("grade",), "A completed enrollment needs a grade."),
    "cohort_of_other_course": (("cohort_uuid",), "The selected cohort belongs to another course."),
    "cohort_unknown": (("cohort_uuid",), "The cohort is not in the cohort list."),
    "duplicate_enrollment": (
        ("student_uuid", "cohort_uuid"),
        "This student already has an enrollment in this course and cohort.",
    ),
    "status_missing": (("completion_status",), "The completion status is required."),
}
_COLUMNS = (
    "uuid",
    *sorted({column for check in QUALITY_CHECKS.values() for column in check.fields}),
)


@dataclass(frozen=True)
class QualityContext:
    """What the checks need besides the record: the cohorts, the stored enrollments (for
    duplicates) and the moment that counts as now (for future dates)."""

    cohorts: pl.DataFrame
    enrollments: pl.DataFrame
    as_of: datetime


def _moment(value: Any) -> datetime | None:
    """A date as the frame holds it (UTC midnight, as the API stores a ``YYYY-MM-DD``)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _candidate(record: Mapping[str, Any]) -> pl.DataFrame:
    row = {column: record.get(column) for column in _COLUMNS}
    for column in ("enrolled_at", "completed_at"):
        row[column] = _moment(row[column])
    return pl.DataFrame([row], schema={column: ENROLLMENT_SCHEMA[column] for column in _COLUMNS})


def quality_errors(
    record: Mapping[str, Any],
    context: QualityContext,
    *,
    form_fields: Collection[str],
    changed: Collection[str] | None = None,
) -> dict[str, list[str]]:
    """Messages per form field for the data-quality checks the proposed ``record`` fails.

    ``record`` holds the enrollment as it would be saved (frame columns; dates as ``date``,
    ``datetime`` or ``YYYY-MM-DD``). For an edit, ``changed`` names the fields the user changed:
    only checks that read one of them are enforced, so a record already flagged for something
    the edit does not touch can still be corrected elsewhere. ``None`` (a new record) enforces
    every check. A message for a field the form lacks goes under ``__all__``.
    """
    failed = checks_failed_by(
        _candidate(record), context.cohorts, as_of=context.as_of, enrollments=context.enrollments
    )
    errors: dict[str, list[str]] = {}
    for name in failed:
        if changed is not None and not set(QUALITY_CHECKS[name].fields) & set(changed):
            continue
        places, message = _PLACES[name]
        field = next((place for place in places if place in form_fields), "__all__")
        errors.setdefault(field, []).append(message + RULE_SUFFIX)
    return errors
