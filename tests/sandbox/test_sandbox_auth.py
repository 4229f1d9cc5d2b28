"""Authentication and tenancy: /oauth/token, /auth/*, the Bearer and X-Tenant rules."""

from __future__ import annotations

import httpx
import pytest

from dokstamp_sandbox import demo
from dokstamp_sandbox.auth import Authenticator
from dokstamp_sandbox.database import Database
from dokstamp_sandbox.errors import Unauthenticated
from dokstamp_sandbox.provision import provision


def _token(url: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def _login(url: str, email: str, password: str) -> httpx.Response:
    return httpx.post(f"{url}/auth/login", json={"email": email, "password": password})


def test_client_credentials_give_a_12_hour_bearer_token(sandbox) -> None:
    response = _token(sandbox.url, demo.DEMO_CLIENT_ID, demo.DEMO_CLIENT_SECRET)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 43_200
    assert set(body) == {"token_type", "expires_in", "access_token"}


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [(demo.DEMO_CLIENT_ID, "wrong"), ("nobody", demo.DEMO_CLIENT_SECRET), ("", "")],
)
def test_bad_client_is_401_invalid_client(sandbox, client_id, secret) -> None:
    response = _token(sandbox.url, client_id, secret)
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
        "message": "Client authentication failed",
    }


