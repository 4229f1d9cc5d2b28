"""start_sandbox / RunningSandbox and the shared fixtures."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from dokstamp_sandbox.runner import RunningSandbox, SandboxOptions, start_sandbox


def test_shared_sandbox_serves_on_loopback(sandbox: RunningSandbox) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")
    assert sandbox.db_path.exists()
    assert httpx.get(f"{sandbox.url}/openapi.json").status_code == 200


def test_start_and_stop_as_context_manager(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    with start_sandbox(db_path, seed="empty", static_tokens={"tok": "acme"}) as running:
        response = httpx.get(
            f"{running.url}/institutions",
            headers={"Authorization": "Bearer tok", "X-Tenant": "acme"},
        )
        assert response.status_code == 200
        assert response.json()["meta"]["total"] == 1
        url = running.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/openapi.json", timeout=2)


def test_existing_database_is_not_reseeded(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    tokens = {"tok": "demo-university"}
    headers = {"Authorization": "Bearer tok", "X-Tenant": "demo-university"}
    with start_sandbox(db_path, seed="demo", enrollments=50, static_tokens=tokens) as first:
        total = httpx.get(f"{first.url}/enrollments", headers=headers).json()["meta"]["total"]
    with start_sandbox(db_path, seed="demo", enrollments=500, static_tokens=tokens) as second:
        again = httpx.get(f"{second.url}/enrollments", headers=headers).json()["meta"]["total"]
    assert total == again == 50


def test_factory_applies_options(sandbox_factory: object) -> None:
    start = sandbox_factory
    assert callable(start)
    running = start(options=SandboxOptions(max_per_page=5), static_tokens={"t": "acme"})
    response = httpx.get(
        f"{running.url}/courses",
        params={"per_page": 50},
        headers={"Authorization": "Bearer t", "X-Tenant": "acme"},
    )
    assert response.json()["meta"]["per_page"] == 5


def test_options_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="fail_rate"):
        SandboxOptions(fail_rate=1.5)
    with pytest.raises(ValueError, match="max_per_page"):
        SandboxOptions(max_per_page=0)
