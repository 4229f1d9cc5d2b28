"""Authentication: headers, the three credential modes, renewal before expiry, 401 renew-once."""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from dashboard.client import (
    AuthenticationError,
    ClientCredentials,
    PasswordLogin,
    Secret,
    ServerError,
)

UUID = "0b7c6f0e-8a41-4c1e-9a52-8b1f3f0f2a11"
RECORD = {"uuid": UUID}
CLIENT = ClientCredentials(client_id="svc-client", client_secret=Secret("svc-secret-value"))
LOGIN = PasswordLogin(email="registrar@northfield.test", password=Secret("pw-secret-value"))


class TokenServer:
    """Issues numbered tokens; accepts only the tokens listed in ``valid`` for GETs."""

    def __init__(self, fakes, *, expires_in: int = 43_200) -> None:
        self.fakes = fakes
        self.expires_in = expires_in
        self.issued = 0
        self.valid: set[str] = set()
        self.token_requests: list[httpx.Request] = []
        self.refresh_tokens: set[str] = set()
        self.used_refresh: list[str] = []
        self.fail_refresh = False
        self.seen_auth: list[str | None] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    def _issue(self, *, with_refresh: bool) -> httpx.Response:
        with self._lock:
            self.issued += 1
            token = f"access-{self.issued}"
            self.valid.add(token)
            body: dict[str, object] = {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "access_token": token,
            }
            if with_refresh:
                refresh = f"refresh-{self.issued}"
                self.refresh_tokens.add(refresh)
                body["refresh_token"] = refresh
        return self.fakes.json_response(200, body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path in {"/oauth/token", "/auth/login", "/auth/refresh"}:
            with self._lock:
                self.token_requests.append(request)
            if self.delay:
                time.sleep(self.delay)
            if path == "/oauth/token":
                return self._issue(with_refresh=False)
            if path == "/auth/login":
                return self._issue(with_refresh=True)
            refresh = orjson.loads(request.content)["refresh_token"]
            self.used_refresh.append(refresh)
            if self.fail_refresh or refresh not in self.refresh_tokens:
                return self.fakes.json_response(401, {"message": "The refresh token is invalid."})
            self.refresh_tokens.discard(refresh)  # rotation: a refresh token works once
            return self._issue(with_refresh=True)
        header = request.headers.get("Authorization")
        with self._lock:
            self.seen_auth.append(header)
            ok = header is not None and header.removeprefix("Bearer ") in self.valid
        if self.delay:
            time.sleep(self.delay)
        if not ok:
            return self.fakes.json_response(401, {"message": "Unauthenticated."})
        return self.fakes.json_response(200, {"data": RECORD})

    def paths(self) -> list[str]:
        return [r.url.path for r in self.token_requests]


def test_every_request_carries_bearer_accept_and_tenant(make_client, fakes) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fakes.json_response(200, {"data": RECORD})

    client = make_client(handler, tenant="tiny-college")
    client.get_enrollment(UUID)
    client.get_course(UUID)

    for request in seen:
        assert request.headers["Authorization"] == f"Bearer {fakes.TOKEN}"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["X-Tenant"] == "tiny-college"


def test_static_token_refused_is_not_renewed(make_client, fakes) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return fakes.json_response(401, {"message": "Unauthenticated."})

    client = make_client(handler)
    with pytest.raises(AuthenticationError, match=r"Unauthenticated\."):
        client.get_enrollment(UUID)
    assert len(calls) == 1


def test_client_credentials_post_a_form_and_cache_the_token(make_client, fakes) -> None:
    server = TokenServer(fakes)
    client = make_client(server, credentials=CLIENT)

    for _ in range(3):
        assert client.get_enrollment(UUID) == RECORD

    assert server.paths() == ["/oauth/token"]
    token_request = server.token_requests[0]
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["svc-client"],
        "client_secret": ["svc-secret-value"],
    }
    assert "Authorization" not in token_request.headers
    assert server.seen_auth == ["Bearer access-1"] * 3


def test_client_credentials_token_renewed_about_a_minute_before_expiry(
    make_client, fakes, fake_time
) -> None:
    server = TokenServer(fakes, expires_in=3600)
    client = make_client(server, credentials=CLIENT)

    client.get_enrollment(UUID)
    fake_time.advance(3600 - 61)
    client.get_enrollment(UUID)
    assert server.paths() == ["/oauth/token"]
    fake_time.advance(2)  # now 59 s before expiry
    client.get_enrollment(UUID)

    assert server.paths() == ["/oauth/token", "/oauth/token"]
    assert server.seen_auth[-1] == "Bearer access-2"


def test_client_credentials_renew_once_on_401_then_retry_once(make_client, fakes) -> None:
    server = TokenServer(fakes)
    client = make_client(server, credentials=CLIENT)
    client.get_enrollment(UUID)
    server.valid.clear()  # the server revokes access-1

    assert client.get_enrollment(UUID) == RECORD
    assert server.paths() == ["/oauth/token", "/oauth/token"]
    assert server.seen_auth == ["Bearer access-1", "Bearer access-1", "Bearer access-2"]


