"""The shared snapshot store on Redis: every replica and the sync worker see the same snapshots.

Chosen by ``ENROLLMENT_OUTCOMES_STORE=redis://host:port/db``. It keeps what ``DiskSnapshotStore``
keeps, with the same rules (frames as Arrow IPC bytes, never pickle; frames written first, then
the line's history swapped in one transaction; ``keep`` newest), and adds what several hosts need:

- the refresh lock is a Redis key with an owner token and an expiry that its holder keeps
  extending, so one sync per line runs across every replica and the worker, and a crashed
  holder's lock lapses by itself;
- each publish sends a notice (``PUBLISH enrollment-outcomes:snapshots <line> <id>``), so a
  process can learn of a new snapshot without polling;
- the corrections log (``RedisCorrectionsLog``): one sorted set per API and tenant, so the admin
  on any replica sees every change, and a sync on the worker replays the writes every replica
  made while it read.

Any Redis failure is raised as ``StoreUnavailableError`` (an ``OSError``), which the loaders
treat like an unreadable cache: the last snapshot a process holds stays on screen.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import urlsplit, urlunsplit

import orjson
import polars as pl
import redis

from dashboard.data.corrections_log import (
    PENDING_FILE,
    Correction,
    LogRow,
    append_corrections,
    entries_frame,
    entry_correction,
    entry_json,
    entry_row,
    pending_corrections,
    time_text,
    write_pending,
)
from dashboard.data.errors import CorrectionsLogError
from dashboard.data.snapshots import (
    DEFAULT_KEEP,
    PublishedFrame,
    RefreshLock,
    SnapshotInfo,
    SnapshotLine,
    SnapshotUnreadableError,
    build_info,
    decode_frame,
    frame_to_bytes,
)

__all__ = [
    "NOTICE_CHANNEL",
    "RedisCorrectionsLog",
    "RedisSnapshotStore",
    "SharedLogUnavailableError",
    "StoreUnavailableError",
]

logger = logging.getLogger("dashboard.data")

NOTICE_CHANNEL: Final = "enrollment-outcomes:snapshots"
_PREFIX: Final = "enrollment-outcomes:"
_LOCK_SECONDS: Final = 60.0  # a refresh lock lapses this long after its holder stops renewing it
_LOG_TIME: Final = "%Y-%m-%dT%H:%M:%S.%fZ"  # the corrections log's times (``time_text``)
# An unfinished sync's checkpoints expire this long after its last write (as DEFAULT_RESUME).
_CHECKPOINT_SECONDS: Final = 1800
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
"""


class StoreUnavailableError(OSError):
    """The shared store cannot be reached or answered with an error."""


def _shown_url(url: str) -> str:
    """The URL without its password (it may carry one: ``redis://:secret@host``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _RedisLock:
    """A refresh lock held by this process: an owner token, an expiry, a renewing thread."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self._client = client
        self._key = key
        self._token: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._guard = threading.Lock()

    def acquire(self) -> bool:
        with self._guard:
            if self._token is not None:
                return False  # held by another thread of this process
            token = secrets.token_hex(16)
            with _translated():
                taken = self._client.set(self._key, token, nx=True, px=int(_LOCK_SECONDS * 1000))
            if not taken:
                return False
            self._token = token
            self._stop = threading.Event()
            self._renewer = threading.Thread(
                target=self._renew, args=(token, self._stop), name="store-lock", daemon=True
            )
            self._renewer.start()
            return True

    def release(self) -> None:
        with self._guard:
            token, self._token = self._token, None
            self._stop.set()
        if token is None:
            return
        try:
            self._client.eval(_RELEASE, 1, self._key, token)
        except redis.RedisError as error:  # it lapses by itself; say so and go on
            logger.warning("could not release the refresh lock %s: %s", self._key, error)

    def _renew(self, token: str, stop: threading.Event) -> None:
        while not stop.wait(_LOCK_SECONDS / 3):
            try:
                self._client.eval(_RENEW, 1, self._key, token, int(_LOCK_SECONDS * 1000))
            except redis.RedisError as error:
                logger.warning("could not renew the refresh lock %s: %s", self._key, error)


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as error:
        raise StoreUnavailableError(f"the shared store failed: {error}") from error


