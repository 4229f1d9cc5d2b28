"""Loading extracts from snapshots: the latest one when fresh, one shared sync when not.

``load_enrollments`` (and ``load_courses`` ... ``load_students``) is what analysts, the CLI and
the dashboard call. Each reads the latest snapshot of its line (``dashboard.data.snapshots``);
when there is none, it is older than the TTL, or ``refresh`` is asked for, it syncs the line once
(one sync per line at a time: in this process by single flight, across processes by the store's
refresh lock) and reads the new snapshot. A failed sync falls back to the last good snapshot,
marked stale with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

import diskcache
import httpx
import polars as pl

from dashboard.client import DokStampError, ListingProgress
from dashboard.data.cache_keys import CacheKey, canonical_filters
from dashboard.data.extract import Extract
from dashboard.data.patching import filter_expression
from dashboard.data.schema import RESOURCE_SCHEMAS
from dashboard.data.single_flight import SingleFlight
from dashboard.data.snapshots import (
    SnapshotInfo,
    SnapshotLine,
    SnapshotUnreadableError,
)
from dashboard.data.source import DataSource
from dashboard.data.sync import RESOURCES, CallbackObserver, SyncObserver, sync_snapshot
from dashboard.settings import Settings

__all__ = [
    "RESOURCES",
    "STORE_ERRORS",
    "cache_key",
    "latest_snapshot",
    "load_certificates",
    "load_cohorts",
    "load_courses",
    "load_enrollments",
    "load_extract",
    "load_students",
    "refresh_line",
    "using_source",
]

logger = logging.getLogger("dashboard.data")

# What a damaged or unreachable store raises; a load treats it as "no snapshot".
STORE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    sqlite3.Error,
    diskcache.Timeout,
    SnapshotUnreadableError,
)
# How long a load waits for another process's sync of the same line before giving up on it.
_WAIT_FOR_OTHER_SECONDS = 3600.0
_WAIT_STEP_SECONDS = 0.25

_FLIGHTS: SingleFlight[SnapshotInfo] = SingleFlight()


def cache_key(
    settings: Settings, resource: str, filters: Mapping[str, str | None] | None = None
) -> CacheKey:
    """The key of a load: API URL, tenant, resource, canonical filters, schema version."""
    return CacheKey.of(
        api_url=settings.api_url, tenant=settings.tenant, resource=resource, filters=filters
    )


@contextlib.contextmanager
def using_source(
    source: DataSource | Settings, transport: httpx.BaseTransport | None = None
) -> Iterator[DataSource]:
    """``source`` itself, or a source opened for one call from bare ``Settings`` (then closed)."""
    if isinstance(source, DataSource):
        yield source
        return
    with DataSource(source, transport=transport) as opened:
        yield opened


def _loader(resource: str) -> Callable[..., Extract]:
    def load(
        source: DataSource | Settings,
        *,
        filters: Mapping[str, str | None] | None = None,
        refresh: bool = False,
        progress: ListingProgress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Extract:
        return load_extract(
            source,
            resource,
            filters=filters,
            refresh=refresh,
            progress=progress,
            transport=transport,
        )

    load.__name__ = f"load_{resource}"
    load.__doc__ = f"The {resource} frame; see ``load_extract``."
    return load


load_enrollments = _loader("enrollments")
load_courses = _loader("courses")
load_cohorts = _loader("cohorts")
load_certificates = _loader("certificates")
load_students = _loader("students")


def load_extract(
    source: DataSource | Settings,
    resource: str,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: ListingProgress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """One resource's frame, from the latest snapshot when it is fresh, else from a new sync.

    Parameters
    ----------
    source
        A ``DataSource`` (``dashboard.sources.open_source()``), or bare ``Settings`` (a source
        is opened for this call).
    resource
        enrollments, courses, cohorts, certificates or students.
    filters
        Equality filters (``"null"`` or None matches a null). Enrollment filters are sent to the
        API as ``where[field]=value`` and make a line of their own; the other resources are
        read whole and filtered here.
    refresh
        Sync now even when the latest snapshot is fresh.
    progress
        ``progress(pages_done, pages_total)`` for this resource's pages (not on a snapshot hit).
    transport
        An ``httpx`` transport instead of the network (tests; only with bare ``Settings``).

    Raises
    ------
    DokStampError
        The sync failed and no earlier snapshot holds the resource.
    ValueError
        An unknown resource, or a filter on a field the frame has no column for.
    """
    started = time.perf_counter()
    if resource not in RESOURCES:
        raise ValueError(f"unknown resource {resource!r}; expected one of {list(RESOURCES)}")
    wanted = canonical_filters(resource, filters)
    with using_source(source, transport) as opened:
        line = opened.line(dict(wanted) if resource == "enrollments" else None)
        local = dict(wanted) if resource != "enrollments" else {}
        previous = latest_snapshot(opened, line)
        ttl = opened.settings.cache_ttl_seconds
        if not refresh and _usable(previous, resource, ttl):
            assert previous is not None
            extract = _extract(opened, previous, resource, local, started, from_cache=True)
            if extract is not None:
                return extract
        observer = None
        if progress is not None:
            observer = CallbackObserver(
                pages=lambda name, done, total: progress(done, total) if name == resource else None
            )
        try:
            info = refresh_line(opened, line, observer=observer, force=refresh, since=previous)
        except DokStampError as error:
            if previous is None or resource not in previous.rows:
                raise
            logger.warning(
                "syncing %s failed (%s); using the snapshot of %s",
                resource,
                error,
                previous.extracted_at.isoformat(),
            )
            stale = _extract(opened, previous, resource, local, started, from_cache=True)
            if stale is None:
                raise
            return _as_stale(stale, error)
        extract = _extract(opened, info, resource, local, started, from_cache=False)
        if extract is None:
            raise DokStampError(f"the new snapshot {info.id} could not be read back", status=None)
        return extract


def latest_snapshot(source: DataSource, line: SnapshotLine) -> SnapshotInfo | None:
    """The line's latest snapshot; a store that cannot be read counts as empty (and says so)."""
    try:
        return source.store.latest(line)
    except STORE_ERRORS as error:
        logger.warning("cannot read the snapshot store (%s): %s", source.store, error)
        return None


