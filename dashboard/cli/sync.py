"""`enrollment-outcomes sync`: read the API into a new snapshot, once or on a schedule.

Once (``sync``): publish a snapshot unless the latest is still fresh (``--refresh`` forces it).
As a worker (``sync --every 15m``): one sync per period, one log line per run; SIGTERM (or
Ctrl-C) stops it between runs, or aborts the running sync without publishing it (what it read
is kept as a checkpoint, so the next start resumes there).
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import IO, TYPE_CHECKING

import click

from dashboard.data.vocabulary import COMPLETION_STATUSES

if TYPE_CHECKING:
    from dashboard.data.progress import PageProgress
    from dashboard.data.snapshots import SnapshotInfo
    from dashboard.data.source import DataSource

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_CONFIGURATION",
    "EXIT_STOPPED",
    "PlainProgress",
    "describe_snapshot",
    "parse_every",
    "sync",
]

EXIT_API_ERROR = 1
EXIT_CONFIGURATION = 2
EXIT_STOPPED = 3
# A progress line at most this often when the output is not a terminal (a log, not a bar).
PLAIN_PROGRESS_SECONDS = 5.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """``15m``, ``1h``, ``90s``, ``1h30m`` or a number of seconds, as seconds (at least 1)."""
    cleaned = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        seconds = float(cleaned)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", cleaned)
        if not parts or "".join(n + u for n, u in parts) != cleaned:
            raise ValueError(f"not a duration: {text!r} (e.g. 15m, 1h, 90s, 1h30m)")
        seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if seconds < 1:
        raise ValueError(f"the period must be at least 1 s, got {text!r}")
    return seconds


def describe_snapshot(info: SnapshotInfo, *, fresh: bool = True) -> str:
    """One log line for a run: snapshot id, rows per resource, requests, seconds, paced seconds."""
    rows = ", ".join(f"{count:,} {name}" for name, count in info.rows.items())
    if not fresh:
        return f"snapshot {info.id} is still fresh ({rows}); nothing read"
    missing = "".join(f"; {name} not read: {why}" for name, why in info.errors.items())
    return (
        f"snapshot {info.id}: {rows}; {info.requests:,} requests in {info.seconds:.1f} s "
        f"({info.paced_seconds:.1f} s waiting for the rate limit){missing}"
    )


class PlainProgress:
    """Sync progress as plain lines (a log), or as a bar per resource on a terminal."""

    def __init__(self, stream: IO[str], *, terminal: bool | None = None) -> None:
        self._stream = stream
        self._terminal = stream.isatty() if terminal is None else terminal
        self._last = float("-inf")
        self._bars: dict[str, PageProgress] = {}

    def pages(self, resource: str, done: int, total: int) -> None:
        if self._terminal:
            from dashboard.data.progress import PageProgress  # the library's own bar

            bar = self._bars.setdefault(
                resource, PageProgress(description=resource, file=self._stream)
            )
            bar(done, total)
            if done >= total:
                bar.close()
            return
        now = time.monotonic()
        if done >= total or now - self._last >= PLAIN_PROGRESS_SECONDS:
            self._last = now
            self._line(f"{resource}: page {done:,} of {total:,}")

    def waiting(self, seconds: float) -> None:
        now = time.monotonic()
        if now - self._last >= PLAIN_PROGRESS_SECONDS or seconds >= PLAIN_PROGRESS_SECONDS:
            self._last = now
            self._line(f"waiting for the rate limit, {seconds:.0f} s")

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    def _line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp} {text}", file=self._stream, flush=True)


@contextmanager
def _stop_on_signals(stop: threading.Event, interrupt: Callable[[], None]) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` instead of killing the process mid-write, and end the
    client's waits (a rate limit's window can be a minute away)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()
        interrupt()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _open(demo: bool) -> DataSource:
    from dashboard.client import ConfigurationError
    from dashboard.sources import SECRETS_FILE, StartupError, load_config, open_source, wants_demo

    try:
        config = load_config()
        if demo:
            config.pop("DOKSTAMP_API_URL", None)
        elif wants_demo(config):
            raise StartupError(
                f"DOKSTAMP_API_URL is not set (environment or {SECRETS_FILE} [dokstamp]); "
                "use --demo for the local demo data"
            )
        return open_source(config)
    except (ConfigurationError, StartupError) as error:
        click.echo(f"Configuration error: {error}", err=True)
        sys.exit(EXIT_CONFIGURATION)


def _what_is_kept(source: DataSource, filters: Mapping[str, str]) -> str:
    """The end of a failed run's line: whether there is a good snapshot it leaves in place."""
    try:
        kept = source.store.latest(source.line(filters)) is not None
    except Exception:  # the line is about the API's failure: say nothing more
        return ""
    return "; the last good snapshot is kept" if kept else "; there is no snapshot yet"


