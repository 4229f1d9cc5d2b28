"""Record-level reports: data-quality counts, the corrections log and the enrollment rows."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.publication import data_quality_table

__all__ = ["corrections_log", "data_quality_report", "enrollment_rows"]


def data_quality_report(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """How many enrollments fail each data-quality check, as the dashboard's page shows them.

    Columns: check, label, count, description, suppressed (always false), suppression_note.
    Every count is shown, zeros too: they are about records, for those who fix the data
    (metrics.md §6). The rows behind a check are student-level and only for editors (in the
    dashboard, or ``enrollments`` filtered by hand).
    """
    return data_quality_table(enrollments, cohorts, as_of=as_of)


def corrections_log(corrections: pl.DataFrame) -> pl.DataFrame:
    """Every correction made through the dashboard or the library, oldest first (not suppressed).

    Columns: at (UTC), actor, action (create, update, delete), enrollment_uuid, before, after (the
    record as JSON text, empty for a create's before and a delete's after).
    """
    return corrections.sort("at", maintain_order=True)


def enrollment_rows(enrollments: pl.DataFrame) -> pl.DataFrame:
    """The enrollment rows themselves (student-level: never suppressed, for authorised users).

    Columns: those of ``ENROLLMENT_SCHEMA`` in order (uuid, completion_status, grade, enrolled_at,
    completed_at, student_uuid, student_name, course_uuid, course_name, cohort_uuid, cohort_code),
    sorted by enrolled_at then uuid.
    """
    return enrollments.select(list(ENROLLMENT_SCHEMA)).sort("enrolled_at", "uuid", nulls_last=True)
