"""The shared snapshot store against a real redis-server: the disk store's rules, shared."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import redis

from dashboard.data.cache_keys import CacheKey
from dashboard.data.loading import load_enrollments
from dashboard.data.shared_store import RedisSnapshotStore, StoreUnavailableError
from dashboard.data.snapshots import SnapshotUnreadableError
from dashboard.data.source import DataSource

LINE = CacheKey.of(api_url="https://api.example", tenant="t", resource="enrollments")
OTHER = CacheKey.of(api_url="https://api.example", tenant="other", resource="enrollments")
EXTRACTED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def frames(n: int) -> dict[str, pl.DataFrame]:
    return {
        "enrollments": pl.DataFrame({"uuid": [f"e{i}" for i in range(n)]}),
        "courses": pl.DataFrame({"uuid": ["c1", "c2"]}),
    }


def test_publish_read_and_keep_n(redis_server: Any) -> None:
    store = RedisSnapshotStore.from_url(redis_server.url, keep=2)
    first = store.publish(LINE, frames(3), extracted_at=EXTRACTED, stats={"requests": 4})
    assert store.latest(LINE) == first
    assert store.read(first)["enrollments"].height == 3
    second = store.publish(LINE, frames(4), extracted_at=EXTRACTED)
    third = store.publish(LINE, frames(5), extracted_at=EXTRACTED)
    assert [info.id for info in store.history(LINE)] == [third.id, second.id]
    with pytest.raises(SnapshotUnreadableError):
        store.read(first)  # dropped with its frames
    assert store.latest(OTHER) is None  # another tenant's line is another line
    assert {line.text for line in store.lines()} == {LINE.text}
    assert "keep=2" in repr(store)
    store.close()


def test_a_second_process_sees_the_same_snapshot(redis_server: Any) -> None:
    store = RedisSnapshotStore.from_url(redis_server.url)
    info = store.publish(LINE, frames(7), extracted_at=EXTRACTED)
    script = (
        "import sys\n"
        "from dashboard.data.cache_keys import CacheKey\n"
        "from dashboard.data.shared_store import RedisSnapshotStore\n"
        "line = CacheKey.of(api_url='https://api.example', tenant='t', resource='enrollments')\n"
        "store = RedisSnapshotStore.from_url(sys.argv[1])\n"
        "latest = store.latest(line)\n"
        "print(latest.id, store.read(latest)['enrollments'].height)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, redis_server.url],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.split() == [info.id, "7"]


def test_the_refresh_lock_is_one_holder_across_clients(redis_server: Any) -> None:
    one = RedisSnapshotStore.from_url(redis_server.url)
    two = RedisSnapshotStore.from_url(redis_server.url)  # as another replica would
    lock = one.refresh_lock(LINE)
    assert lock.acquire()
    assert not two.refresh_lock(LINE).acquire()
    assert not one.refresh_lock(LINE).acquire()  # another thread of the same process
    assert two.refresh_lock(OTHER).acquire()
    lock.release()
    assert two.refresh_lock(LINE).acquire()


def test_patched_snapshot_shares_unchanged_frames_and_sends_a_notice(redis_server: Any) -> None:
    store = RedisSnapshotStore.from_url(redis_server.url)
    heard: list[tuple[str, str]] = []
    stop = threading.Event()
    listener = threading.Thread(
        target=store.listen, args=(lambda line, sid: heard.append((line, sid)), stop)
    )
    listener.start()
    try:
        base = store.publish(LINE, frames(3), extracted_at=EXTRACTED)
        with store.patching():
            patched = store.publish(
                LINE,
                {"enrollments": pl.DataFrame({"uuid": ["e0"]})},
                extracted_at=base.extracted_at,
                parent=base,
            )
        assert patched.parent == base.id
        assert patched.rows == {"courses": 2, "enrollments": 1}
        assert store.read(patched)["courses"].equals(frames(3)["courses"])
        deadline = datetime.now(UTC).timestamp() + 5
        while len(heard) < 2 and datetime.now(UTC).timestamp() < deadline:
            threading.Event().wait(0.05)
    finally:
        stop.set()
        listener.join(5)
    assert [sid for _, sid in heard] == [base.id, patched.id]
    assert all(line == LINE.text for line, _ in heard)


def test_checkpoints_round_trip_and_clear(redis_server: Any) -> None:
    store = RedisSnapshotStore.from_url(redis_server.url)
    store.save_checkpoint(LINE, "courses", io.BytesIO(b"abc"))
    store.save_checkpoint(LINE, "enrollments:0", io.BytesIO(b"chunk"))
    store.save_checkpoint(OTHER, "courses", io.BytesIO(b"other"))
    assert store.load_checkpoint(LINE, "courses") == b"abc"
    assert store.load_checkpoint(LINE, "enrollments:0") == b"chunk"
    store.clear_checkpoints(LINE)
    assert store.load_checkpoint(LINE, "courses") is None
    assert store.load_checkpoint(LINE, "enrollments:0") is None
    assert store.load_checkpoint(OTHER, "courses") == b"other"
    store.close()


def test_every_checkpoint_write_renews_the_expiry_of_the_lines_checkpoints(
    redis_server: Any,
) -> None:
    store = RedisSnapshotStore.from_url(redis_server.url)
    raw = redis.Redis.from_url(redis_server.url)
    store.save_checkpoint(LINE, "enrollments:0", io.BytesIO(b"first chunk"))
    key = next(iter(raw.scan_iter("enrollment-outcomes:checkpoints:*")))
    raw.expire(key, 5)  # as if written ~30 min ago

    store.save_checkpoint(LINE, "enrollments:1", io.BytesIO(b"a later chunk"))

    assert raw.ttl(key) > 60  # the first chunk lives as long as the last one
    assert store.load_checkpoint(LINE, "enrollments:0") == b"first chunk"
    store.clear_checkpoints(LINE)
    store.close()
    raw.close()


def test_a_stopped_server_is_a_store_error_not_a_crash(redis_server: Any) -> None:
    store = RedisSnapshotStore.from_url(redis_server.url)
    redis_server.stop()
    with pytest.raises(StoreUnavailableError):
        store.latest(LINE)
    with pytest.raises(OSError, match="shared store"):
        store.publish(LINE, frames(1), extracted_at=EXTRACTED)


def test_a_host_with_an_empty_cache_reads_the_shared_snapshot_without_the_api(
    redis_server: Any, sandbox_factory: Any, tmp_path: Path
) -> None:
    from dashboard.settings import Settings
    from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT

    def settings(cache: Path, api_url: str) -> Settings:
        return Settings.from_mapping(
            {
                "DOKSTAMP_API_URL": api_url,
                "DOKSTAMP_TENANT": DEMO_TENANT,
                "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
                "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
                "DOKSTAMP_MAX_ATTEMPTS": "1",
                "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
                "ENROLLMENT_OUTCOMES_STORE": redis_server.url,
            }
        )

    api = sandbox_factory(seed="demo", enrollments=200)
    with DataSource(settings(tmp_path / "host-a", api.url)) as host_a:
        synced = load_enrollments(host_a)
    assert not synced.from_cache
    api.stop()  # the API is down now
    # Host B: an empty cache folder.
    with DataSource(settings(tmp_path / "host-b", api.url)) as host_b:
        served = load_enrollments(host_b)
    assert served.from_cache
    assert served.snapshot_id == synced.snapshot_id
    assert served.frame.equals(synced.frame)
    assert not (tmp_path / "host-b").exists() or not any((tmp_path / "host-b").rglob("*.val"))
