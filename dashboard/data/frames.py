"""Frames from DokStamp records: enrollments and the reference frames, built column by column.

The builders take the records exactly as ``DokStampClient.list_all`` returns them (JSON objects
with nested ``student`` / ``course`` / ``cohort`` summaries) and build each column of the frame's
schema from ``dashboard.data.schema`` directly: no row objects, no dtype inference. Records that
do not fit (a required field missing, a grade that is not a number) raise
``MalformedRecordError`` naming the field and the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from dashboard.data.columns import (
    ColumnValueError,
    enum_column,
    grade_column,
    integer_column,
    text_column,
    timestamp_column,
)
from dashboard.data.errors import MalformedRecordError
from dashboard.data.schema import (
    CERTIFICATE_SCHEMA,
    COHORT_SCHEMA,
    COURSE_SCHEMA,
    ENROLLMENT_SCHEMA,
    STUDENT_SCHEMA,
)

__all__ = [
    "FRAME_BUILDERS",
    "certificate_frame",
    "cohort_frame",
    "course_frame",
    "enrollment_frame",
    "enrollment_record",
    "student_frame",
]

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Field:
    """Where a frame column comes from in a record: ``("uuid",)`` or ``("student", "uuid")``."""

    column: str
    path: tuple[str, ...]
    required: bool = False


_ENROLLMENT_FIELDS = (
    _Field("uuid", ("uuid",), required=True),
    _Field("completion_status", ("completion_status",), required=True),
    _Field("grade", ("grade",)),
    _Field("enrolled_at", ("enrolled_at",), required=True),
    _Field("completed_at", ("completed_at",)),
    _Field("student_uuid", ("student", "uuid"), required=True),
    _Field("student_name", ("student", "name")),
    _Field("course_uuid", ("course", "uuid"), required=True),
    _Field("course_name", ("course", "name")),
    _Field("cohort_uuid", ("cohort", "uuid")),
    _Field("cohort_code", ("cohort", "code")),
)
_COURSE_FIELDS = (
    _Field("uuid", ("uuid",), required=True),
    _Field("code", ("code",)),
    _Field("name", ("name",)),
    _Field("status", ("status",)),
    _Field("workload_hours", ("workload_hours",)),
)
_COHORT_FIELDS = (
    _Field("uuid", ("uuid",), required=True),
    _Field("code", ("code",)),
    _Field("modality", ("modality",)),
    _Field("start_date", ("start_date",)),
    _Field("end_date", ("end_date",)),
    _Field("course_uuid", ("course", "uuid")),
    _Field("course_name", ("course", "name")),
)
_CERTIFICATE_FIELDS = (
    _Field("uuid", ("uuid",), required=True),
    _Field("status", ("status",)),
    _Field("issued_at", ("issued_at",)),
    _Field("student_uuid", ("student", "uuid")),
    _Field("course_uuid", ("course", "uuid")),
    _Field("cohort_uuid", ("cohort", "uuid")),
    _Field("enrollment_uuid", ("enrollment", "uuid")),
)
_STUDENT_FIELDS = (
    _Field("uuid", ("uuid",), required=True),
    _Field("name", ("name",)),
    _Field("email", ("email",)),
    _Field("created_at", ("created_at",)),
)


def enrollment_frame(records: Sequence[Record]) -> pl.DataFrame:
    """The enrollment frame (``ENROLLMENT_SCHEMA``) from ``GET /enrollments`` records.

    ``grade`` may be a JSON number or a numeric string; timestamps may have fractional seconds
    or not; ``cohort`` (and ``grade``, ``completed_at``) may be null or absent.

    Examples
    --------
    >>> frame = enrollment_frame([{
    ...     "uuid": "e1", "completion_status": "completed", "grade": "8.75",
    ...     "enrolled_at": "2024-02-01T00:00:00.000000Z", "completed_at": "2027-12-20T00:00:00Z",
    ...     "student": {"uuid": "s1", "name": "Maria"}, "course": {"uuid": "c1", "name": "BCS"},
    ...     "cohort": None}])
    >>> frame["grade"].to_list()
    [8.75]
    """
    return _frame(records, _ENROLLMENT_FIELDS, ENROLLMENT_SCHEMA, resource="enrollments")


def course_frame(records: Sequence[Record]) -> pl.DataFrame:
    """The course reference frame (``COURSE_SCHEMA``) from ``GET /courses`` records."""
    return _frame(records, _COURSE_FIELDS, COURSE_SCHEMA, resource="courses")


def cohort_frame(records: Sequence[Record]) -> pl.DataFrame:
    """The cohort reference frame (``COHORT_SCHEMA``, start/end dates) from ``GET /cohorts``."""
    return _frame(records, _COHORT_FIELDS, COHORT_SCHEMA, resource="cohorts")


def certificate_frame(records: Sequence[Record]) -> pl.DataFrame:
    """The certificate reference frame (``CERTIFICATE_SCHEMA``) from ``GET /certificates``."""
    return _frame(records, _CERTIFICATE_FIELDS, CERTIFICATE_SCHEMA, resource="certificates")


def student_frame(records: Sequence[Record]) -> pl.DataFrame:
    """The student reference frame (``STUDENT_SCHEMA``) from ``GET /students`` records.

    Only what a picker needs (uuid, name, email, created_at): the date of birth, gender and
    social name the API also sends are left out.
    """
    return _frame(records, _STUDENT_FIELDS, STUDENT_SCHEMA, resource="students")


FRAME_BUILDERS: Mapping[str, Callable[[Sequence[Record]], pl.DataFrame]] = {
    "enrollments": enrollment_frame,
    "courses": course_frame,
    "cohorts": cohort_frame,
    "certificates": certificate_frame,
    "students": student_frame,
}


def enrollment_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """An enrollment frame row back in the API's shape (nested summaries, ISO-8601 ``Z`` text).

    Used where a record is needed but only the frame has it (the corrections log's ``before``
    of a delete).
    """
    cohort_uuid = row.get("cohort_uuid")
    status = row.get("completion_status")
    return {
        "uuid": row["uuid"],
        "completion_status": None if status is None else str(status),
        "grade": row.get("grade"),
        "enrolled_at": _iso(row.get("enrolled_at")),
        "completed_at": _iso(row.get("completed_at")),
        "student": {"uuid": row.get("student_uuid"), "name": row.get("student_name")},
        "course": {"uuid": row.get("course_uuid"), "name": row.get("course_name")},
        "cohort": None
        if cohort_uuid is None
        else {"uuid": cohort_uuid, "code": row.get("cohort_code")},
    }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _frame(
    records: Sequence[Record],
    fields: Sequence[_Field],
    schema: pl.Schema,
    *,
    resource: str,
) -> pl.DataFrame:
    if not isinstance(records, list):
        records = list(records)
    _check_objects(records, resource=resource)
    parents: dict[str, list[Any]] = {}
    columns: list[pl.Series] = []
    for field in fields:
        dtype = schema[field.column]
        try:
            values = _values(records, field.path, parents)
            series = _column(field.column, values, dtype)
        except ColumnValueError as error:
            raise MalformedRecordError(
                str(error),
                resource=resource,
                field=".".join(field.path),
                record_uuid=_uuid_at(records, error.index),
            ) from None
        if field.required and series.null_count():
            index = int(series.is_null().arg_true()[0])
            raise MalformedRecordError(
                "is required but missing or null",
                resource=resource,
                field=".".join(field.path),
                record_uuid=_uuid_at(records, index),
            )
        columns.append(series)
    frame = pl.DataFrame(columns)
    if frame.schema != schema:  # a programming error: the field list and the schema disagree
        raise AssertionError(f"{resource} frame schema {frame.schema} != {schema}")
    return frame


def _check_objects(records: list[Any], *, resource: str) -> None:
    if set(map(type, records)) <= {dict}:
        return
    index = next(i for i, record in enumerate(records) if not isinstance(record, Mapping))
    raise MalformedRecordError(
        f"record {index} is not a JSON object: {type(records[index]).__name__}",
        resource=resource,
        field="(record)",
    )


def _values(
    records: list[Record], path: tuple[str, ...], parents: dict[str, list[Any]]
) -> list[Any]:
    """The raw values at ``path`` in every record (None where absent)."""
    if len(path) == 1:
        return _top_level(records, path[0])
    head, key = path
    if head not in parents:
        parents[head] = _top_level(records, head)
    summaries = parents[head]
    try:
        return [None if summary is None else summary[key] for summary in summaries]
    except (KeyError, TypeError):
        pass
    values: list[Any] = []
    for index, summary in enumerate(summaries):
        if summary is None:
            values.append(None)
        elif isinstance(summary, Mapping):
            values.append(summary.get(key))
        else:
            raise ColumnValueError(
                f"expected an object or null, got {type(summary).__name__} {summary!r}",
                index=index,
            )
    return values


def _top_level(records: list[Record], key: str) -> list[Any]:
    try:
        return [record[key] for record in records]
    except KeyError:
        return [record.get(key) for record in records]


def _column(name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    if isinstance(dtype, pl.Enum):
        return enum_column(name, values, dtype)
    if isinstance(dtype, pl.Datetime):
        return timestamp_column(name, values)
    if dtype == pl.Float64:
        return grade_column(name, values)
    if dtype == pl.Int64:
        return integer_column(name, values)
    if dtype == pl.String:
        return text_column(name, values)
    raise AssertionError(f"no column reader for {dtype}")  # schema.py gained a dtype: add one


def _uuid_at(records: Sequence[Record], index: int) -> str | None:
    try:
        uuid = records[index].get("uuid")
    except (IndexError, AttributeError):
        return None
    return uuid if isinstance(uuid, str) else None
