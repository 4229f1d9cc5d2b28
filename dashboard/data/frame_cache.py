"""The frame cache on disk: Parquet bytes in diskcache with a JSON metadata tag, never pickles.

The folder is opened with ``safe_disk.open_cache``: nothing is pickled or unpickled
(CVE-2025-69872), no stored path is followed out of the folder, and an index SQLite cannot read
is moved aside and rebuilt. Every value is a Parquet file whose metadata (fetched_at, pages,
rows) rides in the same row of diskcache's table as a JSON tag, so frame and metadata are
written and replaced together.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson
import polars as pl

from dashboard.data.cache_keys import CacheKey
from dashboard.data.safe_disk import PickledEntryError, RefusedEntryError, open_cache

__all__ = ["CachedFrame", "FrameCache", "PickledEntryError"]

logger = logging.getLogger("dashboard.data")

_FORMAT = "parquet"
# lz4 reads a 1M-row enrollment frame back in ~40 ms here (zstd: ~80 ms, a third smaller).
_COMPRESSION: Final = "lz4"


@dataclass(frozen=True, slots=True)
class CachedFrame:
    """A frame read back from the cache with its metadata."""

    frame: pl.DataFrame
    fetched_at: datetime
    pages: int
    patched_at: datetime | None = None

    def age_seconds(self, now: datetime) -> float:
        return (now - self.fetched_at).total_seconds()


class FrameCache:
    """Frames by ``CacheKey`` in one cache folder; open per use (``with FrameCache(path):``).

    diskcache makes each operation safe between threads and processes; ``transaction()`` holds
    the cache's write lock across several (read a frame, patch it, write it back).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache = open_cache(
            directory, eviction_policy="least-recently-stored", size_limit=4 * 2**30
        )

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> FrameCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the cache's write lock (other writers, in any process, wait)."""
        with self._cache.transact(retry=True):
            yield

    def get(self, key: CacheKey, *, schema: pl.Schema) -> CachedFrame | None:
        """The cached frame for ``key``, or None.

        Entries stored in pickle mode or naming a file outside the folder (refused by
        ``SafeDisk``, which logs them) are dropped from the index, their file left alone.
        Unreadable entries and ones whose frame does not have ``schema`` are deleted. All of
        these count as a miss.
        """
        text = key.text
        try:
            value, tag = self._cache.get(text, default=None, read=True, tag=True, retry=True)
        except RefusedEntryError:
            self._cache.delete(text, retry=True)  # SafeDisk.remove leaves a refused file alone
            return None
        if value is None:
            return None
        try:
            entry = _read_entry(value, tag)
        except (OSError, ValueError, TypeError, KeyError, pl.exceptions.PolarsError) as error:
            logger.warning("unreadable cache entry for %s (%s); deleting it", key.resource, error)
            self._cache.delete(text, retry=True)
            return None
        if entry.frame.schema != schema:
            logger.warning("cache entry for %s has another schema; deleting it", key.resource)
            self._cache.delete(text, retry=True)
            return None
        return entry

    def put(
        self,
        key: CacheKey,
        frame: pl.DataFrame,
        *,
        fetched_at: datetime,
        pages: int,
        patched_at: datetime | None = None,
    ) -> None:
        """Store ``frame`` for ``key`` (replacing any entry) with its metadata."""
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression=_COMPRESSION, statistics=False)
        buffer.seek(0)
        meta = {
            "format": _FORMAT,
            "fetched_at": fetched_at.astimezone(UTC).isoformat(),
            "pages": pages,
            "rows": frame.height,
            "patched_at": None if patched_at is None else patched_at.astimezone(UTC).isoformat(),
        }
        tag = orjson.dumps(meta).decode()
        self._cache.set(key.text, buffer, read=True, tag=tag, retry=True)

    def delete(self, key: CacheKey) -> bool:
        return bool(self._cache.delete(key.text, retry=True))

    def frame_keys(self) -> list[CacheKey]:
        """Every frame key in the folder (other entries, and pickled keys, are skipped)."""
        found = []
        for text in self._cache.iterkeys():
            key = CacheKey.parse(text)
            if key is not None:
                found.append(key)
        return found


def _read_entry(value: Any, tag: Any) -> CachedFrame:
    if not isinstance(tag, str):
        raise ValueError("no metadata")
    meta = orjson.loads(tag)
    if meta.get("format") != _FORMAT:
        raise ValueError(f"unknown format {meta.get('format')!r}")
    if isinstance(value, bytes):
        frame = pl.read_parquet(value)
    elif isinstance(value, io.BufferedReader):
        with value:
            frame = pl.read_parquet(value)
    else:
        raise TypeError(f"unexpected cached value {type(value).__name__}")
    if frame.height != int(meta["rows"]):
        raise ValueError(f"{frame.height} rows, metadata says {meta['rows']}")
    patched_at = meta.get("patched_at")
    return CachedFrame(
        frame=frame,
        fetched_at=_utc(meta["fetched_at"]),
        pages=int(meta["pages"]),
        patched_at=None if patched_at is None else _utc(patched_at),
    )


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without zone: {text!r}")
    return moment.astimezone(UTC)