class RedisSnapshotStore:
    """Snapshots in Redis, shared by every process that names the same server and database."""

    def __init__(self, client: redis.Redis, *, keep: int = DEFAULT_KEEP, shown: str) -> None:
        if keep < 1:
            raise ValueError("keep at least one snapshot")
        self._client = client
        self.keep = keep
        self._shown = shown
        self._locks: dict[str, _RedisLock] = {}
        self._locks_guard = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, keep: int = DEFAULT_KEEP) -> RedisSnapshotStore:
        client = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )
        return cls(client, keep=keep, shown=_shown_url(url))

    def __repr__(self) -> str:
        return f"RedisSnapshotStore({self._shown!r}, keep={self.keep})"

    def close(self) -> None:
        self._client.close()

    def corrections_log(self, pending_dir: Path) -> RedisCorrectionsLog:
        """The corrections log in this store; entries wait in ``pending_dir`` while it is down."""
        return RedisCorrectionsLog(self._client, shown=self._shown, pending_dir=pending_dir)

    # -- keys ------------------------------------------------------------------------------------

    @staticmethod
    def _digest(line: SnapshotLine) -> str:
        return hashlib.sha256(line.text.encode()).hexdigest()[:32]

    def _history_key(self, line: SnapshotLine) -> str:
        return f"{_PREFIX}history:{self._digest(line)}"

    @staticmethod
    def _frame_key(snapshot_id: str, resource: str) -> str:
        return f"{_PREFIX}frame:{snapshot_id}:{resource}"

    # -- reading ---------------------------------------------------------------------------------

    def history(self, line: SnapshotLine) -> list[SnapshotInfo]:
        with _translated():
            raw = self._client.get(self._history_key(line))
        return _parse_history(raw)

    def latest(self, line: SnapshotLine) -> SnapshotInfo | None:
        history = self.history(line)
        return history[0] if history else None

    def lines(self) -> list[SnapshotLine]:
        with _translated():
            texts = self._client.smembers(f"{_PREFIX}lines")
        found = []
        for text in texts:
            line = SnapshotLine.parse(text.decode() if isinstance(text, bytes) else text)
            if line is not None:
                found.append(line)
        return found

    def read(
        self, info: SnapshotInfo, resources: Sequence[str] | None = None
    ) -> dict[str, pl.DataFrame]:
        names = list(resources if resources is not None else info.resources)
        for name in names:
            if name not in info.rows:
                raise SnapshotUnreadableError(f"snapshot {info.id} has no {name}")
        with _translated():
            values = self._client.mget([self._frame_key(info.id, name) for name in names])
        return {
            name: decode_frame(info, name, data) for name, data in zip(names, values, strict=True)
        }

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
        info = build_info(
            line, frames, extracted_at=extracted_at, stats=stats, errors=errors, parent=parent
        )
        history_key = self._history_key(line)
        written: list[str] = []
        with _translated():
            try:
                # One frame's bytes in memory at a time; a patched snapshot's unchanged frames
                # are copied inside Redis (never through this process).
                for name, frame in frames.items():
                    written.append(self._frame_key(info.id, name))
                    self._client.set(written[-1], frame_to_bytes(frame))
                for name in (n for n in info.rows if n not in frames):
                    assert parent is not None  # build_info takes unchanged frames from it only
                    written.append(self._frame_key(info.id, name))
                    if not self._client.copy(self._frame_key(parent.id, name), written[-1]):
                        raise SnapshotUnreadableError(f"{parent.id}: {name} missing")
                dropped = self._swap_history(line, history_key, info)
            except BaseException:
                if written:
                    self._client.delete(*written)  # nothing half-published stays behind
                raise
            stale = [self._frame_key(old.id, name) for old in dropped for name in old.rows]
            if stale:
                self._client.delete(*stale)
            self._client.publish(NOTICE_CHANNEL, f"{line.text}\n{info.id}")
        return info

    def _swap_history(
        self, line: SnapshotLine, history_key: str, info: SnapshotInfo
    ) -> list[SnapshotInfo]:
        """Put ``info`` first in the line's history atomically (optimistic, retried on a race)."""
        while True:
            with self._client.pipeline() as pipe:
                try:
                    pipe.watch(history_key)  # type: ignore[no-untyped-call]
                    history = _parse_history(pipe.get(history_key))
                    kept = [info, *history][: self.keep]
                    pipe.multi()
                    pipe.set(history_key, orjson.dumps([orjson.loads(i.to_json()) for i in kept]))
                    pipe.sadd(f"{_PREFIX}lines", line.text)
                    pipe.execute()
                    return [old for old in history if old not in kept]
                except redis.WatchError:
                    continue

    def refresh_lock(self, line: SnapshotLine) -> RefreshLock:
        key = f"{_PREFIX}lock:{self._digest(line)}"
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = _RedisLock(self._client, key)
                self._locks[key] = lock
            return lock

    @contextlib.contextmanager
    def patching(self) -> Iterator[None]:
        with _translated():
            lock = self._client.lock(f"{_PREFIX}patching", timeout=60, blocking_timeout=60)
            if not lock.acquire():
                raise StoreUnavailableError("another correction held the shared store too long")
        try:
            yield
        finally:
            with contextlib.suppress(redis.RedisError):
                lock.release()

    # -- checkpoints -------------------------------------------------------------------------------

    def _checkpoints_key(self, line: SnapshotLine) -> str:
        return f"{_PREFIX}checkpoints:{self._digest(line)}"

    def save_checkpoint(self, line: SnapshotLine, name: str, data: IO[bytes]) -> None:
        # One hash per line, its expiry renewed by every write: the chunks a long sync wrote
        # first expire with its last ones, never before its publish reads them back.
        key = self._checkpoints_key(line)
        with data, _translated(), self._client.pipeline() as pipe:
            pipe.hset(key, name, data.read())
            pipe.expire(key, _CHECKPOINT_SECONDS)
            pipe.execute()

    def load_checkpoint(self, line: SnapshotLine, name: str) -> bytes | None:
        with _translated():
            value = self._client.hget(self._checkpoints_key(line), name)
        return value if isinstance(value, bytes) else None

    def clear_checkpoints(self, line: SnapshotLine) -> None:
        with _translated():
            self._client.delete(self._checkpoints_key(line))

    # -- notices -----------------------------------------------------------------------------------

    def listen(self, notice: Callable[[str, str], None], stop: threading.Event) -> None:
        """Call ``notice(line_text, snapshot_id)`` for every publish until ``stop`` is set."""
        with _translated():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            pubsub.subscribe(NOTICE_CHANNEL)
        try:
            while not stop.is_set():
                with _translated():
                    message = pubsub.get_message(timeout=0.5)
                if message and isinstance(message.get("data"), bytes):
                    line_text, _, snapshot_id = message["data"].decode().rpartition("\n")
                    notice(line_text, snapshot_id)
        finally:
            pubsub.close()


