"""Correction form checks: the API's rules applied before anything is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.app.correction_rules import (
    check_create,
    check_update,
    current_values,
    enrolled_date,
    form_values,
    merge_errors,
)

STUDENT = "3f1e8b4a-6c2d-4e9f-8a7b-1c2d3e4f5a6b"
COURSE = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
COHORT = "11111111-2222-4333-8444-555555555555"
CURRENT = {
    "completion_status": "enrolled",
    "grade": None,
    "completed_at": None,
    "cohort_uuid": None,
}


def _update(**form: str) -> dict[str, list[str]]:
    base = {"completion_status": "enrolled", "grade": "", "completed_at": "", "cohort_uuid": ""}
    base.update(form)
    return check_update(base, current=CURRENT, enrolled_at=date(2024, 2, 1)).errors


@pytest.mark.parametrize(
    ("form", "field", "fragment"),
    [
        ({"grade": "10.5"}, "grade", "not be greater than 10"),
        ({"grade": "-1"}, "grade", "at least 0"),
        ({"grade": "7.125"}, "grade", "at most 2 decimal"),
        ({"grade": "7.500"}, "grade", "at most 2 decimal"),
        ({"grade": "seven"}, "grade", "must be a number"),
        ({"grade": "7,5"}, "grade", "must be a number"),
        ({"grade": "1e1"}, "grade", "must be a number"),
        ({"grade": "nan"}, "grade", "must be a number"),
        ({"completion_status": "graduated"}, "completion_status", "is invalid"),
        ({"completion_status": ""}, "completion_status", "required"),
        ({"completed_at": "2024-13-01"}, "completed_at", "format Y-m-d"),
        ({"completed_at": "2024-02-30"}, "completed_at", "format Y-m-d"),
        ({"completed_at": "01/02/2024"}, "completed_at", "format Y-m-d"),
        ({"completed_at": "2024-01-31"}, "completed_at", "after or equal to enrolled at"),
        ({"cohort_uuid": "42"}, "cohort_uuid", "valid UUID"),
    ],
)
def test_update_rejects_bad_input(form: dict[str, str], field: str, fragment: str) -> None:
    errors = _update(**form)
    assert field in errors
    assert any(fragment in message for message in errors[field])


def test_update_sends_only_changed_fields() -> None:
    check = check_update(
        {
            "completion_status": "completed",
            "grade": " 8.75 ",
            "completed_at": "2024-12-20",
            "cohort_uuid": "",
        },
        current=CURRENT,
        enrolled_at=date(2024, 2, 1),
    )
    assert check.ok
    assert check.payload == {
        "completion_status": "completed",
        "grade": 8.75,
        "completed_at": "2024-12-20",
    }


def test_update_can_clear_a_field() -> None:
    current = {**CURRENT, "grade": 6.0, "cohort_uuid": COHORT}
    form = {"completion_status": "enrolled", "grade": "", "completed_at": "", "cohort_uuid": ""}
    check = check_update(form, current=current, enrolled_at=None)
    assert check.payload == {"grade": None, "cohort_uuid": None}


def test_update_with_no_change_is_refused() -> None:
    form = {"completion_status": "enrolled", "grade": "", "completed_at": "", "cohort_uuid": ""}
    check = check_update(form, current=CURRENT, enrolled_at=None)
    assert not check.ok
    assert "__all__" in check.errors


def test_grade_edges_are_accepted() -> None:
    for text, value in (("0", 0.0), ("10", 10.0), ("10.00", 10.0), ("5.5", 5.5), (".25", 0.25)):
        check = check_update(
            {"completion_status": "enrolled", "grade": text}, current=CURRENT, enrolled_at=None
        )
        assert check.payload == {"grade": value}, text


def test_create_requires_student_course_and_date() -> None:
    errors = check_create({}).errors
    assert set(errors) == {"student_uuid", "course_uuid", "enrolled_at"}


def test_create_builds_the_post_body() -> None:
    check = check_create(
        {
            "student_uuid": STUDENT,
            "course_uuid": COURSE.upper(),
            "cohort_uuid": "",
            "enrolled_at": "2025-03-01",
            "completion_status": "enrolled",
            "grade": "",
            "completed_at": "",
        }
    )
    assert check.ok
    assert check.payload == {
        "student_uuid": STUDENT,
        "course_uuid": COURSE,
        "enrolled_at": "2025-03-01",
        "completion_status": "enrolled",
    }


def test_create_checks_dates_against_each_other() -> None:
    errors = check_create(
        {
            "student_uuid": STUDENT,
            "course_uuid": COURSE,
            "enrolled_at": "2025-03-01",
            "completed_at": "2025-02-28",
        }
    ).errors
    assert list(errors) == ["completed_at"]


def test_server_errors_are_placed_beside_known_fields() -> None:
    placed = merge_errors(
        {"grade": ["The grade must not be greater than 10."], "student_uuid": ["Invalid."]},
        fields=("grade", "completed_at"),
    )
    assert placed == {
        "grade": ["The grade must not be greater than 10."],
        "__all__": ["Invalid."],
    }


def test_form_values_and_current_values_from_a_frame_row() -> None:
    row = {
        "completion_status": "completed",
        "grade": 8.5,
        "completed_at": datetime(2025, 6, 30, tzinfo=UTC),
        "enrolled_at": datetime(2024, 2, 1, tzinfo=UTC),
        "cohort_uuid": COHORT,
    }
    assert form_values(row) == {
        "completion_status": "completed",
        "grade": "8.5",
        "completed_at": "2025-06-30",
        "cohort_uuid": COHORT,
    }
    assert current_values(row) == {
        "completion_status": "completed",
        "grade": 8.5,
        "completed_at": "2025-06-30",
        "cohort_uuid": COHORT,
    }
    assert enrolled_date(row) == date(2024, 2, 1)
    # Unchanged form -> nothing to save; the round trip is exact.
    assert not check_update(
        form_values(row), current=current_values(row), enrolled_at=enrolled_date(row)
    ).ok
