"""The corrections log in the shared store, against a real redis-server: every replica and the
worker write to and read one log; entries wait in the host's side file while Redis is down."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.data.cache_keys import CacheKey
from dashboard.data.corrections import (
    corrections_log_status,
    read_corrections_log,
    update_enrollment,
)
from dashboard.data.corrections_log import (
    LOG_FILE,
    PENDING_FILE,
    Correction,
)
from dashboard.data.corrections_log_place import FileCorrectionsLog, open_corrections_log
from dashboard.data.errors import CorrectionsLogError
from dashboard.data.frames import enrollment_frame
from dashboard.data.loading import load_enrollments
from dashboard.data.shared_store import RedisCorrectionsLog, RedisSnapshotStore
from dashboard.data.snapshots import DiskSnapshotStore
from dashboard.data.write_through import replay_writes
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

from .conftest import enrollment

API = "https://api.example"
AT = datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=UTC)
STATIC_TOKEN = "shared-log-static-token-77c1"


def _correction(uuid: str, at: datetime, *, actor: str = "ed@x.edu") -> Correction:
    return Correction(
        at=at,
        actor=actor,
        action="update",
        enrollment_uuid=uuid,
        before={"uuid": uuid, "grade": 3.0},
        after={"uuid": uuid, "grade": 4.5},
        role="editor",
    )


def _dead_url() -> str:
    """A Redis URL on a loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_two_replicas_log_to_one_log(redis_server: Any, tmp_path: Path) -> None:
    one = RedisSnapshotStore.from_url(redis_server.url)
    two = RedisSnapshotStore.from_url(redis_server.url)  # another replica, another host
    log_a = open_corrections_log(one, tmp_path / "a")
    log_b = open_corrections_log(two, tmp_path / "b")
    assert isinstance(log_a, RedisCorrectionsLog)
    assert log_a.append(api_url=API, tenant="t", corrections=[_correction("e1", AT)]) is None
    later = AT + timedelta(seconds=5)
    log_b.append(api_url=API, tenant="t", corrections=[_correction("e2", later, actor="dean")])
    log_b.append(api_url=API, tenant="other", corrections=[_correction("e9", later)])

    for log in (log_a, log_b):  # the admin on either replica sees every change of the tenant
        frame = log.frame(api_url=API, tenant="t")
        assert frame["enrollment_uuid"].to_list() == ["e1", "e2"]  # oldest first
        assert frame["actor"].to_list() == ["ed@x.edu", "dean"]
        assert frame["role"].to_list() == ["editor", "editor"]
        assert frame["at"].to_list() == [AT, later]  # to the microsecond
        assert frame["action"].to_list() == ["update", "update"]
        assert '"grade":4.5' in frame["after"][0]
    since = log_b.since(api_url=API, tenant="t", since=later)
    assert [c.enrollment_uuid for c in since] == ["e2"]
    assert since[0].before == {"uuid": "e2", "grade": 3.0}
    # No file log is written on either host.
    assert not (tmp_path / "a" / LOG_FILE).exists()
    assert not (tmp_path / "b" / LOG_FILE).exists()
    one.close()
    two.close()


def test_without_a_shared_store_the_log_is_the_hosts_file(tmp_path: Path) -> None:
    log = open_corrections_log(DiskSnapshotStore(tmp_path / "snapshots"), tmp_path)
    assert isinstance(log, FileCorrectionsLog)
    log.append(api_url=API, tenant="t", corrections=[_correction("e1", AT)])
    assert (tmp_path / LOG_FILE).exists()
    assert log.frame(api_url=API, tenant="t")["enrollment_uuid"].to_list() == ["e1"]


def test_entries_wait_on_the_host_while_redis_is_down_and_go_in_once(
    redis_server: Any, tmp_path: Path
) -> None:
    down = RedisSnapshotStore.from_url(_dead_url()).corrections_log(tmp_path)
    kept = down.append(api_url=API, tenant="t", corrections=[_correction("e1", AT)])
    assert kept == tmp_path / PENDING_FILE
    with pytest.raises(CorrectionsLogError, match="ENROLLMENT_OUTCOMES_STORE") as raised:
        down.frame(api_url=API, tenant="t")
    assert f"1 entry kept in {tmp_path / PENDING_FILE}" in str(raised.value)
    # The kept write is still replayed by a sync on this host while the log is unreachable.
    assert [c.enrollment_uuid for c in down.pending(api_url=API, tenant="t", since=AT)] == ["e1"]
    saved = (tmp_path / PENDING_FILE).read_bytes()

    up = RedisSnapshotStore.from_url(redis_server.url).corrections_log(tmp_path)
    assert up.write_pending() == 0
    assert (tmp_path / PENDING_FILE).read_bytes() == b""
    # A crash after the entries went in but before the side file was emptied: moved again, the
    # log still holds each entry once.
    (tmp_path / PENDING_FILE).write_bytes(saved)
    up.append(api_url=API, tenant="t", corrections=[_correction("e2", AT + timedelta(seconds=1))])
    assert up.frame(api_url=API, tenant="t")["enrollment_uuid"].to_list() == ["e1", "e2"]