class SharedLogUnavailableError(CorrectionsLogError):
    """The corrections log in the shared store cannot be read or written."""

    def __init__(self, *, shown: str, reason: str, pending_path: Path, pending: int) -> None:
        kept = (
            f"; {pending} entr{'y' if pending == 1 else 'ies'} kept in {pending_path} on this "
            "host will be written into it once it can be reached"
            if pending
            else ""
        )
        Exception.__init__(
            self,
            f"the corrections log in the shared store {shown} cannot be used ({reason}). Check "
            f"that the store named by ENROLLMENT_OUTCOMES_STORE is running{kept}.",
        )
        self.path = pending_path.parent  # no file of its own: where this host keeps its entries
        self.reason = reason
        self.corrupt = False
        self.pending_path = pending_path
        self.pending = pending


def _log_key(api_url: str, tenant: str) -> str:
    digest = hashlib.sha256(f"{api_url}\n{tenant}".encode()).hexdigest()[:32]
    return f"{_PREFIX}corrections:{digest}"


def _score(text_time: str) -> int:
    """Microseconds since the epoch of a log time (exact in a Redis score up to year 2255)."""
    moment = datetime.strptime(text_time, _LOG_TIME).replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


class RedisCorrectionsLog:
    """The corrections log in the shared store: one sorted set per API and tenant.

    Each entry is its JSON row (sorted keys), scored by its time in microseconds: reading from a
    time is one range query, and adding an entry twice (a side-file entry moved in again after a
    crash) leaves one. Entries that cannot reach the store wait in this host's side file
    (``pending_dir``) and go in with this host's next write or read of the log.
    """

    def __init__(self, client: redis.Redis, *, shown: str, pending_dir: Path) -> None:
        self._client = client
        self._shown = shown
        self._directory = pending_dir

    @property
    def where(self) -> str:
        return f"the shared store {self._shown}"

    @property
    def pending_path(self) -> Path:
        return self._directory / PENDING_FILE

    def _unavailable(self, error: redis.RedisError, pending: int) -> SharedLogUnavailableError:
        return SharedLogUnavailableError(
            shown=self._shown,
            reason=str(error) or type(error).__name__,
            pending_path=self.pending_path,
            pending=pending,
        )

    def _sink(self, kept: Sequence[LogRow], new: Sequence[LogRow], *, pending: int) -> None:
        by_key: dict[str, dict[bytes, int]] = {}
        for row in (*kept, *new):
            by_key.setdefault(_log_key(row[1], row[2]), {})[entry_json(row)] = _score(row[0])
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for key, members in by_key.items():
                    pipe.zadd(key, members, nx=True)
                pipe.execute()
        except redis.RedisError as error:
            raise self._unavailable(error, pending) from error

    def _rows(self, api_url: str, tenant: str, since: datetime | None) -> list[LogRow]:
        self.write_pending()
        low: int | str = "-inf" if since is None else _score(time_text(since))
        try:
            members = self._client.zrangebyscore(_log_key(api_url, tenant), low, "+inf")
        except redis.RedisError as error:
            raise self._unavailable(error, 0) from error
        rows = [entry_row(m) if isinstance(m, bytes | str) else None for m in members]
        if any(row is None for row in rows):
            logger.warning("unreadable entries in the shared corrections log are skipped")
        return [row for row in rows if row is not None and row[1:3] == (api_url, tenant)]

    def append(
        self, *, api_url: str, tenant: str, corrections: Sequence[Correction]
    ) -> Path | None:
        return append_corrections(
            self._directory,
            api_url=api_url,
            tenant=tenant,
            corrections=corrections,
            sink=self._sink,
        )

    def since(self, *, api_url: str, tenant: str, since: datetime) -> list[Correction]:
        return [entry_correction(row) for row in self._rows(api_url, tenant, since)]

    def pending(self, *, api_url: str, tenant: str, since: datetime) -> list[Correction]:
        return pending_corrections(self._directory, api_url=api_url, tenant=tenant, since=since)

    def frame(self, *, api_url: str, tenant: str) -> pl.DataFrame:
        return entries_frame(self._rows(api_url, tenant, None))

    def write_pending(self) -> int:
        return write_pending(self._directory, sink=self._sink)


def _parse_history(raw: object) -> list[SnapshotInfo]:
    if not isinstance(raw, bytes | str):
        return []
    try:
        return [SnapshotInfo.from_json(orjson.dumps(item)) for item in orjson.loads(raw)]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        logger.warning("a snapshot history in the shared store is unreadable (%s)", error)
        return []