def test_other_grant_type_is_400(sandbox) -> None:
    response = httpx.post(
        f"{sandbox.url}/oauth/token",
        data={"grant_type": "password", "client_id": demo.DEMO_CLIENT_ID},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_login_gives_access_and_refresh_tokens(sandbox) -> None:
    response = _login(sandbox.url, demo.DEMO_EMAIL, demo.DEMO_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 31_536_000
    assert body["access_token"]
    assert body["refresh_token"]


def test_login_with_wrong_password_is_401(sandbox) -> None:
    response = _login(sandbox.url, demo.DEMO_EMAIL, "nope")
    assert response.status_code == 401
    assert response.json() == {"message": "These credentials do not match our records."}


def test_login_without_fields_is_422(sandbox) -> None:
    response = httpx.post(f"{sandbox.url}/auth/login", json={"email": demo.DEMO_EMAIL})
    assert response.status_code == 422
    assert response.json()["errors"] == {"password": ["The password field is required."]}


def test_refresh_rotates_tokens(sandbox) -> None:
    first = _login(sandbox.url, demo.DEMO_EMAIL, demo.DEMO_PASSWORD).json()
    refreshed = httpx.post(
        f"{sandbox.url}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = httpx.post(
        f"{sandbox.url}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401
    assert reused.json() == {"message": "The refresh token is invalid."}
    old = httpx.get(
        f"{sandbox.url}/auth/me", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert old.status_code == 401
    new = httpx.get(
        f"{sandbox.url}/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert new.status_code == 200


def test_me_names_user_and_tenant_without_x_tenant(sandbox) -> None:
    token = _login(sandbox.url, demo.DEMO_EMAIL, demo.DEMO_PASSWORD).json()["access_token"]
    response = httpx.get(f"{sandbox.url}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["email"] == demo.DEMO_EMAIL
    assert data["tenant"]["domain"] == demo.DEMO_TENANT
    assert data["tenant"]["name"] == demo.DEMO_INSTITUTION
    assert {"id", "uuid", "name", "email", "tenant"} <= set(data)


def test_me_for_a_client_token_names_the_tenant(sandbox, demo_token) -> None:
    response = httpx.get(
        f"{sandbox.url}/auth/me", headers={"Authorization": f"Bearer {demo_token}"}
    )
    assert response.json()["data"]["tenant"]["domain"] == demo.DEMO_TENANT


def test_logout_revokes_the_token(sandbox) -> None:
    token = _login(sandbox.url, demo.DEMO_EMAIL, demo.DEMO_PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{sandbox.url}/auth/logout", headers=headers)
    assert response.json() == {"message": "Successfully logged out"}
    assert httpx.get(f"{sandbox.url}/auth/me", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ],
)
def test_resource_routes_need_a_valid_bearer(sandbox, headers) -> None:
    response = httpx.get(
        f"{sandbox.url}/enrollments", headers={**headers, "X-Tenant": demo.DEMO_TENANT}
    )
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_missing_x_tenant_is_401(sandbox, demo_token) -> None:
    response = httpx.get(
        f"{sandbox.url}/enrollments", headers={"Authorization": f"Bearer {demo_token}"}
    )
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize("tenant", [demo.TINY_TENANT, "no-such-tenant"])
def test_token_is_bound_to_its_tenant(sandbox, demo_token, tenant) -> None:
    response = httpx.get(
        f"{sandbox.url}/enrollments",
        headers={"Authorization": f"Bearer {demo_token}", "X-Tenant": tenant},
    )
    assert response.status_code == 403
    assert response.json() == {"message": "This action is unauthorized."}


def test_tenants_see_only_their_own_rows(api, tiny_api) -> None:
    demo_courses = {c["uuid"] for c in api.get("/courses", params={"per_page": 100}).json()["data"]}
    tiny_courses = {
        c["uuid"] for c in tiny_api.get("/courses", params={"per_page": 100}).json()["data"]
    }
    assert demo_courses
    assert tiny_courses
    assert not demo_courses & tiny_courses
    assert api.get("/enrollments").json()["meta"]["total"] == 2_000
    assert tiny_api.get("/enrollments").json()["meta"]["total"] == 60


def test_foreign_uuid_in_path_is_404(api, tiny_api) -> None:
    demo_enrollment = api.get("/enrollments").json()["data"][0]["uuid"]
    assert api.get(f"/enrollments/{demo_enrollment}").status_code == 200
    response = tiny_api.get(f"/enrollments/{demo_enrollment}")
    assert response.status_code == 404
    assert response.json()["message"].startswith("No query results for model")


def test_foreign_uuid_in_body_is_422(sandbox_factory, make_client) -> None:
    running = sandbox_factory(
        seed="demo", enrollments=20, static_tokens={"d": demo.DEMO_TENANT, "t": demo.TINY_TENANT}
    )
    demo_client = make_client(running.url, token="d", tenant=demo.DEMO_TENANT)
    tiny_client = make_client(running.url, token="t", tenant=demo.TINY_TENANT)
    foreign_course = demo_client.get("/courses").json()["data"][0]["uuid"]
    own_student = tiny_client.get("/students").json()["data"][0]["uuid"]
    response = tiny_client.post(
        "/enrollments",
        json={
            "student_uuid": own_student,
            "course_uuid": foreign_course,
            "enrolled_at": "2024-01-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"course_uuid": ["The selected course uuid is invalid."]}


def test_static_token_creates_its_tenant(sandbox_factory, make_client) -> None:
    running = sandbox_factory(seed=None, static_tokens={"s3cret": "acme-college"})
    client = make_client(running.url, token="s3cret", tenant="acme-college")
    institutions = client.get("/institutions").json()
    assert institutions["meta"]["total"] == 1
    assert institutions["data"][0]["name"] == "Acme College"


def test_a_checked_token_is_remembered_until_it_is_revoked(tmp_path) -> None:
    provision(tmp_path / "s.db", seed_kind="empty", enrollments=0)
    db = Database(tmp_path / "s.db")
    try:
        authenticator = Authenticator(db, static_tokens={"STATIC": demo.DEMO_TENANT})
        token = authenticator.login(email=demo.DEMO_EMAIL, password=demo.DEMO_PASSWORD)
        header = f"Bearer {token['access_token']}"
        static = authenticator.remembered("Bearer STATIC")
        assert static is not None
        assert static.tenant_domain == demo.DEMO_TENANT
        assert authenticator.remembered(header) is None  # never checked: needs the database
        principal = authenticator.principal(header)
        assert principal.tenant_domain == demo.DEMO_TENANT
        assert authenticator.remembered(header) == principal  # now answered from memory
        for malformed in (None, "", "Basic abc", "Bearer ", "Bearer"):
            with pytest.raises(Unauthenticated):
                authenticator.remembered(malformed)
        authenticator.logout(principal)
        assert authenticator.remembered(header) is None
        with pytest.raises(Unauthenticated):
            authenticator.principal(header)
    finally:
        db.close()
