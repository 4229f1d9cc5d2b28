"""One sync: read every resource of a line through one client, publish one snapshot, or nothing.

The resources are read one after the other with the source's one client (one pool, one token,
one pacer). Each page becomes a typed frame as it arrives and goes to the resource's checkpoint
(``dashboard.data.checkpoints``), which writes it to the store a chunk of pages at a time: the
sync holds a chunk or two of one listing, never a whole frame. A sync that is interrupted
(SIGTERM, a crash, a network failure) leaves its checkpoints, and the next one within
``resume_seconds`` reads only the pages they do not hold; the snapshot's extract time is then
the start of the oldest part. Only when every resource is read does the snapshot get published,
streamed from the checkpoints into the store; the checkpoints are then dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from dashboard.client import ClientInterrupted, DokStampClient, PermissionDeniedError, SyncStats
from dashboard.data.checkpoints import CHECKPOINT_ROWS, ResourceCheckpoint, StoredFrame
from dashboard.data.snapshots import PublishedFrame, SnapshotInfo, SnapshotLine, SnapshotStore
from dashboard.data.write_through import apply_corrections, writes_since

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
    checkpoint_rows: int = CHECKPOINT_ROWS,
) -> SnapshotInfo:
    """Read ``resources`` of ``line`` and publish them as one snapshot; returns its record.

    Raises ``DokStampError`` (nothing published; checkpoints kept for a resume) or
    ``SyncCancelledError`` when ``cancel`` is set while it runs. ``checkpoint_rows``: rows per
    checkpoint chunk (rounded to whole pages).
    """
    started = time.perf_counter()
    parts: dict[str, StoredFrame] = {}
    errors: dict[str, str] = {}
    totals = {"requests": 0, "paced_seconds": 0.0}
    for index, resource in enumerate(resources):
        _check(cancel)
        checkpoint = ResourceCheckpoint.open(
            store, line, resource, resume_seconds=resume_seconds, rows=checkpoint_rows
        )
        complete = checkpoint.complete
        if complete is not None:
            logger.info("%s: read completely at %s; not read again", resource, complete.started_at)
            parts[resource] = complete
            continue
        try:
            stats = _read(client, line, resource, checkpoint, observer=observer, cancel=cancel)
            if index + 1 < len(resources):
                # The next resource's first page goes out while this one's last chunk is
                # stored (no gap with nothing in flight); one request spent for nothing if
                # that one is then found complete in a checkpoint.
                client.start_listing(resources[index + 1])
            parts[resource] = checkpoint.finish()
        except PermissionDeniedError as error:
            if resource not in OPTIONAL:
                raise
            errors[resource] = str(error)
            continue
        finally:
            checkpoint.close()  # an interrupted read leaves what it read saved
        totals["requests"] += stats.requests
        totals["paced_seconds"] += stats.paced_seconds
    _check(cancel)
    extracted_at = min(part.started_at for part in parts.values())
    frames: dict[str, PublishedFrame] = dict(parts)
    if "enrollments" in parts:
        # Writes logged while the pages were read may be missing from them: replay them (the
        # frame is only brought into memory when there are some).
        corrections = writes_since(log_dir=log_dir, key=line, since=extracted_at, store=store)
        if corrections:
            frames["enrollments"] = apply_corrections(
                parts["enrollments"].collect(), corrections, key=line
            )
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


_STOPPED = "the sync was stopped before it finished; nothing was published"


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SyncCancelledError(_STOPPED)


def _read(
    client: DokStampClient,
    line: SnapshotLine,
    resource: str,
    checkpoint: ResourceCheckpoint,
    *,
    observer: SyncObserver | None,
    cancel: threading.Event | None,
) -> SyncStats:
    def report(done: int, total: int) -> None:
        _check(cancel)  # raised in the calling thread: the client drops the pages not yet sent
        if observer is not None:
            observer.pages(resource, done, total)

    filters = line.filter_map if resource == "enrollments" else None
    # The checkpoint makes the pages' records into typed frames a batch of pages at a time as
    # they arrive, so no Python object per record outlives its batch, and writes the frames
    # away a chunk of pages at a time. The cyclic GC stays on: a paused collector kept every
    # response (each holds its page's body in a reference cycle) until the end: ~0.6 GB at 1M
    # enrollments.
    try:
        return client.read_pages(
            resource,
            checkpoint,
            filters=filters or None,
            progress=report,
            on_wait=observer.waiting if observer is not None else None,
            build=list,  # the records as decoded: the checkpoint builds the frames
        )
    except ClientInterrupted as error:  # stopped while it waited for the rate limit
        raise SyncCancelledError(_STOPPED) from error


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