def test_the_worker_replays_writes_logged_on_a_replica(redis_server: Any, tmp_path: Path) -> None:
    """A sync on the worker's host replays a write that a replica on another host logged while
    the sync read its pages (the replica's file is not on the worker's disk)."""
    store = RedisSnapshotStore.from_url(redis_server.url)
    records = [enrollment(i) for i in range(3)]
    stale = enrollment_frame(records)
    fetched = datetime.now(UTC)
    updated = {**records[1], "grade": "4.5"}
    replica = store.corrections_log(tmp_path / "replica")
    replica.append(
        api_url=API,
        tenant="t",
        corrections=[
            Correction(fetched, "ed@x.edu", "update", records[1]["uuid"], records[1], updated)
        ],
    )
    key = CacheKey.of(api_url=API, tenant="t", resource="enrollments")
    worker = tmp_path / "worker"
    replayed = replay_writes(stale, log_dir=worker, key=key, since=fetched, store=store)
    assert replayed.filter(pl.col("uuid") == records[1]["uuid"])["grade"].to_list() == [4.5]
    # Without the shared log (the worker's own file) the write is not seen.
    alone = replay_writes(stale, log_dir=worker, key=key, since=fetched)
    assert alone.filter(pl.col("uuid") == records[1]["uuid"])["grade"].to_list() != [4.5]


@pytest.fixture
def shared_demo(
    sandbox_factory: Callable[..., RunningSandbox], redis_server: Any, tmp_path: Path
) -> tuple[Settings, Settings]:
    """Two replicas' settings (own cache folders) on one sandbox and one redis-server."""
    running = sandbox_factory(
        seed="demo", enrollments=200, static_tokens={STATIC_TOKEN: DEMO_TENANT}
    )
    a = Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": running.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_TOKEN": STATIC_TOKEN,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "a"),
            "ENROLLMENT_OUTCOMES_STORE": redis_server.url,
        }
    )
    return a, dataclasses.replace(a, cache_dir=tmp_path / "b")


def test_a_correction_on_replica_a_is_in_the_log_replica_b_reads(
    shared_demo: tuple[Settings, Settings], redis_server: Any
) -> None:
    a, b = shared_demo
    row = load_enrollments(a, filters={"completion_status": "enrolled"}).frame.row(0, named=True)
    update_enrollment(
        a,
        row["uuid"],
        {"completion_status": "dropped"},
        opened=row,
        actor="registrar@example.edu",
        role="editor",
    )
    log = read_corrections_log(b)  # the admin on replica B
    assert log.height == 1
    entry = log.row(0, named=True)
    assert (entry["actor"], entry["role"], entry["action"], entry["enrollment_uuid"]) == (
        "registrar@example.edu",
        "editor",
        "update",
        row["uuid"],
    )
    assert '"completion_status":"dropped"' in entry["after"]
    status = corrections_log_status(b)
    assert status.ok
    assert redis_server.url.rsplit("/", 1)[0].split("//")[1] in status.where
    assert not (a.cache_dir / LOG_FILE).exists()

    second = load_enrollments(a).frame.filter(pl.col("uuid") != row["uuid"]).row(0, named=True)
    redis_server.stop()  # Redis dies: reading the log says so in one line, nothing crashes
    with pytest.raises(CorrectionsLogError, match="ENROLLMENT_OUTCOMES_STORE"):
        read_corrections_log(b)
    # A correction made meanwhile is saved in the API; its entry waits on replica A's host.
    update_enrollment(a, second["uuid"], {"grade": "4.0"}, opened=None, actor="dean", role="admin")
    pending = corrections_log_status(a)
    assert (pending.ok, pending.pending) == (False, 1)
    assert pending.pending_path == a.cache_dir / PENDING_FILE
    assert pending.problem is not None
    assert "ENROLLMENT_OUTCOMES_STORE" in pending.problem
