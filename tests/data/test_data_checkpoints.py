"""ResourceCheckpoint: pages written a chunk at a time, held pages offered back, stale ones not."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import polars as pl
import pytest

from dashboard.client import ListingShape
from dashboard.data import enrollment_frame
from dashboard.data.cache_keys import CacheKey
from dashboard.data.checkpoints import ResourceCheckpoint
from dashboard.data.snapshots import DiskSnapshotStore, SnapshotUnreadableError

LINE = CacheKey.of(api_url="https://api.dokstamp.test", tenant="t", resource="enrollments")
SHAPE = ListingShape(total=9, per_page=2, pages=5)  # pages of 2, 2, 2, 2 and 1 rows


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DiskSnapshotStore]:
    with DiskSnapshotStore(tmp_path / "snapshots") as opened:
        yield opened


Records = list[dict[str, Any]]


@pytest.fixture
def pages(fakes) -> dict[int, Records]:
    """Each page's records, as the client hands them over."""
    records = [fakes.enrollment(n) for n in range(SHAPE.total)]
    return {number: records[(number - 1) * 2 : number * 2] for number in range(1, SHAPE.pages + 1)}


def whole(pages: dict[int, Records]) -> pl.DataFrame:
    return enrollment_frame([record for n in sorted(pages) for record in pages[n]])


def uuids(records: Records) -> list[str]:
    return [record["uuid"] for record in records]


def checkpoint(store: DiskSnapshotStore, *, resume_seconds: float = 60.0) -> ResourceCheckpoint:
    # 4 rows a chunk: chunks of pages 1-2, 3-4 and 5.
    return ResourceCheckpoint.open(
        store, LINE, "enrollments", resume_seconds=resume_seconds, rows=4
    )


def saved_chunks(store: DiskSnapshotStore) -> list[int]:
    return [k for k in range(4) if store.load_checkpoint(LINE, f"enrollments:{k}") is not None]


def read_partly(
    store: DiskSnapshotStore, pages: dict[int, Records], numbers: list[int]
) -> ResourceCheckpoint:
    """A read interrupted after ``numbers`` came in (the last page first, as the client reads)."""
    interrupted = checkpoint(store)
    assert interrupted.begin(SHAPE) is None
    for number in numbers:
        interrupted.add(number, pages[number])
    interrupted.close()
    return interrupted


def test_pages_leave_memory_a_chunk_at_a_time(store, pages) -> None:
    sink = checkpoint(store)
    assert sink.begin(SHAPE) is None

    sink.add(5, pages[5])
    sink.flush()
    assert saved_chunks(store) == [2]  # the last chunk is one page: complete at once
    sink.add(3, pages[3])
    sink.flush()
    assert saved_chunks(store) == [2]
    sink.add(4, pages[4])
    sink.add(2, pages[2])
    sink.flush()
    assert saved_chunks(store) == [1, 2]
    sink.add(1, pages[1])
    stored = sink.finish()

    assert saved_chunks(store) == [0, 1, 2]
    assert stored.height == SHAPE.total
    assert stored.pages == SHAPE.pages
    assert [chunk.height for chunk in stored.chunks()] == [4, 4, 1]
    assert stored.collect().equals(whole(pages))


def test_an_interrupted_read_offers_its_saved_pages_back(store, pages) -> None:
    before = datetime.now(UTC)
    read_partly(store, pages, [5, 2, 3, 4])  # page 1 (read again last) never came
    after = datetime.now(UTC)
    resumed = checkpoint(store)
    assert resumed.complete is None

    held = resumed.begin(SHAPE)

    assert held is not None
    assert held.numbers == {3, 4, 5}
    assert held.last_page == uuids(pages[5])
    assert dict(held.identities()) == {n: uuids(pages[n]) for n in (3, 4, 5)}
    assert resumed.held_pages == 3
    resumed.add(2, pages[2])
    resumed.add(1, pages[1])
    stored = resumed.finish()
    assert stored.collect().equals(whole(pages))
    assert before <= stored.started_at <= after  # the start of the read that held the pages


def test_another_shape_starts_the_resource_again(store, pages) -> None:
    read_partly(store, pages, [5, 3, 4])
    changed = ListingShape(total=10, per_page=2, pages=5)

    assert checkpoint(store).begin(changed) is None
    # The old chunks are no longer offered, even for the old shape.
    assert checkpoint(store).begin(SHAPE) is None


