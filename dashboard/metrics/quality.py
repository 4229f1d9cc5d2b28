"""Data-quality checks of metrics.md §7: each a count, and the enrollment rows behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

import polars as pl

from dashboard.metrics.errors import UnknownCheckError
from dashboard.metrics.grades import in_range
from dashboard.metrics.inputs import as_utc, require_columns


@dataclass(frozen=True)
class QualityCheck:
    """One data-quality check: its key, a short label, what it flags and the columns it reads.

    ``fields`` lets a form decide which checks an edit of some fields can break.
    """

    name: str
    label: str
    description: str
    fields: tuple[str, ...]


_CHECKS = (
    QualityCheck(
        "completed_without_date",
        "Completed without completion date",
        "Status completed but completed_at is empty.",
        ("completion_status", "completed_at"),
    ),
    QualityCheck(
        "completed_before_enrolled",
        "Completed before enrolled",
        "completed_at is earlier than enrolled_at.",
        ("completed_at", "enrolled_at"),
    ),
    QualityCheck(
        "completed_in_future",
        "Completion date in the future",
        "completed_at is after the extract date.",
        ("completed_at",),
    ),
    QualityCheck(
        "enrolled_in_future",
        "Enrollment date in the future",
        "enrolled_at is after the extract date.",
        ("enrolled_at",),
    ),
    QualityCheck(
        "grade_out_of_range",
        "Grade outside 0-10",
        "A grade below 0, above 10, or not a number.",
        ("grade",),
    ),
    QualityCheck(
        "grade_too_precise",
        "Grade with more than 2 decimals",
        "A grade that is not a multiple of 0.01.",
        ("grade",),
    ),
    QualityCheck(
        "completed_at_not_completed",
        "Completion date on a dropped or enrolled row",
        "Status dropped or enrolled but completed_at is filled in.",
        ("completion_status", "completed_at"),
    ),
    QualityCheck(
        "completed_without_grade",
        "Completed without a grade",
        "Status completed but no grade.",
        ("completion_status", "grade"),
    ),
    QualityCheck(
        "cohort_of_other_course",
        "Cohort of another course",
        "The enrollment's cohort belongs to a different course than the enrollment.",
        ("cohort_uuid", "course_uuid"),
    ),
    QualityCheck(
        "cohort_unknown",
        "Cohort not in the cohort list",
        "The enrollment names a cohort that the cohorts list does not have.",
        ("cohort_uuid",),
    ),
    QualityCheck(
        "duplicate_enrollment",
        "Same student twice in a course and cohort",
        "Every row of a student enrolled more than once in the same course and cohort (two rows "
        "without a cohort count as the same cohort).",
        ("student_uuid", "course_uuid", "cohort_uuid"),
    ),
    QualityCheck(
        "status_missing",
        "No completion status",
        "completion_status is empty.",
        ("completion_status",),
    ),
)

QUALITY_CHECKS: Mapping[str, QualityCheck] = MappingProxyType({c.name: c for c in _CHECKS})

_NEEDED = (
    "uuid",
    "completion_status",
    "grade",
    "enrolled_at",
    "completed_at",
    "student_uuid",
    "course_uuid",
    "cohort_uuid",
)


def data_quality(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """How many enrollments fail each data-quality check (flags, not fixes; metrics.md §7).

    Future dates are judged against ``as_of`` (the extract date). A row can fail several checks.

    Returns
    -------
    pl.DataFrame
        ``[check, label, count, description]``, one row per check of ``QUALITY_CHECKS`` in order.
    """
    flags = _flags(enrollments, cohorts, as_of=as_of)
    counts = flags.select(
        [pl.col(name).sum().cast(pl.Int64).alias(name) for name in QUALITY_CHECKS]
    ).row(0, named=True)
    return pl.DataFrame(
        {
            "check": list(QUALITY_CHECKS),
            "label": [c.label for c in QUALITY_CHECKS.values()],
            "count": [counts[name] or 0 for name in QUALITY_CHECKS],
            "description": [c.description for c in QUALITY_CHECKS.values()],
        },
        schema={
            "check": pl.String,
            "label": pl.String,
            "count": pl.Int64,
            "description": pl.String,
        },
    )


def data_quality_rows(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, check: str, as_of: datetime
) -> pl.DataFrame:
    """The enrollment rows behind one check's count (student-level: for editors, not published).

    Returns the rows of ``enrollments`` (all its columns, input order) that fail ``check``.
    Raises ``UnknownCheckError`` for a check not in ``QUALITY_CHECKS``.
    """
    if check not in QUALITY_CHECKS:
        raise UnknownCheckError(check, QUALITY_CHECKS)
    flags = _flags(enrollments, cohorts, as_of=as_of)
    return enrollments.filter(flags.get_column(check))


def checks_failed_by(
    candidate: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    enrollments: pl.DataFrame | None = None,
) -> tuple[str, ...]:
    """The checks (in ``QUALITY_CHECKS`` order) one enrollment would fail, before it is saved.

    ``candidate`` is one row with the columns ``data_quality`` needs; ``enrollments`` are the
    rows already stored (the one with the candidate's ``uuid`` is left out, as the candidate
    replaces it), needed by ``duplicate_enrollment`` only. The same expressions as
    ``data_quality``, so a form and the data-quality page cannot disagree.
    """
    if candidate.height != 1:
        raise ValueError(f"checks_failed_by takes one candidate row, got {candidate.height}")
    require_columns(candidate, _NEEDED, function="checks_failed_by")
    rows = candidate.select(_NEEDED)
    if enrollments is not None:
        require_columns(enrollments, _NEEDED, function="checks_failed_by")
        uuid, student = rows.get_column("uuid")[0], rows.get_column("student_uuid")[0]
        # Only rows of the same student can make the candidate a duplicate.
        same_student = enrollments.select(_NEEDED).filter(
            (pl.col("student_uuid") == pl.lit(student, dtype=pl.String))
            & (pl.col("uuid") != pl.lit(uuid, dtype=pl.String)).fill_null(True)
        )
        rows = pl.concat([rows.cast(same_student.schema), same_student])
    flags = _flags(rows, cohorts, as_of=as_of).row(0, named=True)
    return tuple(name for name in QUALITY_CHECKS if flags[name])


def _flags(enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime) -> pl.DataFrame:
    """One boolean column per check, aligned with the rows of ``enrollments``."""
    require_columns(enrollments, _NEEDED, function="data_quality")
    require_columns(cohorts, ("uuid", "course_uuid"), function="data_quality")
    limit = pl.lit(as_utc(as_of))
    status = pl.col("completion_status")
    grade = pl.col("grade")
    completed = status == "completed"
    cohort_course = cohorts.select(
        pl.col("uuid").alias("cohort_uuid"), pl.col("course_uuid").alias("_cohort_course")
    ).unique("cohort_uuid", keep="first")
    has_cohort = pl.col("cohort_uuid").is_not_null()
    same_place = pl.struct("student_uuid", "course_uuid", "cohort_uuid")
    checks = {
        "completed_without_date": completed & pl.col("completed_at").is_null(),
        "completed_before_enrolled": pl.col("completed_at") < pl.col("enrolled_at"),
        "completed_in_future": pl.col("completed_at") > limit,
        "enrolled_in_future": pl.col("enrolled_at") > limit,
        "grade_out_of_range": grade.is_not_null() & ~in_range(grade),
        "grade_too_precise": ~grade.is_nan()  # NaN compares above everything in polars
        & (((grade * 100) - (grade * 100).round(0)).abs() > 1e-6),
        "completed_at_not_completed": status.is_in(["dropped", "enrolled"])
        & pl.col("completed_at").is_not_null(),
        "completed_without_grade": completed & grade.is_null(),
        "cohort_of_other_course": has_cohort
        & pl.col("_cohort_course").is_not_null()
        & (pl.col("_cohort_course") != pl.col("course_uuid")).fill_null(True),
        "cohort_unknown": has_cohort & ~pl.col("_known_cohort"),
        "duplicate_enrollment": pl.col("student_uuid").is_not_null() & same_place.is_duplicated(),
        "status_missing": status.is_null(),
    }
    return (
        enrollments.select(_NEEDED)
        .join(
            cohort_course.with_columns(pl.lit(True).alias("_known_cohort")),
            on="cohort_uuid",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("_known_cohort").fill_null(False))
        .select([expr.fill_null(False).alias(name) for name, expr in checks.items()])
    )
