"""sync_snapshot over HTTP to the sandbox: all resources, cancel, resume, failures publish none."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import polars as pl
import pytest

from dashboard.client import PermissionDeniedError, ServerError
from dashboard.data.snapshots import DiskSnapshotStore, SnapshotLine
from dashboard.data.source import DataSource
from dashboard.data.sync import RESOURCES, SyncCancelledError, sync_snapshot
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

ENROLLMENTS = 2_000  # the session sandbox's (tests/conftest.py)


class Faulty(httpx.BaseTransport):
    """Loopback HTTP to the sandbox, except ``status`` for every request to ``path``."""

    def __init__(self, path: str, status: int) -> None:
        self._http = httpx.HTTPTransport()
        self._path = path
        self._status = status

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self._path:
            body = orjson.dumps({"message": f"injected {self._status}"})
            return httpx.Response(
                self._status, content=body, headers={"Content-Type": "application/json"}
            )
        return self._http.handle_request(request)

    def close(self) -> None:
        self._http.close()


class Seen:
    """A SyncObserver that notes which resources it heard about; may set ``cancel`` on one."""

    def __init__(self, cancel_on: str | None = None, cancel: threading.Event | None = None) -> None:
        self.resources: list[str] = []
        self.totals: dict[str, int] = {}
        self._cancel_on = cancel_on
        self._cancel = cancel

    def pages(self, resource: str, done: int, total: int) -> None:
        if resource not in self.resources:
            self.resources.append(resource)
        self.totals[resource] = total
        if resource == self._cancel_on and self._cancel is not None:
            self._cancel.set()

    def waiting(self, seconds: float) -> None:
        pass


@pytest.fixture
def settings(sandbox: RunningSandbox, tmp_path: Path) -> Settings:
    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "DOKSTAMP_MAX_ATTEMPTS": "1",
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path),
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DiskSnapshotStore]:
    with DiskSnapshotStore(tmp_path / "snapshots") as opened:
        yield opened


@pytest.fixture
def open_source(settings: Settings) -> Iterator[Callable[..., DataSource]]:
    opened: list[DataSource] = []

    def open_(transport: httpx.BaseTransport | None = None) -> DataSource:
        source = DataSource(settings, transport=transport)
        opened.append(source)
        return source

    yield open_
    for source in opened:
        source.close()


def checkpoints(store: DiskSnapshotStore, line: SnapshotLine) -> list[str]:
    return [name for name in RESOURCES if store.load_checkpoint(line, name) is not None]


def test_a_sync_reads_every_resource_into_one_consistent_snapshot(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path
) -> None:
    source = open_source()
    line = source.line()
    seen = Seen()
    before = datetime.now(UTC)

    info = sync_snapshot(source.client, store, line, log_dir=tmp_path, observer=seen)

    assert info.resources == RESOURCES
    assert seen.resources == list(RESOURCES)  # one after the other, in this order
    assert store.latest(line) == info
    assert before <= info.extracted_at <= info.published_at
    assert info.errors == {}
    assert info.pages == seen.totals
    assert info.requests >= sum(info.pages.values())
    frames = store.read(info)
    assert {name: frame.height for name, frame in frames.items()} == info.rows
    assert info.rows["enrollments"] == ENROLLMENTS
    assert all(info.rows[name] > 0 for name in RESOURCES)
    enrollments = frames["enrollments"]
    # Read together, the frames agree: every reference an enrollment makes is in its frame.
    for column, resource in [
        ("course_uuid", "courses"),
        ("cohort_uuid", "cohorts"),
        ("student_uuid", "students"),
    ]:
        known = frames[resource]["uuid"]
        assert (
            enrollments.filter(~pl.col(column).is_in(known) & pl.col(column).is_not_null())[
                column
            ].to_list()
            == []
        ), resource
    assert checkpoints(store, line) == []  # dropped once published


def test_a_filtered_line_reads_only_its_enrollments_without_checkpoints(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path
) -> None:
    source = open_source()
    line = source.line({"completion_status": "completed"})

    info = sync_snapshot(source.client, store, line, log_dir=tmp_path, resources=("enrollments",))

    assert info.resources == ("enrollments",)
    frame = store.read(info)["enrollments"]
    assert 0 < frame.height < ENROLLMENTS
    assert frame["completion_status"].unique().to_list() == ["completed"]
    assert store.latest(source.line()) is None  # the unfiltered line is another line


def test_a_cancelled_sync_publishes_nothing_and_the_next_resumes_from_its_checkpoints(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path
) -> None:
    source = open_source()
    line = source.line()
    cancel = threading.Event()
    first = Seen(cancel_on="courses", cancel=cancel)  # stop once the enrollments are read

    with pytest.raises(SyncCancelledError):
        sync_snapshot(source.client, store, line, log_dir=tmp_path, observer=first, cancel=cancel)

    assert store.latest(line) is None
    kept = checkpoints(store, line)
    assert kept[0] == "enrollments"
    assert "students" not in kept
    resumed_at = datetime.now(UTC)
    second = Seen()

    info = sync_snapshot(source.client, store, line, log_dir=tmp_path, observer=second)

    assert not set(kept) & set(second.resources)  # what was read is not read again
    assert "students" in second.resources
    assert info.resources == RESOURCES
    assert info.rows["enrollments"] == ENROLLMENTS
    assert info.pages["enrollments"] == first.totals["enrollments"]
    assert info.extracted_at < resumed_at  # the start of the oldest part
    assert info.requests < sum(info.pages.values())
    assert store.read(info)["enrollments"].height == ENROLLMENTS
    assert checkpoints(store, line) == []


def test_checkpoints_older_than_resume_seconds_are_read_again(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path
) -> None:
    source = open_source()
    line = source.line()
    cancel = threading.Event()
    with pytest.raises(SyncCancelledError):
        sync_snapshot(
            source.client,
            store,
            line,
            log_dir=tmp_path,
            resources=("enrollments", "courses"),
            observer=Seen(cancel_on="courses", cancel=cancel),
            cancel=cancel,
        )
    assert checkpoints(store, line)[0] == "enrollments"
    seen = Seen()

    info = sync_snapshot(
        source.client,
        store,
        line,
        log_dir=tmp_path,
        resources=("enrollments", "courses"),
        observer=seen,
        resume_seconds=0.0,
    )

    assert seen.resources == ["enrollments", "courses"]
    assert info.rows["enrollments"] == ENROLLMENTS
    assert store.latest(line) == info


@pytest.mark.parametrize("failing", ["/cohorts", "/enrollments"])
def test_a_failing_resource_publishes_nothing_and_keeps_the_last_snapshot(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path, failing: str
) -> None:
    good_source = open_source()
    line = good_source.line()
    good = sync_snapshot(good_source.client, store, line, log_dir=tmp_path)
    broken = open_source(Faulty(failing, 500))

    with pytest.raises(ServerError):
        sync_snapshot(broken.client, store, line, log_dir=tmp_path)

    assert store.history(line) == [good]
    assert store.read(good)["enrollments"].height == ENROLLMENTS
    read_before = list(RESOURCES[: RESOURCES.index(failing.strip("/"))])
    assert checkpoints(store, line) == read_before  # a retry resumes after them


def test_students_may_be_refused_but_other_resources_may_not(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path
) -> None:
    line = open_source().line()
    no_students = open_source(Faulty("/students", 403))

    info = sync_snapshot(no_students.client, store, line, log_dir=tmp_path)

    assert info.resources == RESOURCES[:-1]
    assert "injected 403" in info.errors["students"]
    assert store.latest(line) == info

    no_courses = open_source(Faulty("/courses", 403))
    with pytest.raises(PermissionDeniedError):
        sync_snapshot(no_courses.client, store, line, log_dir=tmp_path)
    assert store.history(line) == [info]