def test_a_renewed_token_refused_again_is_an_authentication_error(make_client, fakes) -> None:
    server = TokenServer(fakes)
    server.valid = _NeverValid()
    client = make_client(server, credentials=CLIENT)

    with pytest.raises(AuthenticationError):
        client.get_enrollment(UUID)

    assert server.paths() == ["/oauth/token", "/oauth/token"]  # one renewal only
    assert len(server.seen_auth) == 2  # one retry only


class _NeverValid(set[str]):
    def add(self, value: str) -> None:
        pass


def test_bad_client_secret_is_an_authentication_error(make_client, fakes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fakes.json_response(
            401,
            {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
                "message": "Client authentication failed",
            },
        )

    client = make_client(handler, credentials=CLIENT)
    with pytest.raises(AuthenticationError, match="Client authentication failed"):
        client.get_enrollment(UUID)


def test_login_posts_json_and_uses_the_access_token(make_client, fakes) -> None:
    server = TokenServer(fakes, expires_in=31_536_000)
    client = make_client(server, credentials=LOGIN)

    client.get_enrollment(UUID)

    assert server.paths() == ["/auth/login"]
    login = server.token_requests[0]
    assert login.headers["Content-Type"] == "application/json"
    assert orjson.loads(login.content) == {
        "email": "registrar@northfield.test",
        "password": "pw-secret-value",
    }
    assert server.seen_auth == ["Bearer access-1"]


def test_login_refresh_rotates_the_refresh_token(make_client, fakes) -> None:
    server = TokenServer(fakes)
    client = make_client(server, credentials=LOGIN)
    client.get_enrollment(UUID)

    server.valid.clear()  # access-1 revoked: renew with refresh-1
    client.get_enrollment(UUID)
    server.valid.clear()  # access-2 revoked: renew with the NEW refresh token
    client.get_enrollment(UUID)

    assert server.paths() == ["/auth/login", "/auth/refresh", "/auth/refresh"]
    assert server.used_refresh == ["refresh-1", "refresh-2"]
    assert server.seen_auth[-1] == "Bearer access-3"


def test_login_renewed_before_expiry_through_refresh(make_client, fakes, fake_time) -> None:
    server = TokenServer(fakes, expires_in=600)
    client = make_client(server, credentials=LOGIN)
    client.get_enrollment(UUID)

    fake_time.advance(600 - 30)
    client.get_enrollment(UUID)

    assert server.paths() == ["/auth/login", "/auth/refresh"]
    assert server.seen_auth == ["Bearer access-1", "Bearer access-2"]


def test_refused_refresh_falls_back_to_a_new_login(make_client, fakes) -> None:
    server = TokenServer(fakes)
    client = make_client(server, credentials=LOGIN)
    client.get_enrollment(UUID)
    server.valid.clear()
    server.fail_refresh = True

    assert client.get_enrollment(UUID) == RECORD

    assert server.paths() == ["/auth/login", "/auth/refresh", "/auth/login"]
    assert server.seen_auth[-1] == "Bearer access-2"


def test_refresh_failing_with_a_server_error_is_not_a_login(make_client, fakes) -> None:
    server = TokenServer(fakes)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/refresh":
            return fakes.json_response(500, {"message": "Server Error"})
        return server(request)

    client = make_client(handler, credentials=LOGIN, max_attempts=2)
    client.get_enrollment(UUID)
    server.valid.clear()

    with pytest.raises(ServerError):
        client.get_enrollment(UUID)
    assert server.paths() == ["/auth/login"]


@pytest.mark.parametrize("credentials", [CLIENT, LOGIN], ids=["client", "login"])
def test_concurrent_threads_share_one_token_fetch_and_one_renewal(
    fakes, fake_time, credentials
) -> None:
    import random

    from dashboard.client import DokStampClient

    server = TokenServer(fakes)
    server.delay = 0.005
    client = DokStampClient(
        fakes.make_settings(credentials=credentials),
        transport=httpx.MockTransport(server),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        rng=random.Random(0),
    )
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.get_enrollment(UUID)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def run_threads() -> None:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    with client:
        run_threads()
        assert len(server.token_requests) == 1
        server.valid.clear()  # every thread will now meet a 401 with access-1
        run_threads()

    assert errors == []
    assert len(server.token_requests) == 2


def test_secrets_never_reach_the_logs(make_client, fakes, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    server = TokenServer(fakes)
    client = make_client(server, credentials=LOGIN)
    client.get_enrollment(UUID)
    server.valid.clear()
    server.fail_refresh = True
    client.get_enrollment(UUID)

    failing = make_client(lambda r: fakes.json_response(503, {"message": "down"}))
    with pytest.raises(ServerError) as caught:
        failing.get_enrollment(UUID)

    text = caplog.text + str(caught.value) + repr(caught.value) + repr(client)
    for secret in ("pw-secret-value", fakes.TOKEN, "access-1", "refresh-1"):
        assert secret not in text
    assert "retrying" in caplog.text  # the logs did capture the client's messages