def refresh_line(
    source: DataSource,
    line: SnapshotLine,
    *,
    observer: SyncObserver | None = None,
    force: bool = True,
    since: SnapshotInfo | None = None,
) -> SnapshotInfo:
    """Sync ``line`` now, once however many ask at the same time; returns the new snapshot.

    Callers in this process share one sync (single flight). A sync already running in another
    process (the worker, another replica) is waited for, and its snapshot used when it is newer
    than ``since``. Without ``force``, a snapshot that turned fresh while waiting is used as is.
    """
    resources = RESOURCES if not line.filters else ("enrollments",)

    def run() -> SnapshotInfo:
        store = source.store
        lock = store.refresh_lock(line)
        waited = 0.0
        while not lock.acquire():
            if waited >= _WAIT_FOR_OTHER_SECONDS:
                raise DokStampError("another sync of the same data did not finish", status=None)
            time.sleep(_WAIT_STEP_SECONDS)
            waited += _WAIT_STEP_SECONDS
        try:
            if waited:
                newer = latest_snapshot(source, line)
                if newer is not None and (since is None or newer.id != since.id):
                    return newer
            if not force:
                current = latest_snapshot(source, line)
                ttl = source.settings.cache_ttl_seconds
                if current is not None and current != since and _usable(current, None, ttl):
                    return current
            return sync_snapshot(
                source.client,
                store,
                line,
                log_dir=source.cache_dir,
                resources=resources,
                observer=observer,
            )
        finally:
            lock.release()

    info, _shared = _FLIGHTS.run((repr(source.store), line.text), run)
    return info


def _usable(info: SnapshotInfo | None, resource: str | None, ttl: float) -> bool:
    if info is None or (resource is not None and resource not in info.rows):
        return False
    return info.age_seconds(datetime.now(UTC)) < ttl


def _extract(
    source: DataSource,
    info: SnapshotInfo,
    resource: str,
    local: Mapping[str, str],
    started: float,
    *,
    from_cache: bool,
) -> Extract | None:
    try:
        frame = source.store.read(info, [resource])[resource]
    except STORE_ERRORS as error:
        logger.warning("snapshot %s cannot be read (%s)", info.id, error)
        return None
    if frame.schema != RESOURCE_SCHEMAS[resource]:
        logger.warning("snapshot %s holds %s with another schema; not used", info.id, resource)
        return None
    if local:
        frame = frame.filter(filter_expression(local))
    return Extract(
        frame=frame,
        fetched_at=info.extracted_at,
        stale=False,
        error=None,
        from_cache=from_cache,
        pages=info.pages.get(resource, 1),
        seconds=time.perf_counter() - started,
        cache_dir=source.cache_dir,
        snapshot_id=info.id,
    )


def _as_stale(extract: Extract, error: DokStampError) -> Extract:
    return Extract(
        frame=extract.frame,
        fetched_at=extract.fetched_at,
        stale=True,
        error=error,
        from_cache=True,
        pages=extract.pages,
        seconds=extract.seconds,
        cache_dir=extract.cache_dir,
        snapshot_id=extract.snapshot_id,
    )


def read_latest(
    source: DataSource, line: SnapshotLine
) -> tuple[SnapshotInfo, dict[str, pl.DataFrame]] | None:
    """The latest snapshot of ``line`` with all its frames, or None (none, or unreadable)."""
    info = latest_snapshot(source, line)
    if info is None:
        return None
    try:
        return info, source.store.read(info)
    except STORE_ERRORS as error:
        logger.warning("snapshot %s cannot be read (%s)", info.id, error)
        return None
