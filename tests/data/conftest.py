"""Shared pieces of the data-layer tests: records, settings, a fake API, the stores on disk."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import diskcache
import httpx
import orjson
import pytest

from dashboard.data import enrollment_frame
from dashboard.data.cache_keys import CacheKey
from dashboard.data.snapshots import DiskSnapshotStore, SnapshotUnreadableError
from dashboard.settings import Settings

API = "https://api.dokstamp.test"
TOKEN = "data-layer-secret-token-0123456789"


def enrollment(number: int, **changes: Any) -> dict[str, Any]:
    """An enrollment object as the API sends it; uuids are ordered by number."""
    record: dict[str, Any] = {
        "uuid": str(uuid.UUID(int=number + 1)),
        "completion_status": "enrolled",
        "grade": None,
        "enrolled_at": "2024-02-01T00:00:00.000000Z",
        "completed_at": None,
        "student": {"uuid": str(uuid.UUID(int=10**6 + number)), "name": f"Student {number}"},
        "course": {"uuid": str(uuid.UUID(int=2 * 10**6 + number % 2)), "name": "Course"},
        "cohort": None,
    }
    record.update(changes)
    return record


def make_settings(cache_dir: Path, **overrides: Any) -> Settings:
    """Settings for the fake API: static token, no retries (failures are immediate)."""
    base = Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": API,
            "DOKSTAMP_TENANT": "demo-university",
            "DOKSTAMP_TOKEN": TOKEN,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
            "DOKSTAMP_PAGE_SIZE": "10",
            "DOKSTAMP_CONCURRENCY": "2",
            "DOKSTAMP_MAX_ATTEMPTS": "1",
        }
    )
    return dataclasses.replace(base, **overrides)


def json_response(status: int, body: object) -> httpx.Response:
    return httpx.Response(
        status, content=orjson.dumps(body), headers={"Content-Type": "application/json"}
    )


class FakeEnrollmentsApi:
    """``GET /enrollments`` (paged, ``where[...]`` filters) and ``GET /enrollments/{uuid}``.

    ``fail_from_page``: pages from this number on answer 500 (a sync failing midway).
    ``gate``: when set, every list request waits for it (to hold a fetch in flight).
    """

    def __init__(self, records: list[dict[str, Any]], *, max_per_page: int = 10) -> None:
        self.records = records
        self.max_per_page = max_per_page
        self.fail_from_page: int | None = None
        self.gate: threading.Event | None = None
        self.list_requests = 0
        self.tenants: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.tenants.append(request.headers.get("X-Tenant", ""))
        path = request.url.path
        if path.startswith("/enrollments/"):
            wanted = path.rsplit("/", 1)[1]
            for record in self.records:
                if record["uuid"] == wanted:
                    return json_response(200, {"data": record})
            return json_response(404, {"message": "Resource not found."})
        if path != "/enrollments":  # the reference listings a sync reads too: none here
            meta = {"current_page": 1, "per_page": 10, "total": 0, "last_page": 1}
            return json_response(200, {"data": [], "meta": meta})
        if self.gate is not None:
            self.gate.wait(timeout=10)
        with self._lock:
            self.list_requests += 1
        params = request.url.params
        page = int(params.get("page", "1"))
        if self.fail_from_page is not None and page >= self.fail_from_page:
            return json_response(500, {"message": "Server Error"})
        per_page = min(int(params.get("per_page", "15")), self.max_per_page)
        records = [r for r in self.records if _matches(r, params)]
        data = records[(page - 1) * per_page : page * per_page]
        meta = {
            "current_page": page,
            "per_page": per_page,
            "total": len(records),
            "last_page": max(1, math.ceil(len(records) / per_page)),
        }
        return json_response(200, {"data": data, "meta": meta})


def _matches(record: dict[str, Any], params: httpx.QueryParams) -> bool:
    for key, value in params.items():
        if not key.startswith("where["):
            continue
        field = key[len("where[") : -1]
        if field.endswith("_uuid"):
            nested = record.get(field[: -len("_uuid")])
            actual = nested.get("uuid") if isinstance(nested, dict) else None
        else:
            actual = record.get(field)
        if (value == "null" and actual is not None) or (value != "null" and actual != value):
            return False
    return True


class Fakes:
    """The helpers above, handed to tests as the ``fakes`` fixture (conftest is not importable)."""

    API = API
    TOKEN = TOKEN
    FakeEnrollmentsApi = FakeEnrollmentsApi
    enrollment = staticmethod(enrollment)
    make_settings = staticmethod(make_settings)
    json_response = staticmethod(json_response)


@pytest.fixture
def fakes() -> type[Fakes]:
    return Fakes


def all_cache_bytes(folder: Path) -> list[tuple[Path, bytes]]:
    """Every file under ``folder`` with its bytes."""
    return [(path, path.read_bytes()) for path in sorted(folder.rglob("*")) if path.is_file()]


@pytest.fixture
def cache_files() -> Callable[[Path], list[tuple[Path, bytes]]]:
    return all_cache_bytes


# -- The diskcache-based stores, as the hardening tests (test_data_safe_disk.py) drive them ------


class DiskcacheStore:
    """One diskcache-based store in one folder, reduced to what the hardening tests need.

    ``put(name)`` stores an entry whose value lives in a file of the folder (not inline in the
    index); ``get(name)`` reads it back through the store's own API (None: a miss);
    ``opened()`` yields the ``diskcache.Cache`` the store itself opens (for cull, evict, clear).
    Another store (the snapshot store) plugs in with a subclass listed in ``DISKCACHE_STORES``.
    """

    kind = "abstract"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, name: str) -> None:
        raise NotImplementedError

    def get(self, name: str) -> object | None:
        raise NotImplementedError

    def opened(self) -> contextlib.AbstractContextManager[diskcache.Cache]:
        raise NotImplementedError


class SnapshotStoreAdapter(DiskcacheStore):
    """The snapshot store: ``name`` is a tenant's line; its frames live in value files."""

    kind = "snapshots"

    def _line(self, name: str) -> CacheKey:
        return CacheKey.of(api_url=API, tenant=name, resource="enrollments")

    def put(self, name: str) -> None:
        # Enough rows that the Arrow bytes go to a file of their own, not inline in the index.
        frame = enrollment_frame([enrollment(n) for n in range(400)])
        with DiskSnapshotStore(self.folder) as store:
            store.publish(self._line(name), {"enrollments": frame}, extracted_at=datetime.now(UTC))

    def get(self, name: str) -> object | None:
        with DiskSnapshotStore(self.folder) as store:
            latest = store.latest(self._line(name))
            if latest is None:
                return None
            try:
                return store.read(latest)
            except SnapshotUnreadableError:  # its frame was refused and dropped: a miss
                return None

    @contextlib.contextmanager
    def opened(self) -> Iterator[diskcache.Cache]:
        with DiskSnapshotStore(self.folder) as store:
            yield store._cache


DISKCACHE_STORES: dict[str, type[DiskcacheStore]] = {"snapshots": SnapshotStoreAdapter}


@pytest.fixture(params=sorted(DISKCACHE_STORES))
def diskcache_store(request: pytest.FixtureRequest) -> Callable[[Path], DiskcacheStore]:
    """A factory: ``diskcache_store(folder)`` -> the store under test in ``folder``."""
    return DISKCACHE_STORES[request.param]
