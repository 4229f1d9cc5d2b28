"""Versioned snapshots: every resource one sync read, published together, never half-written.

A *line* is what a sync answers (API, tenant, enrollment filters; ``SnapshotLine``). Each
successful sync publishes one immutable snapshot of the line: a frame per resource as Arrow IPC
bytes (never pickle), with its extract time, row counts and sync figures. Frames are written
first under the snapshot's own id; only then does one transaction make the snapshot the line's
latest and drop the oldest beyond ``keep``. A sync that fails or is interrupted publishes
nothing, so readers keep the last good snapshot. A correction publishes a *patched* snapshot: the
same extract with the write applied (``parent`` names the one it patched).

``DiskSnapshotStore`` keeps them in a diskcache folder on one host (SQLite underneath: not on
NFS). The shared store for several hosts implements the same ``SnapshotStore`` protocol.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import logging
import os
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Protocol

import orjson
import polars as pl

from dashboard.data.cache_keys import CacheKey
from dashboard.data.frame_bytes import (
    FrameChunks,
    PublishedFrame,
    SnapshotUnreadableError,
    frame_buffer,
    frame_from_bytes,
    frame_to_bytes,
)
from dashboard.data.safe_disk import RefusedEntryError, open_cache

__all__ = [
    "DEFAULT_KEEP",
    "DiskSnapshotStore",
    "FrameChunks",
    "PublishedFrame",
    "RefreshLock",
    "SnapshotInfo",
    "SnapshotLine",
    "SnapshotStore",
    "SnapshotUnreadableError",
    "decode_frame",
    "frame_buffer",
    "frame_from_bytes",
    "frame_to_bytes",
]

logger = logging.getLogger("dashboard.data")

DEFAULT_KEEP: Final = 3
_FORMAT: Final = "arrow-ipc-lz4"
_LATEST = "latest:"
_FRAME = "snapshot-frame:"
_CHECKPOINT = "checkpoint:"

SnapshotLine = CacheKey
"""A line is the enrollment listing's cache key: API, tenant, filters, schema version."""


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """What one snapshot holds and how it was made (its frames are read with ``store.read``)."""

    id: str
    line: str
    extracted_at: datetime
    published_at: datetime
    rows: Mapping[str, int]
    pages: Mapping[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0
    paced_seconds: float = 0.0
    errors: Mapping[str, str] = field(default_factory=dict)  # resource -> why it is missing
    parent: str | None = None
    patched_at: datetime | None = None

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(self.rows)

    def age_seconds(self, now: datetime) -> float:
        return (now - self.extracted_at).total_seconds()

    def to_json(self) -> bytes:
        body = {
            "format": _FORMAT,
            "id": self.id,
            "line": self.line,
            "extracted_at": self.extracted_at.astimezone(UTC).isoformat(),
            "published_at": self.published_at.astimezone(UTC).isoformat(),
            "rows": dict(self.rows),
            "pages": dict(self.pages),
            "requests": self.requests,
            "seconds": self.seconds,
            "paced_seconds": self.paced_seconds,
            "errors": dict(self.errors),
            "parent": self.parent,
            "patched_at": None if self.patched_at is None else self.patched_at.isoformat(),
        }
        return orjson.dumps(body)

    @classmethod
    def from_json(cls, data: bytes | str) -> SnapshotInfo:
        body = orjson.loads(data)
        if body.get("format") != _FORMAT:
            raise ValueError(f"unknown snapshot format {body.get('format')!r}")
        patched = body.get("patched_at")
        return cls(
            id=str(body["id"]),
            line=str(body["line"]),
            extracted_at=_utc(body["extracted_at"]),
            published_at=_utc(body["published_at"]),
            rows={str(k): int(v) for k, v in body["rows"].items()},
            pages={str(k): int(v) for k, v in body.get("pages", {}).items()},
            requests=int(body.get("requests", 0)),
            seconds=float(body.get("seconds", 0.0)),
            paced_seconds=float(body.get("paced_seconds", 0.0)),
            errors={str(k): str(v) for k, v in body.get("errors", {}).items()},
            parent=body.get("parent"),
            patched_at=None if patched is None else _utc(patched),
        )


def new_snapshot_id(now: datetime) -> str:
    """Sortable by time, unique across processes and hosts."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4)


def decode_frame(info: SnapshotInfo, name: str, data: object) -> pl.DataFrame:
    """The ``name`` frame of ``info`` from its stored bytes (every store reads through this);
    ``SnapshotUnreadableError`` when it is missing, does not decode or has other rows."""
    if not isinstance(data, bytes):
        raise SnapshotUnreadableError(f"snapshot {info.id}: the {name} frame is missing")
    try:
        frame = frame_from_bytes(data)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise SnapshotUnreadableError(f"snapshot {info.id}: {name}: {error}") from error
    if frame.height != info.rows[name]:
        raise SnapshotUnreadableError(
            f"snapshot {info.id}: {name} has {frame.height} rows, expected {info.rows[name]}"
        )
    return frame


class RefreshLock(Protocol):
    """One refresh per line at a time, across threads, processes (and hosts, for a shared store)."""

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another refresh holds it."""

    def release(self) -> None: ...


class SnapshotStore(Protocol):
    """Where snapshots live; the disk store and the shared store both implement this."""

    def latest(self, line: SnapshotLine) -> SnapshotInfo | None: ...

    def history(self, line: SnapshotLine) -> list[SnapshotInfo]: ...

    def read(
        self, info: SnapshotInfo, resources: Sequence[str] | None = None
    ) -> dict[str, pl.DataFrame]: ...

    def publish(
        self,
        line: SnapshotLine,
        frames: Mapping[str, PublishedFrame],
        *,
        extracted_at: datetime,
        stats: Mapping[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
        parent: SnapshotInfo | None = None,
    ) -> SnapshotInfo: ...

    def refresh_lock(self, line: SnapshotLine) -> RefreshLock: ...

    def patching(self) -> contextlib.AbstractContextManager[None]:
        """Held while a correction reads, patches and republishes snapshots (short)."""

    def lines(self) -> list[SnapshotLine]: ...

    def save_checkpoint(self, line: SnapshotLine, name: str, data: IO[bytes]) -> None: ...

    def load_checkpoint(self, line: SnapshotLine, name: str) -> bytes | None: ...

    def clear_checkpoints(self, line: SnapshotLine) -> None: ...

    def close(self) -> None: ...


def build_info(
    line: SnapshotLine,
    frames: Mapping[str, PublishedFrame],
    *,
    extracted_at: datetime,
    stats: Mapping[str, Any] | None,
    errors: Mapping[str, str] | None,
    parent: SnapshotInfo | None,
) -> SnapshotInfo:
    """The record of a snapshot about to be published (shared by every store)."""
    now = datetime.now(UTC)
    stats = stats or {}
    info = SnapshotInfo(
        id=new_snapshot_id(now),
        line=line.text,
        extracted_at=extracted_at.astimezone(UTC),
        published_at=now,
        rows={name: frame.height for name, frame in frames.items()},
        pages={str(k): int(v) for k, v in dict(stats.get("pages", {})).items()},
        requests=int(stats.get("requests", 0)),
        seconds=float(stats.get("seconds", 0.0)),
        paced_seconds=float(stats.get("paced_seconds", 0.0)),
        errors=dict(errors or {}),
    )
    if parent is not None:
        # A patched snapshot shares the frames it did not change with its parent.
        unchanged = {name: rows for name, rows in parent.rows.items() if name not in frames}
        info = replace(
            info,
            rows={**unchanged, **info.rows},
            parent=parent.id,
            pages=dict(parent.pages),
            requests=parent.requests,
            seconds=parent.seconds,
            paced_seconds=parent.paced_seconds,
            patched_at=now,
        )
    return info


class _FileLock:
    """An advisory lock on a file (``flock``): held by one process, released if it dies."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: int | None = None
        self._thread_lock = threading.Lock()

    def acquire(self) -> bool:
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            handle = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            self._thread_lock.release()  # else this process could never take the lock again
            raise
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            self._thread_lock.release()
            return False
        except OSError:
            os.close(handle)
            self._thread_lock.release()
            raise
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
            self._handle = None
            self._thread_lock.release()


class DiskSnapshotStore:
    """Snapshots in one diskcache folder (one host; any number of processes)."""

    def __init__(self, directory: Path, *, keep: int = DEFAULT_KEEP) -> None:
        if keep < 1:
            raise ValueError("keep at least one snapshot")
        self.directory = directory
        self.keep = keep
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "locks").mkdir(exist_ok=True)
        # SafeDisk: no pickles, no stored path followed out of the folder; a corrupt index is
        # moved aside and rebuilt (the snapshots are then read again from the API).
        self._cache = open_cache(
            directory,
            eviction_policy="none",  # snapshots are pruned by count, never evicted by size
            size_limit=2**62,
        )
        self._locks: dict[str, _FileLock] = {}
        self._locks_guard = threading.Lock()

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> DiskSnapshotStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DiskSnapshotStore({str(self.directory)!r}, keep={self.keep})"

    # -- reading ---------------------------------------------------------------------------------

    def history(self, line: SnapshotLine) -> list[SnapshotInfo]:
        """The line's snapshots, newest first (at most ``keep``)."""
        raw = self._get_text(_LATEST + line.text)
        if raw is None:
            return []
        try:
            return [SnapshotInfo.from_json(orjson.dumps(item)) for item in orjson.loads(raw)]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            logger.warning("the snapshot list of a line is unreadable (%s); ignoring it", error)
            return []

    def latest(self, line: SnapshotLine) -> SnapshotInfo | None:
        history = self.history(line)
        return history[0] if history else None

    def read(
        self, info: SnapshotInfo, resources: Sequence[str] | None = None
    ) -> dict[str, pl.DataFrame]:
        """The snapshot's frames (all, or ``resources``); ``SnapshotUnreadableError`` if damaged."""
        frames: dict[str, pl.DataFrame] = {}
        for name in resources if resources is not None else info.resources:
            if name not in info.rows:
                raise SnapshotUnreadableError(f"snapshot {info.id} has no {name}")
            frames[name] = decode_frame(info, name, self._get_bytes(_FRAME + info.id + ":" + name))
        return frames

    # -- writing ---------------------------------------------------------------------------------

    def publish(
        self,
        line: SnapshotLine,
        frames: Mapping[str, PublishedFrame],
        *,
        extracted_at: datetime,
        stats: Mapping[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
        parent: SnapshotInfo | None = None,
    ) -> SnapshotInfo:
        """Write every frame, then make the snapshot the line's latest in one transaction."""
        info = build_info(
            line, frames, extracted_at=extracted_at, stats=stats, errors=errors, parent=parent
        )
        written: list[str] = []
        try:
            for name, frame in frames.items():
                key = _FRAME + info.id + ":" + name
                with frame_buffer(frame) as buffer:
                    self._cache.set(key, buffer, read=True, retry=True)
                written.append(key)
            if parent is not None:
                for name in info.rows:
                    if name not in frames:
                        data = self._get_bytes(_FRAME + parent.id + ":" + name)
                        if data is None:
                            raise SnapshotUnreadableError(f"{parent.id}: {name} missing")
                        key = _FRAME + info.id + ":" + name
                        self._cache.set(key, io.BytesIO(data), read=True, retry=True)
                        written.append(key)
            with self._cache.transact(retry=True):
                history = self.history(line)
                kept = [info, *history][: self.keep]
                dropped = [old for old in history if old not in kept]
                body = orjson.dumps([orjson.loads(item.to_json()) for item in kept]).decode()
                self._cache.set(_LATEST + line.text, body, retry=True)
        except BaseException:
            for key in written:  # nothing half-published stays behind
                self._cache.delete(key, retry=True)
            raise
        for old in dropped:
            for name in old.rows:
                self._cache.delete(_FRAME + old.id + ":" + name, retry=True)
        return info

    def patching(self) -> contextlib.AbstractContextManager[None]:
        return self._cache.transact(retry=True)  # type: ignore[no-any-return]

    def lines(self) -> list[SnapshotLine]:
        found = []
        for key in self._cache.iterkeys():
            if isinstance(key, str) and key.startswith(_LATEST):
                line = SnapshotLine.parse(key[len(_LATEST) :])
                if line is not None:
                    found.append(line)
        return found

    def refresh_lock(self, line: SnapshotLine) -> RefreshLock:
        digest = hashlib.sha256(line.text.encode()).hexdigest()[:32]
        with self._locks_guard:
            lock = self._locks.get(digest)
            if lock is None:
                lock = _FileLock(self.directory / "locks" / f"{digest}.lock")
                self._locks[digest] = lock
            return lock

    # -- checkpoints of an unfinished sync -------------------------------------------------------

    def save_checkpoint(self, line: SnapshotLine, name: str, data: IO[bytes]) -> None:
        with data:
            self._cache.set(_CHECKPOINT + line.text + ":" + name, data, read=True)

    def load_checkpoint(self, line: SnapshotLine, name: str) -> bytes | None:
        return self._get_bytes(_CHECKPOINT + line.text + ":" + name)

    def clear_checkpoints(self, line: SnapshotLine) -> None:
        prefix = _CHECKPOINT + line.text + ":"
        for key in list(self._cache.iterkeys()):
            if isinstance(key, str) and key.startswith(prefix):
                self._cache.delete(key, retry=True)

    # -- raw access --------------------------------------------------------------------------------

    def _get_bytes(self, key: str) -> bytes | None:
        try:
            value = self._cache.get(key, default=None, read=True, retry=True)
        except RefusedEntryError as refused:
            # Pickled, or naming a file outside the folder: drop the index row only.
            logger.warning("refusing a snapshot entry (%s); dropping it", refused)
            self._cache.delete(key, retry=True)
            return None
        if value is None:
            return None
        if isinstance(value, bytes):
            return value
        with contextlib.closing(value):
            data: bytes = value.read()
            return data

    def _get_text(self, key: str) -> str | None:
        try:
            value = self._cache.get(key, default=None, retry=True)
        except RefusedEntryError as refused:
            logger.warning("refusing a snapshot entry (%s); dropping it", refused)
            self._cache.delete(key, retry=True)
            return None
        return value if isinstance(value, str) else None


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without zone: {text!r}")
    return moment.astimezone(UTC)


@contextlib.contextmanager
def held(lock: RefreshLock) -> Iterator[bool]:
    """``with held(lock) as mine:`` takes the lock if free; ``mine`` says whether it did."""
    mine = lock.acquire()
    try:
        yield mine
    finally:
        if mine:
            lock.release()
