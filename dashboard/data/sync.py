"""One sync: read every resource of a line through one client, publish one snapshot, or nothing.

The resources are read one after the other with the source's one client (one pool, one token,
one pacer). Each resource read completely is kept as a checkpoint, so a sync that is interrupted
(SIGTERM, a crash, a network failure) resumes from there within ``resume_seconds`` instead of
from the first resource; the snapshot's extract time is then the start of the oldest part. Only
when every resource is read does the snapshot get published; the checkpoints are then dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

import orjson
import polars as pl

from dashboard.client import DokStampClient, PermissionDeniedError, SyncStats
from dashboard.data.frames import FRAME_BUILDERS
from dashboard.data.snapshots import (
    SnapshotInfo,
    SnapshotLine,
    SnapshotStore,
    SnapshotUnreadableError,
    frame_buffer,
    frame_from_bytes,
)
from dashboard.data.write_through import replay_writes

__all__ = [
    "RESOURCES",
    "ResourceProgress",
    "SyncCancelledError",
    "SyncObserver",
    "sync_snapshot",
]

logger = logging.getLogger("dashboard.data")

# The order a sync reads them in: the big listing first, the student list (editors) last.
RESOURCES = ("enrollments", "courses", "cohorts", "certificates", "students")
# Resources a sync may do without (the dataset is usable: only the create form needs students).
OPTIONAL = frozenset({"students"})
# A checkpoint older than this is not resumed (its rows could be too far behind the API).
DEFAULT_RESUME_SECONDS = 1800.0


class SyncCancelledError(Exception):
    """The sync was asked to stop (SIGTERM, a shutdown); nothing was published."""


class SyncObserver(Protocol):
    """What a sync tells whoever shows its progress (the CLI, the app's status line)."""

    def pages(self, resource: str, done: int, total: int) -> None: ...

    def waiting(self, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class _Part:
    frame: pl.DataFrame | None  # None: kept as a checkpoint in the store
    started_at: datetime
    pages: int


class _Frames(Mapping[str, pl.DataFrame]):
    """The frames a sync publishes, each read back from its checkpoint only when asked for."""

    def __init__(self, store: SnapshotStore, line: SnapshotLine, parts: Mapping[str, _Part]):
        self._store = store
        self._line = line
        self._held = {name: part.frame for name, part in parts.items()}

    def hold(self, name: str, frame: pl.DataFrame) -> None:
        self._held[name] = frame

    def __getitem__(self, name: str) -> pl.DataFrame:
        frame = self._held[name]
        if frame is not None:
            return frame
        resumed = _resumed(self._store, self._line, name, float("inf"))
        if resumed is None or resumed.frame is None:
            raise SnapshotUnreadableError(f"the checkpoint of {name} could not be read back")
        return resumed.frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)


def sync_snapshot(
    client: DokStampClient,
    store: SnapshotStore,
    line: SnapshotLine,
    *,
    log_dir: Path,
    resources: Sequence[str] = RESOURCES,
    observer: SyncObserver | None = None,
    cancel: threading.Event | None = None,
    resume_seconds: float = DEFAULT_RESUME_SECONDS,
) -> SnapshotInfo:
    """Read ``resources`` of ``line`` and publish them as one snapshot; returns its record.

    Raises ``DokStampError`` (nothing published; checkpoints kept for a resume) or
    ``SyncCancelledError`` when ``cancel`` is set while it runs.
    """
    started = time.perf_counter()
    parts: dict[str, _Part] = {}
    errors: dict[str, str] = {}
    totals = {"requests": 0, "paced_seconds": 0.0}
    for index, resource in enumerate(resources):
        _check(cancel)
        resumed = _resumed(store, line, resource, resume_seconds)
        if resumed is not None:
            logger.info("%s: resuming from a checkpoint of %s", resource, resumed.started_at)
            parts[resource] = replace(resumed, frame=None)  # read back when published
            continue
        try:
            part, stats = _read(client, line, resource, observer=observer, cancel=cancel)
        except PermissionDeniedError as error:
            if resource not in OPTIONAL:
                raise
            errors[resource] = str(error)
            continue
        totals["requests"] += stats.requests
        totals["paced_seconds"] += stats.paced_seconds
        if index + 1 < len(resources):
            # The next resource's first page goes out while this one is stored (no gap with
            # nothing in flight); one request spent for nothing if that one is then resumed.
            client.start_listing(resources[index + 1])
        if len(resources) > 1:
            # Kept in the store, not in memory: the next resource is read with only this one's
            # figures held, and the publish reads each frame back in turn.
            store.save_checkpoint(line, resource, _checkpoint_bytes(part))
            part = replace(part, frame=None)
        parts[resource] = part
    _check(cancel)
    extracted_at = min(part.started_at for part in parts.values())
    frames = _Frames(store, line, parts)
    if "enrollments" in frames:
        # Writes logged while the pages were read may be missing from them: replay them.
        enrollments = frames["enrollments"]
        replayed = replay_writes(
            enrollments, log_dir=log_dir, key=line, since=extracted_at, store=store
        )
        if replayed is not enrollments:
            frames.hold("enrollments", replayed)
        del enrollments, replayed
    info = store.publish(
        line,
        frames,
        extracted_at=extracted_at,
        stats={
            "pages": {name: part.pages for name, part in parts.items()},
            "requests": totals["requests"],
            "seconds": time.perf_counter() - started,
            "paced_seconds": totals["paced_seconds"],
        },
        errors=errors,
    )
    store.clear_checkpoints(line)
    return info


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SyncCancelledError("the sync was stopped before it finished; nothing was published")


def _read(
    client: DokStampClient,
    line: SnapshotLine,
    resource: str,
    *,
    observer: SyncObserver | None,
    cancel: threading.Event | None,
) -> tuple[_Part, SyncStats]:
    started_at = datetime.now(UTC)

    def report(done: int, total: int) -> None:
        _check(cancel)  # raised in the calling thread: the client drops the pages not yet sent
        if observer is not None:
            observer.pages(resource, done, total)

    filters = line.filter_map if resource == "enrollments" else None
    build = FRAME_BUILDERS[resource]
    waiting = observer.waiting if observer is not None else None
    # Each page becomes a typed frame as it arrives (on the client's worker threads), so no
    # Python object per record outlives its page. The cyclic GC stays on: the records no longer
    # pile up for it to rescan, and a paused collector kept every response (each holds its page's
    # body in a reference cycle) until the end: ~0.6 GB at 1M enrollments.
    pages = client.list_pages(
        resource,
        filters=filters or None,
        progress=report,
        on_wait=waiting,
        build=build,
    )
    stats = client.last_sync_stats
    assert stats is not None
    # No rechunk: the pages' chunks become the frame's as they are (a copy would double the
    # peak); writing the snapshot lays them out in one pass anyway.
    frame = pl.concat(pages, how="vertical", rechunk=False) if pages else build([])
    del pages
    return _Part(frame=frame, started_at=started_at, pages=stats.pages), stats


def _checkpoint_bytes(part: _Part) -> IO[bytes]:
    assert part.frame is not None
    meta = orjson.dumps({"started_at": part.started_at.isoformat(), "pages": part.pages})
    return frame_buffer(part.frame, head=len(meta).to_bytes(4, "big") + meta)


def _resumed(
    store: SnapshotStore, line: SnapshotLine, resource: str, resume_seconds: float
) -> _Part | None:
    data = store.load_checkpoint(line, resource)
    if data is None:
        return None
    try:
        size = int.from_bytes(data[:4], "big")
        meta: Mapping[str, object] = orjson.loads(data[4 : 4 + size])
        started_at = datetime.fromisoformat(str(meta["started_at"])).astimezone(UTC)
        pages = int(str(meta["pages"]))
        frame = frame_from_bytes(data[4 + size :])
    except (ValueError, KeyError, orjson.JSONDecodeError, pl.exceptions.PolarsError) as error:
        logger.warning("ignoring an unreadable checkpoint of %s: %s", resource, error)
        return None
    if (datetime.now(UTC) - started_at).total_seconds() > resume_seconds:
        return None
    return _Part(frame=frame, started_at=started_at, pages=pages)


# progress(resource, pages_done, pages_total) of a sync, called as pages arrive.
ResourceProgress = Callable[[str, int, int], None]


class CallbackObserver:
    """A ``SyncObserver`` from plain callbacks (either may be None)."""

    def __init__(
        self, pages: ResourceProgress | None = None, waiting: Callable[[float], None] | None = None
    ) -> None:
        self._pages = pages
        self._waiting = waiting

    def pages(self, resource: str, done: int, total: int) -> None:
        if self._pages is not None:
            self._pages(resource, done, total)

    def waiting(self, seconds: float) -> None:
        if self._waiting is not None:
            self._waiting(seconds)
