"""Keeping cached enrollment extracts in step with writes, without refetching them.

After a write, every cached enrollment extract of the same API and tenant (whatever its
filters) is patched at once. A sync that was already running when the write happened fetched
pages from before it; before caching, it replays the writes logged since it started.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.data.cache_keys import CacheKey
from dashboard.data.corrections_log import corrections_since, pending_corrections
from dashboard.data.errors import CorrectionsLogError, MalformedRecordError
from dashboard.data.frame_cache import FrameCache
from dashboard.data.frames import enrollment_frame
from dashboard.data.patching import apply_write
from dashboard.data.schema import ENROLLMENT_SCHEMA

__all__ = ["REPLAY_MARGIN", "cached_enrollment_rows", "patch_cached_enrollments", "replay_writes"]

logger = logging.getLogger("dashboard.data")

# Writes logged this long before a sync started are replayed too (harmless: replay is
# idempotent), covering clocks that disagree slightly between processes.
REPLAY_MARGIN = timedelta(seconds=2)


def patch_cached_enrollments(
    frames_dir: Path,
    source: CacheKey,
    *,
    removed: Collection[str] = (),
    written: pl.DataFrame | None = None,
) -> int:
    """Patch every cached enrollment extract of ``source``'s API and tenant; returns how many."""
    patched = 0
    now = datetime.now(UTC)
    with FrameCache(frames_dir) as cache, cache.transaction():
        for key in cache.frame_keys():
            if key.resource != "enrollments" or not key.same_source(source):
                continue
            entry = cache.get(key, schema=ENROLLMENT_SCHEMA)
            if entry is None:
                continue
            frame, changed = apply_write(
                entry.frame, filters=key.filter_map, removed=removed, written=written
            )
            if changed:
                cache.put(
                    key, frame, fetched_at=entry.fetched_at, pages=entry.pages, patched_at=now
                )
                patched += 1
    return patched


def replay_writes(
    frame: pl.DataFrame, *, log_dir: Path, key: CacheKey, since: datetime
) -> pl.DataFrame:
    """``frame`` (fetched for ``key`` from ``since``) with the writes logged since replayed.

    When the log cannot be read, the writes whose entries wait in its side file are still
    replayed (a write made while the log is unusable is kept there).
    """
    start = since - REPLAY_MARGIN
    try:
        corrections = corrections_since(
            log_dir, api_url=key.api_url, tenant=key.tenant, since=start
        )
    except CorrectionsLogError as error:
        logger.warning("replaying only the pending corrections: %s", error)
        corrections = pending_corrections(
            log_dir, api_url=key.api_url, tenant=key.tenant, since=start
        )
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


def cached_enrollment_rows(
    frames_dir: Path, source: CacheKey, uuids: Collection[str]
) -> dict[str, Mapping[str, Any]]:
    """Rows of the given enrollments found in any cached extract of ``source``'s API/tenant."""
    wanted = set(uuids)
    found: dict[str, Mapping[str, Any]] = {}
    with FrameCache(frames_dir) as cache:
        for key in cache.frame_keys():
            if not wanted - found.keys():
                break
            if key.resource != "enrollments" or not key.same_source(source):
                continue
            entry = cache.get(key, schema=ENROLLMENT_SCHEMA)
            if entry is None:
                continue
            missing = pl.Series(list(wanted - found.keys()), dtype=pl.String)
            for row in entry.frame.filter(pl.col("uuid").is_in(missing)).iter_rows(named=True):
                found[row["uuid"]] = row
    return found
