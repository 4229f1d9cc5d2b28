"""Resource objects: documented keys, timestamps, grade as number or string (resources.py)."""

from __future__ import annotations

from dokstamp_sandbox import demo
from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.resources import grade_value, timestamp


def test_timestamps_and_grades() -> None:
    assert timestamp("2024-02-01") == "2024-02-01T00:00:00.000000Z"
    assert timestamp("2024-02-01T10:00:00.000000Z") == "2024-02-01T10:00:00.000000Z"
    assert timestamp(None) is None
    assert grade_value(8.5, SandboxOptions()) == 8.5
    as_string = SandboxOptions(grade_as_string=True)
    assert grade_value(8.5, as_string) == "8.50"
    assert grade_value(7.333333, as_string) == "7.333333"
    assert grade_value(None, as_string) is None


def test_grade_as_string_switch(sandbox_factory, make_client) -> None:
    running = sandbox_factory(
        seed="demo",
        enrollments=200,
        options=SandboxOptions(grade_as_string=True),
        static_tokens={"t": demo.DEMO_TENANT},
    )
    client = make_client(running.url, token="t", tenant=demo.DEMO_TENANT)
    rows = client.get(
        "/enrollments", params={"where[completion_status]": "completed", "per_page": 100}
    ).json()["data"]
    grades = [row["grade"] for row in rows if row["grade"] is not None]
    assert grades
    assert all(isinstance(grade, str) and float(grade) >= 0 for grade in grades)


def test_reference_objects_have_their_documented_keys(api) -> None:
    course = api.get("/courses").json()["data"][0]
    assert set(course) == {
        "uuid",
        "code",
        "name",
        "description",
        "workload_hours",
        "area",
        "version",
        "status",
        "institution",
        "organization",
        "created_at",
    }
    cohort = api.get("/cohorts").json()["data"][0]
    assert set(cohort) == {"uuid", "code", "modality", "start_date", "end_date", "course"}
    student = api.get("/students").json()["data"][0]
    assert set(student) == {
        "uuid",
        "name",
        "email",
        "date_of_birth",
        "gender",
        "social_name",
        "created_at",
    }
    certificate = api.get("/certificates").json()["data"][0]
    assert {"uuid", "status", "issued_at", "student", "course", "cohort", "enrollment"} <= set(
        certificate
    )
    institution = api.get("/institutions").json()["data"][0]
    assert institution["name"] == demo.DEMO_INSTITUTION
    assert api.get(f"/institutions/{institution['uuid']}").json()["data"] == institution
