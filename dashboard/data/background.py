"""A refresh in the background: viewers keep the current snapshot while a new one is read.

One ``BackgroundRefresh`` per data source and line in a process (the app keeps it as a
resource). ``start()`` begins a sync in a daemon thread unless one is running; the sync itself is
single-flight in the process and holds the store's refresh lock, so however many viewers,
replicas and workers ask, one sync per line runs. ``status()`` is what the status line shows.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dashboard.client import DokStampError
from dashboard.data.loading import STORE_ERRORS, latest_snapshot, refresh_line
from dashboard.data.snapshots import SnapshotLine
from dashboard.data.source import DataSource

__all__ = ["RETRY_AFTER_FAILURE", "BackgroundRefresh", "RefreshStatus"]

logger = logging.getLogger("dashboard.data")

# Seconds after a failed refresh before an expired snapshot starts another one by itself.
RETRY_AFTER_FAILURE = 60.0


@dataclass(frozen=True, slots=True)
class RefreshStatus:
    """Where the latest background refresh is; ``running`` False and no error: idle or done."""

    running: bool = False
    resource: str | None = None
    pages_done: int = 0
    pages_total: int = 0
    waiting_seconds: float | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    snapshot_id: str | None = None

    def describe(self, now: datetime) -> str:
        """The status line in words ("Refreshing in the background: enrollments, page 3 of 40")."""
        if self.running:
            if self.waiting_seconds is not None:
                return (
                    "Refreshing in the background: waiting for the API's rate limit, "
                    f"{self.waiting_seconds:.0f} s"
                )
            if self.resource is None:
                return "Refreshing in the background: starting (or waiting for another sync)"
            return (
                f"Refreshing in the background: {self.resource}, page {self.pages_done:,} "
                f"of {self.pages_total:,}"
            )
        if self.error is not None:
            return f"The last refresh failed, so this shows the previous data: {self.error}"
        return ""


class BackgroundRefresh:
    """Runs ``refresh_line`` for one line in a thread; safe to call from any session."""

    def __init__(self, source: DataSource, line: SnapshotLine) -> None:
        self._source = source
        self._line = line
        self._lock = threading.Lock()
        self._status = RefreshStatus()
        self._thread: threading.Thread | None = None

    def status(self) -> RefreshStatus:
        with self._lock:
            return self._status

    def start(self, *, automatic: bool = False, delay: float = 0.0) -> bool:
        """Start a refresh unless one is running; whether this call started it.

        ``automatic`` (an expired snapshot, not a click): not within ``RETRY_AFTER_FAILURE``
        seconds of a failed refresh, so a down API is not asked again at every view.
        ``delay``: seconds the sync waits before it begins (the app's start-up lets its first
        viewers be served first); it counts as running, "starting", from now.
        """
        with self._lock:
            if self._status.running:
                return False
            failed_at = self._status.finished_at if self._status.error is not None else None
            recently = failed_at is not None and (
                (datetime.now(UTC) - failed_at).total_seconds() < RETRY_AFTER_FAILURE
            )
            if automatic and recently:
                return False
            self._status = RefreshStatus(running=True, started_at=datetime.now(UTC))
            self._thread = threading.Thread(
                target=self._run, args=(max(delay, 0.0),), name="dokstamp-refresh", daemon=True
            )
            self._thread.start()
            return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running refresh (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- SyncObserver ----------------------------------------------------------------------------

    def pages(self, resource: str, done: int, total: int) -> None:
        self._update(resource=resource, pages_done=done, pages_total=total, waiting_seconds=None)

    def waiting(self, seconds: float) -> None:
        self._update(waiting_seconds=seconds)

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _run(self, delay: float = 0.0) -> None:
        error: str | None = None
        snapshot_id: str | None = None
        if delay:
            time.sleep(delay)
        try:
            # Named, so that a sync another process finishes meanwhile counts as this refresh
            # only when it is newer than what was on screen.
            shown = latest_snapshot(self._source, self._line)
            info = refresh_line(self._source, self._line, observer=self, force=True, since=shown)
            snapshot_id = info.id
        except DokStampError as failure:
            error = str(failure)
        except STORE_ERRORS as failure:
            error = f"the snapshot could not be stored: {failure}"
        except Exception as failure:  # a thread must report, never die silently
            logger.exception("background refresh failed")
            error = f"{type(failure).__name__}: {failure}"
        with self._lock:
            self._status = replace(
                self._status,
                running=False,
                waiting_seconds=None,
                finished_at=datetime.now(UTC),
                error=error,
                snapshot_id=snapshot_id,
            )
