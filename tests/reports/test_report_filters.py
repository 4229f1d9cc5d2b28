"""ReportFilters: strict validation, canonical values, and which rows pass."""

from __future__ import annotations

import uuid
from typing import Any

import polars as pl
import pytest

from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.publication.filters import Filters
from dashboard.reports.filters import ReportFilterError, ReportFilters

COURSE_A = str(uuid.UUID(int=1))
COURSE_B = str(uuid.UUID(int=2))
COHORT_A = str(uuid.UUID(int=3))
STUDENT_A = str(uuid.UUID(int=4))
STUDENT_B = str(uuid.UUID(int=5))


def frame() -> pl.DataFrame:
    rows = [
        ("e1", "completed", COURSE_A, COHORT_A, STUDENT_A),
        ("e2", "dropped", COURSE_A, None, STUDENT_B),
        ("e3", "enrolled", COURSE_B, None, STUDENT_A),
        ("e4", "completed", COURSE_B, COHORT_A, STUDENT_B),
    ]
    return pl.DataFrame(
        [
            {
                "uuid": u,
                "completion_status": s,
                "course_uuid": c,
                "cohort_uuid": h,
                "student_uuid": st,
            }
            for u, s, c, h, st in rows
        ],
        schema={
            "uuid": pl.String,
            "completion_status": ENROLLMENT_SCHEMA["completion_status"],
            "course_uuid": pl.String,
            "cohort_uuid": pl.String,
            "student_uuid": pl.String,
        },
    )


def uuids_of(filters: Filters) -> list[str]:
    return sorted(filters.apply(frame())["uuid"].to_list())


def test_no_filter_keeps_every_row() -> None:
    filters = ReportFilters.parse()
    assert not filters.active
    assert uuids_of(filters) == ["e1", "e2", "e3", "e4"]
    assert filters.describe() == "all"


def test_filters_combine_with_and_and_values_with_or() -> None:
    assert uuids_of(ReportFilters.parse(courses=[COURSE_A])) == ["e1", "e2"]
    assert uuids_of(ReportFilters.parse(statuses=["completed"])) == ["e1", "e4"]
    assert uuids_of(ReportFilters.parse(statuses=["completed", "dropped"])) == ["e1", "e2", "e4"]
    assert uuids_of(ReportFilters.parse(courses=[COURSE_B], statuses=["completed"])) == ["e4"]
    assert uuids_of(ReportFilters.parse(cohorts=[COHORT_A])) == ["e1", "e4"]
    assert uuids_of(ReportFilters.parse(students=[STUDENT_A])) == ["e1", "e3"]


def test_values_are_canonicalised() -> None:
    filters = ReportFilters.parse(
        courses=[COURSE_A.upper(), f" {COURSE_A} "], statuses=["Completed"]
    )
    assert filters.courses == (COURSE_A,)
    assert filters.statuses == ("completed",)
    assert uuids_of(filters) == ["e1"]
    assert filters.describe() == f"course={COURSE_A}; status=completed"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"courses": ["not-a-uuid"]}, "course: 'not-a-uuid' is not a UUID"),
        ({"cohorts": ["123"]}, "cohort: '123' is not a UUID"),
        ({"students": [""]}, "student: '' is not a UUID"),
        ({"statuses": ["graduated"]}, "status: 'graduated' is not one of enrolled, completed"),
    ],
)
def test_malformed_values_are_errors_naming_the_filter(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ReportFilterError, match=message):
        ReportFilters.parse(**options)
