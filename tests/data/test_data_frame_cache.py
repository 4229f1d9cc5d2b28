"""The frame cache: Parquet + JSON tag round trip, pickled entries refused and deleted."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import diskcache
import polars as pl
import pytest

from dashboard.data import enrollment_frame
from dashboard.data.cache_keys import CacheKey
from dashboard.data.frame_cache import FrameCache
from dashboard.data.schema import COURSE_SCHEMA, ENROLLMENT_SCHEMA

KEY = CacheKey.of(api_url="https://api.dokstamp.test", tenant="t", resource="enrollments")
FETCHED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


class _Tripwire:
    """Unpickling this touches a marker file: proof that something was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_round_trip_keeps_frame_schema_and_metadata(tmp_path: Path, fakes: Any) -> None:
    frame = enrollment_frame([fakes.enrollment(n, grade="7.5") for n in range(50)])
    with FrameCache(tmp_path) as cache:
        cache.put(KEY, frame, fetched_at=FETCHED, pages=5)
    with FrameCache(tmp_path) as cache:
        entry = cache.get(KEY, schema=ENROLLMENT_SCHEMA)
    assert entry is not None
    assert entry.frame.equals(frame)
    assert entry.frame.schema == ENROLLMENT_SCHEMA
    assert (entry.fetched_at, entry.pages, entry.patched_at) == (FETCHED, 5, None)


def test_missing_and_other_schema_are_misses(tmp_path: Path, fakes: Any) -> None:
    with FrameCache(tmp_path) as cache:
        assert cache.get(KEY, schema=ENROLLMENT_SCHEMA) is None
        cache.put(KEY, enrollment_frame([fakes.enrollment(1)]), fetched_at=FETCHED, pages=1)
        assert cache.get(KEY, schema=COURSE_SCHEMA) is None
        assert cache.get(KEY, schema=ENROLLMENT_SCHEMA) is None  # deleted as unusable


def test_pickled_entry_is_refused_never_unpickled_and_deleted(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    with diskcache.Cache(str(tmp_path / "frames")) as plain:  # default Disk: pickles objects
        plain.set(KEY.text, [_Tripwire(marker)], tag="{}")
        assert plain.get(KEY.text) is not None  # it is a real pickled entry...
    marker.unlink()  # ...whose unpickling has just been shown to touch the marker
    with FrameCache(tmp_path / "frames") as cache:
        assert cache.get(KEY, schema=ENROLLMENT_SCHEMA) is None
        assert not marker.exists()
    with diskcache.Cache(str(tmp_path / "frames")) as plain:
        assert KEY.text not in plain


def test_large_pickled_entry_in_a_file_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    with diskcache.Cache(str(tmp_path / "frames")) as plain:
        plain.set(KEY.text, {"payload": b"x" * 100_000, "trap": _Tripwire(marker)})
    marker.unlink(missing_ok=True)
    with FrameCache(tmp_path / "frames") as cache:
        assert cache.get(KEY, schema=ENROLLMENT_SCHEMA) is None
    assert not marker.exists()


def test_pickled_keys_are_skipped_not_unpickled(tmp_path: Path, fakes: Any) -> None:
    marker = tmp_path / "unpickled"
    with diskcache.Cache(str(tmp_path / "frames")) as plain:
        plain.set((_Tripwire(marker),), b"value")
    marker.unlink(missing_ok=True)
    with FrameCache(tmp_path / "frames") as cache:
        cache.put(KEY, enrollment_frame([fakes.enrollment(1)]), fetched_at=FETCHED, pages=1)
        assert cache.frame_keys() == [KEY]
    assert not marker.exists()


def test_the_cache_never_pickles(tmp_path: Path) -> None:
    with FrameCache(tmp_path) as cache, pytest.raises(TypeError, match="refusing to pickle"):
        cache._cache.set("k", {"a": 1})


def test_garbage_value_is_a_miss_and_deleted(tmp_path: Path) -> None:
    with diskcache.Cache(str(tmp_path)) as plain:
        plain.set(KEY.text, b"not parquet at all", tag='{"format": "parquet", "rows": 1}')
    with FrameCache(tmp_path) as cache:
        assert cache.get(KEY, schema=ENROLLMENT_SCHEMA) is None
        assert cache.frame_keys() == []


def test_stored_bytes_are_parquet_not_pickle(tmp_path: Path, fakes: Any) -> None:
    with FrameCache(tmp_path) as cache:
        cache.put(KEY, enrollment_frame([fakes.enrollment(1)]), fetched_at=FETCHED, pages=1)
    values = [p.read_bytes() for p in tmp_path.rglob("*.val")]
    assert values
    assert all(v.startswith(b"PAR1") and v.endswith(b"PAR1") for v in values)
    assert not any(v.startswith(pickle.PROTO + bytes([pickle.HIGHEST_PROTOCOL])) for v in values)
    assert pl.read_parquet(values[0]).height == 1
