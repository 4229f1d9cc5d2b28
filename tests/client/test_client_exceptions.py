"""Each HTTP failure becomes its typed error, with the server's message and field errors."""

from __future__ import annotations

import httpx
import pytest

from dashboard.client import (
    AuthenticationError,
    DokStampError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ValidationError,
)

UUID = "0b7c6f0e-8a41-4c1e-9a52-8b1f3f0f2a11"

GEN_A_404 = "No query results for model [App\\Models\\Enrollment] x"
CASES = [
    (401, {"message": "Unauthenticated."}, AuthenticationError, "Unauthenticated."),
    (403, {"message": "This action is unauthorized."}, PermissionDeniedError, None),
    (
        404,
        {"message": GEN_A_404},
        NotFoundError,
        None,
    ),
    (404, {"message": "Resource not found."}, NotFoundError, None),
    (429, {"message": "Too Many Attempts."}, RateLimitedError, None),
    (500, {"message": "Server Error"}, ServerError, None),
    (503, {"message": "Service Unavailable"}, ServerError, None),
]


@pytest.mark.parametrize("success_flag", [False, True], ids=["gen-a", "gen-b"])
@pytest.mark.parametrize(("status", "body", "error_class", "_"), CASES)
def test_status_maps_to_its_error_with_the_servers_message(
    make_client, fakes, status, body, error_class, _, success_flag
) -> None:
    sent = {"success": False, **body} if success_flag else body
    client = make_client(lambda request: fakes.json_response(status, sent))

    with pytest.raises(error_class) as caught:
        client.get_enrollment(UUID)

    error = caught.value
    assert error.status == status
    assert error.message == body["message"]
    assert error.errors == {}
    assert error.method == "GET"
    assert error.url == f"{fakes.API}/enrollments/{UUID}"


@pytest.mark.parametrize("success_flag", [False, True], ids=["gen-a", "gen-b"])
def test_validation_error_carries_the_field_map(make_client, fakes, success_flag) -> None:
    body = {
        "message": "The given data was invalid.",
        "errors": {
            "course_uuid": ["The selected course uuid is invalid."],
            "enrolled_at": ["The enrolled at field is required.", "Not a date."],
        },
    }
    if success_flag:
        body = {"success": False, **body}
    client = make_client(lambda request: fakes.json_response(422, body))

    with pytest.raises(ValidationError) as caught:
        client.create_enrollment({"student_uuid": UUID})

    assert caught.value.status == 422
    assert caught.value.message == "The given data was invalid."
    assert caught.value.errors == body["errors"]
    assert "course_uuid: The selected course uuid is invalid." in str(caught.value)


def test_non_json_body_gives_the_status_and_an_excerpt(make_client) -> None:
    html = "<html><body>502 Bad Gateway from the proxy</body></html>"
    client = make_client(lambda request: httpx.Response(502, text=html), max_attempts=1)

    with pytest.raises(ServerError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.status == 502
    assert "Bad Gateway" in caught.value.message
    assert "502 Bad Gateway from the proxy" in caught.value.message


def test_empty_body_falls_back_to_the_reason_phrase(make_client) -> None:
    client = make_client(lambda request: httpx.Response(403))

    with pytest.raises(PermissionDeniedError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.message == "Forbidden"


def test_json_that_is_not_an_object_is_tolerated(make_client, fakes) -> None:
    client = make_client(lambda request: fakes.json_response(404, ["nope"]))

    with pytest.raises(NotFoundError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.message == "Not Found"


def test_oauth_error_body_gives_its_description(make_client, fakes) -> None:
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    client = make_client(lambda request: fakes.json_response(401, body))

    with pytest.raises(AuthenticationError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.message == "Client authentication failed"


def test_other_4xx_is_the_base_error_with_its_status(make_client, fakes) -> None:
    body = {"message": "Cannot delete: enrollments reference it."}
    client = make_client(lambda request: fakes.json_response(409, body))

    with pytest.raises(DokStampError) as caught:
        client.delete_enrollment(UUID)

    assert type(caught.value) is DokStampError
    assert caught.value.status == 409
    assert caught.value.message == body["message"]


def test_connection_failure_is_a_network_error_without_status(make_client) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    client = make_client(refuse, max_attempts=2)

    with pytest.raises(NetworkError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.status is None
    assert "Connection refused" in caught.value.message
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_timeout_is_a_network_error(make_client) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = make_client(slow, max_attempts=1)

    with pytest.raises(NetworkError, match="ReadTimeout"):
        client.get_enrollment(UUID)


def test_every_error_is_a_dokstamp_error() -> None:
    for error_class in (
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ValidationError,
        RateLimitedError,
        ServerError,
        NetworkError,
    ):
        assert issubclass(error_class, DokStampError)


def test_rate_limited_error_keeps_the_retry_after_hint(make_client, fakes) -> None:
    client = make_client(
        lambda request: fakes.json_response(
            429, {"message": "Too Many Attempts."}, {"Retry-After": "120"}
        )
    )

    with pytest.raises(RateLimitedError) as caught:
        client.get_enrollment(UUID)

    assert caught.value.retry_after == 120.0


def test_a_redirect_is_reported_not_followed(make_client) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(301, headers={"Location": "http://elsewhere.test/enrollments/x"})

    client = make_client(handler)

    with pytest.raises(DokStampError, match=r"redirect to http://elsewhere\.test") as caught:
        client.get_enrollment(UUID)

    assert caught.value.status == 301
    assert len(calls) == 1
