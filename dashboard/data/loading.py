"""Loading extracts: the cache first, one shared fetch per key, the last good frame on failure.

``load_enrollments`` is the one entry point analysts, the dashboard and the CLI use; the
reference frames (courses, cohorts, certificates, students) load the same way.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import diskcache
import httpx
import polars as pl

from dashboard.client import DokStampClient, DokStampError, Progress
from dashboard.data.cache_keys import CacheKey
from dashboard.data.extract import Extract
from dashboard.data.frame_cache import CachedFrame, FrameCache
from dashboard.data.frames import FRAME_BUILDERS
from dashboard.data.gc_pause import collecting_young, paused_gc
from dashboard.data.schema import (
    CERTIFICATE_SCHEMA,
    COHORT_SCHEMA,
    COURSE_SCHEMA,
    ENROLLMENT_SCHEMA,
    STUDENT_SCHEMA,
)
from dashboard.data.single_flight import SingleFlight
from dashboard.data.write_through import replay_writes
from dashboard.settings import Settings

__all__ = [
    "FRAMES_FOLDER",
    "cache_key",
    "frames_dir",
    "load_certificates",
    "load_cohorts",
    "load_courses",
    "load_enrollments",
    "load_extract",
    "load_students",
]

logger = logging.getLogger("dashboard.data")

FRAMES_FOLDER = "frames"
SCHEMAS: Mapping[str, pl.Schema] = {
    "enrollments": ENROLLMENT_SCHEMA,
    "courses": COURSE_SCHEMA,
    "cohorts": COHORT_SCHEMA,
    "certificates": CERTIFICATE_SCHEMA,
    "students": STUDENT_SCHEMA,
}

# One fetch per (cache folder, key) at a time in this process.
_FLIGHTS: SingleFlight[Extract] = SingleFlight()


def frames_dir(settings: Settings) -> Path:
    """The diskcache folder holding the cached frames (inside ``settings.cache_dir``)."""
    return settings.cache_dir / FRAMES_FOLDER


def cache_key(
    settings: Settings, resource: str, filters: Mapping[str, str | None] | None = None
) -> CacheKey:
    """The cache key of a load: API URL, tenant, resource, canonical filters, schema version."""
    return CacheKey.of(
        api_url=settings.api_url, tenant=settings.tenant, resource=resource, filters=filters
    )


def load_enrollments(
    settings: Settings,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """The enrollments matching ``filters`` (``ENROLLMENT_SCHEMA``), from the cache when fresh.

    Parameters
    ----------
    settings
        Where the API and the cache folder are (``dashboard.settings.Settings``).
    filters
        Equality filters on ``completion_status``, ``course_uuid``, ``cohort_uuid``,
        ``student_uuid``; ``"null"`` or None matches a null. Sent to the API as
        ``where[field]=value``.
    refresh
        Fetch from the API even when the cached extract is fresh.
    progress
        ``progress(pages_done, pages_total)``, called while pages arrive (not on a cache hit).
        ``dashboard.data.page_progress()`` gives a terminal/notebook progress bar.
    transport
        An ``httpx`` transport to use instead of the network (tests).

    Returns
    -------
    Extract
        The frame with ``fetched_at``, ``stale``/``error`` (a failed fetch that fell back to the
        last good frame), ``from_cache``, ``pages``, ``seconds`` and ``cache_dir``.

    Raises
    ------
    DokStampError
        The fetch failed and no earlier frame for the same key is cached.
    ValueError
        A filter on a field the frame has no column for.
    """
    return load_extract(
        settings,
        "enrollments",
        filters=filters,
        refresh=refresh,
        progress=progress,
        transport=transport,
    )


def load_courses(
    settings: Settings,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """The courses (``COURSE_SCHEMA``); same caching and failure rules as ``load_enrollments``."""
    return load_extract(
        settings,
        "courses",
        filters=filters,
        refresh=refresh,
        progress=progress,
        transport=transport,
    )


def load_cohorts(
    settings: Settings,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """The cohorts with start/end dates (``COHORT_SCHEMA``); rules as ``load_enrollments``."""
    return load_extract(
        settings,
        "cohorts",
        filters=filters,
        refresh=refresh,
        progress=progress,
        transport=transport,
    )


def load_certificates(
    settings: Settings,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """The certificates, any status (``CERTIFICATE_SCHEMA``); rules as ``load_enrollments``."""
    return load_extract(
        settings,
        "certificates",
        filters=filters,
        refresh=refresh,
        progress=progress,
        transport=transport,
    )


def load_students(
    settings: Settings,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """The students of the tenant (``STUDENT_SCHEMA``); rules as ``load_enrollments``.

    Every student, with or without an enrollment (the enrollment frame only names students who
    have one). ``filters`` may hold ``email`` (the API's documented ``where[email]``).
    """
    return load_extract(
        settings,
        "students",
        filters=filters,
        refresh=refresh,
        progress=progress,
        transport=transport,
    )


def load_extract(
    settings: Settings,
    resource: str,
    *,
    filters: Mapping[str, str | None] | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Extract:
    """``load_enrollments`` for any of enrollments, courses, cohorts, certificates, students."""
    started = time.perf_counter()
    key = cache_key(settings, resource, filters)
    if not refresh:
        cached = _fresh_cached(settings, key, started)
        if cached is not None:
            return cached

    def fetch() -> Extract:
        if not refresh:  # another caller may have filled the cache while this one waited
            cached = _fresh_cached(settings, key, started)
            if cached is not None:
                return cached
        return _fetch(settings, key, started=started, progress=progress, transport=transport)

    flight = (str(settings.cache_dir.resolve()), key.text)
    extract, _shared = _FLIGHTS.run(flight, fetch)
    return extract


def _now() -> datetime:
    return datetime.now(UTC)


def _cached(settings: Settings, key: CacheKey) -> CachedFrame | None:
    """The cached entry, or None; a cache folder that cannot be read counts as empty."""
    try:
        with FrameCache(frames_dir(settings)) as cache:
            return cache.get(key, schema=SCHEMAS[key.resource])
    except (OSError, sqlite3.Error, diskcache.Timeout) as error:
        logger.warning("cannot read the cache in %s: %s", settings.cache_dir, error)
        return None


def _fresh_cached(settings: Settings, key: CacheKey, started: float) -> Extract | None:
    entry = _cached(settings, key)
    if entry is None or entry.age_seconds(_now()) >= settings.cache_ttl_seconds:
        return None
    return Extract(
        frame=entry.frame,
        fetched_at=entry.fetched_at,
        stale=False,
        error=None,
        from_cache=True,
        pages=entry.pages,
        seconds=time.perf_counter() - started,
        cache_dir=settings.cache_dir,
    )


def _fetch(
    settings: Settings,
    key: CacheKey,
    *,
    started: float,
    progress: Progress | None,
    transport: httpx.BaseTransport | None,
) -> Extract:
    fetched_at = _now()
    try:
        # The decoded records are acyclic: the cyclic GC would only rescan them (gc_pause.py).
        with paused_gc():
            with DokStampClient(settings, transport=transport) as client:
                records = client.list_all(
                    key.resource,
                    filters=key.filter_map or None,
                    progress=collecting_young(progress),
                )
                pages = client.last_sync_stats.pages if client.last_sync_stats else 1
            frame = FRAME_BUILDERS[key.resource](records)
            del records  # the frame holds the data now; let the records go before caching
    except DokStampError as error:
        previous = _cached(settings, key)
        if previous is None:
            raise
        logger.warning(
            "fetching %s failed (%s); using the frame fetched at %s",
            key.resource,
            error,
            previous.fetched_at.isoformat(),
        )
        return Extract(
            frame=previous.frame,
            fetched_at=previous.fetched_at,
            stale=True,
            error=error,
            from_cache=True,
            pages=previous.pages,
            seconds=time.perf_counter() - started,
            cache_dir=settings.cache_dir,
        )
    cache_error = None
    try:
        with FrameCache(frames_dir(settings)) as cache, cache.transaction():
            if key.resource == "enrollments":
                frame = replay_writes(frame, log_dir=settings.cache_dir, key=key, since=fetched_at)
            cache.put(key, frame, fetched_at=fetched_at, pages=pages)
    except (OSError, sqlite3.Error, diskcache.Timeout) as error:
        # The data is good; only keeping it failed (disk full, read-only folder). The Extract
        # says so (the CLI exits non-zero, the app shows a banner) and the caller goes on.
        cache_error = f"{type(error).__name__}: {error}"
        logger.warning("could not cache %s in %s: %s", key.resource, settings.cache_dir, error)
    return Extract(
        frame=frame,
        fetched_at=fetched_at,
        stale=False,
        error=None,
        from_cache=False,
        pages=pages,
        seconds=time.perf_counter() - started,
        cache_dir=settings.cache_dir,
        cache_error=cache_error,
    )