def test_a_listing_read_again_drops_what_it_held(store, pages) -> None:
    read_partly(store, pages, [5, 3, 4])
    sink = checkpoint(store)
    assert sink.begin(SHAPE) is not None

    assert sink.begin(SHAPE) is None  # the client read it again: the listing changed
    for number in (5, 4, 3, 2, 1):
        sink.add(number, pages[number])
    assert sink.finish().collect().equals(whole(pages))


def test_a_checkpoint_older_than_resume_seconds_is_not_offered(store, pages) -> None:
    read_partly(store, pages, [5, 3, 4])

    assert checkpoint(store, resume_seconds=0.0).begin(SHAPE) is None


def test_pages_saved_before_the_last_page_came_are_not_offered(store, pages) -> None:
    read_partly(store, pages, [3, 4])  # no last page: nothing to check the held pages against

    assert checkpoint(store).begin(SHAPE) is None


def test_a_resource_read_completely_is_offered_whole(store, pages) -> None:
    sink = checkpoint(store)
    sink.begin(SHAPE)
    for number in (5, 2, 3, 4, 1):
        sink.add(number, pages[number])
    finished = sink.finish()

    complete = checkpoint(store).complete

    assert complete is not None
    assert complete.started_at == finished.started_at
    assert complete.collect().equals(whole(pages))
    assert checkpoint(store, resume_seconds=0.0).complete is None


def test_an_unreadable_chunk_is_read_again(store, pages) -> None:
    read_partly(store, pages, [5, 3, 4])
    store.save_checkpoint(LINE, "enrollments:1", io.BytesIO(b"not arrow"))

    held = checkpoint(store).begin(SHAPE)

    assert held is not None
    assert held.numbers == {5}


@pytest.mark.parametrize(
    "manifest",
    [b"not json", b"[]", orjson.dumps({"format": "checkpoint-pages-1"}), b"\x00\x00\x00\x02{}"],
)
def test_an_unreadable_manifest_is_ignored(store, pages, manifest: bytes) -> None:
    read_partly(store, pages, [5, 3, 4])
    store.save_checkpoint(LINE, "enrollments", io.BytesIO(manifest))

    opened = checkpoint(store)

    assert opened.complete is None
    assert opened.begin(SHAPE) is None


def test_a_chunk_gone_from_a_complete_checkpoint_is_an_error(store, pages) -> None:
    sink = checkpoint(store)
    sink.begin(SHAPE)
    for number in (5, 2, 3, 4, 1):
        sink.add(number, pages[number])
    stored = sink.finish()
    store.save_checkpoint(LINE, "enrollments:2", io.BytesIO(b"damaged"))

    with pytest.raises(SnapshotUnreadableError, match="chunk 2"):
        stored.collect()


def test_finish_with_pages_missing_is_refused(store, pages) -> None:
    sink = read_partly(store, pages, [5, 3])

    with pytest.raises(SnapshotUnreadableError, match="pages missing"):
        sink.finish()


def test_chunks_hold_whole_pages(store, pages) -> None:
    sink = ResourceCheckpoint.open(store, LINE, "enrollments", resume_seconds=60.0, rows=1)
    sink.begin(SHAPE)
    sink.add(5, pages[5])
    sink.add(4, pages[4])
    sink.close()

    assert [k for k in range(6) if store.load_checkpoint(LINE, f"enrollments:{k}")] == [3, 4]
    with pytest.raises(ValueError, match="at least one row"):
        ResourceCheckpoint.open(store, LINE, "enrollments", resume_seconds=60.0, rows=0)


class FullDisk(DiskSnapshotStore):
    """A store whose chunk writes fail (the manifest still goes in)."""

    def save_checkpoint(self, line: CacheKey, name: str, data: IO[bytes]) -> None:
        if ":" in name:
            raise OSError("no space left on device")
        super().save_checkpoint(line, name, data)


def test_a_failed_chunk_write_fails_the_read_and_is_not_in_the_manifest(
    tmp_path: Path, pages
) -> None:
    with FullDisk(tmp_path / "full") as full:
        sink = ResourceCheckpoint.open(full, LINE, "enrollments", resume_seconds=60.0, rows=4)
        sink.begin(SHAPE)

        def read_all() -> None:
            for number in (5, 3, 4, 2, 1):
                sink.add(number, pages[number])
            sink.finish()

        with pytest.raises(OSError, match="no space"):
            read_all()
        sink.close()  # after the failure: logs, does not raise again

        assert checkpoint(full).begin(SHAPE) is None  # nothing held: no chunk was written
