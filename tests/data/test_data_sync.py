"""sync_snapshot over HTTP to the sandbox: all resources, cancel, resume, failures publish none."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import polars as pl
import pytest

from dashboard.client import PermissionDeniedError, ServerError
from dashboard.data.snapshots import DiskSnapshotStore, SnapshotInfo, SnapshotLine, SnapshotStore
from dashboard.data.source import DataSource
from dashboard.data.sync import RESOURCES, SyncCancelledError, sync_snapshot
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.options import SandboxOptions
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


class Counting(httpx.BaseTransport):
    """Loopback HTTP to the sandbox, noting the page of every list request it sends."""

    def __init__(self) -> None:
        self._http = httpx.HTTPTransport()
        self.sent: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and "page" in request.url.params:
            with self._lock:
                self.sent.append((request.url.path, int(request.url.params["page"])))
        return self._http.handle_request(request)

    def pages(self, path: str) -> list[int]:
        return [page for sent_path, page in self.sent if sent_path == path]

    def close(self) -> None:
        self._http.close()


class Seen:
    """A SyncObserver that notes which resources it heard about; may set ``cancel`` on one."""

    def __init__(
        self,
        cancel_on: str | None = None,
        cancel: threading.Event | None = None,
        *,
        after: int = 0,
    ) -> None:
        self.resources: list[str] = []
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self._cancel_on = cancel_on
        self._cancel = cancel
        self._after = after  # pages done

    def pages(self, resource: str, done: int, total: int) -> None:
        if resource not in self.resources:
            self.resources.append(resource)
        self.totals[resource] = total
        self.done[resource] = done
        if resource == self._cancel_on and done >= self._after and self._cancel is not None:
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


def test_a_filtered_line_reads_only_its_enrollments_and_drops_its_checkpoints(
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
    assert checkpoints(store, line) == []


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


# Chunks of 3 pages of 100 (the sandbox's cap): a 2,000-row listing is 20 pages in 7 chunks.
CHUNK_ROWS = 300


def saved_rows(store: SnapshotStore, line: SnapshotLine, resource: str) -> int:
    """Rows the resource's checkpoint holds (its manifest's chunks)."""
    manifest = store.load_checkpoint(line, resource)
    assert manifest is not None
    return sum(orjson.loads(manifest)["chunks"].values())


def assert_same_rows(
    store: SnapshotStore, info: SnapshotInfo, fresh_store: SnapshotStore, fresh: SnapshotInfo
) -> None:
    assert info.rows == fresh.rows
    ours, theirs = store.read(info), fresh_store.read(fresh)
    for name in RESOURCES:
        assert ours[name].equals(theirs[name]), name


def fresh_sync(source: DataSource, tmp_path: Path) -> tuple[DiskSnapshotStore, SnapshotInfo]:
    fresh = DiskSnapshotStore(tmp_path / "fresh")
    info = sync_snapshot(
        source.client, fresh, source.line(), log_dir=tmp_path, checkpoint_rows=CHUNK_ROWS
    )
    return fresh, info


def test_a_sync_cancelled_midway_resumes_with_only_the_pages_it_had_not_read(
    open_source: Callable[..., DataSource], store: DiskSnapshotStore, tmp_path: Path
) -> None:
    sent = Counting()
    source = open_source(sent)
    line = source.line()
    cancel = threading.Event()
    midway = Seen(cancel_on="enrollments", cancel=cancel, after=12)

    with pytest.raises(SyncCancelledError):
        sync_snapshot(
            source.client,
            store,
            line,
            log_dir=tmp_path,
            observer=midway,
            cancel=cancel,
            checkpoint_rows=CHUNK_ROWS,
        )

    assert store.latest(line) is None  # nothing published
    assert midway.done["enrollments"] < midway.totals["enrollments"]
    assert 0 < saved_rows(store, line, "enrollments") < ENROLLMENTS
    sent.sent.clear()

    info = sync_snapshot(source.client, store, line, log_dir=tmp_path, checkpoint_rows=CHUNK_ROWS)
    resumed = sent.pages("/enrollments")
    sent.sent.clear()
    fresh_store, fresh = fresh_sync(source, tmp_path)
    full = sent.pages("/enrollments")

    assert len(resumed) < len(full)
    assert len(set(resumed)) < info.pages["enrollments"] == fresh.pages["enrollments"]
    assert_same_rows(store, info, fresh_store, fresh)
    assert checkpoints(store, line) == []
    fresh_store.close()


_KILLED = textwrap.dedent(
    """
    import sys
    import orjson
    from dashboard.data.source import DataSource
    from dashboard.data.sync import sync_snapshot
    from dashboard.settings import Settings

    class Say:
        def pages(self, resource, done, total):
            print(resource, done, flush=True)

        def waiting(self, seconds):
            pass

    with DataSource(Settings.from_mapping(orjson.loads(sys.argv[1]))) as source:
        sync_snapshot(
            source.client, source.store, source.line(), log_dir=source.cache_dir,
            observer=Say(), checkpoint_rows=int(sys.argv[2]),
        )
    print("published", flush=True)
    """
)


def test_a_sync_killed_midway_publishes_nothing_and_the_next_resumes_from_its_pages(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    # Slow pages, one at a time: the process is killed with most of the listing unread.
    slow = sandbox_factory(
        seed="demo", enrollments=ENROLLMENTS, options=SandboxOptions(latency_ms=30)
    )
    config = {
        "DOKSTAMP_API_URL": slow.url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "DOKSTAMP_CONCURRENCY": "1",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "cache"),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED, orjson.dumps(config).decode(), str(CHUNK_ROWS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        for said in child.stdout:
            resource, done = said.split()
            if resource == "enrollments" and int(done) >= 10:
                break
        child.send_signal(signal.SIGKILL)  # no handler, no cleanup: as a crash or an OOM kill
        child.wait(timeout=60)
    finally:
        child.kill()
    settings = Settings.from_mapping(config)
    sent = Counting()
    with DataSource(settings, transport=sent) as source:
        line = source.line()
        assert source.store.latest(line) is None  # nothing published
        held = saved_rows(source.store, line, "enrollments")
        assert 0 < held < ENROLLMENTS

        info = sync_snapshot(
            source.client,
            source.store,
            line,
            log_dir=source.cache_dir,
            checkpoint_rows=CHUNK_ROWS,
        )
        resumed = sent.pages("/enrollments")
        sent.sent.clear()
        fresh_store, fresh = fresh_sync(source, tmp_path)
        full = sent.pages("/enrollments")

        assert len(resumed) < len(full)
        # Held pages are not asked for; page 1 is (the listing's shape) whether held or not.
        assert len(set(resumed)) <= info.pages["enrollments"] - held // 100 + 1
        assert_same_rows(source.store, info, fresh_store, fresh)
        fresh_store.close()
