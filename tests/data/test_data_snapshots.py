"""The snapshot store: round trip, keep N, atomic publish, patching, refresh lock, no pickle."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import diskcache
import polars as pl
import pytest

from dashboard.data import course_frame, enrollment_frame
from dashboard.data.cache_keys import CacheKey
from dashboard.data.snapshots import (
    DiskSnapshotStore,
    SnapshotInfo,
    SnapshotUnreadableError,
    frame_from_bytes,
    frame_to_bytes,
    held,
)

API = "https://api.dokstamp.test"
EXTRACTED = datetime(2025, 3, 1, 12, tzinfo=UTC)
COURSE = {"uuid": "c0000000-0000-0000-0000-000000000001", "code": "C1", "name": "Course"}


def line(tenant: str = "t", **filters: str) -> CacheKey:
    return CacheKey.of(api_url=API, tenant=tenant, resource="enrollments", filters=filters)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DiskSnapshotStore]:
    with DiskSnapshotStore(tmp_path / "snapshots") as opened:
        yield opened


def frames(fakes: Any, count: int) -> dict[str, pl.DataFrame]:
    return {
        "enrollments": enrollment_frame([fakes.enrollment(n) for n in range(count)]),
        "courses": course_frame([{**COURSE, "workload_hours": 120}]),
    }


def frame_keys(directory: Path) -> list[str]:
    """The frame entries in the store's folder, read with a plain diskcache (keys are text)."""
    with diskcache.Cache(str(directory)) as plain:
        return sorted(k for k in plain.iterkeys() if str(k).startswith("snapshot-frame:"))


def test_a_published_snapshot_reads_back_whole_or_in_part(
    store: DiskSnapshotStore, fakes: Any
) -> None:
    written = frames(fakes, 7)
    stats = {"pages": {"enrollments": 2, "courses": 1}, "requests": 4, "seconds": 1.5}
    info = store.publish(line(), written, extracted_at=EXTRACTED, stats=stats)

    assert info.rows == {"enrollments": 7, "courses": 1}
    assert info.resources == ("enrollments", "courses")
    assert (info.extracted_at, info.pages, info.requests) == (EXTRACTED, stats["pages"], 4)
    assert info.parent is None
    assert store.latest(line()) == info
    assert store.lines() == [line()]
    read = store.read(info)
    assert read.keys() == written.keys()
    assert all(read[name].equals(written[name]) for name in written)
    assert read["enrollments"].schema == written["enrollments"].schema
    assert list(store.read(info, ["courses"])) == ["courses"]
    with pytest.raises(SnapshotUnreadableError, match="no cohorts"):
        store.read(info, ["cohorts"])
    assert SnapshotInfo.from_json(info.to_json()) == info

    with DiskSnapshotStore(store.directory) as reopened:  # another process sees the same
        assert reopened.latest(line()) == info
        assert reopened.read(info)["enrollments"].equals(written["enrollments"])
    assert store.latest(line("other")) is None
    assert store.latest(line(completion_status="enrolled")) is None


def test_frames_are_arrow_ipc_bytes(fakes: Any) -> None:
    frame = frames(fakes, 3)["enrollments"]
    data = frame_to_bytes(frame)
    assert data.startswith(b"ARROW1")
    assert frame_from_bytes(data).equals(frame)


def test_keep_n_drops_the_oldest_snapshots_and_their_frames(tmp_path: Path, fakes: Any) -> None:
    folder = tmp_path / "snapshots"
    with DiskSnapshotStore(folder, keep=2) as store:
        published = [
            store.publish(line(), frames(fakes, n), extracted_at=EXTRACTED + timedelta(hours=n))
            for n in (1, 2, 3)
        ]
        other = store.publish(line("other"), frames(fakes, 1), extracted_at=EXTRACTED)

        assert store.history(line()) == [published[2], published[1]]  # newest first
        with pytest.raises(SnapshotUnreadableError, match="missing"):
            store.read(published[0])
        assert store.read(published[1])["enrollments"].height == 2
        assert store.history(line("other")) == [other]
    kept = {info.id for info in (published[1], published[2], other)}
    assert {key.split(":")[1] for key in frame_keys(folder)} == kept
    assert len(frame_keys(folder)) == 2 * len(kept)


