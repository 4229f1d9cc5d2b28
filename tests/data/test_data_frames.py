"""Frames from API records: explicit schemas, nulls, lenient values, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from dashboard.data import (
    MalformedRecordError,
    certificate_frame,
    cohort_frame,
    course_frame,
    enrollment_frame,
    enrollment_record,
)
from dashboard.data.schema import (
    CERTIFICATE_SCHEMA,
    COHORT_SCHEMA,
    COURSE_SCHEMA,
    ENROLLMENT_SCHEMA,
)

DOC_EXAMPLE = {
    "uuid": "7b1f0c1e-1111-4a8e-9d3c-3f5a1e2b4c6d",
    "completion_status": "completed",
    "grade": 8.75,
    "enrolled_at": "2024-02-01T00:00:00.000000Z",
    "completed_at": "2027-12-20T00:00:00.000000Z",
    "student": {"uuid": "f6a7b8c9-2222-4a8e-9d3c-3f5a1e2b4c6d", "name": "Maria Fernanda Silva"},
    "course": {"uuid": "c3d4e5f6-3333-4a8e-9d3c-3f5a1e2b4c6d", "name": "Computer Science"},
    "cohort": {"uuid": "e5f6a7b8-4444-4a8e-9d3c-3f5a1e2b4c6d", "code": "BCS-2024-EVE"},
}


def test_documented_record_fills_every_column() -> None:
    frame = enrollment_frame([DOC_EXAMPLE])
    assert frame.schema == ENROLLMENT_SCHEMA
    assert frame.row(0, named=True) == {
        "uuid": DOC_EXAMPLE["uuid"],
        "completion_status": "completed",
        "grade": 8.75,
        "enrolled_at": datetime(2024, 2, 1, tzinfo=UTC),
        "completed_at": datetime(2027, 12, 20, tzinfo=UTC),
        "student_uuid": "f6a7b8c9-2222-4a8e-9d3c-3f5a1e2b4c6d",
        "student_name": "Maria Fernanda Silva",
        "course_uuid": "c3d4e5f6-3333-4a8e-9d3c-3f5a1e2b4c6d",
        "course_name": "Computer Science",
        "cohort_uuid": "e5f6a7b8-4444-4a8e-9d3c-3f5a1e2b4c6d",
        "cohort_code": "BCS-2024-EVE",
    }


def test_nulls_absent_fields_string_grades_and_second_precision(fakes: Any) -> None:
    records = [
        fakes.enrollment(0),  # cohort null, grade null, completed_at null
        {k: v for k, v in fakes.enrollment(1).items() if k not in ("cohort", "grade")},
        fakes.enrollment(
            2,
            completion_status="completed",
            grade="9.50",
            enrolled_at="2023-09-01T08:30:00Z",
            completed_at="2024-06-30T12:00:00.123Z",
        ),
    ]
    frame = enrollment_frame(records)
    assert frame.schema == ENROLLMENT_SCHEMA
    assert frame["cohort_uuid"].to_list() == [None, None, None]
    assert frame["cohort_code"].null_count() == 3
    assert frame["grade"].to_list() == [None, None, 9.5]
    assert frame["enrolled_at"][2] == datetime(2023, 9, 1, 8, 30, tzinfo=UTC)
    assert frame["completed_at"][2] == datetime(2024, 6, 30, 12, 0, 0, 123000, tzinfo=UTC)
    assert frame["completion_status"].to_list() == ["enrolled", "enrolled", "completed"]


def test_empty_list_gives_typed_empty_frame() -> None:
    frame = enrollment_frame([])
    assert frame.height == 0
    assert frame.schema == ENROLLMENT_SCHEMA


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"completion_status": "graduated"}, "completion_status"),
        ({"grade": "A+"}, "grade"),
        ({"enrolled_at": None}, "enrolled_at"),
        ({"student": None}, "student.uuid"),
        ({"course": "c3d4"}, "course.uuid"),
        ({"enrolled_at": "01/02/2024"}, "enrolled_at"),
        ({"enrolled_at": "0001-01-01T00:00:00+01:00"}, "enrolled_at"),
        ({"enrolled_at": "9999-12-31T23:59:59-01:00"}, "enrolled_at"),
        ({"completed_at": "9999-12-31T23:59:59-01:00"}, "completed_at"),
    ],
)
def test_malformed_records_name_field_and_record(
    fakes: Any, change: dict[str, Any], field: str
) -> None:
    bad = fakes.enrollment(7, **change)
    with pytest.raises(MalformedRecordError) as caught:
        enrollment_frame([fakes.enrollment(1), bad])
    assert caught.value.field == field
    assert caught.value.record_uuid == bad["uuid"]


def test_a_record_that_is_not_an_object_is_refused(fakes: Any) -> None:
    with pytest.raises(MalformedRecordError, match="not a JSON object"):
        enrollment_frame([fakes.enrollment(1), ["not", "a", "record"]])  # type: ignore[list-item]


def test_reference_frames_have_their_schemas() -> None:
    courses = course_frame(
        [
            {
                "uuid": "c1",
                "code": "BCS-2024",
                "name": "Computer Science",
                "status": "active",
                "workload_hours": 3200,
                "institution": {"uuid": "i1", "name": "Northfield"},
                "created_at": "2024-01-15T10:00:00.000000Z",
            },
            {"uuid": "c2", "code": None, "name": "Nursing", "status": "draft"},
        ]
    )
    assert courses.schema == COURSE_SCHEMA
    assert courses["workload_hours"].to_list() == [3200, None]

    cohorts = cohort_frame(
        [
            {
                "uuid": "h1",
                "code": "BCS-2024-EVE",
                "modality": "hybrid",
                "start_date": "2024-02-01T00:00:00.000000Z",
                "end_date": "2027-12-31T00:00:00Z",
                "course": {"uuid": "c1", "name": "Computer Science"},
            }
        ]
    )
    assert cohorts.schema == COHORT_SCHEMA
    assert cohorts.row(0, named=True)["end_date"] == datetime(2027, 12, 31, tzinfo=UTC)
    assert cohorts["course_uuid"].to_list() == ["c1"]

    certificates = certificate_frame(
        [
            {
                "uuid": "x1",
                "status": "issued",
                "issued_at": "2024-12-01T00:00:00.000000Z",
                "student": {"uuid": "s1", "name": "Maria"},
                "course": {"uuid": "c1", "name": "Computer Science"},
                "cohort": None,
                "enrollment": {"uuid": "e1"},
            },
            {"uuid": "x2", "status": "draft", "issued_at": None, "enrollment": None},
        ]
    )
    assert certificates.schema == CERTIFICATE_SCHEMA
    assert certificates["enrollment_uuid"].to_list() == ["e1", None]
    assert certificates["cohort_uuid"].to_list() == [None, None]


@pytest.mark.parametrize("hours", ["²", "3²00", 2**64])
def test_a_workload_that_is_not_a_whole_number_names_the_field(hours: object) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        course_frame(
            [{"uuid": "c1", "workload_hours": "120"}, {"uuid": "c2", "workload_hours": hours}]
        )
    assert caught.value.field == "workload_hours"
    assert caught.value.record_uuid == "c2"


def test_enrollment_record_round_trips_a_row() -> None:
    frame = enrollment_frame([DOC_EXAMPLE])
    record = enrollment_record(frame.row(0, named=True))
    assert enrollment_frame([record]).equals(frame)
    assert record["student"] == DOC_EXAMPLE["student"]
    assert record["enrolled_at"] == "2024-02-01T00:00:00.000000Z"


def test_many_records_keep_order_and_types(fakes: Any) -> None:
    records = [fakes.enrollment(n, grade=(n % 11) or None) for n in range(5000)]
    frame = enrollment_frame(records)
    assert frame.height == 5000
    assert frame["uuid"].to_list() == [r["uuid"] for r in records]
    assert frame["grade"].dtype == pl.Float64
    assert frame["grade"].null_count() == sum(1 for r in records if r["grade"] is None)
