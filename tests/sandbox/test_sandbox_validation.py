"""Validation of write bodies: every rule's 422 (Laravel shape), 400s, and nothing changed."""

from __future__ import annotations

import pytest

MISSING = object()


def _count(client, resource="/enrollments"):
    return client.get(resource).json()["meta"]["total"]


def _valid_body(module_dataset):
    return {
        "student_uuid": module_dataset.student["uuid"],
        "course_uuid": module_dataset.course["uuid"],
        "cohort_uuid": module_dataset.cohort["uuid"],
        "enrolled_at": "2024-02-01",
        "completion_status": "completed",
        "grade": 7.25,
        "completed_at": "2025-06-30",
    }


ENROLLMENT_CASES = [
    ("student_uuid", MISSING, "The student uuid field is required."),
    ("course_uuid", None, "The course uuid field is required."),
    ("enrolled_at", "", "The enrolled at field is required."),
    ("student_uuid", "not-a-uuid", "The student uuid must be a valid UUID."),
    ("course_uuid", 42, "The course uuid must be a valid UUID."),
    (
        "cohort_uuid",
        "g7h8i9j0-k1l2-3456-mnop-567890123456",
        "The cohort uuid must be a valid UUID.",
    ),
    (
        "course_uuid",
        "00000000-0000-4000-8000-000000000000",
        "The selected course uuid is invalid.",
    ),
    (
        "cohort_uuid",
        "00000000-0000-4000-8000-000000000000",
        "The selected cohort uuid is invalid.",
    ),
    ("completion_status", "graduated", "The selected completion status is invalid."),
    ("completion_status", 1, "The selected completion status is invalid."),
    ("grade", "eight", "The grade must be a number."),
    ("grade", True, "The grade must be a number."),
    ("grade", [8], "The grade must be a number."),
    ("grade", -0.5, "The grade must be at least 0."),
    ("grade", 10.01, "The grade must not be greater than 10."),
    ("grade", 85, "The grade must not be greater than 10."),
    ("grade", 7.333, "The grade must have at most 2 decimal places."),
    ("grade", "7.505", "The grade must have at most 2 decimal places."),
    ("enrolled_at", "01/02/2024", "The enrolled at does not match the format Y-m-d."),
    ("enrolled_at", "2024-02-30", "The enrolled at does not match the format Y-m-d."),
    ("enrolled_at", "2024-02-01T00:00:00Z", "The enrolled at does not match the format Y-m-d."),
    ("completed_at", "2024-13-01", "The completed at does not match the format Y-m-d."),
    ("completed_at", 20250101, "The completed at does not match the format Y-m-d."),
    (
        "completed_at",
        "2024-01-31",
        "The completed at must be a date after or equal to enrolled at.",
    ),
]


@pytest.mark.parametrize(("field", "value", "message"), ENROLLMENT_CASES)
def test_each_enrollment_rule_answers_422_and_changes_nothing(
    module_writer, module_dataset, field, value, message
) -> None:
    body = _valid_body(module_dataset)
    if value is MISSING:
        del body[field]
    else:
        body[field] = value
    before = _count(module_writer)
    response = module_writer.post("/enrollments", json=body)
    assert response.status_code == 422
    assert response.json() == {
        "message": "The given data was invalid.",
        "errors": {field: [message]},
    }
    assert _count(module_writer) == before


