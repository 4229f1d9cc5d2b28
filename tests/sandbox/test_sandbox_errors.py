"""Error bodies: Gen A and Gen B shapes, and the error routes of the app (errors.py)."""

from __future__ import annotations

import httpx

from dokstamp_sandbox import demo
from dokstamp_sandbox.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from dokstamp_sandbox.options import SandboxOptions


def test_gen_a_and_gen_b_bodies() -> None:
    failed = ValidationFailed({"grade": ["The grade must be a number."]})
    assert failed.body(success_flag=False) == {
        "message": "The given data was invalid.",
        "errors": {"grade": ["The grade must be a number."]},
    }
    assert failed.body(success_flag=True)["success"] is False
    assert Unauthenticated().body(success_flag=True) == {
        "success": False,
        "message": "Unauthenticated.",
    }
    missing = NotFound(model="Enrollment", uuid="abc")
    assert missing.body(success_flag=False) == {
        "message": "No query results for model [App\\Models\\Enrollment] abc"
    }
    assert missing.body(success_flag=True) == {"success": False, "message": "Resource not found."}
    assert Conflict("no", status=423).status == 423


def test_success_flag_reaches_every_error(sandbox_factory) -> None:
    running = sandbox_factory(
        options=SandboxOptions(success_flag=True), static_tokens={"t": demo.DEMO_TENANT}
    )
    headers = {"Authorization": "Bearer t", "X-Tenant": demo.DEMO_TENANT}
    unauthenticated = httpx.get(f"{running.url}/courses")
    assert unauthenticated.json() == {"success": False, "message": "Unauthenticated."}
    missing = httpx.get(
        f"{running.url}/courses/00000000-0000-4000-8000-000000000000", headers=headers
    )
    assert missing.json() == {"success": False, "message": "Resource not found."}
    invalid = httpx.post(f"{running.url}/courses", json={}, headers=headers)
    assert invalid.json()["success"] is False
    assert set(invalid.json()["errors"]) == {"name", "institution_uuid"}


def test_unknown_routes_and_methods(sandbox, api) -> None:
    assert api.get("/nowhere").status_code == 404
    assert api.get("/nowhere").json() == {"message": "Not Found"}
    not_allowed = api.put("/enrollments")
    assert not_allowed.status_code == 405
    assert "message" in not_allowed.json()
    assert api.post("/institutions", json={}).status_code == 405
