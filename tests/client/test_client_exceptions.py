"""Each HTTP failure becomes its typed error, with the server's message and field errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from dashboard.client import (
    AuthenticationError,
    ClientCredentials,
    ConfigurationError,
    DokStampClient,
    DokStampError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    Secret,
    ServerError,
    StaticToken,
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
    body: dict[str, object] = {
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


def _illegal_header(request: httpx.Request) -> httpx.Response:
    """What httpcore raises for a header h11 refuses: the message quotes the whole value."""
    value = request.headers["Authorization"].encode()
    raise httpx.LocalProtocolError(f"Illegal header value {value!r}", request=request)


@pytest.mark.parametrize("call", ["get", "create"])
def test_a_header_httpx_refuses_is_one_typed_error_that_never_quotes_it(
    make_client, fakes, fake_time, caplog, call
) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return _illegal_header(request)

    client = make_client(handler)

    send = {
        "get": lambda: client.get_enrollment(UUID),
        "create": lambda: client.create_enrollment({"student_uuid": "s", "course_uuid": "c"}),
    }[call]

    with pytest.raises(DokStampError) as caught:
        send()

    error = caught.value
    assert not isinstance(error, NetworkError)  # not a network hiccup: resending cannot help
    assert "could not be sent" in error.message
    assert len(sent) == 1  # not retried, and a create is not looked up (it was never sent)
    assert fake_time.sleeps == []
    assert error.__cause__ is None
    assert error.__context__ is None  # httpx's message is not chained into tracebacks either
    shown = caplog.text + str(error) + repr(error) + repr(error.args)
    assert fakes.TOKEN not in shown
    assert all(fakes.TOKEN not in record.getMessage() for record in caplog.records)


def test_a_token_that_is_not_ascii_is_refused_before_anything_is_sent(
    make_client, fakes, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "tøken-ünsendable-value"
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return fakes.json_response(200, {"data": {}})

    client = make_client(handler, credentials=StaticToken(Secret(secret)))

    with pytest.raises(DokStampError, match="could not be sent") as caught:
        client.get_enrollment(UUID)

    assert sent == []
    assert caught.value.__context__ is None
    assert secret not in caplog.text + str(caught.value) + repr(caught.value)


def test_an_issued_token_a_header_cannot_carry_is_never_sent(make_client, fakes, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    issued = "issued\r\nX-Injected: secret-access-token"
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/oauth/token":
            return fakes.json_response(200, {"access_token": issued, "expires_in": 3600})
        return fakes.json_response(200, {"data": {}})

    client = make_client(
        handler,
        credentials=ClientCredentials(client_id="svc", client_secret=Secret("svc-secret-value")),
    )

    with pytest.raises(DokStampError, match="could not be sent"):
        client.get_enrollment(UUID)

    assert [request.url.path for request in sent] == ["/oauth/token"]
    assert "secret-access-token" not in caplog.text


@pytest.mark.parametrize("tenant", ["universität", "demo\nuniversity", "demo university"])
def test_a_tenant_a_header_cannot_carry_is_a_configuration_error(fakes, tenant) -> None:
    settings = fakes.make_settings(tenant=tenant)

    with pytest.raises(ConfigurationError) as caught:
        DokStampClient(settings, transport=httpx.MockTransport(_illegal_header))

    assert caught.value.variable == "DOKSTAMP_TENANT"


@pytest.mark.parametrize(
    ("failure", "error_class", "retried"),
    [
        (httpx.RemoteProtocolError, NetworkError, True),
        (httpx.ReadError, NetworkError, True),
        (httpx.WriteTimeout, NetworkError, True),
        (httpx.ProxyError, NetworkError, True),
        (httpx.DecodingError, DokStampError, False),
        (httpx.TooManyRedirects, DokStampError, False),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else str(value),
)
def test_every_httpx_error_becomes_a_typed_error(
    make_client, failure, error_class, retried
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise failure("scripted failure", request=request)

    client = make_client(handler, max_attempts=3)

    with pytest.raises(error_class) as caught:
        client.get_enrollment(UUID)

    assert isinstance(caught.value, DokStampError)
    assert isinstance(caught.value, NetworkError) == (error_class is NetworkError)
    assert len(calls) == (3 if retried else 1)


def _gzip_that_is_not(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        content=b'{"data": {"uuid": "x"}}',
    )


def test_a_body_that_does_not_match_its_content_encoding_is_a_typed_error(make_client) -> None:
    client = make_client(_gzip_that_is_not)

    with pytest.raises(DokStampError, match="could not be decoded") as caught:
        client.list_all("enrollments")

    assert not isinstance(caught.value, NetworkError)
    assert caught.value.method == "GET"
