"""The corrections log: every write made through the data layer, in SQLite in the cache folder.

One row per enrollment touched: when, who (the actor the caller named, and the role they acted
in when the dashboard has sign-in), what (create, update, delete) and the record before and
after, as JSON in the API's shape. The log holds no
credential. It also lets a sync that was running during a write apply that write to what it
fetched before caching it (see ``dashboard.data.loading``).

With a shared store (``ENROLLMENT_OUTCOMES_STORE=redis://...``) the log is kept in the store
instead (``dashboard.data.shared_store``), so every replica and the sync worker write to and read
one log; ``dashboard.data.corrections_log_place`` gives the log that goes with a store.

An entry is never dropped: when the log cannot be written (a corrupt or locked file, a full
disk, an unreachable store), it is appended to a JSON-lines side file in the cache folder
(``PENDING_FILE``), and the next write or read that finds the log usable moves the kept entries
into it. A log that cannot be read raises ``CorrectionsLogError``; the log file itself is never
deleted or replaced here.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import orjson
import polars as pl

from dashboard.data.errors import CorrectionsLogError
from dashboard.data.schema import UtcDatetime

__all__ = [
    "CORRECTIONS_LOG_SCHEMA",
    "LOG_FILE",
    "PENDING_FILE",
    "Correction",
    "LogRow",
    "append_corrections",
    "corrections_frame",
    "corrections_since",
    "entries_frame",
    "entry_correction",
    "entry_json",
    "entry_row",
    "log_rows",
    "pending_corrections",
    "pending_count",
    "time_text",
    "write_pending",
]

logger = logging.getLogger("dashboard.data")

LOG_FILE = "corrections.sqlite3"
PENDING_FILE = "corrections.pending.jsonl"
Action = Literal["create", "update", "delete"]

CORRECTIONS_LOG_SCHEMA = pl.Schema(
    [
        ("at", UtcDatetime),
        ("actor", pl.String()),
        ("role", pl.String()),
        ("action", pl.String()),
        ("enrollment_uuid", pl.String()),
        ("before", pl.String()),
        ("after", pl.String()),
    ]
)

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: text order is time order
_FRAME_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"  # the same, as polars spells it
_DDL = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    api_url TEXT NOT NULL,
    tenant TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    enrollment_uuid TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS corrections_source ON corrections (api_url, tenant, at);
"""
# Logs written before sign-in existed have no role column: it is added (null for old rows).
_ADD_ROLE = "ALTER TABLE corrections ADD COLUMN role TEXT"


@dataclass(frozen=True, slots=True)
class Correction:
    """One logged write to one enrollment."""

    at: datetime
    actor: str | None
    action: Action
    enrollment_uuid: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    role: str | None = None  # the signed-in actor's role (viewer, editor, admin), if any


# One log row (``LogRow``), as stored: at, api_url, tenant, actor, action, enrollment_uuid,
# before, after, role (last, so side-file lines written before it existed still read: their
# role is null).
_Row = tuple[str, str, str, str | None, str, str, str | None, str | None, str | None]
LogRow = _Row
_ROW_FIELDS = (
    "at",
    "api_url",
    "tenant",
    "actor",
    "action",
    "enrollment_uuid",
    "before",
    "after",
    "role",
)
_INSERT = (
    "INSERT INTO corrections"
    " (at, api_url, tenant, actor, action, enrollment_uuid, before, after, role)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = "SELECT at, actor, action, enrollment_uuid, before, after, role FROM corrections"
# A pending entry may already be in the log (a crash after the commit, before the side file was
# emptied): the same source, time to the microsecond, record and action is the same entry.
_ALREADY_LOGGED = (
    "SELECT 1 FROM corrections WHERE api_url = ? AND tenant = ? AND at = ?"
    " AND enrollment_uuid = ? AND action = ? LIMIT 1"
)
_CORRUPT = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}


def _log_error(directory: Path, error: Exception, *, pending: int) -> CorrectionsLogError:
    corrupt = isinstance(error, sqlite3.DatabaseError) and (
        getattr(error, "sqlite_errorname", "") in _CORRUPT
        or not isinstance(error, sqlite3.OperationalError)
    )
    return CorrectionsLogError(
        path=directory / LOG_FILE,
        reason=str(error) or type(error).__name__,
        corrupt=corrupt,
        pending_path=directory / PENDING_FILE,
        pending=pending,
    )