def test_every_bad_field_is_reported_at_once(module_writer) -> None:
    response = module_writer.post("/enrollments", json={"grade": "x", "completion_status": "nope"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "student_uuid",
        "course_uuid",
        "enrolled_at",
        "grade",
        "completion_status",
    }


@pytest.mark.parametrize("grade", [0, 10, 8.75, "8.5", None])
def test_valid_grades_are_accepted(module_writer, module_dataset, grade) -> None:
    body = {**_valid_body(module_dataset), "grade": grade}
    response = module_writer.post("/enrollments", json=body)
    assert response.status_code == 201
    assert response.json()["data"]["grade"] == (None if grade is None else float(grade))


def test_optional_fields_default(module_writer, module_dataset) -> None:
    body = {
        "student_uuid": module_dataset.student["uuid"],
        "course_uuid": module_dataset.course["uuid"],
        "enrolled_at": "2024-02-01",
        "unknown_field": "ignored",
    }
    data = module_writer.post("/enrollments", json=body).json()["data"]
    assert data["completion_status"] == "enrolled"
    assert data["cohort"] is None
    assert data["grade"] is None
    assert data["completed_at"] is None


def test_soft_deleted_references_are_invalid(module_writer, module_dataset) -> None:
    student = module_writer.post(
        "/students", json={"name": "Gone", "email": "gone@x.test", "date_of_birth": "1999-09-09"}
    ).json()["data"]
    assert module_writer.delete(f"/students/{student['uuid']}").status_code == 204
    body = {**_valid_body(module_dataset), "student_uuid": student["uuid"]}
    response = module_writer.post("/enrollments", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"student_uuid": ["The selected student uuid is invalid."]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The request body is not valid JSON."),
        (b'{"grade": 1,}', "The request body is not valid JSON."),
        (b"\xff\xfe", "The request body is not valid JSON."),
        (b"[1, 2]", "The request body must be a JSON object."),
        (b'"text"', "The request body must be a JSON object."),
    ],
)
def test_malformed_bodies_are_400(module_writer, module_dataset, content, message) -> None:
    before = _count(module_writer)
    response = module_writer.post(
        "/enrollments", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"message": message}
    patch = module_writer.patch(
        f"/enrollments/{module_dataset.enrolled['uuid']}",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert patch.status_code == 400
    assert _count(module_writer) == before
    assert (
        module_writer.get(f"/enrollments/{module_dataset.enrolled['uuid']}").json()["data"]
        == module_dataset.enrolled
    )


def test_patch_validates_only_what_is_sent(module_writer, module_dataset) -> None:
    uuid = module_dataset.completed["uuid"]
    response = module_writer.patch(f"/enrollments/{uuid}", json={"grade": 11})
    assert response.status_code == 422
    assert response.json()["errors"] == {"grade": ["The grade must not be greater than 10."]}
    required = module_writer.patch(f"/enrollments/{uuid}", json={"enrolled_at": None})
    assert required.json()["errors"] == {"enrolled_at": ["The enrolled at field is required."]}
    assert module_writer.get(f"/enrollments/{uuid}").json()["data"] == module_dataset.completed


def test_patch_checks_dates_against_the_stored_other_date(module_writer, module_dataset) -> None:
    uuid = module_dataset.completed["uuid"]  # enrolled 2024-02-01, completed 2025-01-31
    early = module_writer.patch(f"/enrollments/{uuid}", json={"completed_at": "2023-12-31"})
    assert early.status_code == 422
    late = module_writer.patch(f"/enrollments/{uuid}", json={"enrolled_at": "2025-02-01"})
    assert late.json()["errors"] == {
        "completed_at": ["The completed at must be a date after or equal to enrolled at."]
    }
    fine = module_writer.patch(f"/enrollments/{uuid}", json={"enrolled_at": "2025-01-31"})
    assert fine.status_code == 200


def test_form_encoded_bodies_are_validated_the_same(module_writer, module_dataset) -> None:
    response = module_writer.post(
        "/enrollments",
        data={
            "student_uuid": module_dataset.student["uuid"],
            "course_uuid": "x",
            "enrolled_at": "2024-01-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"course_uuid": ["The course uuid must be a valid UUID."]}


@pytest.mark.parametrize(
    ("resource", "body", "errors"),
    [
        (
            "/students",
            {"email": "bad", "date_of_birth": "2000-02-31"},
            {
                "name": ["The name field is required."],
                "email": ["The email must be a valid email address."],
                "date_of_birth": ["The date of birth does not match the format Y-m-d."],
            },
        ),
        (
            "/courses",
            {"name": "x" * 256, "workload_hours": "many", "status": "open"},
            {
                "name": ["The name must not be greater than 255 characters."],
                "institution_uuid": ["The institution uuid field is required."],
                "workload_hours": ["The workload hours must be an integer."],
                "status": ["The selected status is invalid."],
            },
        ),
        (
            "/cohorts",
            {"code": "C-1", "modality": "online", "start_date": "someday"},
            {
                "course_uuid": ["The course uuid field is required."],
                "modality": ["The selected modality is invalid."],
                "start_date": ["The start date is not a valid date."],
            },
        ),
    ],
)
def test_other_resources_validate_their_fields(module_writer, resource, body, errors) -> None:
    response = module_writer.post(resource, json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == errors


def test_unique_fields_within_the_tenant(module_writer, module_dataset) -> None:
    taken = module_writer.post(
        "/students",
        json={
            "name": "Twin",
            "email": module_dataset.student["email"],
            "date_of_birth": "2001-01-01",
        },
    )
    assert taken.json()["errors"] == {"email": ["The email has already been taken."]}
    code = module_writer.post(
        "/cohorts", json={"course_uuid": module_dataset.course["uuid"], "code": "BT-2024-EVE"}
    )
    assert code.json()["errors"] == {"code": ["The code has already been taken."]}
    same = module_writer.patch(
        f"/students/{module_dataset.student['uuid']}",
        json={"email": module_dataset.student["email"]},
    )
    assert same.status_code == 200


def test_cohort_dates_accept_datetimes_and_keep_their_order(module_writer, module_dataset) -> None:
    created = module_writer.post(
        "/cohorts",
        json={
            "course_uuid": module_dataset.course["uuid"],
            "code": "BT-2025-DAY",
            "start_date": "2025-02-01T00:00:00Z",
            "end_date": "2028-12-31",
        },
    )
    assert created.status_code == 201
    assert created.json()["data"]["start_date"] == "2025-02-01T00:00:00.000000Z"
    assert created.json()["data"]["end_date"] == "2028-12-31T00:00:00.000000Z"
    reversed_dates = module_writer.patch(
        f"/cohorts/{created.json()['data']['uuid']}", json={"end_date": "2020-01-01"}
    )
    assert reversed_dates.json()["errors"] == {
        "end_date": ["The end date must be a date after or equal to start date."]
    }


def _field_cases():
    from dokstamp_sandbox.validation import WRITE_RULES

    return [(resource, rule.name) for resource, rules in WRITE_RULES.items() for rule in rules]


@pytest.mark.parametrize(("resource", "field"), _field_cases())
@pytest.mark.parametrize("value", [None, "", 12345678901234567890, {"a": 1}, ["x"], True])
def test_no_value_of_any_field_is_a_server_error(
    module_writer, module_dataset, resource, field, value
) -> None:
    """Null, blank, huge, object, list and boolean values: 2xx or 422, never 5xx."""
    created = module_writer.post(f"/{resource}", json={field: value})
    assert created.status_code == 422
    target = {
        "enrollments": module_dataset.completed["uuid"],
        "courses": module_dataset.course["uuid"],
        "cohorts": module_dataset.cohort["uuid"],
        "students": module_dataset.student["uuid"],
    }.get(resource)
    if target is None:
        return
    before = module_writer.get(f"/{resource}/{target}").json()["data"]
    patched = module_writer.patch(f"/{resource}/{target}", json={field: value})
    assert patched.status_code in (200, 422), patched.text
    if patched.status_code == 200:  # put it back for the next cases
        restore = {field: value_of(before, field)}
        assert module_writer.patch(f"/{resource}/{target}", json=restore).status_code == 200


def value_of(data, field):
    """The request value that restores `field` from a response object."""
    if field.endswith("_uuid"):
        related = data.get(field.removesuffix("_uuid"))
        return related["uuid"] if related else None
    value = data[field]
    if (
        isinstance(value, str)
        and value.endswith("T00:00:00.000000Z")
        and field
        in {
            "enrolled_at",
            "completed_at",
            "date_of_birth",
        }
    ):
        return value[:10]
    return value
