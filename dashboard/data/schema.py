"""The one place that defines the frames' schemas: enrollments and the reference frames.

Every frame the data layer hands out is built with one of these schemas, never by inference,
so metrics, charts and reports can rely on the dtypes. Bump ``SCHEMA_VERSION`` whenever a schema
changes: it is part of every cache key, so old cache entries are never read with a new schema.
"""

from __future__ import annotations

import polars as pl

from dashboard.data.vocabulary import COMPLETION_STATUSES, SCHEMA_VERSION

__all__ = [
    "CERTIFICATE_SCHEMA",
    "COHORT_SCHEMA",
    "COMPLETION_STATUSES",
    "COURSE_SCHEMA",
    "ENROLLMENT_SCHEMA",
    "RESOURCE_SCHEMAS",
    "SCHEMA_VERSION",
    "STUDENT_SCHEMA",
    "CompletionStatus",
    "UtcDatetime",
]
CompletionStatus = pl.Enum(list(COMPLETION_STATUSES))
UtcDatetime = pl.Datetime("us", "UTC")

ENROLLMENT_SCHEMA = pl.Schema(
    {
        "uuid": pl.String(),
        "completion_status": CompletionStatus,
        "grade": pl.Float64(),
        "enrolled_at": UtcDatetime,
        "completed_at": UtcDatetime,
        "student_uuid": pl.String(),
        "student_name": pl.String(),
        "course_uuid": pl.String(),
        "course_name": pl.String(),
        "cohort_uuid": pl.String(),
        "cohort_code": pl.String(),
    }
)

COURSE_SCHEMA = pl.Schema(
    {
        "uuid": pl.String(),
        "code": pl.String(),
        "name": pl.String(),
        "status": pl.String(),
        "workload_hours": pl.Int64(),
    }
)

COHORT_SCHEMA = pl.Schema(
    {
        "uuid": pl.String(),
        "code": pl.String(),
        "modality": pl.String(),
        "start_date": UtcDatetime,
        "end_date": UtcDatetime,
        "course_uuid": pl.String(),
        "course_name": pl.String(),
    }
)

CERTIFICATE_SCHEMA = pl.Schema(
    {
        "uuid": pl.String(),
        "status": pl.String(),
        "issued_at": UtcDatetime,
        "student_uuid": pl.String(),
        "course_uuid": pl.String(),
        "cohort_uuid": pl.String(),
        "enrollment_uuid": pl.String(),
    }
)

STUDENT_SCHEMA = pl.Schema(
    {
        "uuid": pl.String(),
        "name": pl.String(),
        "email": pl.String(),
        "created_at": UtcDatetime,
    }
)

# Each resource's frame schema, by the resource's API path.
RESOURCE_SCHEMAS: dict[str, pl.Schema] = {
    "enrollments": ENROLLMENT_SCHEMA,
    "courses": COURSE_SCHEMA,
    "cohorts": COHORT_SCHEMA,
    "certificates": CERTIFICATE_SCHEMA,
    "students": STUDENT_SCHEMA,
}