@contextlib.contextmanager
def _connection(directory: Path, *, pending: int = 0) -> Iterator[sqlite3.Connection]:
    """The log, created if missing; any SQLite or file error becomes ``CorrectionsLogError``."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(directory / LOG_FILE, timeout=30.0)
    except (OSError, sqlite3.Error) as error:
        raise _log_error(directory, error, pending=pending) from error
    try:
        connection.executescript(_DDL)
        columns = {row[1] for row in connection.execute("PRAGMA table_info(corrections)")}
        if "role" not in columns:
            connection.execute(_ADD_ROLE)
        with connection:  # commits, or rolls back on error
            yield connection
    except (OSError, sqlite3.Error) as error:
        raise _log_error(directory, error, pending=pending) from error
    finally:
        connection.close()


class _PendingFile:
    """The side file, held under an exclusive lock (``flock``: across threads and processes)."""

    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self.path = path
        self._handle = handle

    def lines(self) -> list[bytes]:
        self._handle.seek(0)
        return [line for line in self._handle.read().splitlines() if line.strip()]

    def add(self, rows: Sequence[_Row]) -> None:
        self._handle.seek(0, os.SEEK_END)
        self._handle.write(b"".join(_pending_line(row) for row in rows))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def keep_only(self, lines: Sequence[bytes]) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(b"".join(line + b"\n" for line in lines))
        self._handle.flush()
        os.fsync(self._handle.fileno())


@contextlib.contextmanager
def _pending_file(directory: Path) -> Iterator[_PendingFile]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PENDING_FILE
    # Never unlinked: a writer waiting for the lock on a removed file would write into nothing.
    with path.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield _PendingFile(path, handle)
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _pending_line(row: _Row) -> bytes:
    return orjson.dumps(dict(zip(_ROW_FIELDS, row, strict=True))) + b"\n"


def _pending_row(line: bytes) -> _Row | None:
    try:
        entry = orjson.loads(line)
        return (*(entry[name] for name in _ROW_FIELDS[:-1]), entry.get("role"))
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None


def _json(record: Mapping[str, Any] | None) -> str | None:
    return None if record is None else orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


def _text_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


class _Sink(Protocol):
    """Where log rows go: ``kept`` (from the side file, perhaps already there) then ``new``.

    One call is all or nothing; raises ``CorrectionsLogError`` when the log cannot take them.
    """

    def __call__(self, kept: Sequence[_Row], new: Sequence[_Row], *, pending: int) -> None: ...


def _sqlite_sink(directory: Path) -> _Sink:
    def write(kept: Sequence[_Row], new: Sequence[_Row], *, pending: int) -> None:
        with _connection(directory, pending=pending) as connection:
            for row in kept:
                key = (row[1], row[2], row[0], row[5], row[4])
                if connection.execute(_ALREADY_LOGGED, key).fetchone() is None:
                    connection.execute(_INSERT, row)
            connection.executemany(_INSERT, new)

    return write


def _move_pending(pending: _PendingFile, sink: _Sink, new_rows: Sequence[_Row] = ()) -> None:
    """Write the kept entries (then ``new_rows``) into the log in one go, then empty the side
    file; raises ``CorrectionsLogError`` (side file unchanged) when the log is unusable."""
    lines = pending.lines()
    kept = [(line, _pending_row(line)) for line in lines]
    unreadable = [line for line, row in kept if row is None]
    rows = [row for _, row in kept if row is not None]
    if not rows and not new_rows:
        return
    sink(rows, new_rows, pending=len(lines))
    if rows:
        if unreadable:  # a line torn by a crash: kept for a person to look at, never dropped
            logger.warning("%d unreadable line(s) stay in %s", len(unreadable), pending.path)
        pending.keep_only(unreadable)


def log_rows(api_url: str, tenant: str, corrections: Sequence[Correction]) -> list[_Row]:
    """``corrections`` of one API and tenant as log rows (times as fixed-width UTC text)."""
    return [
        (
            _text_time(c.at),
            api_url,
            tenant,
            c.actor,
            c.action,
            c.enrollment_uuid,
            _json(c.before),
            _json(c.after),
            c.role,
        )
        for c in corrections
    ]


def append_corrections(
    directory: Path,
    *,
    api_url: str,
    tenant: str,
    corrections: Sequence[Correction],
    sink: _Sink | None = None,
) -> Path | None:
    """Add ``corrections`` (of one API and tenant) to the log in ``directory``, in one go.

    Entries kept in the side file go in first. Returns None when everything is in the log; when
    the log cannot be written, keeps ``corrections`` in the side file and returns its path.
    Raises ``OSError`` only if the side file cannot be written either. ``sink``: another log
    than the SQLite file in ``directory`` (the side file stays there).
    """
    rows = log_rows(api_url, tenant, corrections)
    with _pending_file(directory) as pending:
        try:
            _move_pending(pending, sink or _sqlite_sink(directory), rows)
        except CorrectionsLogError as error:
            pending.add(rows)
            logger.warning("%s", error)
            return pending.path
    return None


def write_pending(directory: Path, *, sink: _Sink | None = None) -> int:
    """Move the entries kept in the side file into the log; returns how many are still pending.

    Raises ``CorrectionsLogError`` when the log cannot take them (they stay in the side file).
    """
    if not _has_pending(directory):
        return 0
    with _pending_file(directory) as pending:
        _move_pending(pending, sink or _sqlite_sink(directory))
        return len(pending.lines())


def pending_count(directory: Path) -> int:
    """How many entries wait in the side file for the log to be usable."""
    if not _has_pending(directory):
        return 0
    with _pending_file(directory) as pending:
        return len(pending.lines())


def _has_pending(directory: Path) -> bool:
    path = directory / PENDING_FILE
    return path.exists() and path.stat().st_size > 0


def _correction(row: Sequence[Any]) -> Correction:
    at, actor, action, uuid, before, after, role = row
    return Correction(
        at=datetime.strptime(at, _TIME_FORMAT).replace(tzinfo=UTC),
        actor=actor,
        action=action,
        enrollment_uuid=uuid,
        before=None if before is None else orjson.loads(before),
        after=None if after is None else orjson.loads(after),
        role=role,
    )


def corrections_since(
    directory: Path, *, api_url: str, tenant: str, since: datetime
) -> list[Correction]:
    """The logged corrections of one API and tenant made at or after ``since``, oldest first.

    Kept entries are moved into the log first. Raises ``CorrectionsLogError`` when the log
    cannot be read (``pending_corrections`` still gives the kept ones).
    """
    write_pending(directory)
    if not (directory / LOG_FILE).exists():
        return []
    with _connection(directory) as connection:
        rows = connection.execute(
            f"{_SELECT} WHERE api_url = ? AND tenant = ? AND at >= ? ORDER BY id",
            (api_url, tenant, _text_time(since)),
        ).fetchall()
    return [_correction(row) for row in rows]


def pending_corrections(
    directory: Path, *, api_url: str, tenant: str, since: datetime
) -> list[Correction]:
    """The corrections kept in the side file (not yet in the log) of one API and tenant made at
    or after ``since``, in the order they were kept."""
    if not _has_pending(directory):
        return []
    with _pending_file(directory) as pending:
        rows = [_pending_row(line) for line in pending.lines()]
    start = _text_time(since)
    return [
        _correction((row[0], row[3], row[4], row[5], row[6], row[7], row[8]))
        for row in rows
        if row is not None and row[1] == api_url and row[2] == tenant and row[0] >= start
    ]


def corrections_frame(directory: Path, *, api_url: str, tenant: str) -> pl.DataFrame:
    """The whole log of one API and tenant as a frame (``CORRECTIONS_LOG_SCHEMA``), oldest first.

    Kept entries are moved into the log first. Raises ``CorrectionsLogError`` when the log
    cannot be read.
    """
    write_pending(directory)
    if not (directory / LOG_FILE).exists():
        return pl.DataFrame(schema=CORRECTIONS_LOG_SCHEMA)
    with _connection(directory) as connection:
        rows = connection.execute(
            "SELECT at, actor, role, action, enrollment_uuid, before, after FROM corrections"
            " WHERE api_url = ? AND tenant = ? ORDER BY id",
            (api_url, tenant),
        ).fetchall()
    return _frame(rows)


def _frame(rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    """Rows of (at, actor, role, action, enrollment_uuid, before, after) text as the log frame."""
    columns: list[Sequence[Any]] = (
        list(zip(*rows, strict=True)) if rows else [[] for _ in CORRECTIONS_LOG_SCHEMA]
    )
    frame = pl.DataFrame(
        {
            name: pl.Series(name, list(values), dtype=pl.String)
            for name, values in zip(CORRECTIONS_LOG_SCHEMA.names(), columns, strict=True)
        }
    )
    at = pl.col("at").str.to_datetime(_FRAME_TIME_FORMAT, time_unit="us", time_zone="UTC")
    return frame.with_columns(at)


# -- the log as one object: the SQLite file of one host, or a shared log (``shared_store``) ------


def entry_json(row: _Row) -> bytes:
    """One log row as a JSON object (the side file's line, and a shared log's member)."""
    return orjson.dumps(dict(zip(_ROW_FIELDS, row, strict=True)), option=orjson.OPT_SORT_KEYS)


def entry_row(data: bytes | str) -> _Row | None:
    """A log row back from ``entry_json``; None when it is not one."""
    return _pending_row(data.encode() if isinstance(data, str) else data)


def entries_frame(rows: Sequence[_Row]) -> pl.DataFrame:
    """Log rows as the log frame (``CORRECTIONS_LOG_SCHEMA``), in the order given."""
    return _frame([(r[0], r[3], r[8], r[4], r[5], r[6], r[7]) for r in rows])


def entry_correction(row: _Row) -> Correction:
    """A log row as a ``Correction``."""
    return _correction((row[0], row[3], row[4], row[5], row[6], row[7], row[8]))


def time_text(moment: datetime) -> str:
    """A time as the log writes it (fixed-width UTC text: text order is time order)."""
    return _text_time(moment)
