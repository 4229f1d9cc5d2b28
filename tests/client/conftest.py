"""Shared pieces of the client tests: fake time, settings, and an in-memory list endpoint."""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

from dashboard.client import DokStampClient
from dashboard.settings import Settings

API = "https://api.dokstamp.test"
TOKEN = "static-token-value"


class FakeTime:
    """An injectable clock and sleep: sleeping advances the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def make_settings(**overrides: Any) -> Settings:
    base = Settings.from_mapping(
        {"DOKSTAMP_API_URL": API, "DOKSTAMP_TENANT": "demo-university", "DOKSTAMP_TOKEN": TOKEN}
    )
    return dataclasses.replace(base, **overrides)


def json_response(
    status: int, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status,
        content=orjson.dumps(body),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def enrollment(number: int) -> dict[str, Any]:
    """A plausible enrollment object; uuids are ordered by number."""
    return {
        "uuid": str(uuid.UUID(int=number + 1)),
        "completion_status": "enrolled",
        "grade": None,
        "enrolled_at": "2024-02-01T00:00:00.000000Z",
        "completed_at": None,
        "student": {"uuid": str(uuid.UUID(int=10**6 + number)), "name": f"Student {number}"},
        "course": {"uuid": str(uuid.UUID(int=2 * 10**6)), "name": "Course"},
        "cohort": None,
    }


class FakeListApi:
    """A list endpoint over an in-memory list, with Laravel's envelope and a per_page cap.

    ``before_page(page_number, api)`` runs before each list page is served (to mutate the
    records mid-sync); ``requests`` records every request seen.
    """

    def __init__(
        self,
        records: list[dict[str, Any]],
        *,
        max_per_page: int = 100,
        before_page: Callable[[int, FakeListApi], None] | None = None,
    ) -> None:
        self.records = records
        self.max_per_page = max_per_page
        self.before_page = before_page
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        params = request.url.params
        page = int(params.get("page", "1"))
        per_page = min(int(params.get("per_page", "15")), self.max_per_page)
        if self.before_page is not None:
            self.before_page(page, self)
        with self._lock:
            records = list(self.records)
        for key, value in params.items():
            if key.startswith("where["):
                field = key[len("where[") : -1]
                records = [r for r in records if _field(r, field) == value]
        total = len(records)
        data = records[(page - 1) * per_page : page * per_page]
        meta = {
            "current_page": page,
            "per_page": per_page,
            "total": total,
            "last_page": max(1, math.ceil(total / per_page)),
        }
        return json_response(200, {"data": data, "links": {}, "meta": meta})

    def page_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "GET"]


def _field(record: dict[str, Any], field: str) -> object:
    if field.endswith("_uuid"):
        nested = record.get(field[: -len("_uuid")])
        if isinstance(nested, dict):
            return nested.get("uuid")
    return record.get(field)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


ClientFactory = Callable[..., DokStampClient]


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[ClientFactory]:
    """``make_client(handler, **settings_overrides)``: a client on a MockTransport, fake time."""
    clients: list[DokStampClient] = []

    def factory(
        handler: Callable[[httpx.Request], httpx.Response], **overrides: Any
    ) -> DokStampClient:
        client = DokStampClient(
            make_settings(**overrides),
            transport=httpx.MockTransport(handler),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            rng=random.Random(1234),
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


class Fakes:
    """The helpers above, handed to tests as the ``fakes`` fixture (conftest is not importable)."""

    API = API
    TOKEN = TOKEN
    FakeListApi = FakeListApi
    FakeTime = FakeTime
    json_response = staticmethod(json_response)
    enrollment = staticmethod(enrollment)
    make_settings = staticmethod(make_settings)


@pytest.fixture
def fakes() -> type[Fakes]:
    return Fakes
