"""Writes: create, PATCH/PUT, soft and protected deletes, batch destroy (writes.py)."""

from __future__ import annotations

import pytest

from dokstamp_sandbox import demo
from dokstamp_sandbox.options import SandboxOptions


def test_create_answers_201_with_the_object(writer, dataset) -> None:
    response = writer.post(
        "/enrollments",
        json={
            "student_uuid": dataset.student["uuid"],
            "course_uuid": dataset.course["uuid"],
            "cohort_uuid": dataset.cohort["uuid"],
            "enrolled_at": "2023-09-01",
            "completion_status": "dropped",
            "grade": 3.5,
        },
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["completion_status"] == "dropped"
    assert data["grade"] == 3.5
    assert data["enrolled_at"] == "2023-09-01T00:00:00.000000Z"
    assert data["completed_at"] is None
    assert data["student"] == {"uuid": dataset.student["uuid"], "name": dataset.student["name"]}
    assert data["course"] == {"uuid": dataset.course["uuid"], "name": dataset.course["name"]}
    assert data["cohort"] == {"uuid": dataset.cohort["uuid"], "code": "BT-2024-EVE"}
    assert writer.get(f"/enrollments/{data['uuid']}").json() == {"data": data}


def test_new_rows_appear_in_lists_and_totals_at_once(writer, dataset) -> None:
    before = writer.get("/enrollments", params={"per_page": 1}).json()["meta"]["total"]
    writer.post(
        "/enrollments",
        json={
            "student_uuid": dataset.student["uuid"],
            "course_uuid": dataset.course["uuid"],
            "enrolled_at": "2024-05-05",
        },
    )
    rows = writer.get("/enrollments", params={"per_page": 100}).json()
    assert rows["meta"]["total"] == before + 1
    assert rows["data"][-1]["enrolled_at"] == "2024-05-05T00:00:00.000000Z"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_patch_and_put_change_only_the_fields_sent(writer, dataset, method) -> None:
    uuid = dataset.completed["uuid"]
    response = writer.request(method, f"/enrollments/{uuid}", json={"grade": 9.25})
    assert response.status_code == 200
    assert response.json()["data"] == {**dataset.completed, "grade": 9.25}
    cleared = writer.request(
        method, f"/enrollments/{uuid}", json={"grade": None, "cohort_uuid": ""}
    )
    assert cleared.json()["data"]["grade"] is None
    assert cleared.json()["data"]["cohort"] is None
    assert writer.get(f"/enrollments/{uuid}").json()["data"] == cleared.json()["data"]


def test_patch_of_an_unknown_or_foreign_uuid_is_404(writer) -> None:
    for uuid in ["00000000-0000-4000-8000-000000000000", "nope"]:
        response = writer.patch(f"/enrollments/{uuid}", json={"grade": 5})
        assert response.status_code == 404


def test_delete_is_soft_and_final(writer, dataset) -> None:
    uuid = dataset.enrolled["uuid"]
    response = writer.delete(f"/enrollments/{uuid}")
    assert response.status_code == 204
    assert response.content == b""
    assert writer.get(f"/enrollments/{uuid}").status_code == 404
    listed = writer.get("/enrollments").json()
    assert uuid not in {row["uuid"] for row in listed["data"]}
    assert listed["meta"]["total"] == 1
    assert writer.delete(f"/enrollments/{uuid}").status_code == 404
    assert writer.patch(f"/enrollments/{uuid}", json={"grade": 1}).status_code == 404


@pytest.mark.parametrize(
    ("resource", "attribute", "blocker"),
    [
        ("courses", "course", "cohorts"),
        ("cohorts", "cohort", "enrollments"),
        ("students", "student", "enrollments"),
    ],
)
def test_rows_with_dependants_cannot_be_deleted(
    writer, dataset, resource, attribute, blocker
) -> None:
    uuid = getattr(dataset, attribute)["uuid"]
    response = writer.delete(f"/{resource}/{uuid}")
    assert response.status_code == 409
    noun = resource.removesuffix("s")
    assert response.json() == {
        "message": f"This {noun} cannot be deleted because it has {blocker}."
    }
    assert writer.get(f"/{resource}/{uuid}").status_code == 200


def test_rows_can_be_deleted_once_their_dependants_are_gone(writer, dataset) -> None:
    for enrollment in (dataset.enrolled, dataset.completed):
        assert writer.delete(f"/enrollments/{enrollment['uuid']}").status_code == 204
    assert writer.delete(f"/students/{dataset.student['uuid']}").status_code == 204
    assert writer.delete(f"/cohorts/{dataset.cohort['uuid']}").status_code == 204
    assert writer.delete(f"/courses/{dataset.course['uuid']}").status_code == 204
    assert writer.get("/courses").json()["meta"]["total"] == 0


def test_protected_delete_status_is_configurable(sandbox_factory, make_client) -> None:
    running = sandbox_factory(
        seed="demo",
        enrollments=30,
        options=SandboxOptions(protected_delete_status=422),
        static_tokens={"t": demo.DEMO_TENANT},
    )
    client = make_client(running.url, token="t", tenant=demo.DEMO_TENANT)
    course = client.get("/courses").json()["data"][0]["uuid"]
    assert client.delete(f"/courses/{course}").status_code == 422


def test_batch_destroy_deletes_all(writer, dataset) -> None:
    uuids = [dataset.enrolled["uuid"], dataset.completed["uuid"]]
    response = writer.request("DELETE", "/enrollments/batch/destroy", json={"uuids": uuids})
    assert response.status_code == 204
    assert writer.get("/enrollments").json()["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("uuids", "errors"),
    [
        ([], {"uuids": ["The uuids field is required."]}),
        ("abc", {"uuids": ["The uuids must be an array."]}),
        (["nope"], {"uuids.1": ["The uuids.1 must be a valid UUID."]}),
        (
            ["00000000-0000-4000-8000-000000000000"],
            {"uuids.1": ["The selected uuids.1 is invalid."]},
        ),
    ],
)
def test_batch_destroy_is_all_or_nothing(writer, dataset, uuids, errors) -> None:
    body = {
        "uuids": [dataset.enrolled["uuid"], *uuids] if isinstance(uuids, list) and uuids else uuids
    }
    response = writer.request("DELETE", "/enrollments/batch/destroy", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert writer.get("/enrollments").json()["meta"]["total"] == 2


def test_batch_destroy_rejects_already_deleted_rows(writer, dataset) -> None:
    writer.delete(f"/enrollments/{dataset.enrolled['uuid']}")
    response = writer.request(
        "DELETE",
        "/enrollments/batch/destroy",
        json={"uuids": [dataset.completed["uuid"], dataset.enrolled["uuid"]]},
    )
    assert response.status_code == 422
    assert writer.get(f"/enrollments/{dataset.completed['uuid']}").status_code == 200


def test_batch_destroy_of_protected_rows_is_409_and_deletes_none(writer, dataset, build) -> None:
    free = build.student()
    response = writer.request(
        "DELETE",
        "/students/batch/destroy",
        json={"uuids": [free["uuid"], dataset.student["uuid"]]},
    )
    assert response.status_code == 409
    assert writer.get(f"/students/{free['uuid']}").status_code == 200


def test_batch_destroy_needs_a_body(writer) -> None:
    response = writer.request("DELETE", "/enrollments/batch/destroy")
    assert response.status_code == 422


def test_certificates_link_to_enrollments(writer, dataset) -> None:
    response = writer.post(
        "/certificates",
        json={
            "institution_uuid": writer.get("/institutions").json()["data"][0]["uuid"],
            "course_uuid": dataset.course["uuid"],
            "student_uuid": dataset.student["uuid"],
            "enrollment_uuid": dataset.completed["uuid"],
            "status": "issued",
        },
    )
    assert response.status_code == 201
    certificate = response.json()["data"]
    assert certificate["status"] == "issued"
    assert certificate["issued_at"].endswith("Z")
    assert certificate["enrollment"] == {"uuid": dataset.completed["uuid"]}
    found = writer.get(
        "/certificates", params={"where[enrollment_uuid]": dataset.completed["uuid"]}
    ).json()
    assert [c["uuid"] for c in found["data"]] == [certificate["uuid"]]
    blocked = writer.delete(f"/students/{dataset.student['uuid']}")
    assert blocked.status_code == 409
