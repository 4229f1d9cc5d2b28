"""Keeping snapshots in step with writes, without refetching them.

After a write, every line of the same API and tenant (whatever its filters) gets a patched
snapshot: its latest one with the write applied, published as the new latest (so every process
and replica reading the store sees it at its next read). A sync that was already running when the
write happened read pages from before it; before publishing, it replays the writes logged since
it started.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.data.cache_keys import CacheKey
from dashboard.data.corrections_log import Correction
from dashboard.data.corrections_log_place import open_corrections_log
from dashboard.data.errors import CorrectionsLogError, MalformedRecordError
from dashboard.data.frames import enrollment_frame
from dashboard.data.patching import apply_write
from dashboard.data.snapshots import SnapshotInfo, SnapshotLine, SnapshotStore

__all__ = [
    "REPLAY_MARGIN",
    "apply_corrections",
    "patch_snapshots",
    "replay_writes",
    "snapshot_enrollment_rows",
    "writes_since",
]

logger = logging.getLogger("dashboard.data")

# Writes logged this long before a sync started are replayed too (harmless: replay is
# idempotent), covering clocks that disagree slightly between processes.
REPLAY_MARGIN = timedelta(seconds=2)


def patch_snapshots(
    store: SnapshotStore,
    source: CacheKey,
    *,
    removed: Collection[str] = (),
    written: pl.DataFrame | None = None,
) -> int:
    """Publish a patched snapshot for each line of ``source``'s API and tenant; returns how many."""
    patched = 0
    with store.patching():
        for line, latest, frame in _latest_enrollments(store, source):
            frame, changed = apply_write(
                frame, filters=line.filter_map, removed=removed, written=written
            )
            if changed:
                store.publish(
                    line,
                    {"enrollments": frame},
                    extracted_at=latest.extracted_at,
                    errors=latest.errors,
                    parent=latest,
                )
                patched += 1
    return patched


def replay_writes(
    frame: pl.DataFrame,
    *,
    log_dir: Path,
    key: CacheKey,
    since: datetime,
    store: SnapshotStore | None = None,
) -> pl.DataFrame:
    """``frame`` (fetched for ``key`` from ``since``) with the writes logged since replayed."""
    corrections = writes_since(log_dir=log_dir, key=key, since=since, store=store)
    return apply_corrections(frame, corrections, key=key)


def writes_since(
    *, log_dir: Path, key: CacheKey, since: datetime, store: SnapshotStore | None = None
) -> list[Correction]:
    """The writes to ``key``'s API and tenant logged since ``since`` (with a margin), in order.

    The log is the one that goes with ``store`` (a shared store's: the writes of every replica),
    else the file in ``log_dir``. When the log cannot be read, the writes whose entries wait in
    this host's side file are still returned (a write made while the log is unusable is kept
    there).
    """
    start = since - REPLAY_MARGIN
    log = open_corrections_log(store, log_dir)
    try:
        return log.since(api_url=key.api_url, tenant=key.tenant, since=start)
    except CorrectionsLogError as error:
        logger.warning("replaying only the pending corrections: %s", error)
        return log.pending(api_url=key.api_url, tenant=key.tenant, since=start)


def apply_corrections(
    frame: pl.DataFrame, corrections: Sequence[Correction], *, key: CacheKey
) -> pl.DataFrame:
    """``frame`` of ``key`` with ``corrections`` applied in order (the frame itself if none)."""
    for correction in corrections:
        written = None
        if correction.action != "delete" and correction.after is not None:
            try:
                written = enrollment_frame([correction.after])
            except MalformedRecordError as error:
                # Drop the row rather than fail a good sync; the next sync reads it again.
                logger.warning("cannot replay %s: %s", correction.enrollment_uuid, error)
        frame, _ = apply_write(
            frame,
            filters=key.filter_map,
            removed=[correction.enrollment_uuid],
            written=written,
        )
    return frame


def snapshot_enrollment_rows(
    store: SnapshotStore, source: CacheKey, uuids: Collection[str]
) -> dict[str, Mapping[str, Any]]:
    """Rows of the given enrollments found in the latest snapshot of any line of ``source``."""
    wanted = set(uuids)
    found: dict[str, Mapping[str, Any]] = {}
    if not wanted:
        return found
    for _, _, frame in _latest_enrollments(store, source):
        missing = pl.Series(list(wanted - found.keys()), dtype=pl.String)
        for row in frame.filter(pl.col("uuid").is_in(missing)).iter_rows(named=True):
            found[row["uuid"]] = row
        if not wanted - found.keys():
            break
    return found


def _latest_enrollments(
    store: SnapshotStore, source: CacheKey
) -> Iterator[tuple[SnapshotLine, SnapshotInfo, pl.DataFrame]]:
    """Each line of ``source``'s API and tenant with its latest snapshot's enrollment frame,
    read one line at a time (lines without a snapshot or enrollments are skipped)."""
    for line in store.lines():
        if not line.same_source(source):
            continue
        latest = store.latest(line)
        if latest is None or "enrollments" not in latest.rows:
            continue
        yield line, latest, store.read(latest, ["enrollments"])["enrollments"]