def test_keep_must_be_at_least_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        DiskSnapshotStore(tmp_path, keep=0)


def test_a_publish_failing_midway_leaves_the_previous_latest_and_no_orphans(
    store: DiskSnapshotStore, fakes: Any
) -> None:
    good = store.publish(line(), frames(fakes, 4), extracted_at=EXTRACTED)
    before = frame_keys(store.directory)
    # The first frame is written, the second cannot be (Arrow IPC has no Object type).
    broken = {**frames(fakes, 5), "cohorts": pl.DataFrame({"x": [object()]})}

    with pytest.raises(pl.exceptions.ComputeError):
        store.publish(line(), broken, extracted_at=EXTRACTED + timedelta(hours=1))

    assert store.history(line()) == [good]
    assert frame_keys(store.directory) == before
    assert store.read(good)["enrollments"].height == 4


def test_a_patched_snapshot_keeps_the_frames_it_did_not_change(tmp_path: Path, fakes: Any) -> None:
    with DiskSnapshotStore(tmp_path / "snapshots", keep=1) as store:
        stats = {"pages": {"enrollments": 3, "courses": 1}, "requests": 5, "seconds": 2.0}
        original = store.publish(
            line(),
            frames(fakes, 6),
            extracted_at=EXTRACTED,
            stats=stats,
            errors={"students": "not allowed"},
        )
        courses = store.read(original, ["courses"])["courses"]
        patched_frame = store.read(original, ["enrollments"])["enrollments"].head(5)

        patched = store.publish(
            line(),
            {"enrollments": patched_frame},
            extracted_at=original.extracted_at,
            errors=original.errors,
            parent=original,
        )

        assert patched.parent == original.id
        assert patched.patched_at is not None
        assert patched.extracted_at == original.extracted_at
        assert patched.rows == {"courses": 1, "enrollments": 5}
        assert (patched.pages, patched.requests) == (original.pages, original.requests)
        assert patched.errors == {"students": "not allowed"}
        assert store.history(line()) == [patched]  # keep=1: the parent is gone ...
        with pytest.raises(SnapshotUnreadableError):
            store.read(original)
        read = store.read(patched)  # ... and the patched snapshot still has every frame
        assert read["courses"].equals(courses)
        assert read["enrollments"].equals(patched_frame)


def test_checkpoints_belong_to_their_line(store: DiskSnapshotStore) -> None:
    store.save_checkpoint(line(), "enrollments", io.BytesIO(b"one"))
    store.save_checkpoint(line(), "courses", io.BytesIO(b"two"))
    store.save_checkpoint(line("other"), "enrollments", io.BytesIO(b"three"))
    assert store.load_checkpoint(line(), "enrollments") == b"one"
    assert store.load_checkpoint(line(), "cohorts") is None

    store.clear_checkpoints(line())

    assert store.load_checkpoint(line(), "enrollments") is None
    assert store.load_checkpoint(line(), "courses") is None
    assert store.load_checkpoint(line("other"), "enrollments") == b"three"
    assert store.lines() == []  # checkpoints are not lines


def test_the_refresh_lock_admits_one_holder_in_the_process(store: DiskSnapshotStore) -> None:
    lock = store.refresh_lock(line())
    assert lock.acquire()
    assert not lock.acquire()  # the same lock, again
    assert not store.refresh_lock(line()).acquire()
    with DiskSnapshotStore(store.directory) as other_store:  # another store, same folder
        assert not other_store.refresh_lock(line()).acquire()
        with held(store.refresh_lock(line("other"))) as mine:
            assert mine  # another line is not blocked
        lock.release()
        other_lock = other_store.refresh_lock(line())
        with held(other_lock) as mine:
            assert mine
            with held(lock) as theirs:
                assert not theirs
        assert lock.acquire()
        lock.release()


_HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from dashboard.data.cache_keys import CacheKey
    from dashboard.data.snapshots import DiskSnapshotStore

    store = DiskSnapshotStore(Path(sys.argv[1]))
    lock = store.refresh_lock(CacheKey.parse(sys.argv[2]))
    print("held" if lock.acquire() else "busy", flush=True)
    sys.stdin.readline()
    """
)


def _holder(store: DiskSnapshotStore) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(store.directory), line().text],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_refresh_lock_excludes_another_process_until_it_ends(
    store: DiskSnapshotStore,
) -> None:
    holder = _holder(store)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not store.refresh_lock(line()).acquire()
        holder.kill()  # a holder that dies without releasing frees the lock (flock)
        holder.wait(timeout=60)
    finally:
        holder.kill()
        holder.wait(timeout=60)
    with held(store.refresh_lock(line())) as mine:
        assert mine
        other = _holder(store)
        output, _ = other.communicate("\n", timeout=60)
        assert output.strip() == "busy"


def test_no_entry_is_pickled_and_pickled_entries_are_refused(
    store: DiskSnapshotStore, fakes: Any, caplog: pytest.LogCaptureFixture
) -> None:
    info = store.publish(line(), frames(fakes, 3), extracted_at=EXTRACTED)
    store.save_checkpoint(line(), "enrollments", io.BytesIO(b"part"))
    with diskcache.Cache(str(store.directory)) as plain:
        modes = [mode for (mode,) in plain._sql("SELECT mode FROM Cache").fetchall()]
        assert modes
        assert diskcache.core.MODE_PICKLE not in modes
        # Someone writes pickles at a line's list and at a frame (diskcache's default disk).
        plain.set("latest:" + line("other").text, [{"looks": "like a list"}])
        plain.set(f"snapshot-frame:{info.id}:courses", {"looks": "like a frame"})

    assert store.latest(line("other")) is None
    with pytest.raises(SnapshotUnreadableError, match="missing"):
        store.read(info, ["courses"])
    assert "stored in pickle mode" in caplog.text
    assert store.read(info, ["enrollments"])["enrollments"].height == 3


def test_a_lock_that_could_not_be_taken_is_not_left_held(store: DiskSnapshotStore) -> None:
    lock = store.refresh_lock(line())
    (store.directory / "locks").rename(store.directory / "moved")  # e.g. the folder was cleared
    with pytest.raises(FileNotFoundError):
        lock.acquire()
    (store.directory / "locks").mkdir()
    assert lock.acquire()  # the failed attempt did not keep the lock for this process
    lock.release()


class Chunks:
    """A FrameChunks over frames in memory (a sync's checkpoint stands in the store)."""

    def __init__(self, chunks: list[pl.DataFrame], height: int) -> None:
        self._chunks = chunks
        self.height = height
        self.schema = chunks[0].schema

    def chunks(self) -> Iterator[pl.DataFrame]:
        yield from self._chunks


def test_chunks_are_published_as_one_frame(store: DiskSnapshotStore, fakes: Any) -> None:
    whole = enrollment_frame([fakes.enrollment(n) for n in range(7)])
    parts = [whole.slice(0, 3), whole.slice(3, 3), whole.slice(6, 1)]

    info = store.publish(line(), {"enrollments": Chunks(parts, 7)}, extracted_at=EXTRACTED)

    assert info.rows == {"enrollments": 7}
    assert store.read(info)["enrollments"].equals(whole)


def test_chunks_that_do_not_add_up_publish_nothing(store: DiskSnapshotStore, fakes: Any) -> None:
    whole = enrollment_frame([fakes.enrollment(n) for n in range(7)])
    short = Chunks([whole.slice(0, 3), whole.slice(3, 3)], 7)
    mixed = Chunks([whole.slice(0, 3), whole.slice(3, 4).drop("grade")], 7)

    for wrong in (short, mixed):
        with pytest.raises(SnapshotUnreadableError):
            store.publish(line(), {"enrollments": wrong}, extracted_at=EXTRACTED)
    assert store.latest(line()) is None
