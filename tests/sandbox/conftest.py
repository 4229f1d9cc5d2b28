"""Fixtures for the sandbox tests: authenticated clients, and a builder of data through the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dokstamp_sandbox import demo
from dokstamp_sandbox.runner import RunningSandbox, start_sandbox

WRITER_TOKEN = "writer-token"
ClientMaker = Callable[..., httpx.Client]


def _client_token(url: str, *, client_id: str, secret: str) -> str:
    response = httpx.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _api_client(url: str, *, token: str, tenant: str) -> httpx.Client:
    return httpx.Client(
        base_url=url,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Tenant": tenant,
            "Accept": "application/json",
        },
        timeout=30.0,
    )


@pytest.fixture
def make_client() -> Iterator[ClientMaker]:
    """make_client(url, token=..., tenant=...) -> an httpx.Client with the API headers."""
    clients: list[httpx.Client] = []

    def make(url: str, *, token: str, tenant: str) -> httpx.Client:
        client = _api_client(url, token=token, tenant=tenant)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def demo_token(sandbox: RunningSandbox) -> str:
    return _client_token(sandbox.url, client_id=demo.DEMO_CLIENT_ID, secret=demo.DEMO_CLIENT_SECRET)


@pytest.fixture(scope="session")
def tiny_token(sandbox: RunningSandbox) -> str:
    return _client_token(sandbox.url, client_id=demo.TINY_CLIENT_ID, secret=demo.TINY_CLIENT_SECRET)


@pytest.fixture
def api(sandbox: RunningSandbox, demo_token: str) -> Iterator[httpx.Client]:
    """A client of the shared demo sandbox as demo-university (read only!)."""
    with _api_client(sandbox.url, token=demo_token, tenant=demo.DEMO_TENANT) as client:
        yield client


@pytest.fixture
def tiny_api(sandbox: RunningSandbox, tiny_token: str) -> Iterator[httpx.Client]:
    """A client of the shared demo sandbox as tiny-college (read only!)."""
    with _api_client(sandbox.url, token=tiny_token, tenant=demo.TINY_TENANT) as client:
        yield client


@pytest.fixture
def writable(sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    """A private sandbox with the demo tenants but no data; WRITER_TOKEN is demo-university's."""
    return sandbox_factory(seed="empty", static_tokens={WRITER_TOKEN: demo.DEMO_TENANT})


@pytest.fixture
def writer(writable: RunningSandbox) -> Iterator[httpx.Client]:
    """A client of the private sandbox as demo-university."""
    with _api_client(writable.url, token=WRITER_TOKEN, tenant=demo.DEMO_TENANT) as client:
        yield client


class Builder:
    """Creates courses, cohorts, students and enrollments through the API (asserting 201)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.institution_uuid: str = client.get("/institutions").json()["data"][0]["uuid"]
        self._emails = 0

    def _create(self, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(f"/{resource}", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def course(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Bachelor of Testing", "institution_uuid": self.institution_uuid}
        return self._create("courses", {**body, **fields})

    def cohort(self, course_uuid: str, code: str, **fields: Any) -> dict[str, Any]:
        return self._create("cohorts", {"course_uuid": course_uuid, "code": code, **fields})

    def student(self, **fields: Any) -> dict[str, Any]:
        self._emails += 1
        body = {
            "name": "Zoë Test",
            "email": f"student{self._emails}@example.test",
            "date_of_birth": "2000-01-31",
        }
        return self._create("students", {**body, **fields})

    def enrollment(self, *, student: str, course: str, **fields: Any) -> dict[str, Any]:
        body = {"student_uuid": student, "course_uuid": course, "enrolled_at": "2024-02-01"}
        return self._create("enrollments", {**body, **fields})


@pytest.fixture
def build(writer: httpx.Client) -> Builder:
    return Builder(writer)


@dataclass(frozen=True)
class Dataset:
    """One course with a cohort, one student, two enrollments (one completed)."""

    course: dict[str, Any]
    cohort: dict[str, Any]
    student: dict[str, Any]
    enrolled: dict[str, Any]
    completed: dict[str, Any]


def _build_dataset(build: Builder) -> Dataset:
    course = build.course()
    cohort = build.cohort(course["uuid"], "BT-2024-EVE")
    student = build.student()
    enrolled = build.enrollment(
        student=student["uuid"], course=course["uuid"], cohort_uuid=cohort["uuid"]
    )
    completed = build.enrollment(
        student=student["uuid"],
        course=course["uuid"],
        completion_status="completed",
        grade=8.5,
        completed_at="2025-01-31",
    )
    return Dataset(course, cohort, student, enrolled, completed)


@pytest.fixture
def dataset(build: Builder) -> Dataset:
    return _build_dataset(build)


@pytest.fixture(scope="module")
def module_writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """Like `writer`, but one private sandbox per test module (for tests that add rows only)."""
    db_path = tmp_path_factory.mktemp("sandbox-module") / "sandbox.db"
    tokens = {WRITER_TOKEN: demo.DEMO_TENANT}
    running = start_sandbox(db_path, seed="empty", static_tokens=tokens)
    with running, _api_client(running.url, token=WRITER_TOKEN, tenant=demo.DEMO_TENANT) as client:
        yield client


@pytest.fixture(scope="module")
def module_dataset(module_writer: httpx.Client) -> Dataset:
    """A Dataset in the module's sandbox (tests must leave its rows as they found them)."""
    return _build_dataset(Builder(module_writer))
