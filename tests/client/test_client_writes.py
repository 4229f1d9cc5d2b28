"""Writes: create, get, partial update, delete, batch delete, and creates that may have happened."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest

from dashboard.client import DokStampError, NetworkError, NotFoundError, ValidationError

STUDENT = str(uuid.uuid4())
COURSE = str(uuid.uuid4())
COHORT = str(uuid.uuid4())
PAYLOAD = {
    "student_uuid": STUDENT,
    "course_uuid": COURSE,
    "cohort_uuid": COHORT,
    "enrolled_at": "2025-02-03",
    "completion_status": "enrolled",
}


class EnrollmentStore:
    """A tiny enrollments API: POST stores, GET lists/reads, PATCH updates, DELETE removes.

    ``fail_post`` holds failures for the next POSTs: ("lost", exc) raises before storing,
    ("stored", exc) stores and then raises, ("stored", status) stores and answers status.
    """

    def __init__(self, fakes) -> None:
        self.fakes = fakes
        self.rows: dict[str, dict[str, object]] = {}
        self.fail_post: list[tuple[str, type[httpx.RequestError] | int | None]] = []
        self.fail_delete: list[type[httpx.RequestError]] = []
        self.requests: list[httpx.Request] = []

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "POST" and path == "/enrollments":
            body = orjson.loads(request.content)
            mode, failure = self.fail_post.pop(0) if self.fail_post else ("ok", None)
            if mode == "lost":
                assert isinstance(failure, type), "a POST is lost by raising an exception"
                raise failure("lost on the way", request=request)
            record = {
                "uuid": str(uuid.uuid4()),
                "completion_status": body.get("completion_status", "enrolled"),
                "grade": body.get("grade"),
                "enrolled_at": f"{body['enrolled_at']}T00:00:00.000000Z",
                "completed_at": None,
                "student": {"uuid": body["student_uuid"], "name": "S"},
                "course": {"uuid": body["course_uuid"], "name": "C"},
                "cohort": {"uuid": body["cohort_uuid"], "code": "X"}
                if body.get("cohort_uuid")
                else None,
            }
            self.rows[record["uuid"]] = record
            if isinstance(failure, type):
                raise failure("answer lost", request=request)
            if isinstance(failure, int):
                return self.fakes.json_response(failure, {"message": "Server Error"})
            return self.fakes.json_response(201, {"data": record})
        if request.method == "GET" and path == "/enrollments":
            api = self.fakes.FakeListApi(list(self.rows.values()))
            return api(request)
        if path == "/enrollments/batch/destroy" and request.method == "DELETE":
            keys = orjson.loads(request.content)["uuids"]
            invalid = {
                f"uuids.{i}": [f"The selected uuids.{i} is invalid."]
                for i, key in enumerate(keys)
                if key not in self.rows
            }
            if invalid:  # all or nothing, as the sandbox does
                message = "The given data was invalid."
                return self.fakes.json_response(422, {"message": message, "errors": invalid})
            for key in keys:
                del self.rows[key]
            if self.fail_delete:
                raise self.fail_delete.pop(0)("answer lost", request=request)
            return httpx.Response(204)
        key = path.rsplit("/", 1)[-1]
        if key not in self.rows:
            return self.fakes.json_response(404, {"message": "Resource not found."})
        if request.method == "GET":
            return self.fakes.json_response(200, {"data": self.rows[key]})
        if request.method == "PATCH":
            self.rows[key] = {**self.rows[key], **orjson.loads(request.content)}
            return self.fakes.json_response(200, {"data": self.rows[key]})
        if request.method == "DELETE":
            del self.rows[key]
            if self.fail_delete:
                raise self.fail_delete.pop(0)("answer lost", request=request)
            return httpx.Response(204)
        raise AssertionError(f"unexpected {request.method} {path}")


@pytest.fixture
def store(fakes) -> EnrollmentStore:
    return EnrollmentStore(fakes)


def test_create_posts_json_and_returns_the_record(make_client, store) -> None:
    client = make_client(store)

    created = client.create_enrollment(PAYLOAD)

    post = store.requests[0]
    assert post.headers["Content-Type"] == "application/json"
    assert orjson.loads(post.content) == PAYLOAD
    assert created == store.rows[created["uuid"]]


def test_get_update_delete_round_trip(make_client, store) -> None:
    client = make_client(store)
    created = client.create_enrollment(PAYLOAD)

    assert client.get_enrollment(created["uuid"]) == created
    updated = client.update_enrollment(created["uuid"], {"grade": 7.5})
    assert updated["grade"] == 7.5
    patch = next(r for r in store.requests if r.method == "PATCH")
    assert orjson.loads(patch.content) == {"grade": 7.5}  # only the changed field
    assert patch.url.path == f"/enrollments/{created['uuid']}"

    client.delete_enrollment(created["uuid"])
    with pytest.raises(NotFoundError):
        client.get_enrollment(created["uuid"])


def test_update_without_changes_sends_no_patch(make_client, store) -> None:
    client = make_client(store)
    created = client.create_enrollment(PAYLOAD)

    assert client.update_enrollment(created["uuid"], {}) == created
    assert store.count("PATCH") == 0


def test_batch_delete_sends_the_uuids_as_json(make_client, store) -> None:
    client = make_client(store)
    first = client.create_enrollment(PAYLOAD)
    second = client.create_enrollment({**PAYLOAD, "enrolled_at": "2025-02-04"})

    client.batch_delete_enrollments([first["uuid"], second["uuid"]])

    request = store.requests[-1]
    assert (request.method, request.url.path) == ("DELETE", "/enrollments/batch/destroy")
    assert request.headers["Content-Type"] == "application/json"
    assert orjson.loads(request.content) == {"uuids": [first["uuid"], second["uuid"]]}
    assert store.rows == {}


def test_batch_delete_goes_in_chunks(make_client, store) -> None:
    client = make_client(store)
    store.rows = {str(uuid.UUID(int=n)): {} for n in range(1, 1201)}

    client.batch_delete_enrollments(list(store.rows))

    sizes = [len(orjson.loads(r.content)["uuids"]) for r in store.requests]
    assert sizes == [500, 500, 200]
    assert store.rows == {}


def test_a_batch_delete_whose_answer_was_lost_counts_as_done(make_client, store) -> None:
    client = make_client(store)
    first = client.create_enrollment(PAYLOAD)
    second = client.create_enrollment({**PAYLOAD, "enrolled_at": "2025-02-04"})
    store.fail_delete = [httpx.ReadTimeout]

    # The resend is refused because both are gone: that is the outcome asked for.
    client.batch_delete_enrollments([first["uuid"], second["uuid"]])

    assert store.count("DELETE") == 2
    assert store.rows == {}


def test_a_batch_delete_naming_a_missing_uuid_is_refused(make_client, store) -> None:
    client = make_client(store)
    created = client.create_enrollment(PAYLOAD)
    missing = str(uuid.uuid4())

    with pytest.raises(ValidationError) as caught:
        client.batch_delete_enrollments([created["uuid"], missing])

    assert list(caught.value.errors) == ["uuids.1"]
    assert created["uuid"] in store.rows


def test_batch_delete_of_nothing_sends_nothing(make_client, store) -> None:
    client = make_client(store)
    client.batch_delete_enrollments([])
    assert store.requests == []


def test_batch_delete_refuses_a_bare_string(make_client, store) -> None:
    client = make_client(store)
    with pytest.raises(TypeError):
        client.batch_delete_enrollments("0b7c6f0e-8a41-4c1e-9a52-8b1f3f0f2a11")


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.DecodingError, 500, 502]
)
def test_an_uncertain_create_that_happened_is_found_not_repeated(
    make_client, store, failure
) -> None:
    store.fail_post = [("stored", failure)]
    client = make_client(store)

    created = client.create_enrollment(PAYLOAD)

    assert store.count("POST") == 1
    assert list(store.rows) == [created["uuid"]]
    lookup = next(r for r in store.requests if r.method == "GET")
    assert lookup.url.params["where[student_uuid]"] == STUDENT
    assert lookup.url.params["where[course_uuid]"] == COURSE


def test_an_uncertain_create_that_did_not_happen_is_sent_again(make_client, store) -> None:
    store.fail_post = [("lost", httpx.ReadTimeout)]
    client = make_client(store)

    created = client.create_enrollment(PAYLOAD)

    assert store.count("POST") == 2
    assert store.count("GET") == 1  # looked up before sending again
    assert list(store.rows) == [created["uuid"]]


def test_the_lookup_matches_day_and_cohort(make_client, store) -> None:
    client = make_client(store)
    other_day = client.create_enrollment({**PAYLOAD, "enrolled_at": "2024-09-01"})
    other_cohort = client.create_enrollment({**PAYLOAD, "cohort_uuid": None})
    store.fail_post = [("stored", httpx.ReadTimeout)]

    created = client.create_enrollment(PAYLOAD)

    assert created["uuid"] not in {other_day["uuid"], other_cohort["uuid"]}
    assert created["enrolled_at"].startswith("2025-02-03")
    assert len(store.rows) == 3


def test_a_create_that_was_never_sent_is_retried_without_lookup(make_client, store) -> None:
    store.fail_post = [("lost", httpx.ConnectError)]
    client = make_client(store)

    client.create_enrollment(PAYLOAD)

    assert store.count("POST") == 2
    assert store.count("GET") == 0
    assert len(store.rows) == 1


def test_a_failed_lookup_reports_that_the_create_may_have_happened(
    make_client, store, fakes
) -> None:
    store.fail_post = [("stored", httpx.ReadTimeout)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return fakes.json_response(500, {"message": "Server Error"})
        return store(request)

    client = make_client(handler, max_attempts=2)

    with pytest.raises(NetworkError) as caught:
        client.create_enrollment(PAYLOAD)

    assert any("may have been created" in note for note in caught.value.__notes__)
    assert store.count("POST") == 1


def test_uncertain_creates_stop_at_the_attempt_bound(make_client, store) -> None:
    store.fail_post = [("lost", httpx.ReadTimeout)] * 10
    client = make_client(store, max_attempts=3)

    with pytest.raises(NetworkError):
        client.create_enrollment(PAYLOAD)

    assert store.count("POST") == 3
    assert store.rows == {}


def test_create_refused_is_a_validation_error_and_not_retried(make_client, fakes) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return fakes.json_response(
            422,
            {
                "message": "The given data was invalid.",
                "errors": {"course_uuid": ["The selected course uuid is invalid."]},
            },
        )

    client = make_client(handler)
    with pytest.raises(ValidationError) as caught:
        client.create_enrollment(PAYLOAD)
    assert caught.value.errors == {"course_uuid": ["The selected course uuid is invalid."]}
    assert len(calls) == 1


def test_a_delete_whose_answer_was_lost_counts_as_done(make_client, store) -> None:
    client = make_client(store)
    created = client.create_enrollment(PAYLOAD)
    store.fail_delete = [httpx.ReadTimeout]

    client.delete_enrollment(created["uuid"])  # the resend meets 404: already deleted

    assert store.count("DELETE") == 2
    assert store.rows == {}


def test_deleting_a_missing_enrollment_is_not_found(make_client, store) -> None:
    client = make_client(store)
    with pytest.raises(NotFoundError):
        client.delete_enrollment(str(uuid.uuid4()))


def test_update_is_retried_after_a_server_error(make_client, store, fakes) -> None:
    client = make_client(store)
    created = client.create_enrollment(PAYLOAD)
    failures = iter([True])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and next(failures, False):
            return fakes.json_response(503, {"message": "busy"})
        return store(request)

    flaky = make_client(handler)
    assert flaky.update_enrollment(created["uuid"], {"grade": 9})["grade"] == 9


@pytest.mark.parametrize(
    ("method", "path"),
    [("get_course", "courses"), ("get_cohort", "cohorts"), ("get_student", "students")],
)
def test_single_reference_records(make_client, fakes, method, path) -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return fakes.json_response(200, {"data": {"uuid": "u-1"}})

    client = make_client(handler)
    assert getattr(client, method)("u-1") == {"uuid": "u-1"}
    assert seen == [f"/{path}/u-1"]


def test_path_segments_are_escaped(make_client, fakes) -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return fakes.json_response(200, {"data": {}})

    client = make_client(handler)
    client.get_enrollment("../auth/me")
    assert seen == [b"/enrollments/..%2Fauth%2Fme"]


def test_a_single_record_answer_without_data_is_an_error(make_client, fakes) -> None:
    client = make_client(lambda request: fakes.json_response(200, [1, 2]))
    with pytest.raises(DokStampError, match="'data' object"):
        client.get_enrollment("x")