def _run_once(
    source: DataSource,
    filters: Mapping[str, str],
    *,
    refresh: bool,
    progress: PlainProgress,
    stop: threading.Event,
) -> int:
    """One sync; returns the exit status (and prints its one line)."""
    from dashboard.client import DokStampError
    from dashboard.data.loading import STORE_ERRORS
    from dashboard.data.sync import SyncCancelledError

    try:
        return _sync_line(source, filters, refresh=refresh, progress=progress, stop=stop)
    except SyncCancelledError as error:
        click.echo(f"stopped: {error}; the next sync resumes from what was read", err=True)
        return EXIT_STOPPED
    except DokStampError as error:
        click.echo(f"failed: {error}{_what_is_kept(source, filters)}", err=True)
        if error.status in (401, 403):
            click.echo(
                f"  (the API refused tenant {source.settings.tenant!r} with these credentials: "
                "check DOKSTAMP_TENANT and the credentials variables)",
                err=True,
            )
        return EXIT_API_ERROR
    except STORE_ERRORS as error:
        click.echo(
            f"failed: the snapshot could not be stored in {source.cache_dir}: {error}", err=True
        )
        return EXIT_API_ERROR
    finally:
        progress.close()


def _sync_line(
    source: DataSource,
    filters: Mapping[str, str],
    *,
    refresh: bool,
    progress: PlainProgress,
    stop: threading.Event,
) -> int:
    from dashboard.data.sync import RESOURCES, sync_snapshot

    line = source.line(filters)
    ttl = source.settings.cache_ttl_seconds
    latest = source.store.latest(line)
    if not refresh and latest is not None and latest.age_seconds(datetime.now(UTC)) < ttl:
        click.echo(describe_snapshot(latest, fresh=False))
        return 0
    lock = source.store.refresh_lock(line)
    if not lock.acquire():
        click.echo("another sync of the same data is running (the worker or the app); skipped")
        return 0
    try:
        info = sync_snapshot(
            source.client,
            source.store,
            line,
            log_dir=source.cache_dir,
            resources=RESOURCES if not filters else ("enrollments",),
            observer=progress,
            cancel=stop,
        )
    finally:
        lock.release()
    click.echo(describe_snapshot(info))
    return 0


def _uuid_option(
    _context: click.Context, parameter: click.Parameter, value: str | None
) -> str | None:
    """A UUID option's value in its canonical form (a usage error, exit 2, if it is none)."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a UUID", param=parameter) from None


@click.command(name="sync")
@click.option(
    "--course",
    "course_uuid",
    metavar="UUID",
    callback=_uuid_option,
    help="Only enrollments of this course.",
)
@click.option(
    "--cohort",
    "cohort_uuid",
    metavar="UUID",
    callback=_uuid_option,
    help="Only enrollments of this cohort.",
)
@click.option(
    "--status",
    "completion_status",
    type=click.Choice(COMPLETION_STATUSES),
    help="Only enrollments with this completion status.",
)
@click.option(
    "--student",
    "student_uuid",
    metavar="UUID",
    callback=_uuid_option,
    help="Only this student's enrollments.",
)
@click.option("--refresh", is_flag=True, help="Read the API even if the latest snapshot is fresh.")
@click.option(
    "--every",
    metavar="DURATION",
    help="Keep syncing on this schedule (15m, 1h, 90s...): the worker beside the app.",
)
@click.option("--demo", is_flag=True, help="Sync the local demo sandbox (the dashboard's demo).")
def sync(
    course_uuid: str | None,
    cohort_uuid: str | None,
    completion_status: str | None,
    student_uuid: str | None,
    refresh: bool,
    every: str | None,
    demo: bool,
) -> None:
    """Read DokStamp into a new snapshot, once or on a schedule (--every).

    Reads enrollments, courses, cohorts, certificates and students. Prints one line per run
    (snapshot id, rows, requests, seconds, seconds waited for the rate limit), with a progress
    bar on a terminal and plain progress lines otherwise. Settings come from the environment over
    .streamlit/secrets.toml [dokstamp]. Exit status: 0 done (or still fresh), 1 the API failed
    (the last good snapshot is kept), 2 configuration or usage error, 3 stopped by a signal
    before the snapshot was complete.
    """
    period = None
    if every is not None:
        try:
            period = parse_every(every)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--every") from error
    filters = {
        name: value
        for name, value in (
            ("course_uuid", course_uuid),
            ("cohort_uuid", cohort_uuid),
            ("completion_status", completion_status),
            ("student_uuid", student_uuid),
        )
        if value is not None
    }
    source = _open(demo)
    stop = threading.Event()
    status = 0
    try:
        try:
            line = source.line(filters)  # the filters are checked before any request
        except ValueError as error:
            raise click.BadParameter(str(error)) from error
        if refresh or period is not None:
            # This run reads the API whatever the store holds: its first request (and the token
            # request before it) goes out now, while polars and the data layer are imported.
            source.client.start_listing("enrollments", filters=line.filter_map or None)
        shown = ", ".join(f"{name}={value}" for name, value in filters.items())
        click.echo(
            f"Syncing {source.label}"
            + (f" (enrollments where {shown})" if shown else "")
            + (f", every {every}" if every else "")
        )
        # The client is taken now: a handler must not wait for the source's lock.
        with _stop_on_signals(stop, source.client.interrupt):
            while True:
                progress = PlainProgress(sys.stderr)
                status = _run_once(
                    source,
                    filters,
                    refresh=refresh or period is not None,
                    progress=progress,
                    stop=stop,
                )
                if period is None or stop.is_set() or stop.wait(period):
                    break
    finally:
        source.close()
    if period is not None:
        # A worker stopped by a signal exits cleanly; its failed runs were logged as they came.
        click.echo("stopped")
        return
    if status:
        sys.exit(status)
